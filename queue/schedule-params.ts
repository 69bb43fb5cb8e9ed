/**
 * A connector's or job's typed parameters: the configured values (YAML or admin dialog; secret
 * ones sealed at rest), else the environment instance's (behaviour.md 17), else the seed's defaults.
 */
import { coerceParam } from '../config/coerce-param';
import type { ConnectorSpec, JobSpec, ParamSpec } from '../handlers/kit/spec';
import { registerSecret } from '../lib/log';
import { SecretBox } from '../store/crypto';

/** Opens a sealed parameter value stored under `param` (EnvironmentStore.scheduleOpener). */
export type OpenSealed = (sealed: string, param: string) => string;

export function scheduleParams(
  specParams: ParamSpec[],
  configured: Record<string, unknown>,
  instance: Record<string, unknown>,
  instanceParamMap: Record<string, string> = {},
  open?: OpenSealed,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(configured ?? {})) {
    const p = specParams.find((x) => x.id === key || x.aliases?.includes(key));
    if (!p) throw new Error(`unknown parameter ${key} (parameters: ${specParams.map((x) => x.id).join(', ')})`);
    if (raw === undefined || raw === null) continue;
    const value = typeof raw === 'string' && open && SecretBox.isSealed(raw) ? JSON.parse(open(raw, key)) : raw;
    out[p.id] = coerceParam(p, value, p.id);
  }
  for (const p of specParams) {
    if (out[p.id] !== undefined) continue;
    const fromInstance = p.defaultFromInstance ?? instanceParamMap[p.id];
    if (fromInstance && instance[fromInstance] !== undefined && instance[fromInstance] !== '') out[p.id] = instance[fromInstance];
    else if (p.default !== undefined) out[p.id] = p.default;
  }
  for (const p of specParams) if (p.secret && typeof out[p.id] === 'string') registerSecret(out[p.id] as string);
  return out;
}

/** The configuration problem of a connector or job, one line, or null (behaviour.md 24). */
export function scheduleProblem(spec: ConnectorSpec | JobSpec, configured: Record<string, unknown>, open?: OpenSealed): string | null {
  try {
    const params = scheduleParams(spec.params, configured, {}, {}, open);
    return 'validate' in spec && spec.validate ? spec.validate(params) : null;
  } catch (err) {
    return (err as Error).message.split('\n')[0]!;
  }
}

/**
 * A connector's or job's typed parameters: the configured values (YAML or admin dialog; secret
 * ones sealed at rest), else the environment instance's (behaviour.md 17), else the seed's defaults.
 */
import { applyDefaults, coerceParam, problemText } from '../handlers/kit/params';
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
    const typed = coerceParam(p, value, { placeholders: true });
    if (!typed.ok) throw new Error(`${p.id}: ${problemText(typed.problem)}`);
    out[p.id] = typed.value;
  }
  const filled = applyDefaults(specParams, out, { instance, instanceParamMap });
  for (const p of specParams) if (p.secret && typeof filled[p.id] === 'string') registerSecret(filled[p.id] as string);
  return filled;
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

/** Integration instances: set (secrets sealed by the store), show (secrets masked). */
import type { IntegrationSpec } from '../../../handlers/kit/spec';
import { storedInstanceParams, unsetInstanceParams } from '../../../store/environment-admin';
import { checkAdminOf } from '../access';
import type { AdminDeps } from '../deps';
import { audit, ok, refused, type Actor, type OpResult } from '../result';
import { display, needsValue } from '../validate';

/** The audit line of a change: every param named, secrets masked. */
export function describeChange(integration: IntegrationSpec, values: Record<string, unknown>, unset: string[]): string {
  const parts = integration.params
    .filter((p) => values[p.id] !== undefined)
    .map((p) => `${p.id}=${display(p, values[p.id])}`);
  const cleared = unset.map((id) => `${id} cleared`);
  return [...parts, ...cleared].join(', ') || 'nothing';
}

export async function saveInstance(
  deps: AdminDeps,
  actor: Actor,
  env: string,
  integration: IntegrationSpec,
  values: Record<string, unknown>,
  unset: string[],
  note = '',
): Promise<OpResult> {
  const allowed = await checkAdminOf(deps.environments, env, actor.user);
  if (!allowed.ok) return refused(allowed.message);
  await deps.environments.setInstance(env, integration.id, values);
  await unsetInstanceParams(deps.environments, env, integration.id, unset);
  const what = describeChange(integration, values, unset);
  await audit(deps, actor, env, 'admin set', `${integration.id}: ${what}${note ? ` (${note})` : ''}`);
  const names = [...Object.keys(values), ...unset];
  return ok(`${integration.name} in environment ${env}: ${names.length} parameter(s) saved (${names.map((n) => `--${n}`).join(', ')}).`);
}

export interface InstanceRow {
  id: string;
  name: string;
  value: string;
  /** `set`, `default`, `missing` (required, no value). */
  state: 'set' | 'default' | 'missing' | 'empty';
}

/** The instance as an admin may see it: values, defaults, and which required ones are missing. */
export async function instanceRows(deps: AdminDeps, env: string, integration: IntegrationSpec): Promise<InstanceRow[]> {
  const shown = await deps.environments.showInstance(env, integration.id);
  return integration.params.map((p) => {
    if (shown[p.id] !== undefined) return { id: p.id, name: p.displayName, value: p.secret ? '••••••' : shown[p.id]!, state: 'set' as const };
    if (p.default !== undefined) return { id: p.id, name: p.displayName, value: Array.isArray(p.default) ? p.default.join(',') : String(p.default), state: 'default' as const };
    return { id: p.id, name: p.displayName, value: '', state: needsValue(p) ? ('missing' as const) : ('empty' as const) };
  });
}

export async function storedIds(deps: AdminDeps, env: string, integration: IntegrationSpec): Promise<Set<string>> {
  return new Set(await storedInstanceParams(deps.environments, env, integration.id));
}

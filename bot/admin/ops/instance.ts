/**
 * Integration instances: set (secrets sealed by the store), show (secrets masked). A change in
 * chat points URLs at public addresses only (or origins the operator trusts), and moves no stored
 * secret to endpoints it was not saved with unless the secret is typed again in the same change.
 */
import { instanceWithDefaults } from '../../../handlers/kit/instance';
import type { ConnectorSpec, IntegrationSpec, JobSpec } from '../../../handlers/kit/spec';
import { storedInstanceParams, unsetInstanceParams } from '../../../store/environment-admin';
import { bindSecrets, endpointChange, endpointParams, isObtainedSecret } from '../../../store/secret-endpoints';
import { checkAdminOf } from '../access';
import type { AdminDeps } from '../deps';
import { audit, ok, refused, type Actor, type OpResult } from '../result';
import { checkTargets, display, needsValue } from '../validate';

/** The audit line of a change: every param named, secrets masked. */
export function describeChange(integration: IntegrationSpec, values: Record<string, unknown>, unset: string[]): string {
  const parts = integration.params.filter((p) => values[p.id] !== undefined).map((p) => `${p.id}=${display(p, values[p.id])}`);
  const cleared = unset.map((id) => `${id} cleared`);
  return [...parts, ...cleared].join(', ') || 'nothing';
}

export interface ChangeCheck {
  /** By param id, one line each: what the change may not do. */
  fields: Record<string, string>;
  /** Secrets the product obtained from the old endpoints (a refresh token): cleared with the change. */
  dropped: string[];
}

function secretLine(integration: IntegrationSpec, changed: string[], missing: string[]): string {
  const flags = (ids: string[]) => ids.map((id) => `--${id}`).join(', ');
  const them = missing.length === 1 ? 'it' : 'them';
  return `Changing ${flags(changed)} would send the stored ${flags(missing)} of ${integration.name} to an endpoint ${them === 'it' ? 'it was' : 'they were'} not saved with: type ${them} again in the same change (${missing.map((id) => `--${id} …`).join(' ')}).`;
}

/** Checks a chat change before anything is saved or sent (text `admin set` and the dialog's Test and save). */
export async function checkInstanceChange(
  deps: AdminDeps,
  env: string,
  integration: IntegrationSpec,
  values: Record<string, unknown>,
  unset: string[],
): Promise<ChangeCheck> {
  const fields = await checkTargets(deps.environments.trust, env, integration.params, values);
  // An address that cannot be set at all is the one thing to say.
  if (Object.keys(fields).length) return { fields, dropped: [] };
  const stored = await deps.environments.showInstance(env, integration.id);
  const secrets = integration.params.filter((p) => p.secret && stored[p.id] !== undefined).map((p) => p.id);
  const change = endpointChange(integration.params, stored, secrets, values, unset);
  const missing = change.leftBehind.filter((id) => !isObtainedSecret(id));
  if (missing.length) {
    const line = secretLine(integration, change.changed, missing);
    for (const id of missing) fields[id] ??= line;
  }
  return { fields, dropped: missing.length ? [] : change.leftBehind.filter(isObtainedSecret) };
}

/**
 * A connector or job added in chat that points its connection at other endpoints than its
 * instance's takes its own secrets: the instance's stay with the instance's endpoints.
 */
export async function scheduleEndpointProblems(
  deps: AdminDeps,
  env: string,
  spec: ConnectorSpec | JobSpec,
  values: Record<string, unknown>,
): Promise<Record<string, string>> {
  const map = 'instanceParamMap' in spec ? (spec.instanceParamMap ?? {}) : {};
  const instanceId = (id: string): string | undefined => spec.params.find((p) => p.id === id)?.defaultFromInstance ?? map[id];
  const integration = deps.catalog.find((i) => i.id === spec.integration);
  if (!integration) return {};
  const stored = instanceWithDefaults(integration.params, await deps.environments.showInstance(env, integration.id), '');
  const same = (a: unknown, b: unknown) =>
    String(a ?? '')
      .trim()
      .replace(/\/+$/, '') ===
    String(b ?? '')
      .trim()
      .replace(/\/+$/, '');
  const changed = endpointParams(spec.params).filter((p) => values[p.id] !== undefined && instanceId(p.id) && !same(values[p.id], stored[instanceId(p.id)!]));
  if (!changed.length) return {};
  const missing = spec.params.filter(
    (p) => p.secret && values[p.id] === undefined && instanceId(p.id) && stored[instanceId(p.id)!] !== undefined && !isObtainedSecret(p.id),
  );
  if (!missing.length) return {};
  const flags = (ids: string[]) => ids.map((id) => `--${id}`).join(', ');
  const line = `${flags(changed.map((p) => p.id))} ${changed.length === 1 ? 'differs' : 'differ'} from the instance's, whose stored secrets stay with its own endpoints: give it its own ${flags(missing.map((p) => p.id))}.`;
  return Object.fromEntries(missing.map((p) => [p.id, line]));
}

/** A refused change is audited too: pointing settings at internal addresses is worth knowing about. */
export async function auditRefusedChange(
  deps: AdminDeps,
  actor: Actor,
  env: string,
  integration: IntegrationSpec,
  fields: Record<string, string>,
): Promise<void> {
  await audit(deps, actor, env, 'admin set refused', `${integration.id}: ${[...new Set(Object.values(fields))].join(' ')}`);
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
  const check = await checkInstanceChange(deps, env, integration, values, unset);
  const problems = Object.values(check.fields);
  if (problems.length) {
    await auditRefusedChange(deps, actor, env, integration, check.fields);
    return refused(problems[0]!, check.fields);
  }
  await deps.environments.setInstance(env, integration.id, values, { by: 'chat' });
  const cleared = [...unset, ...check.dropped.filter((id) => !unset.includes(id))];
  await unsetInstanceParams(deps.environments, env, integration.id, cleared);
  // The secrets typed in this change go to the endpoints it leaves.
  await bindSecrets(
    deps.environments,
    env,
    integration.id,
    integration.params.filter((p) => p.secret && values[p.id] !== undefined).map((p) => p.id),
  );
  const dropped = check.dropped.length ? `${check.dropped.map((id) => `--${id}`).join(', ')} cleared: it was issued for the old endpoints` : '';
  const notes = [note, dropped].filter(Boolean).join('; ');
  await audit(deps, actor, env, 'admin set', `${integration.id}: ${describeChange(integration, values, cleared)}${notes ? ` (${notes})` : ''}`);
  const names = [...Object.keys(values), ...unset];
  const saved = `${integration.name} in environment ${env}: ${names.length} parameter(s) saved (${names.map((n) => `--${n}`).join(', ')}).`;
  return ok(dropped ? `${saved} ${dropped}; run Get Authorization again for delegated access.` : saved);
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
    if (p.default !== undefined)
      return { id: p.id, name: p.displayName, value: Array.isArray(p.default) ? p.default.join(',') : String(p.default), state: 'default' as const };
    return { id: p.id, name: p.displayName, value: '', state: needsValue(p) ? ('missing' as const) : ('empty' as const) };
  });
}

export async function storedIds(deps: AdminDeps, env: string, integration: IntegrationSpec): Promise<Set<string>> {
  return new Set(await storedInstanceParams(deps.environments, env, integration.id));
}

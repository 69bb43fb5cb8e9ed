/**
 * A stored secret is sent only to the endpoints it was saved with. Next to an instance's secrets
 * the store keeps, per secret, a fingerprint of the instance's endpoints (login root, API roots,
 * endpoints, Test URL) as they were when the secret was saved. A secret whose fingerprint no
 * longer matches is withheld: it is never handed to a run that would send it elsewhere.
 */
import { createHash } from 'node:crypto';
import { catalog, isSecretParam } from '../handlers/catalog';
import { instanceWithDefaults } from '../handlers/kit/instance';
import type { IntegrationId, ParamSpec } from '../handlers/kit/spec';
import type { EnvironmentStore } from './environments';

/** The parameters an instance's secrets, or the tokens they buy, are sent to. */
export function endpointParams(params: readonly ParamSpec[]): ParamSpec[] {
  return params.filter((p) => p.type === 'url' && !/redirect/.test(p.id));
}

/** Each endpoint of `values` with defaults filled in, as compared (trailing slashes aside). */
export function endpointsOf(params: readonly ParamSpec[], values: Record<string, unknown>): Record<string, string> {
  const filled = instanceWithDefaults([...params], values, '');
  const out: Record<string, string> = {};
  for (const p of endpointParams(params))
    out[p.id] = String(filled[p.id] ?? '')
      .trim()
      .replace(/\/+$/, '');
  return out;
}

export function endpointFingerprint(params: readonly ParamSpec[], values: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify(Object.entries(endpointsOf(params, values)).sort()))
    .digest('hex')
    .slice(0, 32);
}

/** Secret parameters that are not typed by anyone: the product obtained them from the endpoints (a refresh token). */
export function isObtainedSecret(id: string): boolean {
  return id === 'refresh-token';
}

function paramsOf(integration: IntegrationId): ParamSpec[] {
  return catalog.find((i) => i.id === integration)?.params ?? [];
}

async function storedSecretIds(store: EnvironmentStore, env: string, integration: IntegrationId): Promise<string[]> {
  return (await store.redis.hkeys(store.keys.instance(env, integration))).filter((id) => isSecretParam(integration, id));
}

/** Binds the named stored secrets to the instance's endpoints as stored now. */
export async function bindSecrets(store: EnvironmentStore, env: string, integration: IntegrationId, ids: readonly string[]): Promise<void> {
  const stored = new Set(await storedSecretIds(store, env, integration));
  const bound = ids.filter((id) => stored.has(id));
  if (!bound.length) return;
  const fingerprint = endpointFingerprint(paramsOf(integration), await store.showInstance(env, integration));
  await store.redis.hset(store.keys.secretEndpoints(env, integration), ...bound.flatMap((id) => [id, fingerprint]));
}

/**
 * After a write by the operator (CONFIG_FILE, demo, set-up): the secrets written are bound to the
 * endpoints; when the endpoints changed too, every stored secret moves with them (the operator's call).
 */
export async function bindAfterOperatorWrite(store: EnvironmentStore, env: string, integration: IntegrationId, values: Record<string, unknown>): Promise<void> {
  const written = Object.keys(values).filter((id) => values[id] !== undefined);
  const movesEndpoints = endpointParams(paramsOf(integration)).some((p) => written.includes(p.id));
  const ids = movesEndpoints ? await storedSecretIds(store, env, integration) : written.filter((id) => isSecretParam(integration, id));
  await bindSecrets(store, env, integration, ids);
}

/**
 * The secrets among `values` that would go to endpoints they were not saved with (`typed`: saved
 * in this very change, so bound to these endpoints). A secret saved before bindings existed is
 * taken as bound to the endpoints stored with it.
 */
export async function unboundSecrets(
  store: EnvironmentStore,
  env: string,
  integration: IntegrationId,
  values: Record<string, unknown>,
  typed: readonly string[] = [],
  /** The stored bindings, when read already (secretBindings). */
  read?: Record<string, string>,
): Promise<string[]> {
  const bindings = read ?? (await secretBindings(store, env, integration));
  const present = Object.keys(values).filter((id) => values[id] !== undefined && values[id] !== '' && isSecretParam(integration, id) && !typed.includes(id));
  if (!present.some((id) => bindings[id])) return [];
  const fingerprint = endpointFingerprint(paramsOf(integration), values);
  return present.filter((id) => bindings[id] && bindings[id] !== fingerprint);
}

/** Each stored secret's endpoints (a fingerprint) as saved with it. */
export function secretBindings(store: EnvironmentStore, env: string, integration: IntegrationId): Promise<Record<string, string>> {
  return store.redis.hgetall(store.keys.secretEndpoints(env, integration));
}

/** Drops from an opened instance every secret its endpoints no longer match (`bindings`: read with it, secretBindings). */
export async function withholdUnbound(
  store: EnvironmentStore,
  env: string,
  integration: IntegrationId,
  instance: Record<string, unknown>,
  bindings: Record<string, string>,
): Promise<Record<string, unknown>> {
  for (const id of await unboundSecrets(store, env, integration, instance, [], bindings)) delete instance[id];
  return instance;
}

export interface EndpointChange {
  /** Endpoint parameters whose value changes. */
  changed: string[];
  /** Stored secrets, not typed again in this change, that would go to the changed endpoints. */
  leftBehind: string[];
}

/** What a change (values set, params cleared) does to the endpoints of stored secrets. */
export function endpointChange(
  params: readonly ParamSpec[],
  stored: Record<string, unknown>,
  storedSecrets: readonly string[],
  values: Record<string, unknown>,
  unset: readonly string[],
): EndpointChange {
  const after: Record<string, unknown> = { ...stored, ...values };
  for (const id of unset) delete after[id];
  const before = endpointsOf(params, stored);
  const next = endpointsOf(params, after);
  const changed = Object.keys(before).filter((id) => before[id] !== next[id]);
  if (!changed.length) return { changed, leftBehind: [] };
  const leftBehind = storedSecrets.filter((id) => values[id] === undefined && !unset.includes(id));
  return { changed, leftBehind };
}

/**
 * What `soar admin` needs from the environment store beyond store/environments.ts: renaming and
 * deleting a whole environment, removing instance parameters and schedules. Functions over the
 * store, so that environments.ts keeps one job.
 */
import { catalog } from '../handlers/catalog';
import type { IntegrationId } from '../handlers/kit/spec';
import { AUDIT_RETENTION_MS } from './audit';
import type { EnvironmentStore } from './environments';

/** Every per-environment key this store writes (instances of every integration included). */
function environmentKeys(store: EnvironmentStore, env: string): string[] {
  const k = store.keys;
  return [
    k.envMeta(env),
    k.roles(env),
    k.channels(env),
    k.connectors(env),
    k.jobs(env),
    k.trustedOrigins(env),
    ...catalog.map((i) => k.instance(env, i.id)),
    ...catalog.map((i) => k.secretEndpoints(env, i.id)),
  ];
}

/** Keys of the environment's connector and job state (checkpoints, dedup sets: queue/connector-state.ts). */
async function scheduleStateKeys(store: EnvironmentStore, env: string): Promise<string[]> {
  const pattern = store.keys.scheduleStatesAll(env);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await store.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/**
 * Renames `from` to `to`: settings, roles, channel bindings, connectors and jobs (with their
 * checkpoints, so no event is posted twice) move with it. False when `from` does not exist or
 * `to` already does (nothing changed then).
 */
export async function renameEnvironment(store: EnvironmentStore, from: string, to: string): Promise<boolean> {
  const { redis, keys } = store;
  if (!(await store.exists(from)) || (await store.exists(to))) return false;
  const channels = await store.channelsOf(from);
  const pairs = environmentKeys(store, from).map((key, i) => [key, environmentKeys(store, to)[i]!] as const);
  const present = await Promise.all(pairs.map(([src]) => redis.exists(src)));
  // Secrets are sealed for their environment: they move sealed again for the new name, not renamed.
  const resealed = await store.resealedFor(from, to);
  const moved = new Set(resealed.map((r) => r.from));
  const multi = redis.multi().srem(keys.envNames(), from).sadd(keys.envNames(), to);
  pairs.forEach(([src, dst], i) => {
    if (present[i] && !moved.has(src)) multi.rename(src, dst);
  });
  for (const r of resealed) multi.del(r.from, r.to).hset(r.to, r.fields);
  for (const channel of channels) multi.set(keys.binding(channel), to);
  // The audit log moves with the environment (an environment created later under the old name starts with none).
  if (await redis.exists(keys.audit(from))) multi.zunionstore(keys.audit(to), 2, keys.audit(to), keys.audit(from)).del(keys.audit(from));
  const stateFrom = keys.scheduleStates(from);
  for (const key of await scheduleStateKeys(store, from)) multi.rename(key, `${keys.scheduleStates(to)}${key.slice(stateFrom.length)}`);
  await multi.exec();
  return true;
}

/** Deletes an environment and everything in it; its channels become unbound. Returns those channels. */
export async function deleteEnvironment(store: EnvironmentStore, env: string): Promise<string[] | null> {
  const { redis, keys } = store;
  if (!(await store.exists(env))) return null;
  const channels = await store.channelsOf(env);
  const multi = redis
    .multi()
    .srem(keys.envNames(), env)
    .del(...environmentKeys(store, env), ...(await scheduleStateKeys(store, env)));
  for (const channel of channels) multi.del(keys.binding(channel));
  // The audit log is kept for the operator (a year), out of reach of a later environment of that name.
  const aside = keys.deletedAudit(env, Date.now());
  if (await redis.exists(keys.audit(env))) multi.rename(keys.audit(env), aside).pexpire(aside, AUDIT_RETENTION_MS);
  await multi.exec();
  return channels;
}

/** Removes instance parameters (back to their defaults). */
export async function unsetInstanceParams(store: EnvironmentStore, env: string, integration: IntegrationId, ids: string[]): Promise<void> {
  if (ids.length) await store.redis.hdel(store.keys.instance(env, integration), ...ids);
}

/** Ids of the instance parameters that hold a value (secrets included, never opened). */
export async function storedInstanceParams(store: EnvironmentStore, env: string, integration: IntegrationId): Promise<string[]> {
  return store.redis.hkeys(store.keys.instance(env, integration));
}

export async function removeSchedule(store: EnvironmentStore, env: string, kind: 'connectors' | 'jobs', name: string): Promise<boolean> {
  return (await store.redis.hdel(store.keys[kind](env), name)) === 1;
}

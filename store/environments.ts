/**
 * Environments in Redis: integration instances (secrets sealed with AES-256-GCM), channel
 * bindings, roles, approvals, connectors and jobs. Nothing is kept only in process memory.
 */
import type { Redis } from 'ioredis';
import type { DemoTour } from '../lib/demo';
import { valueText } from '../handlers/kit/params';
import type { IntegrationId } from '../handlers/kit/spec';
import { allConnectors, allJobs, catalog, isSecretParam } from '../handlers/catalog';
import { registerSecret } from '../lib/log';
import { OperatorTrust, targetOrigins } from './allow-list';
import { SecretBox } from './crypto';
import { Keys } from './keys';
import { defineScript, type Script } from './scripts';
import { bindAfterOperatorWrite, secretBindings, withholdUnbound } from './secret-endpoints';
import { highestRole, type Role, isRole } from './roles';

export interface EnvironmentMeta {
  /** The embedded demo environment (contract.md §1). */
  demo?: boolean;
  adminChannel?: string;
  httpAllowList?: string[];
  files?: { gcsBucket?: string };
  approvals?: { requiredFor?: string[]; approversNeeded?: number };
  /** Roles and bindings come from CONFIG_FILE: a chat change lasts until the next start. */
  fileManaged?: boolean;
  /** The demo's first steps, shown on the web chat's first screen and in `soar help` (behaviour.md 49). */
  demoTour?: DemoTour;
}

/** What replacing an environment's roles and bindings took away. */
export interface AccessChange {
  /** `user (role)` pairs no longer granted. */
  revoked: string[];
  /** Channels no longer bound to the environment. */
  unbound: string[];
}

export interface ScheduleConfig {
  name: string;
  type: string;
  channel?: string;
  every: string;
  params: Record<string, unknown>;
  paused?: boolean;
  whitelist?: string[];
  blacklist?: string[];
  dynamicList?: string[];
}

type ScheduleKind = 'connectors' | 'jobs';

/** Where an instance secret belongs: sealed for this place, it opens nowhere else. */
export function instanceSecretContext(env: string, integration: string, param: string): string {
  return JSON.stringify(['instance', env, integration, param]);
}

/** Where a connector's or job's secret parameter belongs. */
export function scheduleSecretContext(env: string, kind: ScheduleKind, name: string, param: string): string {
  return JSON.stringify([kind, env, name, param]);
}

/**
 * What a command needs to know before it is acknowledged, in one round trip: the channel's
 * binding (KEYS[1]), then in that environment its settings, the user's roles and whether the
 * integration is configured (key names from store/keys.ts with ENV_MARK for the environment),
 * and whether each of KEYS[2..] exists (the job already queued or known).
 */
const COMMAND_READ = `local env = redis.call('GET', KEYS[1])
local seen = {}
for i = 2, #KEYS do seen[i - 1] = redis.call('EXISTS', KEYS[i]) end
if not env then return {false, false, false, 0, seen} end
local function key(template)
  local at = string.find(template, ARGV[1], 1, true)
  return string.sub(template, 1, at - 1) .. env .. string.sub(template, at + #ARGV[1])
end
return {env, redis.call('GET', key(ARGV[2])), redis.call('HGET', key(ARGV[3]), ARGV[5]), redis.call('EXISTS', key(ARGV[4])), seen}`;
/** Stands for the environment's name in COMMAND_READ's key templates. */
const ENV_MARK = '\u0001env\u0001';

/** A command's access facts, read at once (EnvironmentStore.commandRead). */
export interface CommandRead {
  /** The channel's environment (null: not bound). */
  environment: string | null;
  meta: EnvironmentMeta;
  /** The user's highest role there. */
  role?: Role;
  /** Whether the integration has an instance there. */
  hasInstance: boolean;
  /** Whether each key asked about exists, in order. */
  exists: boolean[];
}

/** HSET only if the field still holds what was read (a concurrent write wins). */
const SET_IF_UNCHANGED = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end return -1`;

export class EnvironmentStore {
  readonly keys: Keys;

  /** Origins the operator trusts with non-public addresses (TRUSTED_ORIGINS, CONFIG_FILE, set-up). */
  readonly trust: OperatorTrust;
  private readonly commandReadScript: Script;

  constructor(
    readonly redis: Redis,
    readonly box: SecretBox,
    prefix: string,
    opts: { trustedOrigins?: readonly string[] } = {},
  ) {
    this.keys = new Keys(prefix);
    this.trust = new OperatorTrust(redis, this.keys, opts.trustedOrigins);
    this.commandReadScript = defineScript(redis, 'chatsoarCommandRead', COMMAND_READ);
  }

  async create(name: string): Promise<boolean> {
    return (await this.redis.sadd(this.keys.envNames(), name)) === 1;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.envNames(), name)) === 1;
  }

  async list(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.envNames())).sort();
  }

  async getMeta(env: string): Promise<EnvironmentMeta> {
    const raw = await this.redis.get(this.keys.envMeta(env));
    return raw ? (JSON.parse(raw) as EnvironmentMeta) : {};
  }

  async setMeta(env: string, meta: EnvironmentMeta): Promise<void> {
    await this.redis.set(this.keys.envMeta(env), JSON.stringify(meta));
    // No chat operation writes httpAllowList: it comes from CONFIG_FILE or set-up, so the operator named it.
    await this.trust.record(env, meta.httpAllowList ?? []);
  }

  /**
   * Writes instance parameters; secret values are sealed before they reach Redis. Written by the
   * operator (CONFIG_FILE, demo, set-up; the default; also a worker storing a rotated token), its
   * URLs become trusted origins and its secrets are bound to its endpoints; a chat admin's change
   * (`by: 'chat'`) does neither (bot/admin binds the secrets typed with it).
   */
  async setInstance(env: string, integration: IntegrationId, values: Record<string, unknown>, opts: { by?: 'operator' | 'chat' } = {}): Promise<void> {
    const entries: string[] = [];
    for (const [id, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const json = JSON.stringify(value);
      if (isSecretParam(integration, id)) {
        registerSecret(String(value));
        entries.push(id, this.box.seal(json, instanceSecretContext(env, integration, id)));
      } else {
        entries.push(id, json);
      }
    }
    if (entries.length) await this.redis.hset(this.keys.instance(env, integration), ...entries);
    if (opts.by === 'chat') return;
    await this.trust.record(env, targetOrigins(catalog.find((i) => i.id === integration)?.params ?? [], values));
    await bindAfterOperatorWrite(this, env, integration, values);
  }

  /** Reads an instance with secrets opened (in memory only, for a worker's run). */
  async getInstance(env: string, integration: IntegrationId): Promise<Record<string, unknown>> {
    const key = this.keys.instance(env, integration);
    // The secrets' endpoint bindings read with the values (one round trip).
    const [raw, bindings] = await Promise.all([this.redis.hgetall(key), secretBindings(this, env, integration)]);
    const out: Record<string, unknown> = {};
    for (const [id, stored] of Object.entries(raw)) {
      const context = instanceSecretContext(env, integration, id);
      const json = SecretBox.isSealed(stored) ? this.openSecret(stored, context, `${integration} parameter ${id}`) : stored;
      out[id] = JSON.parse(json);
      if (!SecretBox.isSealed(stored)) continue;
      registerSecret(String(out[id]));
      // Sealed before values were bound to their place: sealed again, bound, on first read.
      if (SecretBox.isLegacy(stored)) await this.redis.eval(SET_IF_UNCHANGED, 1, key, id, stored, this.box.seal(json, context));
    }
    // A secret is handed out only with the endpoints it was saved with.
    return withholdUnbound(this, env, integration, out, bindings);
  }

  /** One line naming the parameter when a sealed value does not open here (another key, or copied from another place). */
  private openSecret(sealed: string, context: string, what: string): string {
    try {
      return this.box.open(sealed, context);
    } catch {
      throw new Error(`The stored ${what} cannot be opened with SECRETS_KEY for this place: set it again.`);
    }
  }

  /** Opens the sealed parameters of one connector or job (queue/schedule-params.ts). */
  scheduleOpener(env: string, kind: ScheduleKind, name: string): (sealed: string, param: string) => string {
    return (sealed, param) => this.openSecret(sealed, scheduleSecretContext(env, kind, name, param), `parameter ${param} of ${name}`);
  }

  /** For display: secrets shown as •••••• (contract.md §6). */
  async showInstance(env: string, integration: IntegrationId): Promise<Record<string, string>> {
    const raw = await this.redis.hgetall(this.keys.instance(env, integration));
    const out: Record<string, string> = {};
    for (const [id, stored] of Object.entries(raw)) out[id] = SecretBox.isSealed(stored) ? '••••••' : valueText(JSON.parse(stored));
    return out;
  }

  async hasInstance(env: string, integration: IntegrationId): Promise<boolean> {
    return (await this.redis.exists(this.keys.instance(env, integration))) === 1;
  }

  async bind(channel: string, env: string): Promise<void> {
    const previous = await this.redis.get(this.keys.binding(channel));
    const multi = this.redis.multi().set(this.keys.binding(channel), env).sadd(this.keys.channels(env), channel);
    if (previous && previous !== env) multi.srem(this.keys.channels(previous), channel);
    await multi.exec();
  }

  async unbind(channel: string): Promise<string | null> {
    const env = await this.redis.get(this.keys.binding(channel));
    if (env) await this.redis.multi().del(this.keys.binding(channel)).srem(this.keys.channels(env), channel).exec();
    return env;
  }

  async environmentOf(channel: string): Promise<string | null> {
    return this.redis.get(this.keys.binding(channel));
  }

  async channelsOf(env: string): Promise<string[]> {
    return (await this.redis.smembers(this.keys.channels(env))).sort();
  }

  async grant(env: string, role: Role, users: string[]): Promise<void> {
    if (!users.length) return;
    const key = this.keys.roles(env);
    for (const user of users) {
      const current = await this.redis.hget(key, user);
      const roles = new Set((current ?? '').split(',').filter(isRole));
      roles.add(role);
      await this.redis.hset(key, user, [...roles].join(','));
    }
  }

  async revoke(env: string, role: Role, users: string[]): Promise<void> {
    const key = this.keys.roles(env);
    for (const user of users) {
      const roles = new Set(((await this.redis.hget(key, user)) ?? '').split(',').filter(isRole));
      roles.delete(role);
      if (roles.size) await this.redis.hset(key, user, [...roles].join(','));
      else await this.redis.hdel(key, user);
    }
  }

  /**
   * Makes an environment's roles and channel bindings exactly these and merges `meta` into its
   * meta, in one transaction: another process sees the old access or the new one, never a mix.
   * A listed channel bound elsewhere moves here. Runs on its own connection so that WATCH holds.
   */
  async replaceAccess(env: string, roles: Partial<Record<Role, string[]>>, channels: string[], meta: EnvironmentMeta): Promise<AccessChange> {
    const wanted = new Map<string, Set<Role>>();
    for (const [role, users] of Object.entries(roles) as Array<[Role, string[] | undefined]>) {
      for (const user of users ?? []) wanted.set(user, (wanted.get(user) ?? new Set<Role>()).add(role));
    }
    const listed = [...new Set(channels)];
    const conn = this.redis.duplicate();
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        const k = this.keys;
        await conn.watch(k.channels(env), k.roles(env), k.envMeta(env));
        const [oldChannels, oldRoles, rawMeta] = await Promise.all([conn.smembers(k.channels(env)), conn.hgetall(k.roles(env)), conn.get(k.envMeta(env))]);
        const touched = [...new Set([...oldChannels, ...listed])];
        if (touched.length) await conn.watch(...touched.map((c) => k.binding(c)));
        const boundTo = touched.length ? await conn.mget(...touched.map((c) => k.binding(c))) : [];
        const multi = conn.multi().sadd(k.envNames(), env).del(k.roles(env), k.channels(env));
        if (wanted.size) multi.hset(k.roles(env), ...[...wanted].flatMap(([user, set]) => [user, [...set].join(',')]));
        if (listed.length) multi.sadd(k.channels(env), ...listed);
        const unbound: string[] = [];
        touched.forEach((channel, i) => {
          const current = boundTo[i];
          if (listed.includes(channel)) {
            multi.set(k.binding(channel), env);
            if (current && current !== env) multi.srem(k.channels(current), channel);
          } else if (current === env) {
            multi.del(k.binding(channel));
            unbound.push(channel);
          }
        });
        multi.set(k.envMeta(env), JSON.stringify({ ...(rawMeta ? (JSON.parse(rawMeta) as EnvironmentMeta) : {}), ...meta }));
        if (await multi.exec()) {
          const revoked = Object.entries(oldRoles).flatMap(([user, list]) =>
            list
              .split(',')
              .filter(isRole)
              .filter((r) => !wanted.get(user)?.has(r))
              .map((r) => `${user} (${r})`),
          );
          return { revoked, unbound };
        }
      }
      throw new Error(`environment ${env}: roles and bindings kept changing while they were being replaced; try again.`);
    } finally {
      conn.disconnect();
    }
  }

  async roleOf(env: string, user: string): Promise<Role | undefined> {
    const raw = await this.redis.hget(this.keys.roles(env), user);
    return raw ? highestRole(raw.split(',').filter(isRole)) : undefined;
  }

  /**
   * The channel's binding, the environment's settings, `user`'s role and whether `integration`
   * is configured there, and whether each of `keys` exists: one round trip before a command is
   * acknowledged (the reads of environmentOf, getMeta, roleOf and hasInstance together).
   */
  async commandRead(channel: string, user: string, integration: IntegrationId, keys: string[] = []): Promise<CommandRead> {
    const [env, meta, roles, instance, seen] = (await this.commandReadScript(
      1 + keys.length,
      this.keys.binding(channel),
      ...keys,
      ENV_MARK,
      this.keys.envMeta(ENV_MARK),
      this.keys.roles(ENV_MARK),
      this.keys.instance(ENV_MARK, integration),
      user,
    )) as [string | null, string | null, string | null, number, number[]];
    return {
      environment: env,
      meta: meta ? (JSON.parse(meta) as EnvironmentMeta) : {},
      role: roles ? highestRole(roles.split(',').filter(isRole)) : undefined,
      hasInstance: instance === 1,
      exists: seen.map((n) => n === 1),
    };
  }

  async usersWithRole(env: string): Promise<Record<string, Role>> {
    const raw = await this.redis.hgetall(this.keys.roles(env));
    const out: Record<string, Role> = {};
    for (const [user, roles] of Object.entries(raw)) {
      const best = highestRole(roles.split(',').filter(isRole));
      if (best) out[user] = best;
    }
    return out;
  }

  /** Stores a connector or job; its secret parameters are sealed like instance secrets. */
  async setSchedule(env: string, kind: ScheduleKind, config: ScheduleConfig, opts: { by?: 'operator' | 'chat' } = {}): Promise<void> {
    await this.redis.hset(this.keys[kind](env), config.name, JSON.stringify(this.sealSchedule(env, kind, config)));
    // The operator's connector URLs and proxies are trusted origins; a chat admin's are not.
    if (opts.by !== 'chat')
      await this.trust.record(
        env,
        targetOrigins((kind === 'connectors' ? allConnectors() : allJobs()).find((s) => s.id === config.type)?.params ?? [], config.params),
      );
  }

  /**
   * The config with every secret parameter sealed for its place (a parameter given by an alias
   * too). A value already sealed must open there; an old-format one is sealed again, bound.
   */
  private sealSchedule(env: string, kind: ScheduleKind, config: ScheduleConfig): ScheduleConfig {
    const spec = (kind === 'connectors' ? allConnectors() : allJobs()).find((s) => s.id === config.type);
    const params: Record<string, unknown> = { ...config.params };
    for (const [key, value] of Object.entries(params)) {
      const p = spec?.params.find((x) => x.id === key || x.aliases?.includes(key));
      if (!p?.secret || value === undefined) continue;
      const context = scheduleSecretContext(env, kind, config.name, key);
      if (typeof value === 'string' && SecretBox.isSealed(value)) {
        const json = this.openSecret(value, context, `parameter ${key} of ${config.name}`);
        if (SecretBox.isLegacy(value)) params[key] = this.box.seal(json, context);
        continue;
      }
      registerSecret(String(value));
      params[key] = this.box.seal(JSON.stringify(value), context);
    }
    return { ...config, params };
  }

  async schedules(env: string, kind: ScheduleKind): Promise<ScheduleConfig[]> {
    const key = this.keys[kind](env);
    const raw = await this.redis.hgetall(key);
    const out: ScheduleConfig[] = [];
    for (const [name, stored] of Object.entries(raw)) {
      const config = JSON.parse(stored) as ScheduleConfig;
      const legacy = Object.values(config.params ?? {}).some((v) => typeof v === 'string' && SecretBox.isLegacy(v));
      if (!legacy) {
        out.push(config);
        continue;
      }
      // Sealed before values were bound to their place: sealed again, bound, on first read.
      let sealed = config;
      try {
        sealed = this.sealSchedule(env, kind, config);
        await this.redis.eval(SET_IF_UNCHANGED, 1, key, name, stored, JSON.stringify(sealed));
      } catch {
        // Left as it is: opening it says what is wrong when it is run.
      }
      out.push(sealed);
    }
    return out;
  }

  /**
   * The instance and schedule hashes of `from` as they must be stored for `to` (a rename): each
   * secret opened for its old place and sealed for the new one (one that does not open stays as it is).
   */
  async resealedFor(from: string, to: string): Promise<Array<{ from: string; to: string; fields: Record<string, string> }>> {
    const reseal = (value: string, fromContext: string, toContext: string): string => {
      try {
        return this.box.seal(this.box.open(value, fromContext), toContext);
      } catch {
        return value;
      }
    };
    const out: Array<{ from: string; to: string; fields: Record<string, string> }> = [];
    for (const integration of catalog.map((i) => i.id)) {
      const fields = await this.redis.hgetall(this.keys.instance(from, integration));
      for (const [id, stored] of Object.entries(fields)) {
        if (SecretBox.isSealed(stored)) fields[id] = reseal(stored, instanceSecretContext(from, integration, id), instanceSecretContext(to, integration, id));
      }
      if (Object.keys(fields).length) out.push({ from: this.keys.instance(from, integration), to: this.keys.instance(to, integration), fields });
    }
    for (const kind of ['connectors', 'jobs'] as const) {
      const fields: Record<string, string> = {};
      for (const config of await this.schedules(from, kind)) {
        const params: Record<string, unknown> = { ...config.params };
        for (const [k, v] of Object.entries(params)) {
          if (typeof v === 'string' && SecretBox.isSealed(v))
            params[k] = reseal(v, scheduleSecretContext(from, kind, config.name, k), scheduleSecretContext(to, kind, config.name, k));
        }
        fields[config.name] = JSON.stringify({ ...config, params });
      }
      if (Object.keys(fields).length) out.push({ from: this.keys[kind](from), to: this.keys[kind](to), fields });
    }
    return out;
  }
}

/**
 * Environments in Redis: integration instances (secrets sealed with AES-256-GCM), channel
 * bindings, roles, approvals, connectors and jobs. Nothing is kept only in process memory.
 */
import type { Redis } from 'ioredis';
import type { IntegrationId } from '../handlers/kit/spec';
import { allConnectors, allJobs, isSecretParam } from '../handlers/catalog';
import { registerSecret } from '../lib/log';
import { SecretBox } from './crypto';
import { Keys } from './keys';
import { highestRole, type Role, isRole } from './roles';

export interface EnvironmentMeta {
  /** The embedded demo environment (CONTRACT §1). */
  demo?: boolean;
  adminChannel?: string;
  httpAllowList?: string[];
  files?: { gcsBucket?: string };
  approvals?: { requiredFor?: string[]; approversNeeded?: number };
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

export class EnvironmentStore {
  readonly keys: Keys;

  constructor(readonly redis: Redis, readonly box: SecretBox, prefix: string) {
    this.keys = new Keys(prefix);
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
  }

  /** Writes instance parameters; secret values are sealed before they reach Redis. */
  async setInstance(env: string, integration: IntegrationId, values: Record<string, unknown>): Promise<void> {
    const entries: string[] = [];
    for (const [id, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const json = JSON.stringify(value);
      if (isSecretParam(integration, id)) {
        registerSecret(String(value));
        entries.push(id, this.box.seal(json));
      } else {
        entries.push(id, json);
      }
    }
    if (entries.length) await this.redis.hset(this.keys.instance(env, integration), ...entries);
  }

  /** Reads an instance with secrets opened (in memory only, for a worker's run). */
  async getInstance(env: string, integration: IntegrationId): Promise<Record<string, unknown>> {
    const raw = await this.redis.hgetall(this.keys.instance(env, integration));
    const out: Record<string, unknown> = {};
    for (const [id, stored] of Object.entries(raw)) {
      const json = SecretBox.isSealed(stored) ? this.box.open(stored) : stored;
      out[id] = JSON.parse(json);
      if (SecretBox.isSealed(stored)) registerSecret(String(out[id]));
    }
    return out;
  }

  /** For display: secrets shown as •••••• (CONTRACT §6). */
  async showInstance(env: string, integration: IntegrationId): Promise<Record<string, string>> {
    const raw = await this.redis.hgetall(this.keys.instance(env, integration));
    const out: Record<string, string> = {};
    for (const [id, stored] of Object.entries(raw)) out[id] = SecretBox.isSealed(stored) ? '••••••' : String(JSON.parse(stored));
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
      const roles = new Set((await this.redis.hget(key, user) ?? '').split(',').filter(isRole));
      roles.delete(role);
      if (roles.size) await this.redis.hset(key, user, [...roles].join(','));
      else await this.redis.hdel(key, user);
    }
  }

  async roleOf(env: string, user: string): Promise<Role | undefined> {
    const raw = await this.redis.hget(this.keys.roles(env), user);
    return raw ? highestRole(raw.split(',').filter(isRole)) : undefined;
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
  async setSchedule(env: string, kind: 'connectors' | 'jobs', config: ScheduleConfig): Promise<void> {
    const spec = (kind === 'connectors' ? allConnectors() : allJobs()).find((s) => s.id === config.type);
    const params: Record<string, unknown> = { ...config.params };
    for (const p of spec?.params ?? []) {
      const value = params[p.id];
      if (!p.secret || value === undefined || (typeof value === 'string' && SecretBox.isSealed(value))) continue;
      registerSecret(String(value));
      params[p.id] = this.box.seal(JSON.stringify(value));
    }
    await this.redis.hset(this.keys[kind](env), config.name, JSON.stringify({ ...config, params }));
  }

  async schedules(env: string, kind: 'connectors' | 'jobs'): Promise<ScheduleConfig[]> {
    const raw = await this.redis.hgetall(this.keys[kind](env));
    return Object.values(raw).map((v) => JSON.parse(v) as ScheduleConfig);
  }
}

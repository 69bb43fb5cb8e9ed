/** CONFIG_FILE (CONTRACT §5): YAML read, checked against the catalogue, applied into Redis. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { allConnectors, allJobs, catalog } from '../handlers/catalog';
import { scheduleProblem } from '../queue/schedule-params';
import type { IntegrationId, ParamSpec } from '../handlers/kit/spec';
import type { EnvironmentMeta, EnvironmentStore, ScheduleConfig } from '../store/environments';
import { isRole, type Role } from '../store/roles';

export class ConfigError extends Error {}

export interface EnvironmentConfig {
  integrations: Partial<Record<IntegrationId, Record<string, unknown>>>;
  channels: string[];
  meta: EnvironmentMeta;
  roles: Partial<Record<Role, string[]>>;
  connectors: ScheduleConfig[];
  jobs: ScheduleConfig[];
}

export type ChatsoarConfig = Record<string, EnvironmentConfig>;

/** `${env:NAME}` → the variable's value; a missing variable is an error naming it. */
function substitute(value: unknown, where: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = process.env[name];
      if (v === undefined) throw new ConfigError(`${where}: environment variable ${name} is not set.`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, `${where}[${i}]`));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, `${where}.${k}`)]));
  return value;
}

/** Coerces a YAML value to the param's type; refuses what cannot be. */
export function coerceParam(p: ParamSpec, value: unknown, where: string): unknown {
  const fail = (why: string) => new ConfigError(`${where}: ${why}`);
  switch (p.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false|yes|no)$/i.test(value)) return /^(true|yes)$/i.test(value);
      throw fail('expected true or false');
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
      throw fail('expected a whole number');
    case 'list':
    case 'email-list':
      if (Array.isArray(value)) return value.map(String);
      if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
      throw fail('expected a list');
    case 'enum': {
      const match = p.options?.find((o) => o.toLowerCase() === String(value).toLowerCase());
      if (!match) throw fail(`expected one of ${p.options?.join(', ')}`);
      return match;
    }
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value);
    default:
      if (value === null || value === undefined) throw fail('no value');
      return String(value);
  }
}

function asStringList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError(`${where}: expected a list`);
  return value.map(String);
}

export function parseConfig(text: string): ChatsoarConfig {
  const raw = parse(text) as { environments?: Record<string, Record<string, unknown>> } | null;
  if (!raw || typeof raw !== 'object' || !raw.environments || typeof raw.environments !== 'object') {
    throw new ConfigError('CONFIG_FILE: expected a top-level `environments:` map.');
  }
  const out: ChatsoarConfig = {};
  for (const [envName, envRaw] of Object.entries(raw.environments)) {
    const where = `environments.${envName}`;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(envName)) throw new ConfigError(`${where}: environment names use letters, digits, . _ - only.`);
    const env = (substitute(envRaw ?? {}, where) ?? {}) as Record<string, unknown>;
    const integrations: EnvironmentConfig['integrations'] = {};
    for (const [intId, values] of Object.entries((env.integrations ?? {}) as Record<string, Record<string, unknown>>)) {
      const spec = catalog.find((i) => i.id === intId);
      if (!spec) throw new ConfigError(`${where}.integrations: unknown integration ${intId} (one of ${catalog.map((i) => i.id).join(', ')}).`);
      const typed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(values ?? {})) {
        const p = spec.params.find((x) => x.id === key);
        if (!p) throw new ConfigError(`${where}.integrations.${intId}: unknown key ${key} (keys: ${spec.params.map((x) => x.id).join(', ')}).`);
        typed[key] = coerceParam(p, value, `${where}.integrations.${intId}.${key}`);
      }
      integrations[spec.id] = typed;
    }
    const roles: EnvironmentConfig['roles'] = {};
    for (const [role, users] of Object.entries((env.roles ?? {}) as Record<string, unknown>)) {
      if (!isRole(role)) throw new ConfigError(`${where}.roles: unknown role ${role} (admin, approver, analyst, viewer).`);
      roles[role] = asStringList(users, `${where}.roles.${role}`);
    }
    const approvals = env.approvals as { 'required-for'?: unknown; 'approvers-needed'?: unknown } | undefined;
    const files = env.files as { 'gcs-bucket'?: string } | undefined;
    const schedules = (key: 'connectors' | 'jobs'): ScheduleConfig[] =>
      ((env[key] ?? []) as Array<Record<string, unknown>>).map((c, i) => {
        if (!c || typeof c.type !== 'string') throw new ConfigError(`${where}.${key}[${i}]: a type is required.`);
        return {
          name: String(c.name ?? c.type),
          type: c.type,
          channel: c.channel ? String(c.channel) : undefined,
          every: String(c.every ?? (key === 'jobs' ? '1d' : '60s')),
          params: (c.params ?? {}) as Record<string, unknown>,
          whitelist: c.whitelist ? asStringList(c.whitelist, `${where}.${key}[${i}].whitelist`) : undefined,
          blacklist: c.blacklist ? asStringList(c.blacklist, `${where}.${key}[${i}].blacklist`) : undefined,
          dynamicList: c['dynamic-list'] ? asStringList(c['dynamic-list'], `${where}.${key}[${i}].dynamic-list`) : undefined,
        };
      });
    out[envName] = {
      integrations,
      channels: asStringList(env.channels, `${where}.channels`),
      roles,
      meta: {
        adminChannel: env['admin-channel'] ? String(env['admin-channel']) : undefined,
        httpAllowList: env['http-allow-list'] ? asStringList(env['http-allow-list'], `${where}.http-allow-list`) : undefined,
        files: files?.['gcs-bucket'] ? { gcsBucket: files['gcs-bucket'] } : undefined,
        approvals: approvals
          ? {
              requiredFor: approvals['required-for'] ? asStringList(approvals['required-for'], `${where}.approvals.required-for`) : undefined,
              approversNeeded: approvals['approvers-needed'] !== undefined ? Number(approvals['approvers-needed']) : undefined,
            }
          : undefined,
      },
      connectors: schedules('connectors'),
      jobs: schedules('jobs'),
    };
  }
  return out;
}

export function loadConfigFile(path: string): ChatsoarConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`CONFIG_FILE ${path} cannot be read: ${(err as Error).message}`);
  }
  return parseConfig(text);
}

/** Writes the file's environments into Redis (merging with what admins changed through dialogs). */
export async function applyConfig(config: ChatsoarConfig, store: EnvironmentStore): Promise<void> {
  for (const [name, env] of Object.entries(config)) {
    await store.create(name);
    for (const [intId, values] of Object.entries(env.integrations)) await store.setInstance(name, intId as IntegrationId, values ?? {});
    for (const channel of env.channels) await store.bind(channel, name);
    for (const [role, users] of Object.entries(env.roles)) await store.grant(name, role as Role, users ?? []);
    const current = await store.getMeta(name);
    await store.setMeta(name, { ...current, ...Object.fromEntries(Object.entries(env.meta).filter(([, v]) => v !== undefined)) });
    for (const [kind, list] of [['connectors', env.connectors], ['jobs', env.jobs]] as const) {
      for (const c of list) {
        const spec = (kind === 'connectors' ? allConnectors() : allJobs()).find((s) => s.id === c.type);
        if (!spec) throw new ConfigError(`environments.${name}.${kind}: unknown type ${c.type} (one of ${(kind === 'connectors' ? allConnectors() : allJobs()).map((s) => s.id).join(', ')}).`);
        const problem = scheduleProblem(spec, c.params, store.box);
        if (problem) throw new ConfigError(`environments.${name}.${kind}.${c.name}: ${problem}`);
        await store.setSchedule(name, kind, c);
      }
    }
  }
}

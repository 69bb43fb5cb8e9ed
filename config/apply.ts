/**
 * CONFIG_FILE (contract.md §5): YAML read, validated against the catalogue's schema, applied into
 * Redis. For the environments it names, its roles and bindings are the whole truth at each start.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { IntegrationId } from '../handlers/kit/spec';
import type { AccessChange, EnvironmentMeta, EnvironmentStore, ScheduleConfig } from '../store/environments';
import type { Role } from '../store/roles';
import { configProblem, configSchema, keyPath, type EnvironmentInput } from './schema';
import { configFileOrigins } from './trusted-origins';

/** A CONFIG_FILE problem: one line naming its key path; the start stops on it. */
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

const fail = (line: string): ConfigError => new ConfigError(`CONFIG_FILE: ${line}`);

/** `${env:NAME}` → the variable's value; a missing variable is an error naming it. */
function substitute(value: unknown, path: Array<string | number>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = process.env[name];
      if (v === undefined) throw fail(`${keyPath(path)}: environment variable ${name} is not set.`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, [...path, i]));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, [...path, k])]));
  return value;
}

function schedules(env: EnvironmentInput, kind: 'connectors' | 'jobs'): ScheduleConfig[] {
  return (env[kind] ?? []).map((c) => ({
    name: c.name ?? c.type,
    type: c.type,
    channel: c.channel ?? undefined,
    every: c.every ?? (kind === 'jobs' ? '1d' : '60s'),
    params: c.params ?? {},
    whitelist: c.whitelist ?? undefined,
    blacklist: c.blacklist ?? undefined,
    dynamicList: c['dynamic-list'] ?? undefined,
  }));
}

function environmentConfig(env: EnvironmentInput): EnvironmentConfig {
  const integrations: EnvironmentConfig['integrations'] = {};
  for (const [id, values] of Object.entries(env.integrations ?? {})) {
    if (values) integrations[id as IntegrationId] = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  }
  const roles: EnvironmentConfig['roles'] = {};
  for (const [role, users] of Object.entries(env.roles ?? {})) if (users) roles[role as Role] = users;
  const approvals = env.approvals
    ? { requiredFor: env.approvals['required-for'] ?? undefined, approversNeeded: env.approvals['approvers-needed'] ?? undefined }
    : undefined;
  return {
    integrations,
    channels: env.channels ?? [],
    roles,
    meta: {
      adminChannel: env['admin-channel'] ?? undefined,
      httpAllowList: env['http-allow-list'] ?? undefined,
      files: env.files?.['gcs-bucket'] ? { gcsBucket: env.files['gcs-bucket'] } : undefined,
      approvals,
    },
    connectors: schedules(env, 'connectors'),
    jobs: schedules(env, 'jobs'),
  };
}

/** Parses and validates the file's text; any problem is one ConfigError line naming its key path. */
export function parseConfig(text: string): ChatsoarConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw fail(`not valid YAML: ${(err as Error).message.split('\n')[0]!.replace(/:\s*$/, '')}.`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || !('environments' in raw) || !raw.environments) {
    throw fail('expected a top-level `environments:` map.');
  }
  const checked = configSchema.safeParse(substitute(raw, []));
  if (!checked.success) throw fail(configProblem(checked.error));
  const out: ChatsoarConfig = {};
  for (const [name, env] of Object.entries(checked.data.environments)) out[name] = environmentConfig(env ?? {});
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

/** What an apply revoked or unbound, per environment (for the start's log). */
export type ApplySummary = Record<string, AccessChange>;

/**
 * Writes the file's environments into Redis. Integration settings, meta, connectors and jobs are
 * merged with what admins changed in chat; roles and channel bindings are replaced by the file's
 * (one transaction per environment). An environment the file no longer names stops being
 * file-managed and keeps what it has.
 */
export async function applyConfig(config: ChatsoarConfig, store: EnvironmentStore): Promise<ApplySummary> {
  const summary: ApplySummary = {};
  for (const [name, env] of Object.entries(config)) {
    // The origins the file names are all the environment trusts with non-public addresses (beside TRUSTED_ORIGINS).
    await store.trust.record(name, configFileOrigins(config, name), { replace: true });
    for (const [intId, values] of Object.entries(env.integrations)) await store.setInstance(name, intId as IntegrationId, values ?? {});
    const meta = Object.fromEntries(Object.entries(env.meta).filter(([, v]) => v !== undefined)) as EnvironmentMeta;
    summary[name] = await store.replaceAccess(name, env.roles, env.channels, { ...meta, fileManaged: true });
    for (const kind of ['connectors', 'jobs'] as const) for (const c of env[kind]) await store.setSchedule(name, kind, c);
  }
  for (const name of await store.list()) {
    if (name in config) continue;
    const meta = await store.getMeta(name);
    if (!meta.fileManaged) continue;
    delete meta.fileManaged;
    await store.setMeta(name, meta);
  }
  return summary;
}

/**
 * Connectors and jobs of an environment (contract.md §5): add with their seed parameters, pause,
 * resume, run now, remove. The config is kept in the environment store (secret parameters
 * sealed), the running schedule by ScheduleControl.
 */
import { valueText } from '../../../handlers/kit/params';
import type { ConnectorSpec, JobSpec } from '../../../handlers/kit/spec';
import { removeSchedule } from '../../../store/environment-admin';
import type { ScheduleConfig } from '../../../store/environments';
import { SecretBox } from '../../../store/crypto';
import { formatDuration, parseDuration, suggest } from '../../commands';
import { checkAdminOf } from '../access';
import type { AdminDeps } from '../deps';
import { audit, ok, refused, type Actor, type OpResult } from '../result';
import type { ScheduleKind } from '../schedule-control';
import { checkFlags, checkTargets, display, needsValue } from '../validate';
import { scheduleEndpointProblems } from './instance';

export const SCHEDULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const CHANNEL_ID = /^(slack|teams|web):\S{1,200}$/;
const MIN_EVERY_MS = 10_000;
const MAX_EVERY_MS = 30 * 86_400_000;
/** Connector rules beside the seed parameters (behaviour.md 19). */
export const RULE_KEYS = ['whitelist', 'blacklist', 'dynamic-list'] as const;

export function singular(kind: ScheduleKind): 'connector' | 'job' {
  return kind === 'connectors' ? 'connector' : 'job';
}

export function scheduleSpecs(deps: AdminDeps, kind: ScheduleKind): Array<ConnectorSpec | JobSpec> {
  return deps.catalog.flatMap((i) => (kind === 'connectors' ? i.connectors : i.jobs));
}

export function findScheduleSpec(deps: AdminDeps, kind: ScheduleKind, type: string): ConnectorSpec | JobSpec | undefined {
  return scheduleSpecs(deps, kind).find((s) => s.id === type.trim().toLowerCase());
}

export interface ScheduleRequest {
  name: string;
  type: string;
  every: string;
  channel?: string;
  /** Raw `--param value` pairs (text) or form values, by param id or name. */
  params: Record<string, string | true>;
}

function splitList(text: string | true | undefined): string[] | undefined {
  if (text === undefined || text === true) return undefined;
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

/** Name, type, every and channel of a new connector or job: field errors, or the spec and channel. */
export async function checkScheduleBasics(
  deps: AdminDeps,
  env: string,
  kind: ScheduleKind,
  req: Omit<ScheduleRequest, 'params'>,
  defaultChannel: string,
): Promise<{ fields: Record<string, string>; spec?: ConnectorSpec | JobSpec; channel: string }> {
  const what = singular(kind);
  const fields: Record<string, string> = {};
  if (!SCHEDULE_NAME.test(req.name)) fields.name = `Give the ${what} a name: 1 to 64 letters, digits, . _ - only.`;
  else if ((await deps.environments.schedules(env, kind)).some((c) => c.name === req.name))
    fields.name = `A ${what} named ${req.name} already exists in ${env}; remove it first or pick another name.`;
  const spec = findScheduleSpec(deps, kind, req.type);
  if (!spec) {
    const ids = scheduleSpecs(deps, kind).map((s) => s.id);
    const near = suggest(req.type, ids, 2);
    fields.type = `${req.type ? `${JSON.stringify(req.type.slice(0, 60))} is not a ${what} type` : `Give the ${what} type`}: ${near.length ? `did you mean ${near.join(' or ')}?` : `one of ${ids.join(', ')}.`}`;
  }
  const everyMs = parseDuration(req.every);
  if (everyMs === null)
    fields.every = `Give how often it runs as a duration such as 60s, 15m or 7d${req.every ? `, not ${JSON.stringify(req.every.slice(0, 30))}` : ''}.`;
  else if (everyMs < MIN_EVERY_MS || everyMs > MAX_EVERY_MS) fields.every = `Every must be between 10s and 30d (got ${formatDuration(everyMs)}).`;
  const channel = (req.channel ?? '').trim() || (kind === 'connectors' ? defaultChannel : '');
  if (channel && !CHANNEL_ID.test(channel))
    fields.channel = `${JSON.stringify(channel.slice(0, 60))} is not a channel id: slack:<channel id>, teams:<conversation id> or web:<room>.`;
  // A connector posts only into a channel of its own environment (never another tenant's).
  else if (channel && kind === 'connectors' && (await deps.environments.environmentOf(channel)) !== env) {
    fields.channel = `Channel ${channel} is not bound to environment ${env}: a connector of ${env} posts only into channels bound to ${env}. Run soar admin bind ${env} in that channel first, or pick one of ${env}'s channels.`;
  }
  return { fields, spec, channel };
}

export async function addSchedule(deps: AdminDeps, actor: Actor, env: string, kind: ScheduleKind, req: ScheduleRequest): Promise<OpResult> {
  const allowed = await checkAdminOf(deps.environments, env, actor.user);
  if (!allowed.ok) return refused(allowed.message);
  const what = singular(kind);
  const { fields, spec, channel } = await checkScheduleBasics(deps, env, kind, req, actor.channel);

  const rules: Partial<Record<(typeof RULE_KEYS)[number], string[]>> = {};
  const params = { ...req.params };
  if (kind === 'connectors') {
    for (const key of RULE_KEYS) {
      const list = splitList(params[key]);
      delete params[key];
      if (list) rules[key] = list;
    }
  }
  const checked = spec ? checkFlags(spec.params, params, spec.name) : { values: {}, unset: [], errors: {} };
  Object.assign(fields, checked.errors);
  // URLs and proxies typed in chat: public addresses only; the instance's secrets stay with its endpoints.
  if (spec)
    Object.assign(
      fields,
      await checkTargets(deps.environments.trust, env, spec.params, checked.values),
      await scheduleEndpointProblems(deps, env, spec, checked.values),
    );
  if (spec) {
    // Connection parameters default to the environment's instance (behaviour.md 17).
    const fromInstance = 'instanceParamMap' in spec ? (spec.instanceParamMap ?? {}) : {};
    for (const p of spec.params) {
      if (needsValue(p) && !fromInstance[p.id] && checked.values[p.id] === undefined && !fields[p.id]) fields[p.id] = `Parameter --${p.id} is required.`;
    }
  }
  if (Object.keys(fields).length || !spec) return refused(Object.values(fields)[0] ?? 'Check the fields.', fields);

  const stored: Record<string, unknown> = {};
  const shown: string[] = [];
  for (const p of spec.params) {
    const v = checked.values[p.id];
    if (v === undefined) continue;
    // Secret parameters are sealed by setSchedule for this environment and schedule, like instance secrets.
    stored[p.id] = v;
    shown.push(`${p.id}=${display(p, v)}`);
  }
  const config: ScheduleConfig = {
    name: req.name,
    type: spec.id,
    every: req.every.trim(),
    params: stored,
    ...(channel ? { channel } : {}),
    ...(rules.whitelist ? { whitelist: rules.whitelist } : {}),
    ...(rules.blacklist ? { blacklist: rules.blacklist } : {}),
    ...(rules['dynamic-list'] ? { dynamicList: rules['dynamic-list'] } : {}),
  };
  await deps.environments.setSchedule(env, kind, config, { by: 'chat' });
  await deps.schedules.sync(env, kind, config.name, config);
  await audit(
    deps,
    actor,
    env,
    `admin ${what} add`,
    `added ${what} ${config.name} (${config.type}) every ${config.every}${channel ? ` to ${channel}` : ''}${shown.length ? `: ${shown.join(', ')}` : ''}`,
  );
  return ok(
    `${what === 'connector' ? 'Connector' : 'Job'} ${config.name} (${spec.name}) added to ${env}, every ${config.every}${channel ? `, posting to ${channel}` : ''}.`,
  );
}

export type ScheduleOp = 'pause' | 'resume' | 'run' | 'remove';

export async function changeSchedule(deps: AdminDeps, actor: Actor, env: string, kind: ScheduleKind, op: ScheduleOp, name: string): Promise<OpResult> {
  const allowed = await checkAdminOf(deps.environments, env, actor.user);
  if (!allowed.ok) return refused(allowed.message);
  const what = singular(kind);
  const all = await deps.environments.schedules(env, kind);
  const config = all.find((c) => c.name === name);
  if (!config) {
    const near = suggest(
      name,
      all.map((c) => c.name),
      2,
    );
    const message = `No ${what} named ${JSON.stringify(name.slice(0, 64))} in ${env}.${near.length ? ` Did you mean ${near.join(' or ')}?` : ` soar admin ${what} list shows them.`}`;
    return refused(message, { name: message });
  }
  if (kind === 'connectors' && (op === 'resume' || op === 'run') && config.channel && (await deps.environments.environmentOf(config.channel)) !== env) {
    return refused(
      `Connector ${name} posts into ${config.channel}, which is not bound to environment ${env}: run soar admin bind ${env} in that channel, or remove the connector and add it with a channel of ${env}.`,
    );
  }
  switch (op) {
    case 'pause':
    case 'resume': {
      const next: ScheduleConfig = { ...config, paused: op === 'pause' };
      await deps.environments.setSchedule(env, kind, next, { by: 'chat' });
      await deps.schedules.sync(env, kind, name, next);
      await audit(deps, actor, env, `admin ${what} ${op}`, `${op === 'pause' ? 'paused' : 'resumed'} ${what} ${name}`);
      return ok(`${what === 'connector' ? 'Connector' : 'Job'} ${name} ${op === 'pause' ? 'paused' : 'resumed'}.`);
    }
    case 'run':
      await deps.schedules.runNow(env, kind, config, actor.user);
      await audit(deps, actor, env, `admin ${what} run`, `ran ${what} ${name} now`);
      return ok(`${what === 'connector' ? 'Connector' : 'Job'} ${name} queued to run now.`);
    case 'remove':
      await removeSchedule(deps.environments, env, kind, name);
      await deps.schedules.sync(env, kind, name, null);
      await audit(deps, actor, env, `admin ${what} remove`, `removed ${what} ${name} (${config.type})`);
      return ok(`${what === 'connector' ? 'Connector' : 'Job'} ${name} removed from ${env}.`);
  }
}

export function scheduleRows(configs: ScheduleConfig[]): string[][] {
  return configs.sort((a, b) => a.name.localeCompare(b.name)).map((c) => [c.name, c.type, c.every, c.channel ?? '', c.paused ? 'paused' : 'active']);
}

/** A stored schedule parameter as shown: sealed ones masked. */
export function shownParam(value: unknown): string {
  return typeof value === 'string' && SecretBox.isSealed(value) ? '••••••' : valueText(value);
}

/**
 * Connector and job instances as BullMQ job schedulers (contract.md §5): one scheduler per
 * configured instance on the `connectors` or `maintenance` queue, every `every`. Syncing is
 * idempotent: it adds what the environments configure, updates a changed interval and removes
 * schedulers whose instance is gone or paused. A connector whose channel is not bound to its own
 * environment is not scheduled (it would post into another tenant's channel).
 */
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { parseDuration } from '../lib/duration';
import { catalog as defaultCatalog } from '../handlers/catalog';
import type { IntegrationSpec } from '../handlers/kit/spec';
import type { EnvironmentStore, ScheduleConfig } from '../store/environments';
import type { Queues } from './queues';
import { scheduleProblem } from './schedule-params';

/** Same shapes as bot/admin/schedule-control.ts, so both sides address the same schedulers. */
export type ScheduleKind = 'connectors' | 'jobs';

export interface ScheduleJobData {
  environment: string;
  kind: ScheduleKind;
  name: string;
  /** Set on a "run now" job: who asked. */
  requestedBy?: string;
}

/** Shortest interval accepted; anything faster would hammer the APIs. */
export const MIN_EVERY_MS = 1000;

export function schedulerId(kind: ScheduleKind, environment: string, name: string): string {
  return `${kind}:${environment}:${name}`;
}

function queueOf(queues: Queues, kind: ScheduleKind): Queue {
  return kind === 'connectors' ? queues.connectors : queues.maintenance;
}

export function everyMs(config: ScheduleConfig): number | null {
  const ms = parseDuration(config.every);
  return ms === null || ms < MIN_EVERY_MS ? null : ms;
}

export interface SyncResult {
  scheduled: string[];
  removed: string[];
  /** Instances not scheduled, with the reason (unknown type, bad interval, refused parameters). */
  refused: Array<{ id: string; reason: string }>;
}

/**
 * Makes the schedulers match what every environment configures. Call at start (after
 * CONFIG_FILE is applied) and after an admin adds, pauses, resumes or removes one. `force` sets
 * every scheduler again, with its next run (after a Redis failover, which can take that run back).
 */
export async function syncSchedules(deps: {
  queues: Queues;
  environments: EnvironmentStore;
  log: Logger;
  catalog?: IntegrationSpec[];
  force?: boolean;
}): Promise<SyncResult> {
  const { queues, environments, log } = deps;
  const catalog = deps.catalog ?? defaultCatalog;
  const wanted = new Map<string, { kind: ScheduleKind; every: number; data: ScheduleJobData; type: string }>();
  const refused: SyncResult['refused'] = [];
  for (const env of await environments.list()) {
    for (const kind of ['connectors', 'jobs'] as const) {
      for (const config of await environments.schedules(env, kind)) {
        const id = schedulerId(kind, env, config.name);
        if (config.paused) continue;
        const every = everyMs(config);
        if (every === null) {
          refused.push({ id, reason: `every: ${config.every} is not a duration of at least 1s` });
          continue;
        }
        const spec = catalog.flatMap((i) => (kind === 'connectors' ? i.connectors : i.jobs) as Array<{ id: string }>).find((s) => s.id === config.type);
        const problem = spec
          ? scheduleProblem(spec as Parameters<typeof scheduleProblem>[0], config.params, environments.scheduleOpener(env, kind, config.name))
          : `unknown type ${config.type}`;
        if (problem) {
          refused.push({ id, reason: problem });
          continue;
        }
        if (kind === 'connectors' && config.channel && (await environments.environmentOf(config.channel)) !== env) {
          refused.push({
            id,
            reason: `channel ${config.channel} is not bound to environment ${env}; bind it there (soar admin bind ${env}) or give the connector a channel of ${env}`,
          });
          continue;
        }
        wanted.set(id, { kind, every, data: { environment: env, kind, name: config.name }, type: config.type });
      }
    }
  }
  const removed: string[] = [];
  for (const kind of ['connectors', 'jobs'] as const) {
    const queue = queueOf(queues, kind);
    for (const existing of await queue.getJobSchedulers(0, -1)) {
      if (!wanted.has(existing.key)) {
        await queue.removeJobScheduler(existing.key);
        removed.push(existing.key);
      }
    }
  }
  for (const [id, w] of wanted) {
    const queue = queueOf(queues, w.kind);
    const current = await queue.getJobScheduler(id);
    if (current && Number(current.every) === w.every && !deps.force) continue;
    await queue.upsertJobScheduler(id, { every: w.every }, { name: w.type, data: w.data, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  }
  for (const r of refused) log.warn(r, 'schedule not started');
  return { scheduled: [...wanted.keys()], removed, refused };
}

/** Runs one cycle now (`soar admin connector run <name>`), beside the schedule. */
export async function runScheduleNow(queues: Queues, kind: ScheduleKind, environment: string, name: string, requestedBy = 'admin'): Promise<void> {
  const data: ScheduleJobData = { environment, kind, name, requestedBy };
  await queueOf(queues, kind).add('run-now', data, { removeOnComplete: 100, removeOnFail: 100 });
}

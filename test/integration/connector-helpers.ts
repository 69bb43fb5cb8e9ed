/**
 * Shared by the connector tests: the schedule worker started beside the harness's runtime (same
 * Redis prefix and connection: real parts, as the lead will wire it), connectors configured in
 * the environment store, and what reached a Slack channel.
 */
import type { Worker } from 'bullmq';
import { createLogger } from '../../lib/log';
import type { Runtime } from '../../lib/runtime';
import { runScheduleNow, syncSchedules } from '../../queue/schedules';
import type { ScheduleConfig } from '../../store/environments';
import type { Harness } from '../helpers/harness';

/** The runtime's own connector and job workers (every worker role runs them). */
export function startSchedules(runtime: Runtime, _redisUrl?: string): Worker[] {
  return runtime.workers.filter((w) => w.name === 'connectors' || w.name === 'maintenance');
}

export async function stopSchedules(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.close()));
}

/** Adds a connector (or job) to env `prod`, binds its channel, and (re)syncs the schedulers. */
export async function addSchedule(runtime: Runtime, kind: 'connectors' | 'jobs', config: ScheduleConfig, env = 'prod'): Promise<void> {
  if (config.channel) await runtime.environments.bind(config.channel, env);
  await runtime.environments.setSchedule(env, kind, config);
  await syncSchedules({ queues: runtime.queues, environments: runtime.environments, log: createLogger('silent') });
}

export async function runNow(runtime: Runtime, name: string, kind: 'connectors' | 'jobs' = 'connectors', env = 'prod'): Promise<void> {
  await runScheduleNow(runtime.queues, kind, env, name);
}

/** Slack escapes &, < and > in text. */
export function unescape(text: unknown): string {
  return String(text ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export interface Posted {
  ts: string;
  text: string;
  body: Record<string, unknown>;
}

/** chat.postMessage calls into a Slack channel (`C5`), in order. */
export function postsIn(h: Harness, channel: string): Posted[] {
  return h.slack.calls
    .filter((c) => c.method === 'chat.postMessage' && c.body.channel === channel)
    .map((c) => ({ ts: '', text: unescape(c.body.text), body: c.body }));
}

/** Event ids of the alert cards posted into a channel (one entry per post). */
export function alertIdsIn(h: Harness, channel: string): string[] {
  return postsIn(h, channel)
    .map((p) => /Event ID: (\S+)/.exec(p.text)?.[1])
    .filter((x): x is string => !!x);
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Counts of each id; the ids posted more than once. */
export function duplicates(ids: string[]): string[] {
  const seen = new Map<string, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  return [...seen.entries()].filter(([, n]) => n > 1).map(([id]) => id);
}

/** No connector cycle waiting or running, and the outbox delivered everything. */
export async function settled(runtime: Runtime, timeoutMs = 30_000): Promise<void> {
  await until(
    'connector cycles and outbox to settle',
    async () => {
      const c = await runtime.queues.connectors.getJobCounts('active', 'wait', 'prioritized');
      const m = await runtime.queues.maintenance.getJobCounts('active', 'wait', 'prioritized');
      const o = await runtime.queues.outbox.getJobCounts('active', 'wait', 'delayed', 'prioritized');
      return [c, m, o].every((counts) => Object.values(counts).every((n) => n === 0));
    },
    timeoutMs,
  );
}

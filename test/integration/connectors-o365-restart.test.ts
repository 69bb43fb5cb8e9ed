/**
 * Exactly once across restarts: the schedule worker stopped in the middle of a cycle (graceful
 * shutdown) and a worker process killed with SIGKILL in the middle of a cycle; a fresh runtime on
 * the same Redis prefix goes on. Every event reaches the channel once.
 */
import type { Worker } from 'bullmq';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createLogger } from '../../lib/log';
import { startRuntime, type Runtime } from '../../lib/runtime';
import { createQueues } from '../../queue/queues';
import { runScheduleNow } from '../../queue/schedules';
import { SecretBox } from '../../store/crypto';
import { EnvironmentStore } from '../../store/environments';
import { redisOptions } from '../../store/redis';
import { startHarness, type Harness } from '../helpers/harness';
import { addSchedule, alertIdsIn, duplicates, runNow, settled, sleep, startSchedules, stopSchedules, until } from './connector-helpers';
import { dlpEvent, minutesAgo, newTenant, publish } from './o365-fixtures';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.emulator.state.settings.generateAuditContent = false;
});

afterAll(async () => {
  await h?.close();
});

const DLP = 'office-365-management-api-dlp-events-connector';

describe('a restart in the middle of a cycle', () => {
  it('loses nothing and posts nothing twice', async () => {
    const t = newTenant(h.emulator, 'restart');
    const events = Array.from({ length: 12 }, (_, i) => dlpEvent({ at: minutesAgo(100 - i) }));
    const blobs = events.map((e, i) => publish(h.emulator, t, 'DLP.All', [e], minutesAgo(90 - i)));
    // The first four blobs come at once, the others take 3 s each: the cycle is surely half way.
    for (const id of blobs.slice(4)) h.emulator.faults.set({ prefix: `/api/v1.0/restart/activity/feed/audit/${id}`, latencyMs: 3000 });

    // A runtime of its own (worker role) with the schedule worker, on a prefix of its own.
    const settings = { ...h.settings, redisPrefix: `${h.settings.redisPrefix}restart:` };
    const secretsKey = Buffer.alloc(32, 7).toString('base64');
    const log = createLogger('silent');
    const start = async (): Promise<{ runtime: Runtime; workers: Worker[] }> => {
      const runtime = await startRuntime({ role: 'worker', settings, redisUrl: settings.redisUrl!, secretsKey, log });
      return { runtime, workers: startSchedules(runtime, settings.redisUrl!) };
    };
    const first = await start();
    await first.runtime.environments.create('prod');
    await first.runtime.environments.setInstance('prod', 'o365-management-api', {
      'api-root': h.emulator.url,
      'oauth2-login-endpoint-url': h.emulator.url,
      ...t.params,
    });
    await addSchedule(first.runtime, 'connectors', {
      name: 'dlp-restart',
      type: DLP,
      channel: 'slack:C19',
      every: '60s',
      params: { 'max-events-to-fetch': 100 },
    });
    const blobMarks = `${settings.redisPrefix}sched:prod:connector:dlp-restart:seen:blob`;
    await until(
      'the cycle to be half way',
      async () => (await first.runtime.redis.zcard(blobMarks)) > 0 || (await first.runtime.queues.connectors.getJobCounts('active')).active > 0,
    );
    await sleep(800);
    await stopSchedules(first.workers);
    const doneBeforeRestart = await first.runtime.redis.zcard(blobMarks);
    await first.runtime.close();
    expect(doneBeforeRestart).toBeGreaterThan(0);
    expect(doneBeforeRestart).toBeLessThan(12);
    h.emulator.faults.clear();

    const second = await start();
    try {
      await runNow(second.runtime, 'dlp-restart');
      await until('12 alerts', () => alertIdsIn(h, 'C19').length >= 12, 30_000);
      await runNow(second.runtime, 'dlp-restart');
      await settled(second.runtime);
      await sleep(300);
      const posted = alertIdsIn(h, 'C19');
      expect(duplicates(posted)).toEqual([]);
      expect(posted.sort()).toEqual(events.map((e) => String(e.Id)).sort());
    } finally {
      h.emulator.faults.clear();
      await stopSchedules(second.workers);
      await second.runtime.close();
    }
  });
});

describe('the bot killed (SIGKILL) in the middle of a cycle and started again', () => {
  it('loses nothing and posts nothing twice', async () => {
    const t = newTenant(h.emulator, 'killed');
    const events = Array.from({ length: 6 }, (_, i) => dlpEvent({ at: minutesAgo(100 - i) }));
    const blobs = events.map((e, i) => publish(h.emulator, t, 'DLP.All', [e], minutesAgo(90 - i)));
    // Two blobs come at once, the others take 3 s each: the kill lands in the middle of the cycle.
    for (const id of blobs.slice(2)) h.emulator.faults.set({ prefix: `/api/v1.0/killed/activity/feed/audit/${id}`, latencyMs: 3000 });

    const prefix = `${h.settings.redisPrefix}killed:`;
    const secretsKey = Buffer.alloc(32, 9).toString('base64');
    const store = new EnvironmentStore(h.runtime.redis, new SecretBox(secretsKey), prefix);
    await store.create('prod');
    await store.setInstance('prod', 'o365-management-api', { 'api-root': h.emulator.url, 'oauth2-login-endpoint-url': h.emulator.url, ...t.params });
    await store.bind('slack:C20', 'prod');
    await store.setSchedule('prod', 'connectors', { name: 'dlp-killed', type: DLP, channel: 'slack:C20', every: '60s', params: {} });
    const queues = createQueues({ ...redisOptions(h.settings.redisUrl!), maxRetriesPerRequest: null }, prefix);

    const child = async (): Promise<ChildProcess> => {
      const root = join(__dirname, '..', '..');
      const p = spawn(process.execPath, ['--no-deprecation', '-r', join(root, 'test/helpers/register-ts.js'), join(__dirname, 'schedule-worker-child.ts')], {
        env: {
          ...process.env,
          REDIS_URL: h.settings.redisUrl,
          REDIS_PREFIX: prefix,
          SECRETS_KEY: secretsKey,
          SLACK_API_URL: h.slack.url,
          FILES_DIR: h.settings.filesDir,
          PUBLIC_URL: h.settings.publicUrl,
          CYCLE_LOCK_MS: '1500',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        p.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        p.once('exit', (code) => reject(new Error(`child exited ${code}`)));
      });
      return p;
    };
    const first = await child();
    await runScheduleNow(queues, 'connectors', 'prod', 'dlp-killed');
    await until('the cycle to run', async () => (await queues.connectors.getJobCounts('active')).active > 0);
    await sleep(800);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    // Killed before its commit: nothing was delivered or marked.
    expect(alertIdsIn(h, 'C20')).toEqual([]);
    h.emulator.faults.clear();

    const second = await child();
    try {
      await sleep(1600); // the dead cycle's lock runs out
      await runScheduleNow(queues, 'connectors', 'prod', 'dlp-killed');
      await until('6 alerts', () => alertIdsIn(h, 'C20').length >= 6, 60_000);
      await runScheduleNow(queues, 'connectors', 'prod', 'dlp-killed');
      await sleep(1500);
      const posted = alertIdsIn(h, 'C20');
      expect(duplicates(posted)).toEqual([]);
      expect(posted.sort()).toEqual(events.map((e) => String(e.Id)).sort());
    } finally {
      h.emulator.faults.clear();
      second.kill('SIGKILL');
      await queues.close();
    }
  }, 90_000);
});

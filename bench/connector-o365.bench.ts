/**
 * One Audit General Events Connector cycle over 100,000 audit events in 200 content blobs
 * (a flood: it becomes one digest with a JSON file of every event), beside a baseline that only
 * lists, downloads and parses the same blobs with the same HTTP layer and concurrency. Figures:
 * events per second and peak memory of this process (the emulator runs in a child process so
 * that its copy of the events does not count).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchResult } from './bench';
import { UndiciHttpClient } from '../handlers/kit/http';
import { ManagementClient, type ContentRef } from '../handlers/o365-management-api/client';
import { BLOB_CONCURRENCY } from '../handlers/o365-management-api/feed/cycle';
import { FilesRoot } from '../lib/files';
import { createLogger } from '../lib/log';
import { startScheduleWorker } from '../queue/connectors.worker';
import { Outbox } from '../queue/outbox';
import { createQueues } from '../queue/queues';
import { runScheduleNow } from '../queue/schedules';
import { SecretBox } from '../store/crypto';
import { EnvironmentStore } from '../store/environments';
import { MessageStore } from '../store/messages';
import { connectRedis, redisOptions } from '../store/redis';

/** The bench talks only to its own emulator on loopback: the operator trusts it. */
const http = new UndiciHttpClient({ trusted: () => true });

const EVENTS = Number(process.env.BENCH_O365_EVENTS ?? 100_000);
const BLOBS = Number(process.env.BENCH_O365_BLOBS ?? 200);
const TENANT = 'demo-tenant';
const CLIENT_ID = '00000000-0000-0000-0000-00000000d3m0';
const SECRET = 'demo-secret';

async function startEmulatorProcess(): Promise<{ url: string; child: ChildProcess }> {
  const root = join(__dirname, '..');
  const compiled = join(root, 'emulator', 'main.js');
  const args = existsSync(compiled) ? [compiled] : ['-r', join(root, 'test', 'helpers', 'register-ts.js'), join(root, 'emulator', 'main.ts')];
  const child = spawn(process.execPath, ['--no-deprecation', ...args], {
    env: { ...process.env, EMULATOR_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const url = (JSON.parse(line) as { url?: string }).url;
    if (url) return { url, child };
  }
  throw new Error('the emulator did not start');
}

const OPERATIONS = ['AlertTriggered', 'SearchCreated', 'TeamCreated', 'MemberAdded', 'ViewReport', 'AirInvestigationData'];

function auditEvent(at: Date, i: number): Record<string, unknown> {
  const op = OPERATIONS[i % OPERATIONS.length]!;
  return {
    CreationTime: at.toISOString().slice(0, 19),
    Id: randomUUID(),
    Operation: op,
    OrganizationId: TENANT,
    RecordType: 40,
    UserKey: `1003${String(i).padStart(10, '0')}@demo.onmicrosoft.com`,
    UserType: 0,
    Version: 1,
    Workload: op === 'ViewReport' ? 'PowerBI' : op.startsWith('Team') || op === 'MemberAdded' ? 'MicrosoftTeams' : 'SecurityComplianceCenter',
    UserId: `user${i % 500}@demo.onmicrosoft.com`,
    ClientIP: `203.0.113.${i % 250}`,
    ResultStatus: i % 7 ? 'Succeeded' : 'Failed',
    ObjectId: randomUUID(),
    Severity: ['Low', 'Medium', 'High'][i % 3],
    Name: op === 'AlertTriggered' ? 'Email reported by user as malware or phish' : undefined,
    Data: JSON.stringify({ f3u: `user${i % 500}@demo.onmicrosoft.com`, op, ts: at.toISOString(), sev: 'Medium' }),
  };
}

async function control(url: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}/_emulator/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
}

/** Peak RSS and heap of this process while `work` runs (sampled every 10 ms). */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; rssBefore: number; peakRss: number; peakHeap: number }> {
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 10);
  const started = performance.now();
  try {
    const value = await work();
    return { value, seconds: (performance.now() - started) / 1000, rssBefore: before.rss, peakRss, peakHeap };
  } finally {
    clearInterval(timer);
  }
}

/** The baseline: list the same windows, download and parse every blob, 4 at a time. */
async function downloadOnly(client: ManagementClient, start: Date, end: Date): Promise<number> {
  const refs: ContentRef[] = [];
  let page = await client.listContent('Audit.General', start, end);
  refs.push(...page.blobs);
  while (page.next) {
    page = await client.nextPage(page.next);
    refs.push(...page.blobs);
  }
  let events = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: BLOB_CONCURRENCY }, async () => {
      while (next < refs.length) {
        const ref = refs[next++]!;
        const n = (await client.blob(ref.contentUri)).length;
        events += n;
      }
    }),
  );
  return events;
}

export async function run(): Promise<BenchResult> {
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!redisUrl) throw new Error('TEST_REDIS_URL is not set (bench/run.ts starts redis-server)');
  const emu = await startEmulatorProcess();
  const filesDir = mkdtempSync(join(tmpdir(), 'chatsoar-bench-files-'));
  const prefix = `bench-${randomBytes(4).toString('hex')}:`;
  const redis = connectRedis(redisUrl);
  const connection = { ...redisOptions(redisUrl), maxRetriesPerRequest: null };
  const queues = createQueues(connection, prefix);
  const log = createLogger('warn');
  const environments = new EnvironmentStore(redis, new SecretBox(randomBytes(32).toString('base64')), prefix);
  const outbox = new Outbox(queues, new MessageStore(redis, prefix));
  const files = new FilesRoot(filesDir, randomBytes(32), 'http://127.0.0.1:3978');
  const workers = startScheduleWorker({
    connection,
    prefix,
    redis,
    environments,
    outbox,
    files,
    http,
    log,
    publicUrl: 'http://127.0.0.1:3978',
    concurrency: 1,
  });
  try {
    console.log(`Publishing ${EVENTS} Audit.General events in ${BLOBS} content blobs to the emulator…`);
    await control(emu.url, 'settings', { generateAuditContent: false });
    const now = Date.now();
    const perBlob = Math.ceil(EVENTS / BLOBS);
    for (let b = 0; b < BLOBS; b++) {
      const at = new Date(now - (BLOBS - b) * 45_000 - 60_000);
      const events = Array.from({ length: Math.min(perBlob, EVENTS - b * perBlob) }, (_, i) => auditEvent(new Date(at.getTime() - 1000), b * perBlob + i));
      await control(emu.url, 'audit', { contentType: 'Audit.General', events, at: at.toISOString() });
    }
    const instance = {
      'api-root': emu.url,
      'oauth2-login-endpoint-url': emu.url,
      'azure-active-directory-id': TENANT,
      'client-id': CLIENT_ID,
      'client-secret': SECRET,
    };
    const client = new ManagementClient({ environment: 'bench', instance: { ...instance, 'verify-ssl': true }, http, files: { resolve: (p) => p } });
    await client.feed('POST', 'subscriptions/start?contentType=Audit.General');

    const windowStart = new Date(now - 8 * 3_600_000);
    // The baseline runs before and after the cycle (the machine may be shared): the faster counts.
    const baseBefore = await measured(() => downloadOnly(client, windowStart, new Date()));
    if (baseBefore.value !== EVENTS) throw new Error(`baseline read ${baseBefore.value} events, expected ${EVENTS}`);

    await environments.create('bench');
    await environments.setInstance('bench', 'o365-management-api', instance);
    await environments.bind('slack:CBENCH', 'bench');
    await environments.setSchedule('bench', 'connectors', {
      name: 'audit-bench',
      type: 'office-365-management-api-audit-general-events-connector',
      channel: 'slack:CBENCH',
      every: '60s',
      params: { 'max-events-to-fetch': EVENTS, 'script-timeout-seconds': 600 },
    });
    const cycle = await measured(async () => {
      await runScheduleNow(queues, 'connectors', 'bench', 'audit-bench');
      for (;;) {
        const c = await queues.connectors.getJobCounts('completed', 'failed');
        if (c.failed) throw new Error('the connector cycle failed');
        if (c.completed) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    const baseAfter = await measured(() => downloadOnly(client, windowStart, new Date()));
    const base = baseAfter.seconds < baseBefore.seconds ? baseAfter : baseBefore;
    const digestJobs = (await queues.outbox.getJobs(['wait', 'delayed'])).filter((j) => j.data.op === 'file');
    const digestPath = digestJobs[0]?.data.op === 'file' ? digestJobs[0].data.file.path : '';
    const posted = (await queues.outbox.getJobs(['wait', 'delayed'])).filter((j) => j.data.op === 'upsert').length;
    const fileMb = digestPath ? statSync(files.resolveUserPath(digestPath)).size / 1e6 : 0;
    const mb = (n: number) => (n / 1e6).toFixed(0);
    const eps = (s: number) => Math.round(EVENTS / s);
    return {
      name: 'connector-o365',
      results: {
        events: EVENTS,
        blobs: BLOBS,
        cycle: {
          seconds: cycle.seconds,
          eventsPerSecond: eps(cycle.seconds),
          peakRssMb: cycle.peakRss / 1e6,
          rssGrowthMb: (cycle.peakRss - cycle.rssBefore) / 1e6,
          peakHeapMb: cycle.peakHeap / 1e6,
          digestFileMb: fileMb,
          cardsQueued: posted,
        },
        baseline: {
          seconds: base.seconds,
          eventsPerSecond: eps(base.seconds),
          peakRssMb: base.peakRss / 1e6,
          rssGrowthMb: (base.peakRss - base.rssBefore) / 1e6,
          peakHeapMb: base.peakHeap / 1e6,
        },
        ratioSeconds: cycle.seconds / base.seconds,
      },
      table: [
        `| ${EVENTS} events, ${BLOBS} blobs | seconds | events/s | peak RSS MB (growth) | peak heap MB |`,
        '|---|---|---|---|---|',
        `| connector cycle (filters, dedup, digest file) | ${cycle.seconds.toFixed(2)} | ${eps(cycle.seconds)} | ${mb(cycle.peakRss)} (+${mb(cycle.peakRss - cycle.rssBefore)}) | ${mb(cycle.peakHeap)} |`,
        `| baseline: download and parse only | ${base.seconds.toFixed(2)} | ${eps(base.seconds)} | ${mb(base.peakRss)} (+${mb(base.peakRss - base.rssBefore)}) | ${mb(base.peakHeap)} |`,
        '',
        `Digest: one card queued (${posted} message) and a ${fileMb.toFixed(1)} MB JSON file of every event.`,
      ],
    };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queues.close();
    redis.disconnect();
    emu.child.kill('SIGTERM');
    rmSync(filesDir, { recursive: true, force: true });
  }
}

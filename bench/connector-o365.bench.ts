/**
 * One Audit General Events Connector cycle over 100,000 audit events in 200 content blobs
 * (a flood: it becomes one digest with a JSON file of every event), beside a baseline that only
 * lists, downloads and parses the same blobs with the same HTTP layer and concurrency; then one
 * cycle over 1,000,000 events (2,000 blobs) whose peak memory is set beside the first one's
 * (streaming end to end: dedup in Redis, filters per blob, the digest file written as it goes).
 *
 * Every measured run is a child process of its own (this file, `--child`), so that its peak RSS
 * (`process.resourceUsage().maxRSS`) is its own; the emulator runs in another child so that its
 * copy of the events does not count. Figures: events per second (wall), CPU ms per 1,000 events
 * of the measured process (steadier on a shared machine) and of the emulator and redis-server
 * serving it (the machine has few cores: their CPU is wall time too), peak RSS. Both kinds of
 * run get their token and connection on a listing before the measured part, and the measured
 * cycle is not the worker's first (see WARM_EVENTS); a cycle's end is its worker's `completed`
 * event (polling would add its interval).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchResult } from './bench';
import { summaryRow } from './summary';
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
import { median, medianPair, processCpuMs, runChild } from './child-run';

/** The bench talks only to its own emulator on loopback: the operator trusts it. */
const http = new UndiciHttpClient({ trusted: () => true });

const EVENTS = Number(process.env.BENCH_O365_EVENTS ?? 100_000);
const BLOBS = Number(process.env.BENCH_O365_BLOBS ?? 200);
/** The large cycle (0: skipped); same events per blob as the first. */
const BIG_EVENTS = Number(process.env.BENCH_O365_BIG_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/**
 * Events a warm-up cycle of another connector reads in the same worker before the measured one
 * (0: none). A worker runs its connectors every minute: the cycle that matters is not the first
 * the process runs (cold, its code not yet optimised by the JIT; the baseline's is JSON.parse).
 * V8 optimises by calls: after 2,000 events the cycle still ran 0.59–0.70× of the baseline (the
 * optimising compiler at work in the measured cycle), after 20,000 0.73–0.76× (same machine, in turns).
 */
const WARM_EVENTS = Number(process.env.BENCH_O365_WARM_EVENTS ?? 20_000);
const TENANT = 'demo-tenant';
const CLIENT_ID = '00000000-0000-0000-0000-00000000d3m0';
const SECRET = 'demo-secret';

interface Emulator {
  url: string;
  child: ChildProcess;
}

async function startEmulatorProcess(): Promise<Emulator> {
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

/** The connection the connector and the baseline use. */
function instanceFor(url: string): Record<string, unknown> {
  return {
    'api-root': url,
    'oauth2-login-endpoint-url': url,
    'azure-active-directory-id': TENANT,
    'client-id': CLIENT_ID,
    'client-secret': SECRET,
  };
}

/** Publishes `events` Audit.General events in `blobs` blobs, spread over the last 2.5 hours. */
async function publish(url: string, events: number, blobs: number): Promise<void> {
  console.log(`Publishing ${events} Audit.General events in ${blobs} content blobs to the emulator…`);
  await control(url, 'settings', { generateAuditContent: false });
  const now = Date.now();
  const perBlob = Math.ceil(events / blobs);
  const spacing = Math.min(45_000, Math.floor(9_000_000 / blobs));
  for (let b = 0; b < blobs; b++) {
    const at = new Date(now - (blobs - b) * spacing - 60_000);
    const list = Array.from({ length: Math.min(perBlob, events - b * perBlob) }, (_, i) => auditEvent(new Date(at.getTime() - 1000), b * perBlob + i));
    await control(url, 'audit', { contentType: 'Audit.General', events: list, at: at.toISOString() });
  }
  const client = new ManagementClient({ environment: 'bench', instance: { ...instanceFor(url), 'verify-ssl': true }, http, files: { resolve: (p) => p } });
  await client.feed('POST', 'subscriptions/start?contentType=Audit.General');
}

/** What one measured child reports. */
interface ChildFigures {
  events: number;
  seconds: number;
  /** CPU (user + system) of the child during the measured part. */
  cpuMs: number;
  /** Peak RSS of the child over its whole life, and its RSS just before the measured part. */
  maxRssMb: number;
  rssBeforeMb: number;
  digestFileMb?: number;
  cardsQueued?: number;
  /** CPU the redis-server spent during the measured part (INFO cpu), cycle runs only. */
  redisCpuMs?: number;
  /** CPU the emulator spent during the whole child (serving it), where /proc tells. */
  emulatorCpuMs?: number;
}

/** The measured part of a child: wall, CPU, RSS before. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; cpuMs: number; rssBeforeMb: number }> {
  global.gc?.();
  const rssBeforeMb = process.memoryUsage.rss() / 1e6;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { value, seconds, cpuMs: (used.user + used.system) / 1000, rssBeforeMb };
}

const maxRssMb = (): number => (process.resourceUsage().maxRSS * 1024) / 1e6;

/** CPU ms redis-server has used so far (INFO cpu). */
async function redisCpuMs(redis: ReturnType<typeof connectRedis>): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
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

async function baselineChild(url: string, expected: number): Promise<ChildFigures> {
  const client = new ManagementClient({ environment: 'bench', instance: { ...instanceFor(url), 'verify-ssl': true }, http, files: { resolve: (p) => p } });
  // Warm (token, connection, JIT) on the listing only.
  await client.listContent('Audit.General', new Date(Date.now() - 3_600_000), new Date());
  const m = await measured(() => downloadOnly(client, new Date(Date.now() - 8 * 3_600_000), new Date()));
  if (m.value !== expected) throw new Error(`baseline read ${m.value} events, expected ${expected}`);
  return { events: m.value, seconds: m.seconds, cpuMs: m.cpuMs, maxRssMb: maxRssMb(), rssBeforeMb: m.rssBeforeMb };
}

async function cycleChild(url: string, expected: number): Promise<ChildFigures> {
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!redisUrl) throw new Error('TEST_REDIS_URL is not set (bench/run.ts starts redis-server)');
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
    await environments.create('bench');
    await environments.setInstance('bench', 'o365-management-api', instanceFor(url));
    await environments.bind('slack:CBENCH', 'bench');
    const audit = (name: string, events: number) =>
      environments.setSchedule('bench', 'connectors', {
        name,
        type: 'office-365-management-api-audit-general-events-connector',
        channel: 'slack:CBENCH',
        every: '60s',
        params: { 'max-events-to-fetch': events, 'script-timeout-seconds': 1200 },
      });
    await audit('audit-bench', expected);
    // Warmed like the baseline (token, connection) on the listing only, the workers ready.
    const client = new ManagementClient({ environment: 'bench', instance: { ...instanceFor(url), 'verify-ssl': true }, http, files: { resolve: (p) => p } });
    await client.listContent('Audit.General', new Date(Date.now() - 3_600_000), new Date());
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    // A cycle's end as the worker reports it (no polling: its interval would be measured too).
    const connectorsWorker = workers.find((w) => w.name === 'connectors')!;
    const cycle = (name: string): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const done = (): void => {
          connectorsWorker.off('completed', done);
          connectorsWorker.off('failed', failed);
          resolve();
        };
        const failed = (_job: unknown, err: Error): void => {
          connectorsWorker.off('completed', done);
          connectorsWorker.off('failed', failed);
          reject(new Error(`the connector cycle failed: ${err.message}`));
        };
        connectorsWorker.on('completed', done);
        connectorsWorker.on('failed', failed);
        runScheduleNow(queues, 'connectors', 'bench', name).catch(failed.bind(null, null));
      });
    if (WARM_EVENTS > 0) {
      await audit('audit-warm', WARM_EVENTS);
      await cycle('audit-warm');
    }
    const queuedBefore = new Set((await queues.outbox.getJobs(['wait', 'delayed'])).map((j) => j.id));
    if (process.env.BENCH_O365_COMMANDSTATS) await redis.config('RESETSTAT');
    const redisBefore = await redisCpuMs(redis);
    const m = await measured(() => cycle('audit-bench'));
    const redisUsed = (await redisCpuMs(redis)) - redisBefore;
    // Where redis-server's time went, per command (e.g. to profile the dedup).
    if (process.env.BENCH_O365_COMMANDSTATS) process.stderr.write(`${await redis.info('commandstats')}\n`);
    const outboxJobs = (await queues.outbox.getJobs(['wait', 'delayed'])).filter((j) => !queuedBefore.has(j.id));
    const digest = outboxJobs.find((j) => j.data.op === 'file');
    const digestPath = digest?.data.op === 'file' ? digest.data.file.path : '';
    const cardsQueued = outboxJobs.filter((j) => j.data.op === 'upsert').length;
    const digestFileMb = digestPath ? statSync(files.forEnvironment('bench').resolveUserPath(digestPath)).size / 1e6 : 0;
    const title = digest?.data.op === 'file' ? digest.data.file.title : '';
    if (title !== `${expected} events`) throw new Error(`the digest holds "${title}", expected ${expected} events`);
    return {
      events: expected,
      seconds: m.seconds,
      cpuMs: m.cpuMs,
      maxRssMb: maxRssMb(),
      rssBeforeMb: m.rssBeforeMb,
      digestFileMb,
      cardsQueued,
      redisCpuMs: redisUsed,
    };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queues.close();
    redis.disconnect();
    rmSync(filesDir, { recursive: true, force: true });
  }
}

/** Runs this file as a child for one measured run; its figures come back as the last stdout line. */
async function inChild(mode: 'cycle' | 'baseline', emulator: Emulator, events: number): Promise<ChildFigures> {
  const before = processCpuMs(emulator.child.pid);
  const figures = await runChild<ChildFigures>(__filename, [mode, emulator.url, String(events)], ['--expose-gc']);
  return { ...figures, emulatorCpuMs: processCpuMs(emulator.child.pid) - before };
}

async function withEmulator<T>(events: number, blobs: number, work: (emulator: Emulator) => Promise<T>): Promise<T> {
  const emu = await startEmulatorProcess();
  try {
    await publish(emu.url, events, blobs);
    return await work(emu);
  } finally {
    emu.child.kill('SIGTERM');
  }
}

export async function run(): Promise<BenchResult> {
  // Baseline and cycle alternate (the machine may be shared): the pair of median ratio is shown.
  const { cycles, bases } = await withEmulator(EVENTS, BLOBS, async (emu) => {
    const cycles: ChildFigures[] = [];
    const bases: ChildFigures[] = [];
    for (let i = 0; i < RUNS; i++) {
      bases.push(await inChild('baseline', emu, EVENTS));
      cycles.push(await inChild('cycle', emu, EVENTS));
    }
    return { cycles, bases };
  });
  const bigBlobs = Math.round((BIG_EVENTS / EVENTS) * BLOBS);
  const big = BIG_EVENTS > 0 ? await withEmulator(BIG_EVENTS, bigBlobs, (emu) => inChild('cycle', emu, BIG_EVENTS)) : null;

  const { at } = medianPair(
    cycles.map((r) => r.seconds),
    bases.map((r) => r.seconds),
  );
  const cycle = cycles[at]!;
  const base = bases[at]!;
  const eps = (r: ChildFigures) => Math.round(r.events / r.seconds);
  const cpuPerK = (r: ChildFigures) => r.cpuMs / (r.events / 1000);
  const peak100k = median(cycles.map((r) => r.maxRssMb));
  const f0 = (n: number) => n.toFixed(0);
  const perK = (r: ChildFigures, ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '–' : (ms / (r.events / 1000)).toFixed(1));
  const row = (label: string, r: ChildFigures) =>
    `| ${label} | ${r.seconds.toFixed(2)} | ${eps(r)} | ${cpuPerK(r).toFixed(1)} | ${perK(r, r.emulatorCpuMs)} | ${perK(r, r.redisCpuMs)} | ${f0(r.maxRssMb)} (${f0(r.rssBeforeMb)} before) |`;
  const summary = [
    summaryRow(`O365 connector cycle, ${EVENTS} events in ${BLOBS} blobs (events/s) vs download + parse only`, eps(cycle), eps(base), '>= 0.7'),
    summaryRow(`O365 connector cycle, ${EVENTS} events: peak RSS (MB) vs the 300 MB bound`, peak100k, 300, '<= 1'),
  ];
  if (big)
    summary.push(summaryRow(`O365 connector cycle, ${BIG_EVENTS} events: peak RSS (MB) vs the ${EVENTS}-event cycle's`, big.maxRssMb, peak100k, '<= 1.2'));
  const pick = (r: ChildFigures) => ({
    seconds: r.seconds,
    eventsPerSecond: eps(r),
    cpuMsPer1000Events: cpuPerK(r),
    emulatorCpuMsPer1000Events: r.emulatorCpuMs === undefined ? undefined : r.emulatorCpuMs / (r.events / 1000),
    redisCpuMsPer1000Events: r.redisCpuMs === undefined ? undefined : r.redisCpuMs / (r.events / 1000),
    peakRssMb: r.maxRssMb,
    rssBeforeMb: r.rssBeforeMb,
  });
  return {
    name: 'connector-o365',
    results: {
      events: EVENTS,
      blobs: BLOBS,
      runs: RUNS,
      cycle: {
        ...pick(cycle),
        digestFileMb: cycle.digestFileMb,
        cardsQueued: cycle.cardsQueued,
        runsSeconds: cycles.map((r) => r.seconds),
        runsPeakRssMb: cycles.map((r) => r.maxRssMb),
      },
      baseline: { ...pick(base), runsSeconds: bases.map((r) => r.seconds) },
      ratioEventsPerSecond: eps(cycle) / eps(base),
      big: big ? { events: BIG_EVENTS, blobs: bigBlobs, ...pick(big), digestFileMb: big.digestFileMb, peakRssOver100k: big.maxRssMb / peak100k } : null,
    },
    table: [
      `Each run in a child process of its own (peak RSS: its maxRSS); ${RUNS} pairs of runs, baseline then cycle; shown: the pair with the median ratio.`,
      '',
      '| run | seconds | events/s | CPU ms per 1,000 events | emulator CPU ms per 1,000 | redis-server CPU ms per 1,000 | peak RSS MB |',
      '|---|---|---|---|---|---|---|',
      row(`connector cycle, ${EVENTS} events (filters, dedup, digest file)`, cycle),
      row(`baseline: download and parse only, ${EVENTS} events`, base),
      ...(big ? [row(`connector cycle, ${BIG_EVENTS} events in ${bigBlobs} blobs`, big)] : []),
      '',
      `Cycle / baseline events/s: ${(eps(cycle) / eps(base)).toFixed(2)} (goal ≥ 0.7); peak RSS ${f0(peak100k)} MB (goal < 300)` +
        (big ? `; ${BIG_EVENTS} events: ${f0(big.maxRssMb)} MB, ${(big.maxRssMb / peak100k).toFixed(2)}× (goal ≤ 1.2).` : '.'),
      `Digest: ${cycle.cardsQueued} card queued and a ${cycle.digestFileMb?.toFixed(1)} MB JSON file of every event.`,
    ],
    summary,
  };
}

if (require.main === module && process.argv[2] === '--child') {
  const [mode, url, events] = process.argv.slice(3) as ['cycle' | 'baseline', string, string];
  (mode === 'cycle' ? cycleChild(url, Number(events)) : baselineChild(url, Number(events))).then(
    (figures) => {
      process.stdout.write(`${JSON.stringify(figures)}\n`);
      process.exit(0);
    },
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}

/**
 * 1,000 tenants: ENVS environments (default 1,000), each with the three connectors (Graph mail,
 * DLP events, Audit.General events) on a 1-minute schedule, against the Microsoft 365 emulator,
 * run by two worker processes beside one bot process (which applies CONFIG_FILE and creates the
 * 3,000 job schedulers), all on one fresh redis-server (AOF on). Figures: scheduler drift (a
 * cycle's start minus the time its scheduler set for it) p50/p99, cycles per minute against the
 * configured rate, Redis memory per environment (INFO memory before the start and at the end,
 * divided by the environments), queue depth over time; then the same schedulers on shorter
 * intervals until the workers stop keeping up (cycles per minute below 90 % of the configured
 * rate, or drift p99 above the interval).
 *
 * BENCH_TENANTS (1000), BENCH_TENANTS_SECONDS (300: the main phase), BENCH_TENANTS_STEP_SECONDS
 * (90: each shorter-interval step), BENCH_TENANTS_WORKERS (2). A quick run:
 * `BENCH_TENANTS_SECONDS=60 BENCH_TENANTS_STEP_SECONDS=40 npm run bench tenants`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Queue, QueueEvents } from 'bullmq';
import { stringify } from 'yaml';
import type { BenchResult } from './bench';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_MAILBOXES, DEMO_TENANT } from '../emulator';
import { startPrivateRedis } from '../lib/redis-server';
import { connectRedis, redisOptions } from '../store/redis';
import { Keys } from '../store/keys';
import { startFakeSlack } from '../test/helpers/fake-slack';
import { freePort } from '../test/helpers/harness';

const ENVS = Number(process.env.BENCH_TENANTS ?? 1000);
const SECONDS = Number(process.env.BENCH_TENANTS_SECONDS ?? 300);
const STEP_SECONDS = Number(process.env.BENCH_TENANTS_STEP_SECONDS ?? 90);
const WORKERS = Number(process.env.BENCH_TENANTS_WORKERS ?? 2);
const CONNECTORS = [
  'microsoft-graph-mail-connector',
  'office-365-management-api-dlp-events-connector',
  'office-365-management-api-audit-general-events-connector',
];
/** The intervals tried after the main phase, shortest last, until the workers stop keeping up. */
const STEPS_S = [30, 15, 8, 4];
const SAMPLE_MS = 5000;
/** The integration secret as CONFIG_FILE names it (read from the environment at start). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: CONFIG_FILE's own placeholder, not a template
const SECRET_REF = '${env:GRAPH_SECRET}';

/** The folder that holds bot/ and emulator/ as JavaScript (dist/) or TypeScript (the sources). */
function codeRoot(): { root: string; js: boolean } {
  let dir = __dirname;
  while (!existsSync(join(dir, 'bot')) && dirname(dir) !== dir) dir = dirname(dir);
  return { root: dir, js: existsSync(join(dir, 'bot', 'main.js')) };
}

interface Proc {
  child: ChildProcess;
  output: string[];
  /** Lines that report a failed connector cycle. */
  failures: number;
}

function spawnNode(script: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const { root, js } = codeRoot();
  const file = join(root, `${script}.${js ? 'js' : 'ts'}`);
  const pre = js ? [] : ['-r', join(root, 'test', 'helpers', 'register-ts.js')];
  const child = spawn(process.execPath, ['--no-deprecation', ...pre, file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc: Proc = { child, output: [], failures: 0 };
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (/cycle failed|could not commit/.test(line)) proc.failures++;
      proc.output.push(line);
      if (proc.output.length > 400) proc.output.splice(0, 200);
    });
  }
  return proc;
}

function waitFor(proc: Proc, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const line = proc.output.find((l) => pattern.test(l));
      if (line) {
        clearInterval(timer);
        resolve(line);
      } else if (proc.child.exitCode !== null || Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`no line matching ${pattern}:\n${proc.output.slice(-30).join('\n')}`));
      }
    }, 100);
  });
}

function stop(proc: Proc): Promise<void> {
  return new Promise((done) => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return done();
    proc.child.once('exit', () => done());
    proc.child.kill('SIGTERM');
    setTimeout(() => proc.child.kill('SIGKILL'), 20_000).unref();
  });
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The CONFIG_FILE: ENVS environments on the emulator's demo tenant, each bound to its own Slack channel with three connectors. */
/** The first SAMPLED environments reach the emulator through a proxy that counts their requests. */
const SAMPLED = 10;

/** A pass-through proxy in front of the emulator that counts requests: token, Graph, Management Activity API. */
async function countingProxy(target: string): Promise<{ url: string; counts: Record<string, number>; close(): Promise<void> }> {
  const counts: Record<string, number> = { token: 0, graph: 0, management: 0 };
  const to = new URL(target);
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    counts[/\/oauth2\//.test(path) ? 'token' : /^\/api\/v1\.0\//.test(path) ? 'management' : 'graph']!++;
    const upstream = httpRequest({ host: to.hostname, port: to.port, method: req.method, path, headers: { ...req.headers, host: to.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, counts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function configYaml(direct: string, proxied: string, everyS: number): string {
  const environments: Record<string, unknown> = {};
  for (let i = 0; i < ENVS; i++) {
    const emulatorUrl = i < SAMPLED ? proxied : direct;
    const channel = `slack:CT${String(i).padStart(5, '0')}`;
    environments[`tenant-${String(i).padStart(4, '0')}`] = {
      integrations: {
        'microsoft-graph-mail': {
          'azure-ad-endpoint': emulatorUrl,
          'microsoft-graph-endpoint': emulatorUrl,
          'client-id': DEMO_CLIENT_ID,
          'secret-id': SECRET_REF,
          tenant: DEMO_TENANT,
          'default-mailbox': DEMO_MAILBOXES.bob,
        },
        'o365-management-api': {
          'api-root': emulatorUrl,
          'azure-active-directory-id': DEMO_TENANT,
          'client-id': DEMO_CLIENT_ID,
          'client-secret': SECRET_REF,
          'oauth2-login-endpoint-url': emulatorUrl,
        },
      },
      channels: [channel],
      roles: { admin: ['slack:U1'] },
      connectors: CONNECTORS.map((type, k) => ({
        name: ['mail', 'dlp', 'audit'][k],
        type,
        channel,
        every: `${everyS}s`,
        ...(k === 0 ? { params: { 'mail-address': DEMO_MAILBOXES.bob } } : {}),
      })),
    };
  }
  return stringify({ environments });
}

interface Sample {
  atS: number;
  waiting: number;
  active: number;
  delayed: number;
  usedMemoryMB: number;
}

interface Phase {
  everyS: number;
  seconds: number;
  cycles: number;
  failed: number;
  cyclesPerMinute: number;
  expectedPerMinute: number;
  keptUp: boolean;
  driftP50Ms: number;
  driftP99Ms: number;
  driftMaxMs: number;
  /** Drift p99 of each interval after the warm-up: growing interval after interval when the workers fall behind. */
  driftP99ByIntervalMs: number[];
  maxWaiting: number;
  /** The first SAMPLED environments after the warm-up: their cycles by connector type and their requests through the counting proxy. */
  sampled: { environments: number; cycles: Record<string, number>; requests: Record<string, number> };
  /** CPU time per cycle after the warm-up (ms): the worker processes together, redis-server, the emulator, the bot. */
  cpuMsPerCycle: Cpu;
}

interface Cpu {
  workers: number;
  redis: number;
  emulator: number;
  bot: number;
}

/** CPU seconds a process has used (user + system), from /proc (Linux). */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

export async function run(): Promise<BenchResult> {
  const base = mkdtempSync(join(tmpdir(), 'chatsoar-tenants-'));
  const loadAtStart = Math.round(loadavg()[0]! * 10) / 10;
  const redisServer = await startPrivateRedis(join(base, 'redis'), () => undefined);
  const redis = connectRedis(redisServer.url);
  const slack = await startFakeSlack();
  const emulator = spawnNode('emulator/main', [], { PATH: process.env.PATH, EMULATOR_PORT: '0', LOG_LEVEL: 'info' });
  const procs: Proc[] = [emulator];
  const prefix = 'chatsoar:';
  const bullPrefix = new Keys(prefix).bull();
  const connection = { ...redisOptions(redisServer.url), maxRetriesPerRequest: null };
  const queue = new Queue('connectors', { connection, prefix: bullPrefix });
  const events = new QueueEvents('connectors', { connection, prefix: bullPrefix });
  const closers: Array<() => Promise<void>> = [];
  try {
    const emulatorUrl = (JSON.parse(await waitFor(emulator, /emulator listening/, 30_000)) as { url: string }).url;
    // Quiet tenants: no mail arrives and no audit content is generated (the floor of a cycle's cost).
    await fetch(`${emulatorUrl}/_emulator/settings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mailArrivalMinutes: 0, generateAuditContent: false }),
    });
    const configFile = join(base, 'tenants.yaml');
    const proxy = await countingProxy(emulatorUrl);
    closers.push(proxy.close);
    writeFileSync(configFile, configYaml(emulatorUrl, proxy.url, 60));
    const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
    const memoryBefore = await usedMemory();
    const secretsKey = randomBytes(32).toString('base64');
    const env = (port: number): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      REDIS_URL: redisServer.url,
      SECRETS_KEY: secretsKey,
      CONFIG_FILE: configFile,
      GRAPH_SECRET: DEMO_CLIENT_SECRET,
      TRUSTED_ORIGINS: `${emulatorUrl},${proxy.url}`,
      SLACK_SIGNING_SECRET: 'tenants-signing-secret-0123456789',
      SLACK_BOT_TOKEN: 'xoxb-tenants-token-0123456789',
      SLACK_API_URL: slack.url,
      FILES_DIR: join(base, 'files'),
      LOG_LEVEL: 'warn',
    });

    // The drift of every cycle that starts: its start (processedOn) minus the time its scheduler set (timestamp + delay).
    const starts: Array<{ at: number; drift: number; type: string; sampled: boolean }> = [];
    let completed = 0;
    let failed = 0;
    events.on('active', ({ jobId }) => {
      void queue.getJob(jobId).then(
        (job) => {
          if (!job?.processedOn || !job.repeatJobKey) return;
          // The time its scheduler set: created at `timestamp` with `opts.delay` (job.delay is 0 once it is due).
          starts.push({
            at: job.processedOn,
            drift: Math.max(0, job.processedOn - (job.timestamp + (job.opts.delay ?? 0))),
            type: job.name,
            sampled: Number(/^tenant-(\d+)$/.exec(String(job.data.environment))?.[1] ?? ENVS) < SAMPLED,
          });
        },
        () => undefined,
      );
    });
    events.on('completed', () => completed++);
    events.on('failed', () => failed++);
    await events.waitUntilReady();

    const cpuNow = async (): Promise<Cpu> => {
      const info = await redis.info('cpu').catch(() => '');
      const redisCpu = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
      return {
        workers: workers.reduce((n, w) => n + processCpuSeconds(w.child.pid), 0),
        redis: redisCpu,
        emulator: processCpuSeconds(emulator.child.pid),
        bot: processCpuSeconds(procs[1]?.child.pid),
      };
    };
    const workers: Proc[] = [];
    const setupStarted = Date.now();
    const bot = spawnNode('bot/main', ['bot'], env(await freePort()));
    procs.push(bot);
    await waitFor(bot, /listening on port/, 600_000);
    const setupSeconds = (Date.now() - setupStarted) / 1000;
    console.log(`tenants: CONFIG_FILE applied and schedulers created in ${setupSeconds.toFixed(1)} s`);
    const schedulers = await queue.getJobSchedulersCount();
    const memoryConfigured = await usedMemory();
    for (let i = 0; i < WORKERS; i++) workers.push(spawnNode('bot/main', ['worker'], env(await freePort())));
    procs.push(...workers);
    await Promise.all(workers.map((w) => waitFor(w, /worker is running/, 120_000)));

    const t0 = Date.now();
    const samples: Sample[] = [];
    const sampler = setInterval(() => {
      void Promise.all([queue.getJobCounts('waiting', 'active', 'delayed'), usedMemory()]).then(
        ([c, mem]) =>
          samples.push({
            atS: Math.round((Date.now() - t0) / 1000),
            waiting: c.waiting ?? 0,
            active: c.active ?? 0,
            delayed: c.delayed ?? 0,
            usedMemoryMB: Math.round(mem / 1024 / 102.4) / 10,
          }),
        () => undefined,
      );
    }, SAMPLE_MS);

    const phase = async (everyS: number, asked: number): Promise<Phase> => {
      // A warm-up interval and at least two measured ones.
      const seconds = Math.max(asked, 3 * everyS);
      console.log(`tenants: ${schedulers} schedulers every ${everyS} s for ${seconds} s (load average ${loadavg()[0]!.toFixed(1)})`);
      // The first interval of a phase is a warm-up (every scheduler's first cycle is due at once).
      const from = Date.now();
      const warm = from + everyS * 1000;
      const c0 = completed;
      const f0 = failed;
      let cAtWarm = c0;
      let requestsAtWarm = { ...proxy.counts };
      let cpuAtWarm = await cpuNow();
      setTimeout(() => {
        cAtWarm = completed;
        requestsAtWarm = { ...proxy.counts };
        void cpuNow().then((c) => (cpuAtWarm = c));
      }, warm - from);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const to = Date.now();
      const cpuAtEnd = await cpuNow();
      const requests = Object.fromEntries(Object.entries(proxy.counts).map(([k, n]) => [k, n - (requestsAtWarm[k] ?? 0)]));
      const sampledCycles: Record<string, number> = {};
      for (const st of starts) if (st.sampled && st.at >= warm && st.at < to) sampledCycles[st.type] = (sampledCycles[st.type] ?? 0) + 1;
      const inPhase = starts.filter((s) => s.at >= warm && s.at < to);
      const drifts = inPhase.map((s) => s.drift).sort((a, b) => a - b);
      // Drift p99 of each interval after the warm-up: it grows interval after interval once the workers fall behind.
      const byInterval: number[] = [];
      for (let lo = warm; lo + everyS * 1000 <= to + 1000; lo += everyS * 1000)
        byInterval.push(
          percentile(
            inPhase
              .filter((s) => s.at >= lo && s.at < lo + everyS * 1000)
              .map((s) => s.drift)
              .sort((a, b) => a - b),
            99,
          ),
        );
      const cycles = completed - cAtWarm;
      const cyclesPerMinute = (cycles * 60_000) / (to - warm);
      const expectedPerMinute = (schedulers * 60) / everyS;
      const driftP99 = percentile(drifts, 99);
      const phaseSamples = samples.filter((s) => s.atS * 1000 + t0 >= from);
      return {
        everyS,
        seconds,
        cycles: completed - c0,
        failed: failed - f0,
        cyclesPerMinute: Math.round(cyclesPerMinute),
        expectedPerMinute,
        keptUp: cyclesPerMinute >= 0.9 * expectedPerMinute && driftP99 < everyS * 1000,
        driftP99ByIntervalMs: byInterval,
        driftP50Ms: percentile(drifts, 50),
        driftP99Ms: driftP99,
        driftMaxMs: drifts[drifts.length - 1] ?? NaN,
        maxWaiting: Math.max(0, ...phaseSamples.map((s) => s.waiting)),
        sampled: { environments: SAMPLED, cycles: sampledCycles, requests },
        cpuMsPerCycle: Object.fromEntries(
          Object.entries(cpuAtEnd).map(([k, v]) => [k, cycles ? Math.round(((v - (cpuAtWarm[k as keyof Cpu] ?? 0)) * 1000 * 100) / cycles) / 100 : NaN]),
        ) as unknown as Cpu,
      };
    };

    const phases: Phase[] = [await phase(60, SECONDS)];
    const memoryAfter = await usedMemory();
    // Shorter intervals, same schedulers, until the workers stop keeping up.
    let stepError: string | undefined;
    for (const everyS of STEPS_S) {
      if (!phases[phases.length - 1]!.keptUp) break;
      try {
        for (const s of await queue.getJobSchedulers(0, -1)) {
          const template = s.template ?? {};
          await queue.upsertJobScheduler(s.key, { every: everyS * 1000 }, { name: s.name, data: template.data, opts: template.opts });
        }
        phases.push(await phase(everyS, STEP_SECONDS));
      } catch (err) {
        // The main phase's figures stand; say why the search for the limit stopped.
        stepError = `every ${everyS} s: ${(err as Error).message}`;
        console.log(`tenants: ${stepError}`);
        break;
      }
    }
    clearInterval(sampler);
    const processFailures = workers.reduce((n, w) => n + w.failures, 0);

    const mb = (b: number): number => Math.round((b / 1024 / 1024) * 10) / 10;
    const perEnvKB = Math.round(((memoryAfter - memoryBefore) / ENVS / 1024) * 10) / 10;
    const main = phases[0]!;
    const c = main.sampled.cycles;
    const mailCycles = c['microsoft-graph-mail-connector'] ?? 0;
    const o365Cycles = (c['office-365-management-api-dlp-events-connector'] ?? 0) + (c['office-365-management-api-audit-general-events-connector'] ?? 0);
    const per = (n: number | undefined, d: number): number => (d ? Math.round(((n ?? 0) / d) * 100) / 100 : NaN);
    /** Requests one cycle sends on a quiet tenant (no new mail or audit content), in steady state. */
    const requestsPerCycle = {
      graphPerMailCycle: per(main.sampled.requests.graph, mailCycles),
      managementPerO365Cycle: per(main.sampled.requests.management, o365Cycles),
      tokenPerCycle: per(main.sampled.requests.token, mailCycles + o365Cycles),
    };
    const breaking = phases.find((p) => !p.keptUp);
    const lastKept = [...phases].reverse().find((p) => p.keptUp);
    const table = [
      `${ENVS} environments × 3 connectors, ${WORKERS} worker processes (connector concurrency 4 each), ${schedulers} schedulers; CONFIG_FILE applied and schedulers created in ${setupSeconds.toFixed(1)} s`,
      `Redis used_memory: ${mb(memoryBefore)} MB before, ${mb(memoryConfigured)} MB configured, ${mb(memoryAfter)} MB after ${SECONDS} s: ${perEnvKB} KB per environment`,
      '',
      '| every | seconds | cycles/min (configured) | drift p50 / p99 / max (ms) | drift p99 per interval (ms) | max waiting | failed | kept up |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...phases.map(
        (p) =>
          `| ${p.everyS} s | ${p.seconds} | ${p.cyclesPerMinute} (${p.expectedPerMinute}) | ${p.driftP50Ms} / ${p.driftP99Ms} / ${p.driftMaxMs} | ${p.driftP99ByIntervalMs.join(' → ')} | ${p.maxWaiting} | ${p.failed} | ${p.keptUp ? 'yes' : 'no'} |`,
      ),
      '',
      `CPU per cycle after the warm-up (every 60 s): workers ${main.cpuMsPerCycle.workers} ms, redis-server ${main.cpuMsPerCycle.redis} ms, emulator ${main.cpuMsPerCycle.emulator} ms, bot ${main.cpuMsPerCycle.bot} ms`,
      `Requests per cycle (quiet tenant, ${SAMPLED} environments through a counting proxy): Graph ${requestsPerCycle.graphPerMailCycle} per mail cycle, Management Activity API ${requestsPerCycle.managementPerO365Cycle} per DLP/audit cycle, token ${requestsPerCycle.tokenPerCycle} per cycle`,
      breaking
        ? `Stops keeping up at every ${breaking.everyS} s (${breaking.expectedPerMinute} cycles/min configured, ${breaking.cyclesPerMinute} run); capacity ≈ ${Math.max(...phases.map((p) => p.cyclesPerMinute))} cycles/min on ${WORKERS} workers.`
        : `Kept up at every interval tried (down to ${lastKept?.everyS} s, ${lastKept?.cyclesPerMinute} cycles/min).`,
    ];
    return {
      name: 'tenants',
      results: {
        environments: ENVS,
        connectorsPerEnvironment: CONNECTORS.length,
        schedulers,
        workers: WORKERS,
        connectorConcurrencyPerWorker: 4,
        setupSeconds: Math.round(setupSeconds * 10) / 10,
        redis: {
          usedMemoryBeforeMB: mb(memoryBefore),
          usedMemoryConfiguredMB: mb(memoryConfigured),
          usedMemoryAfterMB: mb(memoryAfter),
          perEnvironmentKB: perEnvKB,
          configuredPerEnvironmentKB: Math.round(((memoryConfigured - memoryBefore) / ENVS / 1024) * 10) / 10,
        },
        main: {
          everyS: main.everyS,
          seconds: main.seconds,
          driftP50Ms: main.driftP50Ms,
          driftP99Ms: main.driftP99Ms,
          driftMaxMs: main.driftMaxMs,
          cyclesPerMinute: main.cyclesPerMinute,
          expectedPerMinute: main.expectedPerMinute,
          failedCycles: main.failed,
          requestsPerCycle,
          cpuMsPerCycle: main.cpuMsPerCycle,
        },
        phases,
        stopsKeepingUpAt: breaking
          ? { everyS: breaking.everyS, configuredPerMinute: breaking.expectedPerMinute, ranPerMinute: breaking.cyclesPerMinute }
          : null,
        capacityCyclesPerMinute: Math.max(...phases.map((p) => p.cyclesPerMinute)),
        cycleFailuresLogged: processFailures,
        stepError,
        /** The machine is shared: its 1-minute load average at the start and the end of the run. */
        loadAverage: { start: loadAtStart, end: Math.round(loadavg()[0]! * 10) / 10 },
        queueDepth: samples,
      },
      table,
    };
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await events.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    await Promise.all(procs.reverse().map(stop));
    redis.disconnect();
    await slack.close();
    await redisServer.stop();
  }
}

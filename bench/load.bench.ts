/**
 * Sustained load on the real processes (one bot, 1, 2 then 4 worker processes, redis-server, the
 * Microsoft 365 emulator, a fake Slack): commands per second with p50/p99 ack latency (the slash
 * command's HTTP answer), end-to-end latency (command sent → final message in Slack) and CPU
 * milliseconds per command (bot and worker processes), beside its floor in the same run: a bare
 * pipeline doing the same outside I/O as one `graphmail ping` (bench/bare-pipeline.ts: signed
 * request → Bolt → BullMQ → worker → one Graph GET with a cached token → chat.postMessage +
 * chat.update, same fakes, one worker process), and raw BullMQ no-op jobs for reference.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import type { BenchResult } from './bench';
import { median, medianPair, processCpuMs } from './child-run';
import { summaryRow } from './summary';
import { jobIdFor } from '../lib/ids';
import { slackSignature } from '../test/helpers/fake-slack';
import { freePort } from '../test/helpers/harness';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT } from '../emulator';
import { MAILBOX, SLACK_SECRET, SLACK_TOKEN, startSystem, stopChild, USER, type System } from '../test/resilience/system';

const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 12);
/**
 * An unmeasured phase of each pipeline first: the JIT is still compiling chatsoar's longer code
 * path during its first seconds under load (a long-running process has done that once), while the
 * bare pipeline's few lines are warm at once.
 */
const WARM_SECONDS = Number(process.env.BENCH_LOAD_WARM_SECONDS ?? 6);
// Enough senders that Slack's pacing (one message a second per channel) is not what is measured.
const SENDERS = Number(process.env.BENCH_LOAD_SENDERS ?? 160);
const RAW_JOBS = Number(process.env.BENCH_RAW_JOBS ?? 10000);
/**
 * Channels the commands go round. chatsoar keeps to Slack's one message a second per channel (the
 * bare pipeline does not): with 400 channels, 340 commands/s came every 1.2 s to each, and waits
 * for the channel's next slot made a good part of end-to-end time (the closed loop's throughput
 * is senders / end-to-end). With 2,000 the pacing is seldom met.
 */
const CHANNELS = 2000;
/** Worker process counts of the chatsoar phases (e.g. BENCH_LOAD_WORKERS=1 for the summary's phase alone). */
const WORKER_COUNTS = (process.env.BENCH_LOAD_WORKERS ?? '1,2,4').split(',').map(Number);
/** Pairs of 1-worker phases (bare pipeline, then chatsoar); the pair of median ratio makes the summary: one phase moves a lot on a shared machine. */
const PAIRS = Number(process.env.BENCH_RUNS ?? 5);
/** BENCH_CPU_PROF_DIR=<dir>: every bot and worker process writes a V8 CPU profile there when it stops. */
const PROFILE_ARGS = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** No-op jobs through one BullMQ Worker (concurrency 16) on the system's Redis: jobs per second. */
async function rawBullmq(url: string): Promise<number> {
  const u = new URL(url);
  const connection = { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null };
  const queue = new Queue('raw-noop', { connection, prefix: 'bench-raw' });
  await queue.obliterate({ force: true }).catch(() => undefined);
  for (let i = 0; i < RAW_JOBS; i += 1000)
    await queue.addBulk(Array.from({ length: 1000 }, (_, k) => ({ name: 'noop', data: { i: i + k }, opts: { removeOnComplete: true } })));
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const started = Date.now();
  const worker = new Worker(
    'raw-noop',
    async () => {
      if (++done === RAW_JOBS) finish();
    },
    { connection, prefix: 'bench-raw', concurrency: 16 },
  );
  await finished;
  await worker.close();
  const perSecond = RAW_JOBS / ((Date.now() - started) / 1000);
  await queue.close();
  return perSecond;
}

interface Phase {
  pipeline: 'chatsoar' | 'bare';
  workers: number;
  /** CPU time of the bot and worker processes per completed command. */
  cpuMsPerCommand: number;
  /** The same, of the bot process alone (the rest is the workers'). */
  botCpuMsPerCommand: number;
  /** redis-server's CPU time per completed command (shared by both pipelines' Redis; not in cpuMsPerCommand). */
  redisCpuMsPerCommand: number;
  /** Redis commands run per completed command (scripts' own calls included), and script calls among them. */
  redisPerCommand: number;
  scriptsPerCommand: number;
  /** The commands behind redisPerCommand, per completed command. */
  redisByCommand: Record<string, number>;
  commands: number;
  perSecond: number;
  ackP50: number;
  ackP99: number;
  e2eP50: number;
  e2eP99: number;
  lost: number;
}

/** Final messages seen in the fake Slack, by job id, as they arrive (one scanner for all senders). */
function finalsTracker(sys: System): { wait(jobId: string, timeoutMs: number): Promise<number | undefined>; stop(): void } {
  const seen = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  let scanned = sys.slack.calls.length;
  const timer = setInterval(() => {
    const calls = sys.slack.calls;
    for (; scanned < calls.length; scanned++) {
      const c = calls[scanned]!;
      if (!/is_success: (true|false)/.test(String(c.body.text ?? ''))) continue;
      const id = /\bj-[a-z0-9]+/.exec(JSON.stringify(c.body))?.[0];
      if (!id || seen.has(id)) continue;
      seen.set(id, c.at);
      waiters.get(id)?.(c.at);
    }
  }, 10);
  return {
    wait: (jobId, timeoutMs) =>
      seen.has(jobId)
        ? Promise.resolve(seen.get(jobId))
        : new Promise((resolve) => {
            const t = setTimeout(() => resolve(undefined), timeoutMs);
            waiters.set(jobId, (at) => {
              clearTimeout(t);
              resolve(at);
            });
          }),
    stop: () => clearInterval(timer),
  };
}

/**
 * SENDERS closed-loop senders for SECONDS: each sends a command and waits for its result before
 * the next, so the figures are what the system sustains without a queue building up.
 */
/** A pipeline under load: where its bot listens and its processes (for their CPU time). */
interface Target {
  pipeline: Phase['pipeline'];
  botPort: number;
  pids: number[];
}

/** Redis's command counts so far (INFO commandstats: by command, scripts' own calls included) and its CPU milliseconds. */
async function redisCalls(url: string): Promise<{ calls: Map<string, number>; cpuMs: number }> {
  const redis = new IORedis(url, { lazyConnect: false });
  try {
    const [stats, cpu] = [await redis.info('commandstats'), await redis.info('cpu')];
    const seconds = (field: string): number => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? NaN);
    return {
      calls: new Map([...stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])])),
      cpuMs: (seconds('used_cpu_sys') + seconds('used_cpu_user')) * 1000,
    };
  } finally {
    redis.disconnect();
  }
}

/** Calls between two commandstats readings, by command, divided by `per`. */
function callsBetween(before: Map<string, number>, after: Map<string, number>, per: number): Record<string, number> {
  const byCommand: Record<string, number> = {};
  for (const [cmd, n] of after) if (n > (before.get(cmd) ?? 0)) byCommand[cmd] = Math.round((100 * (n - (before.get(cmd) ?? 0))) / per) / 100;
  return byCommand;
}

let seq = 0;
/** A signed `/soar <text>` to a bot; accepted when acknowledged with an empty 200 (queued). */
async function send(port: number, text: string, channel: string): Promise<{ jobId: string; accepted: boolean; sentAt: number; ackAt: number }> {
  const triggerId = `load-${Date.now().toString(36)}-${seq++}`;
  const body = new URLSearchParams({
    token: 'legacy',
    team_id: 'T1',
    channel_id: channel,
    user_id: USER,
    command: '/soar',
    text,
    trigger_id: triggerId,
  }).toString();
  const sentAt = Date.now();
  let accepted = false;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SLACK_SECRET, body) },
      body,
    });
    accepted = res.status === 200 && !(await res.text()).includes('"text"');
  } catch {
    accepted = false;
  }
  return { jobId: jobIdFor(`slack:${triggerId}`), accepted, sentAt, ackAt: Date.now() };
}

async function phase(sys: System, target: Target, workers: number, seconds = SECONDS): Promise<Phase> {
  const acks: number[] = [];
  const e2e: number[] = [];
  let commands = 0;
  let lost = 0;
  const finals = finalsTracker(sys);
  const end = Date.now() + seconds * 1000;
  let n = 0;
  const sender = async (): Promise<void> => {
    while (Date.now() < end) {
      const s = await send(target.botPort, 'graphmail ping', sys.channels[n++ % sys.channels.length]!);
      if (!s.accepted) continue;
      commands++;
      acks.push(s.ackAt - s.sentAt);
      const at = await finals.wait(s.jobId, 60_000);
      if (at === undefined) lost++;
      else e2e.push(at - s.sentAt);
    }
  };
  const started = Date.now();
  const cpuBefore = target.pids.map(processCpuMs);
  const callsBefore = await redisCalls(sys.redis.url);
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const elapsed = (Date.now() - started) / 1000;
  const cpuEach = target.pids.map((pid, i) => processCpuMs(pid) - cpuBefore[i]!);
  const cpu = cpuEach.reduce((a, b) => a + b, 0);
  finals.stop();
  const redisAfter = await redisCalls(sys.redis.url);
  const redisByCommand = callsBetween(callsBefore.calls, redisAfter.calls, e2e.length || 1);
  e2e.sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  return {
    pipeline: target.pipeline,
    workers,
    cpuMsPerCommand: e2e.length ? cpu / e2e.length : NaN,
    botCpuMsPerCommand: e2e.length ? cpuEach[0]! / e2e.length : NaN,
    redisCpuMsPerCommand: e2e.length ? (redisAfter.cpuMs - callsBefore.cpuMs) / e2e.length : NaN,
    redisPerCommand: Object.values(redisByCommand).reduce((a, b) => a + b, 0),
    scriptsPerCommand: (redisByCommand.evalsha ?? 0) + (redisByCommand.eval ?? 0),
    redisByCommand,
    commands,
    perSecond: e2e.length / elapsed,
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
    e2eP50: percentile(e2e, 50),
    e2eP99: percentile(e2e, 99),
    lost,
  };
}

/** The bare pipeline's bot and worker processes (bench/bare-pipeline.ts, compiled beside this file). */
async function startBare(sys: System): Promise<{ target: Target; children: ChildProcess[] }> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    REDIS_URL: sys.redis.url,
    BARE_PREFIX: 'bench-bare',
    PORT: String(port),
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_API_URL: sys.slack.url,
    GRAPH_URL: sys.emulatorUrl,
    MAILBOX,
    TENANT: DEMO_TENANT,
    CLIENT_ID: DEMO_CLIENT_ID,
    CLIENT_SECRET: DEMO_CLIENT_SECRET,
  };
  const start = (role: 'bot' | 'worker'): Promise<ChildProcess> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--no-deprecation', ...PROFILE_ARGS, join(__dirname, 'bare-pipeline.js'), role], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const onData = (c: Buffer): void => {
        out += c.toString();
        if (/listening|is running/.test(out)) resolve(child);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', () => reject(new Error(`bare ${role} exited: ${out.slice(-2000)}`)));
    });
  const children = await Promise.all([start('bot'), start('worker')]);
  return { target: { pipeline: 'bare', botPort: port, pids: children.map((c) => c.pid!) }, children };
}

export async function run(): Promise<BenchResult> {
  const sys = await startSystem({ channels: CHANNELS, nodeArgs: PROFILE_ARGS });
  try {
    await Promise.all([sys.startBot(), sys.startWorker()]);
    const raw = await rawBullmq(sys.redis.url);
    const bare = await startBare(sys);
    const chatsoarTarget = (): Target => ({ pipeline: 'chatsoar', botPort: sys.bots[0]!.port, pids: [...sys.bots, ...sys.workers].map((p) => p.child.pid!) });
    // The 1-worker figures in pairs, bare then chatsoar, so that both see the same moments of a shared machine.
    if (WARM_SECONDS > 0) for (const target of [bare.target, chatsoarTarget()]) await phase(sys, target, 1, WARM_SECONDS);
    const floors: Phase[] = [];
    const ones: Phase[] = [];
    for (let i = 0; i < PAIRS; i++) {
      floors.push(await phase(sys, bare.target, 1));
      ones.push(await phase(sys, chatsoarTarget(), 1));
    }
    for (const c of bare.children) await stopChild(c, process.env.BENCH_CPU_PROF_DIR ? 'SIGTERM' : 'SIGKILL');
    const phases: Phase[] = [...ones];
    for (const workers of WORKER_COUNTS.filter((w) => w > 1)) {
      while (sys.workers.length < workers) await sys.startWorker();
      phases.push(await phase(sys, chatsoarTarget(), workers));
    }
    const ofMedianPair = (of: (p: Phase) => number): [chatsoar: number, bare: number] => {
      const { at } = medianPair(ones.map(of), floors.map(of));
      return [of(ones[at]!), of(floors[at]!)];
    };
    const [pairPerSecond, pairFloorPerSecond] = ofMedianPair((p) => p.perSecond);
    const [pairCpu, pairFloorCpu] = ofMedianPair((p) => p.cpuMsPerCommand);
    const floorPerSecond = median(floors.map((p) => p.perSecond));
    const r = (x: number): number => Math.round(x * 10) / 10;
    const row = (p: Phase): string =>
      `| ${p.pipeline} | ${p.workers} | ${p.commands} | ${r(p.perSecond)} | ${r(p.cpuMsPerCommand)} (bot ${r(p.botCpuMsPerCommand)}) | ${r(p.redisPerCommand)} (${r(p.scriptsPerCommand)} scripts) | ${r(p.redisCpuMsPerCommand)} | ${p.ackP50} / ${p.ackP99} | ${p.e2eP50} / ${p.e2eP99} | ${r((100 * p.perSecond) / floorPerSecond)} % | ${p.lost} |`;
    const table = [
      `Raw BullMQ, no-op jobs, 1 worker (concurrency 16), same Redis: ${r(raw)} jobs/s (reference)`,
      '',
      '| pipeline | worker processes | commands | sustained cmd/s | CPU ms / command | Redis calls / command | Redis CPU ms / command | ack p50 / p99 (ms) | end-to-end p50 / p99 (ms) | vs bare pipeline (median) | lost |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...floors.map(row),
      ...phases.map(row),
      '',
      `Median of ${PAIRS} pairs by ratio, 1 worker: ${r(pairPerSecond)} vs ${r(pairFloorPerSecond)} cmd/s, CPU ${r(pairCpu)} vs ${r(pairFloorCpu)} ms per command (chatsoar vs bare pipeline)`,
    ];
    return {
      name: 'load',
      results: {
        rawBullmqJobsPerSecond: r(raw),
        seconds: SECONDS,
        senders: SENDERS,
        barePipeline: floors.map((f) => ({ ...f, perSecond: r(f.perSecond), cpuMsPerCommand: r(f.cpuMsPerCommand) })),
        phases: phases.map((p) => ({
          ...p,
          perSecond: r(p.perSecond),
          cpuMsPerCommand: r(p.cpuMsPerCommand),
          ratioToBare: Math.round((1000 * p.perSecond) / floorPerSecond) / 1000,
          ratioToRaw: Math.round((1000 * p.perSecond) / raw) / 1000,
        })),
      },
      table,
      summary: [
        summaryRow(
          'sustained commands/s, graphmail ping, 1 worker (bare pipeline: Bolt → BullMQ → Graph GET → postMessage + update)',
          pairPerSecond,
          pairFloorPerSecond,
          '>= 0.5',
        ),
        summaryRow('CPU ms per command, graphmail ping, 1 worker (bot + worker processes)', pairCpu, pairFloorCpu, '<= 2'),
      ],
    };
  } finally {
    // A profiled process writes its profile on an orderly exit only.
    if (PROFILE_ARGS.length) await Promise.all([...sys.bots, ...sys.workers].map((p) => stopChild(p.child, 'SIGTERM')));
    await sys.close();
  }
}

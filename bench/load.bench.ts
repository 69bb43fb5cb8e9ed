/**
 * Sustained load on the real processes (one bot, 1, 2 then 4 worker processes, redis-server, the
 * Microsoft 365 emulator, a fake Slack): commands per second with p50/p99 ack latency (the slash
 * command's HTTP answer) and end-to-end latency (command sent → final message in Slack), beside
 * raw BullMQ throughput of no-op jobs on the same Redis in the same run (the ratio is the figure).
 */
import { Queue, Worker } from 'bullmq';
import type { BenchResult } from './bench';
import { startSystem, type System } from '../test/resilience/system';
import { send } from '../test/resilience/tally';

const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 12);
// Enough senders that Slack's pacing (one message a second per channel) is not what is measured.
const SENDERS = Number(process.env.BENCH_LOAD_SENDERS ?? 160);
const RAW_JOBS = Number(process.env.BENCH_RAW_JOBS ?? 10000);
const CHANNELS = 400;

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
  workers: number;
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
async function phase(sys: System, workers: number): Promise<Phase> {
  const acks: number[] = [];
  const e2e: number[] = [];
  let commands = 0;
  let lost = 0;
  const finals = finalsTracker(sys);
  const end = Date.now() + SECONDS * 1000;
  let n = 0;
  const sender = async (): Promise<void> => {
    while (Date.now() < end) {
      const s = await send(sys, 'graphmail ping', sys.channels[n++ % sys.channels.length]!);
      if (!s.accepted) continue;
      commands++;
      acks.push(s.ackAt - s.sentAt);
      const at = await finals.wait(s.jobId, 60_000);
      if (at === undefined) lost++;
      else e2e.push(at - s.sentAt);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const elapsed = (Date.now() - started) / 1000;
  finals.stop();
  e2e.sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  return {
    workers,
    commands,
    perSecond: e2e.length / elapsed,
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
    e2eP50: percentile(e2e, 50),
    e2eP99: percentile(e2e, 99),
    lost,
  };
}

export async function run(): Promise<BenchResult> {
  const sys = await startSystem({ channels: CHANNELS });
  try {
    await Promise.all([sys.startBot(), sys.startWorker()]);
    const raw = await rawBullmq(sys.redis.url);
    const phases: Phase[] = [];
    for (const workers of [1, 2, 4]) {
      while (sys.workers.length < workers) await sys.startWorker();
      phases.push(await phase(sys, workers));
    }
    const r = (x: number): number => Math.round(x * 10) / 10;
    const table = [
      `Raw BullMQ, no-op jobs, 1 worker (concurrency 16), same Redis: ${r(raw)} jobs/s`,
      '',
      '| worker processes | commands | sustained cmd/s | ack p50 / p99 (ms) | end-to-end p50 / p99 (ms) | vs raw BullMQ | lost |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...phases.map(
        (p) =>
          `| ${p.workers} | ${p.commands} | ${r(p.perSecond)} | ${p.ackP50} / ${p.ackP99} | ${p.e2eP50} / ${p.e2eP99} | ${r((100 * p.perSecond) / raw)} % | ${p.lost} |`,
      ),
    ];
    return {
      name: 'load',
      results: {
        rawBullmqJobsPerSecond: r(raw),
        seconds: SECONDS,
        senders: SENDERS,
        phases: phases.map((p) => ({ ...p, perSecond: r(p.perSecond), ratioToRaw: Math.round((1000 * p.perSecond) / raw) / 1000 })),
      },
      table,
    };
  } finally {
    await sys.close();
  }
}

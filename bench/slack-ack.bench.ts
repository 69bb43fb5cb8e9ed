/**
 * Slack ack latency of `/soar graphmail ping` at a steady rate, chatsoar run the way `npm start`
 * runs it (the compiled bot/main.js, role main, a process of its own with its workers' thread),
 * beside its floor in the same run: a bare @slack/bolt app that adds one BullMQ job on the same
 * Redis, then acks (durable, like chatsoar's ack), in a process of its own; a bare app that only
 * acks is measured too, for reference. Each server has its own event loop; the load generator,
 * the Microsoft 365 emulator and the fake Slack Web API stay in this process. Then end-to-end
 * pings per second.
 *
 * BENCH_BOT_NODE_OPTIONS: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile chatsoar's process.
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { Queue } from 'bullmq';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { slackSignature, startFakeSlack } from '../test/helpers/fake-slack';
import type { BenchResult } from './bench';
import { median, processCpuMs } from './child-run';
import { summaryRow } from './summary';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_RATE ?? 15);
/** Rounds of the steady load; the summary takes the medians of their percentiles (one round's p99 is its 5th slowest ack). */
const ROUNDS = Number(process.env.BENCH_RUNS ?? 5);
const E2E_PINGS = Number(process.env.BENCH_E2E_PINGS ?? 200);
/**
 * The steady load's commands go round this many channels: each channel then gets what Slack lets
 * a bot post there (about one message a second; a ping is two: queued, then its result). With one
 * channel the backlog of paced messages grows for the whole run, and its outbox work (in the
 * workers' thread, on the same 2 cores and Redis) is measured too.
 */
const CHANNELS = Number(process.env.BENCH_ACK_CHANNELS ?? 50);
const SECRET = 'bench-signing-secret-0123456789abcdef';
const TOKEN = 'xoxb-bench-token-0123456789';
const MAILBOX = 'soc@demo.onmicrosoft.com';

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** Resolves with the first stdout line matching `pattern` (its match); rejects when the process ends first. */
function lineOf(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let tail = '';
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 60 s:\n${tail}`)), 60_000);
    lines.on('line', (line) => {
      tail = `${tail}${line}\n`.slice(-3000);
      const m = pattern.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it started:\n${tail}`));
    });
  });
}

/** A bare bolt app in a process of its own (this file, `--child bolt`): acks at once, or first adds one BullMQ job on `redisUrl`. */
async function startBoltProcess(slackApiUrl: string, redisUrl?: string): Promise<Server> {
  const child = spawn(process.execPath, ['--no-deprecation', __filename, '--child', 'bolt', slackApiUrl, ...(redisUrl ? [redisUrl] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const m = await lineOf(child, /^listening (\S+)$/, 'the bare bolt app');
  return { url: m[1]!, child, stop: () => stopChild(child) };
}

/** The `--child bolt` process: a bare bolt app, acking at once or after one BullMQ add. */
async function boltChild(slackApiUrl: string, durableOn?: string): Promise<void> {
  const receiver = new HTTPReceiver({ signingSecret: SECRET, endpoints: '/slack/events', processBeforeResponse: false });
  // The bot's identity known up front (no auth.test per request, as chatsoar's cachedAuthorize).
  const app = new App({
    receiver,
    authorize: async () => ({ botToken: 'xoxb-bare', botId: 'B0', botUserId: 'U0' }),
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl },
  });
  const u = durableOn ? new URL(durableOn) : undefined;
  const queue = u
    ? new Queue('bare-durable', { connection: { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null }, prefix: `bench-durable-${process.pid}` })
    : undefined;
  app.command('/soar', async ({ command, ack }) => {
    if (queue)
      await queue.add(
        'ping',
        { text: command.text, channel: command.channel_id, user: command.user_id },
        { jobId: command.trigger_id, removeOnComplete: true },
      );
    await ack();
  });
  const server = createServer(receiver.requestListener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  process.on('SIGTERM', () => {
    void (async () => {
      server.close();
      if (queue) {
        await queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      }
      process.exit(0);
    })();
  });
  process.stdout.write(`listening http://127.0.0.1:${port}/slack/events\n`);
}

/**
 * chatsoar as `npm start` runs it: dist/bot/main.js, role main, on the bench's Redis, with a
 * CONFIG_FILE binding environment prod (the emulator's Graph mail) to the load's channels.
 */
async function startChatsoar(redisUrl: string, emulatorUrl: string, slackApiUrl: string, channels: string[]): Promise<Server> {
  // Here, not at the top: the bolt children load nothing of chatsoar or the emulator.
  const { DEMO_CLIENT_SECRET } = await import('../emulator');
  const { freePort } = await import('../test/helpers/harness');
  const { writeGraphMailConfig } = await import('../test/helpers/graph-mail-config');
  const dir = mkdtempSync(join(tmpdir(), 'chatsoar-bench-ack-'));
  const configFile = writeGraphMailConfig(
    dir,
    emulatorUrl,
    MAILBOX,
    channels.map((c) => `slack:${c}`),
    { analyst: ['slack:U1'] },
  );
  const port = await freePort();
  const extra = (process.env.BENCH_BOT_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, ['--no-deprecation', ...extra, join(__dirname, '..', 'bot', 'main.js'), 'main'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `bench-ack-${randomBytes(3).toString('hex')}:`,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      CONFIG_FILE: configFile,
      GRAPH_SECRET: DEMO_CLIENT_SECRET,
      ASYNC_POLL_MS: '100',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_API_URL: slackApiUrl,
      FILES_DIR: join(dir, 'files'),
      // npm start's default: a line per command and per job.
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await lineOf(child, /listening on port/, 'chatsoar');
  return { url: `http://127.0.0.1:${port}/slack/events`, child, stop: () => stopChild(child) };
}

let seq = 0;
async function slash(url: string, text: string, channel: string): Promise<number> {
  const body = new URLSearchParams({
    command: '/soar',
    text,
    channel_id: channel,
    user_id: 'U1',
    team_id: 'T1',
    trigger_id: `bench-${process.pid}-${seq++}`,
  }).toString();
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SECRET, body) },
    body,
  });
  const answer = await res.text();
  if (res.status !== 200) throw new Error(`slash command answered ${res.status}`);
  // An acknowledgement with a reply is a refusal: the bench measures queued commands only.
  if (answer.trim()) throw new Error(`slash command answered with a reply, not a queued job: ${answer.slice(0, 300)}`);
  return performance.now() - started;
}

/** Sends to every target interleaved at RATE per second each, for SECONDS, going round `channels`. */
async function steadyLoad(channels: string[], targets: Array<{ name: string; url: string }>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  const pending: Array<Promise<void>> = [];
  const total = SECONDS * RATE;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const t of targets) pending.push(slash(t.url, 'graphmail ping', channels[i % channels.length]!).then((ms) => void out[t.name]!.push(ms)));
  }
  await Promise.all(pending);
  return out;
}

export async function run(): Promise<BenchResult> {
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!redisUrl) throw new Error('TEST_REDIS_URL is not set (bench/run.ts starts redis-server)');
  const { startEmulator } = await import('../emulator');
  const [emulator, slack] = await Promise.all([startEmulator({ seed: true }), startFakeSlack()]);
  const load = Array.from({ length: CHANNELS }, (_, i) => `CL${i}`);
  const channels = [...load, ...Array.from({ length: E2E_PINGS }, (_, i) => `CB${i}`)];
  const servers: Server[] = [];
  try {
    const [chatsoar, durable, bare] = await Promise.all([
      startChatsoar(redisUrl, emulator.url, slack.url, channels),
      startBoltProcess(slack.url, redisUrl),
      startBoltProcess(slack.url),
    ]);
    servers.push(chatsoar, durable, bare);
    // Warm-up (first requests compile code paths, open connections, fetch a Graph token); not measured.
    for (let i = 0; i < 20; i++) await Promise.all(servers.map((s) => slash(s.url, 'graphmail ping', load[i % load.length]!)));
    await new Promise((r) => setTimeout(r, 2000));

    console.log(
      `Steady load: ${RATE}/s for ${SECONDS} s over ${CHANNELS} channels to chatsoar, to a bare bolt app adding one BullMQ job and to one only acking, each in its own process…`,
    );
    const cpuBefore = servers.map((s) => processCpuMs(s.child.pid));
    const rounds: Array<Record<'chatsoar' | 'durable-bolt' | 'bare-bolt', ReturnType<typeof summary>>> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const latencies = await steadyLoad(load, [
        { name: 'chatsoar', url: chatsoar.url },
        { name: 'durable-bolt', url: durable.url },
        { name: 'bare-bolt', url: bare.url },
      ]);
      rounds.push({
        chatsoar: summary(latencies.chatsoar!),
        'durable-bolt': summary(latencies['durable-bolt']!),
        'bare-bolt': summary(latencies['bare-bolt']!),
      });
    }
    const [cpuChatsoar, cpuDurable, cpuBare] = servers.map((s, i) => (processCpuMs(s.child.pid) - cpuBefore[i]!) / (ROUNDS * SECONDS * RATE));
    const medianOf = (name: keyof (typeof rounds)[number]): ReturnType<typeof summary> => ({
      n: rounds.reduce((a, r) => a + r[name].n, 0),
      p50: median(rounds.map((r) => r[name].p50)),
      p99: median(rounds.map((r) => r[name].p99)),
      max: Math.max(...rounds.map((r) => r[name].max)),
    });
    const ack = medianOf('chatsoar');
    const floor = medianOf('durable-bolt');
    const base = medianOf('bare-bolt');
    await durable.stop();
    await bare.stop();

    // End to end: one ping per channel (Slack allows ~1 message/s per channel), all at once.
    const done = () => [...slack.messages.values()].filter((m) => /is_success: true/.test(String(m.text)) && /^CB/.test(String(m.channel))).length;
    const e2eStart = performance.now();
    await Promise.all(Array.from({ length: E2E_PINGS }, (_, i) => slash(chatsoar.url, 'graphmail ping', `CB${i}`)));
    while (done() < E2E_PINGS) {
      if (performance.now() - e2eStart > 300_000) throw new Error(`only ${done()} of ${E2E_PINGS} pings finished in 300 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const e2eSeconds = (performance.now() - e2eStart) / 1000;
    const f = (n: number) => n.toFixed(2);
    return {
      name: 'slack-ack',
      results: {
        slackAck: {
          rate: RATE,
          seconds: SECONDS,
          rounds: ROUNDS,
          channels: CHANNELS,
          shape: 'each server a process of its own: chatsoar = dist/bot/main.js main (workers in a thread); load, emulator and fake Slack in the bench process',
          chatsoar: { ...ack, cpuMsPerCommand: cpuChatsoar },
          durableBolt: { ...floor, cpuMsPerCommand: cpuDurable },
          bareBolt: { ...base, cpuMsPerCommand: cpuBare },
          ratioP50: ack.p50 / floor.p50,
          ratioP99: ack.p99 / floor.p99,
          ratioP99ToAckOnly: ack.p99 / base.p99,
        },
        endToEnd: { pings: E2E_PINGS, seconds: e2eSeconds, pingsPerSecond: E2E_PINGS / e2eSeconds },
      },
      table: [
        '| benchmark (each its own process) | n | p50 ms (median) | p99 ms (median) | max ms | process CPU ms per command |',
        '|---|---|---|---|---|---|',
        `| chatsoar /soar ack (npm start: bot/main.js main, workers' thread included) | ${ack.n} | ${f(ack.p50)} | ${f(ack.p99)} | ${f(ack.max)} | ${f(cpuChatsoar!)} |`,
        `| bolt + one BullMQ add, then ack (floor) | ${floor.n} | ${f(floor.p50)} | ${f(floor.p99)} | ${f(floor.max)} | ${f(cpuDurable!)} |`,
        `| bolt, ack only (reference) | ${base.n} | ${f(base.p50)} | ${f(base.p99)} | ${f(base.max)} | ${f(cpuBare!)} |`,
        `| ratio chatsoar / floor (medians of ${ROUNDS} rounds) | | ${f(ack.p50 / floor.p50)} | ${f(ack.p99 / floor.p99)} | | |`,
        `p99 ratio per round: ${rounds.map((r) => f(r.chatsoar.p99 / r['durable-bolt'].p99)).join(', ')}`,
        '',
        `End to end: ${E2E_PINGS} pings in ${f(e2eSeconds)} s = ${f(E2E_PINGS / e2eSeconds)} pings/s`,
      ],
      summary: [summaryRow(`/soar ack p99 at ${RATE}/s, ms (floor: bolt + one BullMQ add, then ack)`, ack.p99, floor.p99, '<= 1.2')],
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([emulator.close(), slack.close()]);
  }
}

if (require.main === module && process.argv[2] === '--child') {
  const [mode, slackApiUrl, redisUrl] = process.argv.slice(3);
  if (mode !== 'bolt') throw new Error(`unknown child mode ${mode}`);
  boltChild(slackApiUrl!, redisUrl).catch((err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}

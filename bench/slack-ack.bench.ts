/**
 * Slack ack latency of `/soar graphmail ping` at a steady rate (chatsoar in `npm start`'s
 * all-in-one shape, role main), beside its floor in the same run: a bare @slack/bolt app that adds
 * one BullMQ job on the same Redis, then acks (durable, like chatsoar's ack); a bare app that only
 * acks is measured too, for reference. Then end-to-end pings per second.
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { Queue } from 'bullmq';

import { createServer } from 'node:http';
import type { BenchResult } from './bench';
import { summaryRow } from './summary';
import { slackSignature } from '../test/helpers/fake-slack';
import { freePort, SLACK_SECRET, startHarness } from '../test/helpers/harness';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_RATE ?? 15);
const E2E_PINGS = Number(process.env.BENCH_E2E_PINGS ?? 200);

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

/** A bare bolt app: acks at once, or (`durableOn`: a Redis URL) first adds one BullMQ job there. */
async function startBareBolt(slackApiUrl: string, durableOn?: string): Promise<{ url: string; close(): Promise<void> }> {
  const receiver = new HTTPReceiver({ signingSecret: SLACK_SECRET, endpoints: '/slack/events', processBeforeResponse: false });
  // The bot's identity known up front (no auth.test per request, as chatsoar's cachedAuthorize).
  const app = new App({
    receiver,
    authorize: async () => ({ botToken: 'xoxb-bare', botId: 'B0', botUserId: 'U0' }),
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl },
  });
  const u = durableOn ? new URL(durableOn) : undefined;
  const queue = u
    ? new Queue('bare-durable', { connection: { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null }, prefix: 'bench-durable' })
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
  const port = await freePort();
  const server = createServer(receiver.requestListener);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    close: async () => {
      await new Promise((r) => server.close(() => r(undefined)));
      if (queue) {
        await queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      }
    },
  };
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
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SLACK_SECRET, body) },
    body,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`slash command answered ${res.status}`);
  return performance.now() - started;
}

/** Sends to both targets interleaved at RATE per second each, for SECONDS. */
async function steadyLoad(targets: Array<{ name: string; url: string }>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  const pending: Array<Promise<void>> = [];
  const total = SECONDS * RATE;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const t of targets) pending.push(slash(t.url, 'graphmail ping', 'C1').then((ms) => void out[t.name]!.push(ms)));
  }
  await Promise.all(pending);
  return out;
}

export async function run(): Promise<BenchResult> {
  const h = await startHarness({ asyncPollMs: 100 });
  const bare = await startBareBolt(h.slack.url);
  const durable = await startBareBolt(h.slack.url, h.settings.redisUrl);
  try {
    console.log(`Steady load: ${RATE}/s for ${SECONDS} s to chatsoar, to a bare bolt app adding one BullMQ job and to one only acking…`);
    const latencies = await steadyLoad([
      { name: 'chatsoar', url: `${h.url}/slack/events` },
      { name: 'durable-bolt', url: durable.url },
      { name: 'bare-bolt', url: bare.url },
    ]);
    const ack = summary(latencies.chatsoar!);
    const floor = summary(latencies['durable-bolt']!);
    const base = summary(latencies['bare-bolt']!);

    // End to end: one ping per channel (Slack allows ~1 message/s per channel), all at once.
    for (let i = 0; i < E2E_PINGS; i++) await h.runtime.environments.bind(`slack:CB${i}`, 'prod');
    const done = () => [...h.slack.messages.values()].filter((m) => /is_success: true/.test(String(m.text)) && /^CB/.test(String(m.channel))).length;
    const e2eStart = performance.now();
    await Promise.all(Array.from({ length: E2E_PINGS }, (_, i) => slash(`${h.url}/slack/events`, 'graphmail ping', `CB${i}`)));
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
          chatsoar: ack,
          durableBolt: floor,
          bareBolt: base,
          ratioP50: ack.p50 / floor.p50,
          ratioP99: ack.p99 / floor.p99,
          ratioP99ToAckOnly: ack.p99 / base.p99,
        },
        endToEnd: { pings: E2E_PINGS, seconds: e2eSeconds, pingsPerSecond: E2E_PINGS / e2eSeconds },
      },
      table: [
        '| benchmark | n | p50 ms | p99 ms | max ms |',
        '|---|---|---|---|---|',
        `| chatsoar /soar ack | ${ack.n} | ${f(ack.p50)} | ${f(ack.p99)} | ${f(ack.max)} |`,
        `| bolt + one BullMQ add, then ack (floor) | ${floor.n} | ${f(floor.p50)} | ${f(floor.p99)} | ${f(floor.max)} |`,
        `| bolt, ack only (reference) | ${base.n} | ${f(base.p50)} | ${f(base.p99)} | ${f(base.max)} |`,
        `| ratio chatsoar / floor | | ${f(ack.p50 / floor.p50)} | ${f(ack.p99 / floor.p99)} | |`,
        '',
        `End to end: ${E2E_PINGS} pings in ${f(e2eSeconds)} s = ${f(E2E_PINGS / e2eSeconds)} pings/s`,
      ],
      summary: [summaryRow(`/soar ack p99 at ${RATE}/s, ms (floor: bolt + one BullMQ add, then ack)`, ack.p99, floor.p99, '<= 1.2')],
    };
  } finally {
    await durable.close();
    await bare.close();
    await h.close();
  }
}

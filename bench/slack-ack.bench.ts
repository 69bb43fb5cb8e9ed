/**
 * Slack ack latency of `/soar graphmail ping` at a steady rate, beside a bare @slack/bolt app
 * that only acks (same machine, same run: the ratio is the figure), and end-to-end pings per second.
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

import { createServer } from 'node:http';
import type { BenchResult } from './bench';
import { slackSignature } from '../test/helpers/fake-slack';
import { freePort, SLACK_SECRET, startHarness } from '../test/helpers/harness';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_RATE ?? 20);
const E2E_PINGS = Number(process.env.BENCH_E2E_PINGS ?? 200);

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

async function startBareBolt(slackApiUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const receiver = new HTTPReceiver({ signingSecret: SLACK_SECRET, endpoints: '/slack/events', processBeforeResponse: false });
  const app = new App({ receiver, token: 'xoxb-bare', tokenVerificationEnabled: false, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl } });
  app.command('/soar', async ({ ack }) => {
    await ack();
  });
  const port = await freePort();
  const server = createServer(receiver.requestListener);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${port}/slack/events`, close: () => new Promise((r) => server.close(() => r())) };
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
  try {
    console.log(`Steady load: ${RATE}/s for ${SECONDS} s to chatsoar and to a bare bolt app…`);
    const latencies = await steadyLoad([
      { name: 'chatsoar', url: `${h.url}/slack/events` },
      { name: 'bare-bolt', url: bare.url },
    ]);
    const ack = summary(latencies.chatsoar!);
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
        slackAck: { rate: RATE, seconds: SECONDS, chatsoar: ack, bareBolt: base, ratioP50: ack.p50 / base.p50, ratioP99: ack.p99 / base.p99 },
        endToEnd: { pings: E2E_PINGS, seconds: e2eSeconds, pingsPerSecond: E2E_PINGS / e2eSeconds },
      },
      table: [
        '| benchmark | n | p50 ms | p99 ms | max ms |',
        '|---|---|---|---|---|',
        `| chatsoar /soar ack | ${ack.n} | ${f(ack.p50)} | ${f(ack.p99)} | ${f(ack.max)} |`,
        `| bare bolt ack (baseline) | ${base.n} | ${f(base.p50)} | ${f(base.p99)} | ${f(base.max)} |`,
        `| ratio chatsoar / bare | | ${f(ack.p50 / base.p50)} | ${f(ack.p99 / base.p99)} | |`,
        '',
        `End to end: ${E2E_PINGS} pings in ${f(e2eSeconds)} s = ${f(E2E_PINGS / e2eSeconds)} pings/s`,
      ],
    };
  } finally {
    await bare.close();
    await h.close();
  }
}

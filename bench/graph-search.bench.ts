/**
 * Search Emails over 1,000 mailboxes against the Microsoft 365 emulator with 20 ms latency per
 * HTTP request and at most 4 concurrent requests per mailbox (`mailboxConcurrencyLimit`). The
 * action's own code (`run` of the catalogue spec) with the real Graph client and HTTP layer.
 *
 * Beside the wall time, in the same run:
 * - the floor the emulator's limits allow: the sequential requests one mailbox needs (counted
 *   in the baseline run) times one round trip (measured: a plain request at this latency); the
 *   emulator takes any number of mailboxes at once (4 requests per mailbox), so all mailboxes
 *   fit in that;
 * - the floor at chatsoar's own bound (10 `$batch` envelopes of 20 in flight: 200 mailboxes per
 *   round trip);
 * - the same search with no latency (what the emulator and client cost in CPU on this machine);
 * - a one-mailbox-at-a-time baseline: the same per-mailbox search, sequentially, one plain
 *   request after another (no `$batch`), and its floor (1,000 round trips).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from './bench';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT, startEmulator, type Emulator } from '../emulator';
import type { ActionContext } from '../handlers/kit/context';
import { UndiciHttpClient, type HttpClient } from '../handlers/kit/http';
import type { ActionResult } from '../handlers/kit/outcome';
import { spec as searchEmails, searchMailbox } from '../handlers/microsoft-graph-mail/actions/search-emails';
import { GraphClient } from '../handlers/microsoft-graph-mail/client';
import { criteriaFrom } from '../handlers/microsoft-graph-mail/criteria';
import { MAILBOXES_IN_FLIGHT } from '../handlers/microsoft-graph-mail/mailboxes';
import { FilesRoot } from '../lib/files';
import { createLogger } from '../lib/log';

/** The bench talks only to its own emulator on loopback: the operator trusts it. */
const http = new UndiciHttpClient({ trusted: () => true });

const MAILBOXES = Number(process.env.BENCH_MAILBOXES ?? 1000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const PER_MAILBOX = 4;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const GRAPH_BATCH = 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Counts the HTTP requests the client sends (the real layer underneath). */
function countingHttp(): HttpClient & { count: number } {
  const c = {
    count: 0,
    send(req: Parameters<HttpClient['send']>[0]) {
      c.count++;
      return http.send(req);
    },
  };
  return c;
}

function contextFor(emu: Emulator, client: HttpClient): ActionContext {
  const files = new FilesRoot(mkdtempSync(join(tmpdir(), 'chatsoar-bench-files-')), randomBytes(32), 'http://127.0.0.1');
  return {
    environment: 'bench',
    instance: {
      'azure-ad-endpoint': emu.url,
      'microsoft-graph-endpoint': emu.url,
      'client-id': DEMO_CLIENT_ID,
      'secret-id': DEMO_CLIENT_SECRET,
      tenant: DEMO_TENANT,
      'default-mailbox': 'soc@demo.onmicrosoft.com',
      'verify-ssl': true,
    },
    http: client,
    log: createLogger('silent'),
    progress: async () => undefined,
    files: files.forJob('bench'),
    attempt: 0,
    signal: new AbortController().signal,
    saveInstanceParam: async () => undefined,
    publicUrl: 'http://127.0.0.1',
    job: { id: 'bench', requestedBy: 'bench', conversationId: 'bench', dryRun: false, timeoutAt: Date.now() + 3600_000 },
  };
}

const params = (mailboxes: string[]): Record<string, unknown> => ({
  'search-in-mailbox': mailboxes,
  'folder-name': 'Inbox',
  'subject-filter': 'alert',
  'only-unread': false,
  'select-all-fields-for-return': false,
  'how-many-mailboxes-to-process-in-a-single-batch': 25,
});

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

function check(result: ActionResult, mailboxes: string[]): void {
  const expected = `Successfully found emails in the following mailboxes: ${mailboxes.map((m) => `${m}: 2`).join(', ')}`;
  if (!result.isSuccess || result.message !== expected) throw new Error(`unexpected search result: ${result.message.slice(0, 300)}`);
}

export async function run(): Promise<BenchResult> {
  const emu = await startEmulator({ seed: true });
  try {
    const mailboxes = Array.from({ length: MAILBOXES }, (_, i) => `bench-${String(i).padStart(4, '0')}@demo.onmicrosoft.com`);
    for (const [i, mb] of mailboxes.entries()) {
      emu.state.addUser({ userPrincipalName: mb });
      emu.state.addMessage(mb, 'inbox', { subject: `[Alert] sign-in from a new country #${i}`, from: 'defender-noreply@microsoft.com', to: [mb] });
      emu.state.addMessage(mb, 'inbox', { subject: 'Weekly alert digest', from: 'siem@demo.onmicrosoft.com', to: [mb] });
      emu.state.addMessage(mb, 'inbox', { subject: 'Team lunch', from: 'bob@demo.onmicrosoft.com', to: [mb] });
    }
    emu.state.settings.mailboxConcurrencyLimit = PER_MAILBOX;

    const runSearch = async (): Promise<{ ms: number; requests: number }> => {
      const client = countingHttp();
      const { ms, value } = await timed(() => searchEmails.run!(contextFor(emu, client), params(mailboxes)));
      check(value as ActionResult, mailboxes);
      return { ms, requests: client.count };
    };

    // Warm-up (token, connections, JIT), then the CPU cost with no latency.
    await runSearch();
    const noLatency = [];
    for (let i = 0; i < RUNS; i++) noLatency.push(await runSearch());

    emu.faults.set({ prefix: '/v1.0', latencyMs: LATENCY_MS });
    const ledgerBefore = emu.ledger.length;
    const batched = [];
    for (let i = 0; i < RUNS; i++) batched.push(await runSearch());
    const throttled = emu.ledger.slice(ledgerBefore).filter((e) => e.status === 429).length;

    // Baseline: one mailbox at a time, one plain request at a time, same per-mailbox search.
    const baseHttp = countingHttp();
    const baseCtx = contextFor(emu, baseHttp);
    const plain = new GraphClient(baseCtx, undefined, { batching: false, maxInFlight: 1 });
    const criteria = criteriaFrom(params(mailboxes));
    const baseline = await timed(async () => {
      let found = 0;
      for (const mb of mailboxes) found += (await searchMailbox(plain, mb, { folder: 'Inbox', criteria, allFields: false })).messages.length;
      if (found !== 2 * mailboxes.length) throw new Error(`baseline found ${found} mails`);
    });

    const baselineRequests = baseHttp.count;
    // One round trip at this latency, measured: plain requests one after another.
    const rtts: number[] = [];
    for (let i = 0; i < 20; i++)
      rtts.push((await timed(() => plain.call('GET', `v1.0/users/${encodeURIComponent(mailboxes[i]!)}/mailFolders/inbox?$select=id`))).ms);
    const rtt = median(rtts);

    const wall = median(batched.map((r) => r.ms));
    const cpu = median(noLatency.map((r) => r.ms));
    const requests = batched[0]!.requests;
    // Sequential requests per mailbox (the baseline sends each mailbox's requests one after another).
    const roundsPerMailbox = baselineRequests / MAILBOXES;
    const floorEmulator = roundsPerMailbox * rtt;
    const floorOurBound = Math.ceil(MAILBOXES / MAILBOXES_IN_FLIGHT) * roundsPerMailbox * rtt;
    const floorBaseline = MAILBOXES * roundsPerMailbox * rtt;
    const f = (n: number) => n.toFixed(0);
    const x = (n: number) => `${n.toFixed(1)}×`;
    return {
      name: 'graph-search',
      results: {
        mailboxes: MAILBOXES,
        latencyMs: LATENCY_MS,
        mailboxConcurrencyLimit: PER_MAILBOX,
        batched: {
          wallMsMedian: wall,
          runsMs: batched.map((r) => r.ms),
          httpRequests: requests,
          subRequestsPerEnvelope: MAILBOXES / Math.max(1, requests),
          throttled429: throttled,
        },
        roundTripMs: rtt,
        requestsPerMailbox: roundsPerMailbox,
        floors: { emulatorLimitsMs: floorEmulator, chatsoarInFlightBoundMs: floorOurBound, baselineMs: floorBaseline },
        noLatency: { wallMsMedian: cpu, runsMs: noLatency.map((r) => r.ms) },
        baseline: { wallMs: baseline.ms, httpRequests: baselineRequests },
        speedupOverBaseline: baseline.ms / wall,
        wallOverEmulatorFloor: wall / floorEmulator,
      },
      table: [
        `Search Emails over ${MAILBOXES} mailboxes, ${LATENCY_MS} ms latency per HTTP request (one round trip measured: ${rtt.toFixed(1)} ms), ${PER_MAILBOX} concurrent requests per mailbox, $batch ≤ ${GRAPH_BATCH}, ${roundsPerMailbox} request(s) per mailbox`,
        '',
        '| run | wall ms | floor ms | wall / floor | HTTP requests |',
        '|---|---|---|---|---|',
        `| chatsoar (batched, median of ${RUNS}) | ${f(wall)} | ${f(floorEmulator)} (emulator limits: all mailboxes at once) | ${x(wall / floorEmulator)} | ${requests} |`,
        `| | | ${f(floorOurBound)} (chatsoar's bound: ${MAILBOXES_IN_FLIGHT} mailboxes per round trip) | ${x(wall / floorOurBound)} | |`,
        `| chatsoar, no latency (CPU cost) | ${f(cpu)} | | | ${noLatency[0]!.requests} |`,
        `| one mailbox at a time (baseline) | ${f(baseline.ms)} | ${f(floorBaseline)} | ${x(baseline.ms / floorBaseline)} | ${baselineRequests} |`,
        '',
        `Speed-up over the baseline: ${x(baseline.ms / wall)}; 429s from the emulator during the batched runs: ${throttled}.`,
      ],
    };
  } finally {
    await emu.close();
  }
}

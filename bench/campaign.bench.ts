/**
 * Campaign find + purge (contract.md §8) over a generated tenant of 1,000 and 10,000 users
 * (`generateTenant`: 1 % without a mail address, 2 % with one but no mailbox, a planted copy of
 * one phishing mail in 20 % of them, half in the Inbox and half in Junk Email, 3 ordinary mails
 * each) against the Microsoft 365 emulator with 20 ms latency per HTTP request and Graph's limits
 * (at most 4 concurrent requests per mailbox: `mailboxConcurrencyLimit`; `$batch` ≤ 20): the
 * actions' own code (`runFind`, then `runPurge` of the campaign it found) with the real Graph
 * client and HTTP layer.
 *
 * Beside it, in the same run and against a tenant generated the same way, the floor: a bare
 * client doing what Graph's limits allow (https://learn.microsoft.com/graph/throttling-limits,
 * https://learn.microsoft.com/graph/json-batching): the `/users` pages one after the other (each
 * needs the last one's nextLink), then one search request per mailbox (the very request chatsoar
 * sends), then one move per copy found, each phase packed in `$batch` envelopes of 20 sent all at
 * once (one request per mailbox at a time, within 4; the app's 130,000 requests per 10 seconds
 * hold every request here), undici and JSON.parse and nothing else. Outlook runs at most 4
 * requests of a batch at once: the emulator answers a batch's requests without latency of their
 * own, so both sides see one round trip per envelope; the computed floor (request rounds × one
 * measured round trip) is shown beside the measured one, and so are the rounds chatsoar's own lanes
 * (mailboxes searched and purged at once) impose. The emulator serves every request in one
 * process: at 10,000 mailboxes its CPU, not the latency, sets both measured times, so the two
 * computed figures tell how far apart the two clients would be where the server is not the limit.
 *
 * Then the same find + purge with 20 % of the Graph requests answered 429 with a Retry-After
 * (fault rule on `/v1.0/users`: every request to a mailbox and every `/users` page; envelopes
 * pass): the emulator's ledger must show every planted copy moved exactly once.
 *
 * Each measured run is a child process of its own (this file, `--child`) against a freshly
 * generated tenant whose mailboxes are built beforehand (so that neither side pays for building
 * them), the emulator staying in this process: its figures are its own wall time, CPU and peak
 * RSS (`resourceUsage().maxRSS`). Knobs: BENCH_MAILBOXES (sizes, default 1000,10000), BENCH_RUNS
 * (pairs per size, 3), BENCH_LATENCY_MS (20), BENCH_HIT_SHARE (0.2), BENCH_THROTTLED_MAILBOXES
 * (default the largest size; 0: no throttled run), BENCH_THROTTLE_RATE (0.2), BENCH_RETRY_AFTER_S
 * (1), BENCH_FIND_CONCURRENCY / BENCH_PURGE_CONCURRENCY (default the actions' own).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { BenchResult } from './bench';
import { median, medianPair, runChild } from './child-run';
import { emulatorActionContext } from './emulator-action-context';
import { summaryRow } from './summary';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT, type Emulator, generateTenant, type GeneratedTenant, startEmulator } from '../emulator';
import { type HttpClient, UndiciHttpClient } from '../handlers/kit/http';
import { requestToken } from '../handlers/kit/oauth';
import type { ActionResult } from '../handlers/kit/outcome';
import { FIND_CONCURRENCY as DEFAULT_FIND_CONCURRENCY, runFind } from '../handlers/microsoft-graph-mail/campaign/find';
import { MOVE_CONCURRENCY, runPurge } from '../handlers/microsoft-graph-mail/campaign/purge';
import { CampaignFiles, campaignIdFor } from '../handlers/microsoft-graph-mail/campaign/store';
import { GRAPH_APP_REQUESTS_PER_10S, GRAPH_BATCH_LIMIT, OUTLOOK_MAILBOX_CONCURRENCY } from '../handlers/microsoft-graph-mail/graph-batch';
import { FilesRoot } from '../lib/files';

/** The bench talks only to its own emulator on loopback: the operator trusts it. */
const http = new UndiciHttpClient({ trusted: () => true });

const SIZES = (process.env.BENCH_MAILBOXES ?? '1000,10000').split(',').map(Number);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Share of the mailboxes holding a planted copy. */
const HIT_SHARE = Number(process.env.BENCH_HIT_SHARE ?? 0.2);
/** The throttled run: its size (0: none), the share of requests answered 429, their Retry-After. */
const THROTTLED_MAILBOXES = Number(process.env.BENCH_THROTTLED_MAILBOXES ?? SIZES[SIZES.length - 1]);
const THROTTLE_RATE = Number(process.env.BENCH_THROTTLE_RATE ?? 0.2);
const RETRY_AFTER_S = Number(process.env.BENCH_RETRY_AFTER_S ?? 1);
/** Mailboxes worked on at once by find and purge (default: the actions' own). */
const FIND_CONCURRENCY = process.env.BENCH_FIND_CONCURRENCY ? Number(process.env.BENCH_FIND_CONCURRENCY) : undefined;
const PURGE_CONCURRENCY = process.env.BENCH_PURGE_CONCURRENCY ? Number(process.env.BENCH_PURGE_CONCURRENCY) : undefined;
/** Mailboxes of the warm-up find in each child (token, connections, JIT). */
const WARM_MAILBOXES = 40;

const WAVE = {
  sender: 'it-support@contoso-helpdesk.example',
  subject: 'Your password expires today',
  internetMessageId: '<WAVE-0001@contoso-helpdesk.example>',
  folders: ['Inbox', 'Junk Email'],
};

function tenantOf(emu: Emulator, n: number): GeneratedTenant {
  return generateTenant(emu.state, {
    users: n,
    withoutMail: Math.round(n * 0.01),
    withoutMailbox: Math.round(n * 0.02),
    noise: 3,
    seed: 7,
    campaign: { copies: Math.round(n * HIT_SHARE), ...WAVE },
  });
}

/** One Graph request as sent (a `$batch` sub-request or a request alone): method, URL under the version, body. */
interface SentRequest {
  method: string;
  url: string;
  body?: unknown;
}

/**
 * Counts the HTTP requests the client sends; with `inspect` (not in measured runs: it costs a
 * JSON.parse per envelope) also keeps every Graph request in them.
 */
function countingHttp(root: string, inspect = false): HttpClient & { count: number; sent: SentRequest[] } {
  const c = {
    count: 0,
    sent: [] as SentRequest[],
    send(req: Parameters<HttpClient['send']>[0]) {
      c.count++;
      if (inspect && !/oauth2/.test(req.url)) {
        if (/\/\$batch$/.test(req.url) && typeof req.body === 'string') {
          for (const r of (JSON.parse(req.body) as { requests: SentRequest[] }).requests) c.sent.push({ method: r.method, url: r.url, body: r.body });
        } else {
          const url = req.url.slice(root.length).replace(/^\/(v1\.0|beta)/, '');
          c.sent.push({ method: req.method ?? 'GET', url, body: typeof req.body === 'string' ? JSON.parse(req.body) : undefined });
        }
      }
      return http.send(req);
    },
  };
  return c;
}

interface CampaignCounts {
  matches: number;
  mailboxesHit: number;
  searched: number;
  unreachable: number;
  moved: number;
  skipped: number;
  gone: number;
  failed: number;
}

interface ChildFigures {
  ms: number;
  findMs: number;
  purgeMs: number;
  cpuMs: number;
  maxRssMb: number;
  httpRequests: number;
  counts: CampaignCounts;
}

interface ChildArgs {
  url: string;
  copies: number;
  /** Mailboxes of the warm-up. */
  warm: string[];
  /** The sub-requests chatsoar sends (the floor sends the same): `{mailbox}`, `{id}` in place. */
  listUrl: string;
  searchTemplate: string;
  moveTemplate: string;
  moveBody: unknown;
  /** Throttled run: report what happened instead of failing on a miss. */
  lenient?: boolean;
}

const maxRssMb = (): number => (process.resourceUsage().maxRSS * 1024) / 1e6;
const cpuMsSince = (cpu: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000;
};

/** chatsoar: a warm-up find over a few mailboxes, then find over the tenant and purge of what it found, measured. */
async function campaignChild(a: ChildArgs): Promise<ChildFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'chatsoar-bench-files-'));
  try {
    const files = new FilesRoot(dir, randomBytes(32), 'http://127.0.0.1');
    const client = countingHttp(a.url);
    const warm = (await runFind(emulatorActionContext(a.url, client, files, 'warm'), {
      'internet-message-id': WAVE.internetMessageId,
      mailboxes: a.warm.join(','),
    })) as ActionResult;
    if (!warm.isSuccess) throw new Error(`warm-up find failed: ${warm.message.slice(0, 300)}`);
    client.count = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const found = (await runFind(
      emulatorActionContext(a.url, client, files, 'find-1'),
      { 'internet-message-id': WAVE.internetMessageId, mailboxes: 'all' },
      FIND_CONCURRENCY,
    )) as ActionResult;
    const findMs = performance.now() - started;
    if (!found.isSuccess) throw new Error(`find failed: ${found.message.slice(0, 300)}`);
    const id = campaignIdFor('find-1');
    const purged = (await runPurge(
      emulatorActionContext(a.url, client, files, 'purge-1', 'bench-approver'),
      { 'campaign-id': id },
      PURGE_CONCURRENCY,
    )) as ActionResult;
    const ms = performance.now() - started;
    const cpuMs = cpuMsSince(cpu);
    const c = await CampaignFiles.of(files.forJob('check'), id).read();
    if (!c) throw new Error('no campaign.json after the purge');
    const counts: CampaignCounts = {
      matches: c.counts.matches,
      mailboxesHit: c.counts.mailboxesHit,
      searched: c.counts.searched,
      unreachable: c.counts.unreachable,
      moved: c.purge?.moved ?? 0,
      skipped: c.purge?.skipped ?? 0,
      gone: c.purge?.gone ?? 0,
      failed: c.purge?.failed ?? 0,
    };
    if (!a.lenient && (!purged.isSuccess || counts.matches !== a.copies || counts.moved !== a.copies))
      throw new Error(`expected ${a.copies} copies found and moved, got ${JSON.stringify(counts)}: ${purged.message.slice(0, 300)}`);
    return { ms, findMs, purgeMs: ms - findMs, cpuMs, maxRssMb: maxRssMb(), httpRequests: client.count, counts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The floor: what Graph's limits allow, with nothing of chatsoar's. */
async function floorChild(a: ChildArgs): Promise<ChildFigures> {
  const token = (
    await requestToken(http, {
      environment: 'bench',
      loginRoot: a.url,
      tenant: DEMO_TENANT,
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      scope: `${a.url}/.default`,
      verifySsl: true,
    })
  ).accessToken;
  const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json', 'content-type': 'application/json' };
  let httpRequests = 0;
  const send = async (url: string, body?: string): Promise<unknown> => {
    httpRequests++;
    const res = await request(url, { method: body === undefined ? 'GET' : 'POST', dispatcher, headers, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`floor: ${url} answered ${res.statusCode}: ${text.slice(0, 200)}`);
    return JSON.parse(text);
  };
  type Answer = { status: number; body: { value?: Array<{ id: string }> } };
  /** Every request at once, in envelopes of 20; the answers in the requests' order. */
  const batched = async (reqs: Array<{ method: string; url: string; body?: unknown }>): Promise<Answer[]> => {
    const envelopes: Array<Promise<Answer[]>> = [];
    for (let i = 0; i < reqs.length; i += GRAPH_BATCH_LIMIT) {
      const part = reqs.slice(i, i + GRAPH_BATCH_LIMIT).map((r, k) => ({
        id: String(k + 1),
        ...r,
        ...(r.body !== undefined ? { headers: { 'Content-Type': 'application/json' } } : {}),
      }));
      envelopes.push(
        send(`${a.url}/v1.0/$batch`, JSON.stringify({ requests: part })).then((b) => {
          const byId = new Map((b as { responses: Array<Answer & { id: string }> }).responses.map((r) => [r.id, r]));
          return part.map((r) => byId.get(r.id) as Answer);
        }),
      );
    }
    return (await Promise.all(envelopes)).flat();
  };
  const search = (mailboxes: string[]) =>
    batched(mailboxes.map((mb) => ({ method: 'GET', url: a.searchTemplate.replace('{mailbox}', encodeURIComponent(mb)) })));

  // Warm-up (connections, JIT): one /users page and the warm-up mailboxes' searches.
  await send(`${a.url}/v1.0${a.listUrl}`);
  await search(a.warm);
  httpRequests = 0;

  const cpu = process.cpuUsage();
  const started = performance.now();
  const mailboxes: string[] = [];
  const seen = new Set<string>();
  let next: string | undefined = `${a.url}/v1.0${a.listUrl}`;
  while (next) {
    const page = (await send(next)) as { value: Array<{ mail: string | null }>; '@odata.nextLink'?: string };
    for (const u of page.value) {
      if (!u.mail || seen.has(u.mail.toLowerCase())) continue;
      seen.add(u.mail.toLowerCase());
      mailboxes.push(u.mail);
    }
    next = page['@odata.nextLink'];
  }
  const found: Array<{ mailbox: string; id: string }> = [];
  (await search(mailboxes)).forEach((r, i) => {
    if (r.status === 200) for (const m of r.body.value ?? []) found.push({ mailbox: mailboxes[i] as string, id: m.id });
    else if (r.status !== 404) throw new Error(`floor: a search answered ${r.status}`);
  });
  const findMs = performance.now() - started;
  const moves = await batched(
    found.map((f) => ({
      method: 'POST',
      url: a.moveTemplate.replace('{mailbox}', encodeURIComponent(f.mailbox)).replace('{id}', encodeURIComponent(f.id)),
      body: a.moveBody,
    })),
  );
  const ms = performance.now() - started;
  const cpuMs = cpuMsSince(cpu);
  await dispatcher.close();
  const moved = moves.filter((r) => r.status === 200 || r.status === 201).length;
  if (found.length !== a.copies || moved !== a.copies) throw new Error(`floor: expected ${a.copies} copies found and moved, got ${found.length} and ${moved}`);
  return {
    ms,
    findMs,
    purgeMs: ms - findMs,
    cpuMs,
    maxRssMb: maxRssMb(),
    httpRequests,
    counts: { matches: found.length, mailboxesHit: found.length, searched: mailboxes.length, unreachable: 0, moved, skipped: 0, gone: 0, failed: 0 },
  };
}

async function inChild(mode: 'campaign' | 'floor', args: ChildArgs): Promise<ChildFigures> {
  return runChild<ChildFigures>(__filename, [mode, JSON.stringify(args)]);
}

/** A fresh emulator with a generated tenant, every mailbox built, Outlook's mailbox limit on. */
async function tenantEmulator(n: number): Promise<{ emu: Emulator; gen: GeneratedTenant }> {
  const emu = await startEmulator({ seed: false });
  emu.state.settings.mailboxConcurrencyLimit = OUTLOOK_MAILBOX_CONCURRENCY;
  const gen = tenantOf(emu, n);
  for (const id of gen.userIds) {
    const u = emu.state.users.get(id);
    if (u) emu.state.mailboxOf(u);
  }
  return { emu, gen };
}

/** The requests chatsoar sends (found once on a small tenant without latency): the floor sends the same. */
interface Probe {
  listUrl: string;
  searchTemplate: string;
  moveTemplate: string;
  moveBody: unknown;
  /** Graph requests per mailbox searched (find) and per copy (purge). */
  findPerMailbox: number;
  purgePerCopy: number;
}

async function probe(): Promise<Probe> {
  const { emu, gen } = await tenantEmulator(50);
  const dir = mkdtempSync(join(tmpdir(), 'chatsoar-bench-files-'));
  try {
    const files = new FilesRoot(dir, randomBytes(32), 'http://127.0.0.1');
    const findHttp = countingHttp(emu.url, true);
    const found = (await runFind(emulatorActionContext(emu.url, findHttp, files, 'probe'), {
      'internet-message-id': WAVE.internetMessageId,
      mailboxes: 'all',
    })) as ActionResult;
    const purgeHttp = countingHttp(emu.url, true);
    const purged = (await runPurge(emulatorActionContext(emu.url, purgeHttp, files, 'probe-purge', 'bench-approver'), {
      'campaign-id': campaignIdFor('probe'),
    })) as ActionResult;
    if (!found.isSuccess || !purged.isSuccess) throw new Error(`probe failed: ${found.message.slice(0, 200)} / ${purged.message.slice(0, 200)}`);
    const list = findHttp.sent.find((r) => /^\/users\?/.test(r.url));
    const searchReq = findHttp.sent.find((r) => /^\/users\/[^/?]+\/messages\?/.test(r.url));
    const moveReq = purgeHttp.sent.find((r) => /\/move$/.test(r.url));
    if (!list || !searchReq || !moveReq) throw new Error('probe: no /users page, search or move seen');
    const mailboxIn = (url: string) => /^\/users\/([^/?]+)/.exec(url)?.[1] as string;
    const moveId = /\/messages\/([^/]+)\/move$/.exec(moveReq.url)?.[1] as string;
    const listed = gen.users - Math.round(gen.users * 0.01);
    return {
      listUrl: list.url,
      searchTemplate: searchReq.url.replace(mailboxIn(searchReq.url), '{mailbox}'),
      moveTemplate: moveReq.url.replace(mailboxIn(moveReq.url), '{mailbox}').replace(moveId, '{id}'),
      moveBody: moveReq.body,
      findPerMailbox: findHttp.sent.filter((r) => /^\/users\/[^/?]+\//.test(r.url)).length / listed,
      purgePerCopy: purgeHttp.sent.length / gen.copies.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await emu.close();
  }
}

/** One round trip at this latency, measured: one plain request after another. */
async function roundTrip(url: string): Promise<number> {
  const rtts: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    await fetch(`${url}/v1.0/$batch`, { method: 'POST', body: '{}' }).then((r) => r.arrayBuffer());
    rtts.push(performance.now() - started);
  }
  return median(rtts);
}

interface LedgerCheck {
  /** Moves of the wave's copies recorded by the emulator. */
  moves: number;
  /** Moves beyond the first of one copy (mailbox + internetMessageId). */
  duplicates: number;
  /** Planted copies moved exactly once, and never. */
  movedOnce: number;
  neverMoved: number;
  /** Moves that went somewhere other than Deleted Items. */
  elsewhere: number;
}

function checkLedger(emu: Emulator, gen: GeneratedTenant): LedgerCheck {
  const perCopy = new Map<string, number>();
  let moves = 0;
  let elsewhere = 0;
  for (const e of emu.ledger) {
    if (!e.move || e.move.internetMessageId !== WAVE.internetMessageId) continue;
    moves++;
    if (e.move.toFolder !== 'Deleted Items') elsewhere++;
    const key = `${e.move.mailbox.toLowerCase()}|${e.move.internetMessageId}`;
    perCopy.set(key, (perCopy.get(key) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const k of perCopy.values()) duplicates += Math.max(0, k - 1);
  let movedOnce = 0;
  let neverMoved = 0;
  for (const c of gen.copies) {
    const k = perCopy.get(`${c.mailbox.toLowerCase()}|${WAVE.internetMessageId}`) ?? 0;
    if (k === 1) movedOnce++;
    if (k === 0) neverMoved++;
  }
  return { moves, duplicates, movedOnce, neverMoved, elsewhere };
}

interface Run {
  figures: ChildFigures;
  ledger: LedgerCheck;
  roundTripMs: number;
  /** CPU the emulator (this process) spent during the child's run. */
  emulatorCpuMs: number;
  /** Mailboxes searched in the warm-up. */
  warm: number;
  /** 429s the fault rule answered, and the Graph requests (sub-requests one each) the emulator served. */
  throttled: number;
  graphRequests: number;
}

/** One child run against a fresh tenant of `n` users with `LATENCY_MS` on every Graph request (and `throttle` on mailbox and /users requests). */
async function oneRun(mode: 'campaign' | 'floor', n: number, p: Probe, throttle = 0): Promise<Run> {
  const { emu, gen } = await tenantEmulator(n);
  try {
    emu.faults.set({ prefix: '/v1.0', latencyMs: LATENCY_MS });
    const roundTripMs = await roundTrip(emu.url);
    if (throttle > 0) {
      emu.faults.set({ prefix: '/v1.0/users', latencyMs: LATENCY_MS, rate429: throttle, retryAfterSeconds: RETRY_AFTER_S });
      emu.faults.setSeed(20);
    }
    // Counts what the emulator answers to Graph requests (sub-requests included), envelopes apart.
    let graphRequests = 0;
    let throttled = 0;
    const decide = emu.faults.decide.bind(emu.faults);
    emu.faults.decide = (method, path) => {
      const d = decide(method, path);
      if (path.startsWith('/v1.0/users')) {
        graphRequests++;
        if (d.failure?.status === 429) throttled++;
      }
      return d;
    };
    const warm = gen.copies.slice(0, WARM_MAILBOXES / 2).map((c) => c.mailbox);
    for (let i = 1; warm.length < WARM_MAILBOXES && i < gen.userIds.length; i += 97) {
      const u = emu.state.users.get(gen.userIds[i] as string);
      if (u?.mail && !warm.includes(u.mail)) warm.push(u.mail);
    }
    emu.ledger.length = 0;
    const cpu = process.cpuUsage();
    const figures = await inChild(mode, {
      url: emu.url,
      copies: gen.copies.length,
      warm,
      listUrl: p.listUrl,
      searchTemplate: p.searchTemplate,
      moveTemplate: p.moveTemplate,
      moveBody: p.moveBody,
      lenient: throttle > 0,
    });
    const emulatorCpuMs = cpuMsSince(cpu);
    return { figures, ledger: checkLedger(emu, gen), roundTripMs, emulatorCpuMs, warm: warm.length, throttled, graphRequests };
  } finally {
    await emu.close();
  }
}

interface SizeFigures {
  mailboxes: number;
  copies: number;
  campaign: Run;
  floor: Run;
  campaignRunsMs: number[];
  floorRunsMs: number[];
  /** chatsoar / floor of each pair of runs (back to back, so under about the same load from outside). */
  pairRatios: number[];
  /** Medians of the peak RSS of the runs. */
  campaignRssMb: number;
  floorRssMb: number;
  computedFloorMs: number;
  /** The rounds chatsoar's own lanes impose at this latency (find: mailboxes / its concurrency; purge: mailboxes hit / its concurrency × requests per copy, one after the other). */
  computedCampaignMs: number;
  pages: number;
}

async function measureSize(n: number, p: Probe): Promise<SizeFigures> {
  const campaigns: Run[] = [];
  const floors: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Which goes first alternates, so a drift in the machine's load favours neither.
    if (i % 2 === 0) floors.push(await oneRun('floor', n, p));
    campaigns.push(await oneRun('campaign', n, p));
    if (i % 2 === 1) floors.push(await oneRun('floor', n, p));
  }
  const { at, ratios } = medianPair(
    campaigns.map((c) => c.figures.ms),
    floors.map((f) => f.figures.ms),
  );
  const floor = floors[at] as Run;
  // Request rounds Graph's limits impose: the /users pages one after the other, one round of
  // searches, one of moves (one request per mailbox at a time: 4 would be allowed), plus a
  // 10-second window for each time the app budget is spent.
  const listed = n - Math.round(n * 0.01);
  const pages = Math.ceil(n / 999);
  const copies = Math.round(n * HIT_SHARE);
  const requests = pages + listed + copies;
  const windows = Math.ceil(requests / GRAPH_APP_REQUESTS_PER_10S);
  const findLanes = FIND_CONCURRENCY ?? DEFAULT_FIND_CONCURRENCY;
  const purgeLanes = PURGE_CONCURRENCY ?? MOVE_CONCURRENCY;
  // Find searches each page's mailboxes while the next page loads (its lanes bound what is in flight), then the moves.
  const findRounds = Math.max(pages, Math.ceil(listed / findLanes)) + 1;
  const campaignRounds = findRounds + Math.max(1, Math.round(p.purgePerCopy)) * Math.ceil(copies / purgeLanes);
  return {
    mailboxes: n,
    copies,
    campaign: campaigns[at] as Run,
    floor,
    campaignRunsMs: campaigns.map((r) => r.figures.ms),
    floorRunsMs: floors.map((r) => r.figures.ms),
    pairRatios: ratios,
    campaignRssMb: median(campaigns.map((r) => r.figures.maxRssMb)),
    floorRssMb: median(floors.map((r) => r.figures.maxRssMb)),
    computedFloorMs: (pages + 2) * floor.roundTripMs + (windows - 1) * 10_000,
    computedCampaignMs: campaignRounds * floor.roundTripMs + (windows - 1) * 10_000,
    pages,
  };
}

export async function run(): Promise<BenchResult> {
  const p = await probe();
  const sizes: SizeFigures[] = [];
  for (const n of SIZES) sizes.push(await measureSize(n, p));
  const throttledRun = THROTTLED_MAILBOXES > 0 ? await oneRun('campaign', THROTTLED_MAILBOXES, p, THROTTLE_RATE) : null;

  const f = (n: number) => n.toFixed(0);
  const x = (n: number) => `${n.toFixed(2)}×`;
  const small = sizes[0] as SizeFigures;
  const large = sizes[sizes.length - 1] as SizeFigures;
  const summary = sizes.map((s) =>
    summaryRow(
      `Campaign find + purge, ${s.mailboxes} mailboxes (${s.copies} copies), ${LATENCY_MS} ms latency (wall ms) vs Graph's limits (bare client)`,
      s.campaign.figures.ms,
      s.floor.figures.ms,
      '<= 1.5',
    ),
  );
  summary.push(
    summaryRow(
      `Campaign find + purge, ${large.mailboxes} mailboxes, computed where the server is not the limit (ms): the request rounds chatsoar's lanes impose vs the floor's, at the measured round trip`,
      large.computedCampaignMs,
      large.computedFloorMs,
      '<= 1.5',
    ),
  );
  if (sizes.length > 1)
    summary.push(
      summaryRow(
        `Campaign find + purge peak RSS (MB), ${large.mailboxes} vs ${small.mailboxes} mailboxes (flat: the floor's growth is ${x(large.floorRssMb / small.floorRssMb)})`,
        large.campaignRssMb,
        small.campaignRssMb,
        '<= 1.2',
      ),
      // The bare client holds nothing but the answers in flight: its growth is what the volume of
      // requests itself brings, so chatsoar's memory is flat when it grows no more than that.
      summaryRow(
        `Campaign find + purge peak RSS growth, ${large.mailboxes} vs ${small.mailboxes} mailboxes, beside the bare client's growth in the same run`,
        large.campaignRssMb / small.campaignRssMb,
        large.floorRssMb / small.floorRssMb,
        '<= 1',
      ),
    );
  if (throttledRun) {
    const copies = Math.round(THROTTLED_MAILBOXES * HIT_SHARE);
    summary.push(
      summaryRow(
        `Campaign purge, ${THROTTLED_MAILBOXES} mailboxes, ${Math.round(THROTTLE_RATE * 100)} % of requests 429: duplicate moves in the emulator's ledger per planted copy`,
        throttledRun.ledger.duplicates,
        copies,
        '<= 0',
      ),
      summaryRow(
        `Campaign purge, ${THROTTLED_MAILBOXES} mailboxes, ${Math.round(THROTTLE_RATE * 100)} % of requests 429: planted copies moved exactly once per planted copy`,
        throttledRun.ledger.movedOnce,
        copies,
        '>= 1',
      ),
    );
  }
  const runJson = (r: Run, runsMs: number[]) => ({
    wallMsOfMedianPair: r.figures.ms,
    runsMs,
    findMs: r.figures.findMs,
    purgeMs: r.figures.purgeMs,
    cpuMs: r.figures.cpuMs,
    emulatorCpuMs: r.emulatorCpuMs,
    peakRssMb: r.figures.maxRssMb,
    httpRequests: r.figures.httpRequests,
    graphRequests: r.graphRequests,
    counts: r.figures.counts,
    ledger: r.ledger,
  });
  const t = throttledRun;
  return {
    name: 'campaign',
    results: {
      latencyMs: LATENCY_MS,
      mailboxConcurrencyLimit: OUTLOOK_MAILBOX_CONCURRENCY,
      batchLimit: GRAPH_BATCH_LIMIT,
      hitShare: HIT_SHARE,
      runs: RUNS,
      requestsPerMailbox: { find: p.findPerMailbox, purgePerCopy: p.purgePerCopy },
      sizes: sizes.map((s) => ({
        mailboxes: s.mailboxes,
        copies: s.copies,
        campaign: runJson(s.campaign, s.campaignRunsMs),
        floor: runJson(s.floor, s.floorRunsMs),
        roundTripMs: s.floor.roundTripMs,
        computedFloorMs: s.computedFloorMs,
        computedCampaignMs: s.computedCampaignMs,
        pairRatios: s.pairRatios,
        peakRssMbMedian: { campaign: s.campaignRssMb, floor: s.floorRssMb },
        wallOverFloor: s.campaign.figures.ms / s.floor.figures.ms,
      })),
      throttled: t
        ? {
            mailboxes: THROTTLED_MAILBOXES,
            rate429: THROTTLE_RATE,
            retryAfterSeconds: RETRY_AFTER_S,
            wallMs: t.figures.ms,
            findMs: t.figures.findMs,
            purgeMs: t.figures.purgeMs,
            graphRequests: t.graphRequests,
            answered429: t.throttled,
            counts: t.figures.counts,
            ledger: t.ledger,
          }
        : null,
    },
    table: [
      `Campaign find (--internet-message-id, every mailbox of the tenant) + purge, ${LATENCY_MS} ms latency per HTTP request, ${OUTLOOK_MAILBOX_CONCURRENCY} concurrent requests per mailbox, $batch ≤ ${GRAPH_BATCH_LIMIT}; a copy in ${Math.round(HIT_SHARE * 100)} % of the mailboxes; chatsoar sends ${p.findPerMailbox.toFixed(2)} Graph request(s) per mailbox searched and ${p.purgePerCopy.toFixed(2)} per copy purged (the floor: 1 and 1). ${RUNS} pairs of runs (floor and chatsoar back to back, which goes first alternating), each run in a child process against a fresh tenant; shown: the pair with the median ratio. Emulator CPU: what the emulator (one process) spent serving the run.`,
      '',
      '| mailboxes | run | wall ms (find + purge) | CPU ms | emulator CPU ms | peak RSS MB (median) | HTTP requests | wall / floor (all pairs) |',
      '|---|---|---|---|---|---|---|---|',
      ...sizes.flatMap((s) => [
        `| ${s.mailboxes} | chatsoar | ${f(s.campaign.figures.ms)} (${f(s.campaign.figures.findMs)} + ${f(s.campaign.figures.purgeMs)}) | ${f(s.campaign.figures.cpuMs)} | ${f(s.campaign.emulatorCpuMs)} | ${f(s.campaignRssMb)} | ${s.campaign.figures.httpRequests} | ${x(s.campaign.figures.ms / s.floor.figures.ms)} (${s.pairRatios.map(x).join(', ')}) |`,
        `| | floor: bare client at Graph's limits | ${f(s.floor.figures.ms)} (${f(s.floor.figures.findMs)} + ${f(s.floor.figures.purgeMs)}) | ${f(s.floor.figures.cpuMs)} | ${f(s.floor.emulatorCpuMs)} | ${f(s.floorRssMb)} | ${s.floor.figures.httpRequests} | |`,
      ]),
      '',
      ...sizes.map(
        (s) =>
          `${s.mailboxes} mailboxes, computed at one round trip of ${s.floor.roundTripMs.toFixed(1)} ms: the floor ${f(s.computedFloorMs)} ms (${s.pages} /users page(s) + a round of searches + a round of moves); chatsoar's lanes (each page's mailboxes searched while the next page loads, at most ${FIND_CONCURRENCY ?? DEFAULT_FIND_CONCURRENCY} at once, ${PURGE_CONCURRENCY ?? MOVE_CONCURRENCY} purged at once, ${p.purgePerCopy.toFixed(2)} request(s) per copy, one after the other) ${f(s.computedCampaignMs)} ms. The measured times are above both where the emulator's CPU (one process, on a shared machine) is the bottleneck.`,
      ),
      '',
      `Graph requests the emulator served in the shown runs (sub-requests one each, the warm-up's searches included), chatsoar / floor: ${sizes
        .map((s) => {
          const listed = s.mailboxes - Math.round(s.mailboxes * 0.01);
          const expected = s.campaign.warm + s.pages + Math.round(listed * p.findPerMailbox) + Math.round(s.copies * p.purgePerCopy);
          return `${s.mailboxes}: ${s.campaign.graphRequests} (${s.campaign.graphRequests - expected} sent again after a 429) / ${s.floor.graphRequests}`;
        })
        .join(', ')}.`,
      ...(t
        ? [
            '',
            `Throttled: ${THROTTLED_MAILBOXES} mailboxes, ${t.throttled} of ${t.graphRequests} Graph requests (${((100 * t.throttled) / Math.max(1, t.graphRequests)).toFixed(1)} %) answered 429 with Retry-After ${RETRY_AFTER_S} s: ${f(t.figures.ms)} ms (${f(t.figures.findMs)} + ${f(t.figures.purgeMs)}); found ${t.figures.counts.matches}, moved ${t.figures.counts.moved}, failed ${t.figures.counts.failed}, unreachable ${t.figures.counts.unreachable}; the emulator's ledger: ${t.ledger.moves} moves of the wave, ${t.ledger.movedOnce} of ${Math.round(THROTTLED_MAILBOXES * HIT_SHARE)} copies moved exactly once, ${t.ledger.duplicates} duplicate moves, ${t.ledger.neverMoved} never moved, ${t.ledger.elsewhere} elsewhere than Deleted Items.`,
          ]
        : []),
    ],
    summary,
  };
}

if (require.main === module && process.argv[2] === '--child') {
  const [mode, json] = process.argv.slice(3) as ['campaign' | 'floor', string];
  const args = JSON.parse(json) as ChildArgs;
  (mode === 'campaign' ? campaignChild(args) : floorChild(args)).then(
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

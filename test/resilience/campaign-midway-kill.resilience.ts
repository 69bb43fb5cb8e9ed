/**
 * Scenario: a campaign (contract.md §8) purged and restored while the worker running it is killed
 * with SIGKILL. A generated tenant of 1,000 mailboxes (Outlook's 4 requests at once per mailbox)
 * holds 600 planted copies in Inbox and Junk Email; `soar campaign find` lists and searches them,
 * `soar campaign purge` is asked by one user and approved by another (the requester is refused),
 * and once the worker's record shows a fifth of the moves done and more sent (the emulator's
 * ledger: some but not all) the worker is killed — with moves of its still in flight at Graph —
 * and a new one takes the job over. The same for
 * `soar campaign restore`. Checked against the emulator's ledger and its copies: every copy moved
 * to Deleted Items exactly once and none left in its folder, then every copy moved back exactly
 * once into the folder it came from; each command ends with one successful result message.
 *
 * BullMQ gives a dead worker's jobs to another one once their locks have expired and a stalled
 * check has seen them (30–60 s; the worker-SIGKILL scenario waits that out). Here the test does what
 * that wait would do — drops the dead worker's locks and marks its jobs stalled — so the new
 * worker's first stalled check takes them at once.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { MoveRecord } from '../../handlers/microsoft-graph-mail/campaign/ledger';
import { slackSignature } from '../helpers/fake-slack';
import { slackButtons } from '../helpers/job-result';
import { SLACK_SECRET, startSystem, stopChild, type Proc, type System } from './system';
import { isFinal, send, type Tally, tally, unescape } from './tally';

const USERS = 1000;
const COPIES = 600;
const SENDER = 'it-support@contoso-helpdesk.example';
const SUBJECT = 'Your password expires today';
const IMID = '<WAVE-KILL-0001@contoso-helpdesk.example>';
/** Each POST (a move, or a `$batch` envelope) waits this long at Graph: a purge takes a few seconds. */
const POST_LATENCY_MS = 1000;
const REQUESTER = 'U1';
const APPROVER = 'U2';

interface Move {
  time: string;
  mailbox: string;
  internetMessageId: string;
  immutableId: string;
  fromFolderId: string;
  fromFolder: string;
  toFolderId: string;
  toFolder: string;
}

interface Copy {
  mailbox: string;
  folderId: string;
  folder: string;
  immutableId: string;
  now: { folderId: string; folder: string } | null;
}

interface Step {
  jobId: string;
  tally: Tally;
  /** Copies moved (this step's way) when the worker was killed. */
  movedAtKill: number;
  /** Moves the dead worker was about to send or had sent (intent on its record), without an answer on record. */
  inDoubt: number;
  /** Of those, the ones the new run found done (by internetMessageId in the destination), not sent again. */
  foundMoved: number;
  /** Moves Graph answered 404: the message had been moved meanwhile by the dead worker's request (found by look-up too). */
  refused: number;
  /** Jobs and message locks the dead worker held (the action, outbox deliveries), handed to the new one. */
  held: number;
  /** BullMQ's stalled counter of the job: how many times it was taken back from a dead worker. */
  stalled: number;
  final: string;
  /** From the approval to the final result, and the new worker's start, in ms. */
  ms: number;
  startMs: number;
}

const live = (p: Proc): boolean => p.child.exitCode === null && p.child.signalCode === null;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string | (() => string), fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(everyMs);
  }
}

function messagesOf(sys: System, jobId: string): Record<string, unknown>[] {
  return [...sys.slack.messages.values()].filter((m) => JSON.stringify(m).includes(jobId));
}

/** A signed click on an approval card's button; the one line Slack's response_url got back. */
async function click(sys: System, user: string, channel: string, value: string): Promise<string> {
  const before = sys.slack.calls.length;
  const body = new URLSearchParams({
    payload: JSON.stringify({
      type: 'block_actions',
      user: { id: user },
      channel: { id: channel },
      team: { id: 'T1' },
      trigger_id: `click-${Date.now()}-${user}`,
      response_url: `${sys.slack.url.replace(/\/api\/$/, '')}/response`,
      actions: [{ type: 'button', action_id: 'vote:0', block_id: 'b', value }],
    }),
  }).toString();
  const bot = sys.bots.find(live)!;
  const res = await fetch(`http://127.0.0.1:${bot.port}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SLACK_SECRET, body) },
    body,
  });
  expect(res.status).toBe(200);
  await sys.slack.waitFor((calls) => calls.slice(before).some((c) => c.method === 'response'), 20000);
  return unescape(sys.slack.calls.slice(before).find((c) => c.method === 'response')!.body.text);
}

/**
 * What a SIGKILL leaves once the locks have expired and a stalled check has marked the jobs (see
 * the header): every job and message lock the dead worker held (the only worker: every active job,
 * the action's and the outbox's alike, and every message being delivered). How many.
 */
async function locksExpired(sys: System): Promise<number> {
  const redis = new Redis(sys.redis.url);
  try {
    let n = 0;
    for (const name of ['actions', 'outbox', 'connectors', 'maintenance', 'approvals']) {
      const q = `${sys.prefix}bull:${name}`;
      const active = await redis.lrange(`${q}:active`, 0, -1);
      for (const id of active) await redis.del(`${q}:${id}:lock`);
      if (active.length) await redis.sadd(`${q}:stalled`, ...active);
      await redis.del(`${q}:stalled-check`);
      n += active.length;
    }
    // A message the dead worker was delivering stays locked for the outbox's 30 s too.
    const locks = await redis.keys(`${sys.prefix}msg:*:lock`);
    if (locks.length) await redis.del(...locks);
    return n + locks.length;
  } finally {
    redis.disconnect();
  }
}

/** A file of campaign `id` under the files root (its environment's folder is the root's business). */
async function campaignFile(root: string, id: string, name: string): Promise<string> {
  const walk = async (dir: string, depth: number): Promise<string | undefined> => {
    let entries: Array<{ name: string; isDirectory(): boolean }>;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return undefined;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (e.name === 'campaigns') return join(dir, 'campaigns', id, name);
      if (depth > 0) {
        const found = await walk(join(dir, e.name), depth - 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  const found = await walk(root, 3);
  if (!found) throw new Error(`no campaigns folder under ${root}`);
  return found;
}

async function stalledCount(sys: System, jobId: string): Promise<number> {
  const redis = new Redis(sys.redis.url);
  try {
    return Number(await redis.hget(`${sys.prefix}bull:actions:${jobId}`, 'stc'));
  } finally {
    redis.disconnect();
  }
}

describe('resilience: a worker SIGKILLed mid-purge and mid-restore of a campaign', () => {
  let sys: System;
  const channel = 'C100';
  beforeAll(async () => {
    sys = await startSystem({
      channels: 2,
      // U1 asks (admin), U2 approves: purge and restore are four-eyes whatever the approval rule.
      envExtra: { roles: { admin: [`slack:${REQUESTER}`, 'teams:aad-1'], approver: [`slack:${APPROVER}`] } },
    });
    await Promise.all([sys.startBot(), sys.startWorker()]);
  }, 120000);
  afterAll(async () => {
    await sys?.close();
  });

  /** Moves (alone or in $batch envelopes) wait `ms` at Graph; everything else 20 ms. */
  async function latency(ms: number): Promise<void> {
    await sys.emulator('faults', {
      method: 'POST',
      body: JSON.stringify({
        replace: true,
        rules: [{ prefix: '/v1.0', latencyMs: 20 }, ...['/v1.0/users', '/v1.0/$batch'].map((prefix) => ({ prefix, methods: ['POST'], latencyMs: ms }))],
      }),
    });
  }

  /** The campaign's moves record (moves.jsonl, written by the worker): the last line of each move of `op`. */
  async function record(id: string, op: 'purge' | 'restore'): Promise<{ lines: number; last: Map<string, MoveRecord> }> {
    const file = await campaignFile(sys.filesDir, id, 'moves.jsonl');
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch {
      // Not written yet.
    }
    const last = new Map<string, MoveRecord>();
    let lines = 0;
    for (const line of text.split('\n')) {
      let r: MoveRecord;
      try {
        r = JSON.parse(line) as MoveRecord;
      } catch {
        continue;
      }
      if (r.op !== op) continue;
      lines++;
      last.set(r.key, r);
    }
    return { lines, last };
  }

  /**
   * Asks for `text` (purge or restore) as U1, checks U1 cannot approve it, approves it as U2; once
   * the worker's record shows a fifth of the moves done and moves in flight, kills the worker,
   * starts a new one and waits for the one final result.
   */
  async function killMidway(id: string, step: 'purge' | 'restore', moved: (moves: Move[]) => number): Promise<Step> {
    const s = await send(sys, `campaign ${step} ${id}`, channel);
    expect(s.accepted).toBe(true);
    const preview = step === 'purge' ? `would move ${COPIES} mail(s)` : `would move ${COPIES} purged mail(s)`;
    const card = await until(
      () =>
        `${step} approval card with its preview; messages: ${messagesOf(sys, s.jobId)
          .map((x) => /Dry run[^"]*/.exec(JSON.stringify(x))?.[0] ?? unescape(x.text).slice(0, 300))
          .join(' | ')}`,
      () => messagesOf(sys, s.jobId).find((m) => JSON.stringify(m).includes(preview) && slackButtons(m).length > 0),
      30000,
    );
    const approve = slackButtons(card).find((b) => /approve/i.test(b.text)) ?? slackButtons(card)[0]!;
    expect(await click(sys, REQUESTER, channel, approve.value)).toContain('You cannot approve your own request.');
    expect(moved((await sys.emulator('moves')) as Move[])).toBe(0);
    expect(await click(sys, APPROVER, channel, approve.value)).toContain('was recorded');
    const approvedAt = Date.now();

    const victim = sys.workers.find(live)!;
    const states = (last: Map<string, MoveRecord>, ...of: string[]) => [...last.values()].filter((r) => of.includes(r.state)).length;
    await until(
      `${step}: a fifth of the moves done and more in flight`,
      async () => {
        const r = await record(id, step);
        return states(r.last, 'done') >= COPIES / 5 && states(r.last, 'intent') >= 10 ? r : undefined;
      },
      60000,
      20,
    );
    await stopChild(victim.child, 'SIGKILL');
    const killedAt = Date.now();
    const [atKill, onRecord] = await Promise.all([sys.emulator('moves') as Promise<Move[]>, record(id, step)]);
    const inDoubt = [...onRecord.last.values()].filter((r) => r.state === 'intent').map((r) => r.key);
    const held = await locksExpired(sys);
    await sys.startWorker();
    const startMs = Date.now() - killedAt;
    const t = await tally(`campaign ${step}, worker SIGKILL at ${moved(atKill)} of ${COPIES} copies moved`, sys.slack, [s], 90000);
    const ms = Date.now() - approvedAt - 1500;
    // Let the last requests of either worker land before counting.
    await sleep(POST_LATENCY_MS + 300);
    const finalRecord = (await record(id, step)).last;
    const ledger = (await sys.emulator('ledger')) as Array<{ method: string; path: string; status: number; time: string }>;
    const refused = ledger.filter((e) => e.method === 'POST' && /\/move$/.test(e.path) && e.status === 404 && Date.parse(e.time) >= approvedAt).length;
    return {
      jobId: s.jobId,
      tally: t,
      movedAtKill: moved(atKill),
      inDoubt: inDoubt.length,
      held,
      foundMoved: inDoubt.filter((k) => finalRecord.get(k)?.reason === 'found moved').length,
      refused,
      stalled: await stalledCount(sys, s.jobId),
      final: unescape(messagesOf(sys, s.jobId).find(isFinal)?.text),
      ms,
      startMs,
    };
  }

  it('every copy is moved to Deleted Items exactly once, then back exactly once, across worker kills', async () => {
    await sys.emulator('settings', { method: 'POST', body: JSON.stringify({ mailboxConcurrencyLimit: 4 }) });
    const gen = (await sys.emulator('generate', {
      method: 'POST',
      body: JSON.stringify({
        users: USERS,
        withoutMailbox: 12,
        withoutMail: 6,
        seed: 20,
        noise: 2,
        campaign: { copies: COPIES, sender: SENDER, subject: SUBJECT, internetMessageId: IMID, folders: ['Inbox', 'Junk Email'] },
      }),
    })) as { copies: number };
    expect(gen.copies).toBe(COPIES);
    await sys.emulator('faults', { method: 'POST', body: JSON.stringify({ prefix: '/v1.0', latencyMs: 20 }) });
    await sys.emulator('ledger', { method: 'DELETE' });

    // Find: every mailbox of the tenant searched, every copy found.
    const t0 = Date.now();
    const f = await send(sys, `campaign find --sender ${SENDER} --subject "${SUBJECT}" --since 2d`, channel);
    const found = await tally('campaign find', sys.slack, [f], 60000);
    process.stdout.write(`[resilience] campaign find over ${USERS} users: ${((Date.now() - t0 - 1500) / 1000).toFixed(1)} s\n`);
    expect(found.succeeded).toBe(1);
    const result = unescape(messagesOf(sys, f.jobId).find(isFinal)!.text);
    const m = /Campaign (c-[a-z2-7]{8}): (\d+) matching mail\(s\) in (\d+) mailbox\(es\)/.exec(result);
    expect(m).not.toBeNull();
    const id = m![1]!;
    expect(Number(m![2])).toBe(COPIES);

    // Moves slowed at Graph so that the kill lands mid-way, with moves in flight.
    await latency(POST_LATENCY_MS);
    const generated = async () => ((await sys.emulator('generated')) as { copies: Copy[] }).copies;
    const original = new Map((await generated()).map((c) => [c.immutableId, c]));
    expect(original.size).toBe(COPIES);
    /** Moves per copy of those `pred` keeps. */
    const perCopy = (moves: Move[], pred: (mv: Move, c: Copy) => boolean): Map<string, number> => {
      const count = new Map<string, number>();
      for (const mv of moves) {
        const c = original.get(mv.immutableId);
        if (c && pred(mv, c)) count.set(mv.immutableId, (count.get(mv.immutableId) ?? 0) + 1);
      }
      return count;
    };
    const toDeleted = (mv: Move, c: Copy) => mv.fromFolderId === c.folderId && mv.toFolder === 'Deleted Items';
    const back = (mv: Move, c: Copy) => mv.fromFolder === 'Deleted Items' && mv.toFolderId === c.folderId;

    const purge = await killMidway(id, 'purge', (moves) => perCopy(moves, toDeleted).size);
    const purged = perCopy((await sys.emulator('moves')) as Move[], toDeleted);
    const purgedTwice = [...purged.values()].filter((k) => k > 1).length;
    const leftBehind = (await generated()).filter((c) => c.now?.folder !== 'Deleted Items').length;

    const restore = await killMidway(id, 'restore', (moves) => perCopy(moves, back).size);
    const allMoves = (await sys.emulator('moves')) as Move[];
    const restored = perCopy(allMoves, back);
    const restoredTwice = [...restored.values()].filter((k) => k > 1).length;
    const notBack = (await generated()).filter((c) => c.now?.folderId !== c.folderId).length;

    for (const [step, r, once, twice, misplaced] of [
      ['purge', purge, purged.size, purgedTwice, leftBehind],
      ['restore', restore, restored.size, restoredTwice, notBack],
    ] as const) {
      process.stdout.write(
        `[resilience] campaign ${step}: killed at ${r.movedAtKill} of ${COPIES} copies moved, ${r.inDoubt} moves in doubt (intent on record, no answer; ${r.foundMoved} of them found done by look-up, not sent again), ${r.refused} moves answered 404, job taken back ${r.stalled}x (with ${r.held - 1} other job(s) and message lock(s) it held; new worker up in ${(r.startMs / 1000).toFixed(1)} s, ${(r.ms / 1000).toFixed(1)} s from approval to result); copies moved ${once}, moved twice ${twice}, not where they should be ${misplaced}\n`,
      );
    }

    for (const r of [purge, restore]) {
      expect(r.tally).toMatchObject({ accepted: 1, completed: 1, succeeded: 1, duplicates: 0, lost: 0, failures: [] });
      expect(r.movedAtKill).toBeLessThan(COPIES);
      expect(r.inDoubt).toBeGreaterThan(0);
      expect(r.stalled).toBe(1);
    }
    expect(purge.final).toContain(`Campaign ${id} purged: ${COPIES} mail(s) moved to Deleted Items`);
    expect(purged.size).toBe(COPIES);
    expect(purgedTwice).toBe(0);
    expect(leftBehind).toBe(0);
    expect(restore.final).toContain(`Campaign ${id} restored: ${COPIES} mail(s) moved back`);
    expect(restored.size).toBe(COPIES);
    expect(restoredTwice).toBe(0);
    expect(notBack).toBe(0);
    // Nothing else moved: one move there and one back per copy.
    expect(allMoves.filter((mv) => mv.internetMessageId === IMID)).toHaveLength(2 * COPIES);
  }, 240000);
});

/**
 * A connector's state in Redis: its checkpoint, the dedup sets of ids it has committed (sorted
 * sets scored by commit time, trimmed after DEDUP_TTL_MS: longer than any look-back, the
 * Management Activity API keeps 7 days), a lock so that one cycle runs at a time, the
 * warn-once flags, and the record of a digest being committed (so a crash in the middle of a
 * commit is finished by the next cycle instead of repeating or losing it).
 *
 * A digest's ids are staged straight into the alert set, scored with their staging's own scores:
 * the time of the batch that staged them plus the staging's fraction of a millisecond, which no
 * committed id has (those are whole milliseconds). The batch times only grow, so each batch goes
 * in at the end of the sorted set (a flood's ids are random strings: scored alike, each would go
 * in at a random place, several times the work). Every score a staging used is listed, with the
 * staging's name, while it is not committed ("open"); an id whose score is an open staging's is
 * not committed. Committing a staging takes its scores off that list, one command however many
 * ids it holds; a staging whose cycle died stays open (its ids count as new) until trimmed with
 * them.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { Command, type Redis } from 'ioredis';
import { Keys, type ScheduleStateKeys } from '../store/keys';

export const DEDUP_TTL_MS = 8 * 86_400_000;
const BATCH = 1000;
/** Room for a batch of ids of about 60 bytes each; grown for longer ones. */
const BATCH_BUFFER = 64 * 1024;
/** Batch buffers kept for reuse (about as many as a connector has batches in flight). */
const MAX_BATCH_BUFFERS = 8;
/** The staging "name" of the list of open stagings (names of real ones begin with a time). */
const OPEN = 'open';

/** What a digest commit needs to be finished after a crash. */
export interface PendingCommit {
  messageKey: string;
  conversation: unknown;
  message: unknown;
  /** Staging set holding the alert ids of the digest. */
  staging: string;
  marks: Record<string, string[]>;
  /** JSON of the checkpoint to store, or null to leave it. */
  checkpoint: string | null;
}

/**
 * KEYS: alert set, open stagings; ARGV: staging, this batch's score, the separator of the ids
 * ('': the ids are the next arguments), the ids joined by it. Stages each id that is neither
 * committed nor staged by this staging already (nor earlier in the batch); an id staged by a
 * staging that never committed is staged again. Returns one character per id: 1 staged now, 0
 * known. The ids come as one argument (see encodeJoined). They are added at once (ZADD NX: one
 * there already keeps its score); when ZADD added them all (a flood's batch, as a rule) that is
 * all. Otherwise their scores tell: this batch's score (no other batch has it, see stageNew) is
 * an id added now, the first time it comes in the batch; another is an id known before, whose
 * score is looked up among the open ones (memoised per score): one an open staging not this one
 * holds is staged again.
 */
const STAGE_NEW = `
local staging, score, sep = ARGV[1], ARGV[2], ARGV[3]
redis.call('zadd', KEYS[2], score, staging .. '|' .. score)
redis.call('pexpire', KEYS[2], ${DEDUP_TTL_MS})
-- ZADD's arguments: this batch's score before each id.
local add, n = {}, 0
if sep == '' then
  for i = 4, #ARGV do
    add[2 * n + 1] = score
    add[2 * n + 2] = ARGV[i]
    n = n + 1
  end
else
  local text, pos = ARGV[4], 1
  while true do
    local at = string.find(text, sep, pos, true)
    n = n + 1
    add[2 * n - 1] = score
    if not at then
      add[2 * n] = string.sub(text, pos)
      break
    end
    add[2 * n] = string.sub(text, pos, at - 1)
    pos = at + 1
  end
end
local added = redis.call('zadd', KEYS[1], 'NX', unpack(add))
redis.call('pexpire', KEYS[1], ${DEDUP_TTL_MS})
if added == n then return string.rep('1', n) end
local ids = {}
for i = 1, n do ids[i] = add[2 * i] end
local scores = redis.call('zmscore', KEYS[1], unpack(ids))
local now = tonumber(score)
local own = staging .. '|'
local out, again, seen, known = {}, {}, {}, {}
for i = 1, n do
  local id, s = ids[i], scores[i]
  local new = false
  if not seen[id] then
    seen[id] = true
    if tonumber(s) == now then
      new = true
    else
      local state = known[s]
      if state == nil then
        -- Committed: a whole millisecond, or a staging's score no longer open.
        state = 'committed'
        if tonumber(s) % 1 ~= 0 then
          for _, m in ipairs(redis.call('zrangebyscore', KEYS[2], s, s)) do
            if m == staging or string.sub(m, 1, #own) == own then
              state = 'own'
              break
            end
            state = 'open'
          end
        end
        known[s] = state
      end
      if state == 'open' then
        new = true
        again[#again + 1] = score
        again[#again + 1] = id
      end
    end
  end
  out[i] = new and '1' or '0'
end
if #again > 0 then redis.call('zadd', KEYS[1], unpack(again)) end
return table.concat(out)`;

/**
 * KEYS: open stagings; ARGV: staging. Takes every score the staging used off the list (also the
 * one score a staging of an earlier version is listed under: its name alone).
 */
const CLOSE_STAGING = `
local own = ARGV[1] .. '|'
local gone = {}
for _, m in ipairs(redis.call('zrange', KEYS[1], 0, -1)) do
  if m == ARGV[1] or string.sub(m, 1, #own) == own then gone[#gone + 1] = m end
end
for i = 1, #gone, 1000 do redis.call('zrem', KEYS[1], unpack(gone, i, math.min(i + 999, #gone))) end
return #gone`;

/** Separators the ids of a batch are joined with: the first that none of them holds ('': none fits, one argument each). */
const SEPARATORS = ['\n', '\u0000', '\u0001'];

/**
 * `list.join(sep)` as UTF-8, written into `into` (grown when short). A batch's ids as strings for
 * the Redis client (one argument each, or joined) are held until Redis answers and end up in the
 * old generation, where they stay until a full collection however soon they are garbage: a
 * flood's memory grew with every batch it staged (measured: +40 MB over 1,000,000 events). The
 * joined text here is garbage as soon as it is written (one write: a write per id cost twice the
 * time), and the buffer is reused.
 */
function encodeJoined(list: string[], sep: string, into: Buffer): { buffer: Buffer; length: number } {
  const text = list.join(sep);
  // A UTF-16 code unit takes at most 3 bytes in UTF-8.
  const buffer = 3 * text.length > into.length ? Buffer.allocUnsafe(Math.max(2 * into.length, 3 * text.length)) : into;
  return { buffer, length: buffer.write(text, 0, 'utf8') };
}

/**
 * KEYS: alert set, staging key of an earlier version; ARGV: score, cursor. That version staged ids
 * in a set of their own (a sorted set scored by staging time, or a plain set) folded into the
 * alert set on commit: a commit it left pending is finished here. Adds up to about 10,000 ids from
 * the cursor on and returns the next cursor ('0': done, or no such key); an id already there
 * keeps the later time (GT).
 */
const FOLD_STAGING = `
local sorted = redis.call('type', KEYS[2]).ok == 'zset'
local cursor = ARGV[2]
local done = 0
repeat
  local page = redis.call(sorted and 'zscan' or 'sscan', KEYS[2], cursor, 'COUNT', 1000)
  cursor = page[1]
  local items = page[2]
  local args = {}
  if sorted then
    for i = 1, #items, 2 do
      args[#args + 1] = items[i + 1]
      args[#args + 1] = items[i]
    end
  else
    for i = 1, #items do
      args[#args + 1] = ARGV[1]
      args[#args + 1] = items[i]
    end
  end
  if #args > 0 then redis.call('zadd', KEYS[1], 'GT', unpack(args)) end
  done = done + #args / 2
until cursor == '0' or done >= 10000
return cursor`;

export class ConnectorState {
  private readonly keys: ScheduleStateKeys;
  /**
   * Each staging this object opened: its fraction of a millisecond and the time of its last batch
   * (a batch is scored no earlier, so that its ids go in at the end of the alert set).
   */
  private readonly stagings = new Map<string, { fraction: number; last: number }>();
  /** Buffers a batch's ids are written into (each taken while its batch is sent: batches of overlapping calls are in flight together). */
  private readonly batchBuffers: Buffer[] = [];

  constructor(
    private readonly redis: Redis,
    prefix: string,
    env: string,
    kind: 'connector' | 'job',
    name: string,
  ) {
    this.keys = new Keys(prefix).scheduleState(env, kind, name);
  }

  async getCheckpoint<T>(): Promise<T | undefined> {
    const raw = await this.redis.get(this.keys.checkpoint);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  /** Which keys are in a dedup set (ZMSCORE, batched); in the alert set, committed ones only. */
  async has(set: string, keys: string[]): Promise<boolean[]> {
    const out: boolean[] = [];
    let open: Set<number> | undefined;
    for (let i = 0; i < keys.length; i += BATCH) {
      const part = keys.slice(i, i + BATCH);
      const scores = (await this.redis.zmscore(this.keys.seen(set), ...part)) as Array<string | null>;
      for (const s of scores) {
        // A staged id (a fraction of a millisecond) is committed unless its staging is open.
        const score = s === null ? NaN : Number(s);
        if (set === 'alert' && !Number.isInteger(score) && !Number.isNaN(score)) open ??= await this.openScores();
        out.push(s !== null && !open?.has(score));
      }
    }
    return out;
  }

  /** The scores of the stagings not committed. */
  private async openScores(): Promise<Set<number>> {
    const list = await this.redis.zrange(this.keys.staging(OPEN), 0, -1, 'WITHSCORES');
    return new Set(list.filter((_, i) => i % 2 === 1).map(Number));
  }

  /**
   * Stages the keys that are neither in the alert set (committed by an earlier cycle) nor staged
   * already (earlier in this cycle, or twice in `keys`); true for each key staged now. One
   * script per batch: the ids cross the wire once, as one argument.
   */
  async stageNew(staging: string, keys: string[]): Promise<boolean[]> {
    const own = this.stagings.get(staging);
    if (!own) throw new Error(`staging ${staging} was not opened here`);
    const out: boolean[] = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      const part = keys.slice(i, i + BATCH);
      // Each batch a score of its own (the script tells the ids it added by it), later than the last.
      own.last = Math.max(own.last + 1, Date.now());
      const sep = SEPARATORS.find((c) => !part.some((k) => k.includes(c))) ?? '';
      // Buffers reused from batch to batch: one per batch in flight.
      const text = sep ? encodeJoined(part, sep, this.batchBuffers.pop() ?? Buffer.allocUnsafe(BATCH_BUFFER)) : undefined;
      const args = text ? [text.buffer.subarray(0, text.length)] : part;
      let flags: string;
      try {
        // Written at once, not when the event loop's turn ends as the client's automatic
        // pipelining would: a cycle parses its next blobs meanwhile (without waiting on I/O, so
        // the turn may not end before it waits for this answer), and Redis stages these in the
        // meantime. Redis still runs a connection's commands in the order they are written.
        const command = new Command('eval', [STAGE_NEW, 2, this.keys.seen('alert'), this.keys.staging(OPEN), staging, own.last + own.fraction, sep, ...args], {
          replyEncoding: 'utf8',
          keyPrefix: this.redis.options.keyPrefix,
        });
        flags = String(await (this.redis.sendCommand(command) as Promise<unknown>));
      } finally {
        if (text && this.batchBuffers.length < MAX_BATCH_BUFFERS) this.batchBuffers.push(text.buffer);
      }
      for (let j = 0; j < flags.length; j++) out.push(flags.charCodeAt(j) === 49);
    }
    return out;
  }

  /** Adds keys to a dedup set at once (individual alerts, right after their card is queued). */
  async add(set: string, keys: string[]): Promise<void> {
    if (!keys.length) return;
    const now = Date.now();
    for (let i = 0; i < keys.length; i += BATCH) {
      const args = keys.slice(i, i + BATCH).flatMap((k) => [now, k]);
      await this.redis.zadd(this.keys.seen(set), ...args);
    }
    await this.redis.pexpire(this.keys.seen(set), DEDUP_TTL_MS);
  }

  /**
   * A staging for a digest's alert ids: its name, and (here) its fraction of a millisecond, k/4096
   * (0 < k < 4096: its scores are never a whole millisecond).
   */
  newStaging(): string {
    const staging = this.keys.staging(`${Date.now().toString(36)}${randomBytes(4).toString('hex')}`);
    this.stagings.set(staging, { fraction: randomInt(1, 4096) / 4096, last: 0 });
    return staging;
  }

  /** Stages keys known to be new (not committed: checked with `has` this cycle). */
  async stage(staging: string, keys: string[]): Promise<void> {
    if (keys.length) await this.stageNew(staging, keys);
  }

  /**
   * Marks, checkpoint and `staging` (its alert ids committed) in one transaction. A staging of an
   * earlier version is folded into the alert set first, a part at a time; folding again is
   * harmless, so a commit cut short is finished by running it again.
   */
  async commit(marks: Record<string, string[]>, checkpoint: string | null, staging?: string): Promise<void> {
    const now = Date.now();
    if (staging) {
      let cursor = '0';
      do cursor = String(await this.redis.eval(FOLD_STAGING, 2, this.keys.seen('alert'), staging, now, cursor));
      while (cursor !== '0');
    }
    const multi = this.redis.multi();
    if (staging) {
      multi.eval(CLOSE_STAGING, 1, this.keys.staging(OPEN), staging);
      multi.del(staging);
      multi.pexpire(this.keys.seen('alert'), DEDUP_TTL_MS);
    }
    for (const [set, keys] of Object.entries(marks)) {
      for (let i = 0; i < keys.length; i += BATCH) multi.zadd(this.keys.seen(set), ...keys.slice(i, i + BATCH).flatMap((k) => [now, k]));
      if (keys.length) multi.pexpire(this.keys.seen(set), DEDUP_TTL_MS);
    }
    if (checkpoint !== null) multi.set(this.keys.checkpoint, checkpoint);
    multi.del(this.keys.pending);
    await multi.exec();
  }

  /** Forgets ids older than the dedup TTL in every set of this connector (once per cycle). */
  async trim(): Promise<void> {
    const cutoff = Date.now() - DEDUP_TTL_MS;
    const pattern = this.keys.seenAll;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 100);
      cursor = next;
      for (const key of keys) await this.redis.zremrangebyscore(key, '-inf', cutoff);
    } while (cursor !== '0');
    // After the ids: a staging forgotten before its ids would make them look committed.
    await this.redis.zremrangebyscore(this.keys.staging(OPEN), '-inf', cutoff);
  }

  async setPending(p: PendingCommit): Promise<void> {
    await this.redis.set(this.keys.pending, JSON.stringify(p), 'PX', 7 * 86_400_000);
  }

  async getPending(): Promise<PendingCommit | null> {
    const raw = await this.redis.get(this.keys.pending);
    return raw ? (JSON.parse(raw) as PendingCommit) : null;
  }

  /**
   * One cycle at a time per connector. The lock lives `ttlMs` unless refreshed, so a process that
   * dies mid-cycle blocks the next cycle for `ttlMs` at most. Null when another cycle holds it.
   */
  async lock(ttlMs: number): Promise<{ refresh(): Promise<boolean>; release(): Promise<void> } | null> {
    const key = this.keys.lock;
    const token = randomBytes(12).toString('hex');
    if ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return null;
    return {
      refresh: async () =>
        (await this.redis.eval(
          "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end",
          1,
          key,
          token,
          ttlMs,
        )) === 1,
      release: async () => {
        await this.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, key, token);
      },
    };
  }

  /** True the first time `key` is flagged (until cleared). */
  async flagOnce(key: string): Promise<boolean> {
    return (await this.redis.set(this.keys.warned(key), '1', 'NX')) === 'OK';
  }

  async clearFlag(key: string): Promise<void> {
    await this.redis.del(this.keys.warned(key));
  }
}

/**
 * A connector's state in Redis: its checkpoint, the dedup sets of ids it has committed (sorted
 * sets scored by commit time, trimmed after DEDUP_TTL_MS: longer than any look-back, the
 * Management Activity API keeps 7 days), a lock so that one cycle runs at a time, the
 * warn-once flags, and the record of a digest being committed (so a crash in the middle of a
 * commit is finished by the next cycle instead of repeating or losing it).
 *
 * A digest's ids are staged straight into the alert set, scored with their staging's own score: a
 * time plus a fraction of a millisecond, which no committed id has (those are whole
 * milliseconds). The stagings not yet committed are listed with their scores ("open"); an id
 * whose score is an open staging's is not committed. Committing a staging takes it off that list,
 * one command however many ids it holds; a staging whose cycle died stays open (its ids count
 * as new) until trimmed with them.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Keys, type ScheduleStateKeys } from '../store/keys';

export const DEDUP_TTL_MS = 8 * 86_400_000;
const BATCH = 1000;
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
 * KEYS: alert set, open stagings; ARGV: staging, its score, then ids. Stages each id that is
 * neither committed nor staged by this staging already (nor earlier in ARGV); an id staged by a
 * staging that never committed is staged again. 1 for an id staged now, 0 for one known. Three
 * commands per batch, not per id: redis-server's time per event is what a flood costs.
 */
const STAGE_NEW = `
redis.call('zadd', KEYS[2], ARGV[2], ARGV[1])
redis.call('pexpire', KEYS[2], ${DEDUP_TTL_MS})
local open, own = {}, nil
local list = redis.call('zrange', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #list, 2 do
  open[list[i + 1]] = true
  if list[i] == ARGV[1] then own = list[i + 1] end
end
local scores = redis.call('zmscore', KEYS[1], unpack(ARGV, 3))
local out, add, seen = {}, {}, {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local s = scores[i - 2]
  if seen[id] or s == own or (s and not open[s]) then
    out[i - 2] = 0
  else
    seen[id] = true
    add[#add + 1] = own
    add[#add + 1] = id
    out[i - 2] = 1
  end
end
if #add > 0 then redis.call('zadd', KEYS[1], unpack(add)) end
redis.call('pexpire', KEYS[1], ${DEDUP_TTL_MS})
return out`;

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
  /** The score of each staging this object opened. */
  private readonly stagingScores = new Map<string, number>();

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
    const open = set === 'alert' ? await this.openScores() : new Set<number>();
    for (let i = 0; i < keys.length; i += BATCH) {
      const part = keys.slice(i, i + BATCH);
      const scores = (await this.redis.zmscore(this.keys.seen(set), ...part)) as Array<string | null>;
      for (const s of scores) out.push(s !== null && !open.has(Number(s)));
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
   * script per batch: the ids cross the wire once.
   */
  async stageNew(staging: string, keys: string[]): Promise<boolean[]> {
    const score = this.stagingScores.get(staging);
    if (score === undefined) throw new Error(`staging ${staging} was not opened here`);
    const out: boolean[] = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      const flags = (await this.redis.eval(
        STAGE_NEW,
        2,
        this.keys.seen('alert'),
        this.keys.staging(OPEN),
        staging,
        score,
        ...keys.slice(i, i + BATCH),
      )) as number[];
      for (const f of flags) out.push(f === 1);
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
   * A staging for a digest's alert ids: its name, and (here) its score, now plus k/4096 ms (0 < k <
   * 4096: exact in a double for the next hundred thousand years, never a whole millisecond).
   */
  newStaging(): string {
    const staging = this.keys.staging(`${Date.now().toString(36)}${randomBytes(4).toString('hex')}`);
    this.stagingScores.set(staging, Date.now() + randomInt(1, 4096) / 4096);
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
      multi.zrem(this.keys.staging(OPEN), staging);
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

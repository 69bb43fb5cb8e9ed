/**
 * A connector's state in Redis: its checkpoint, the dedup sets of ids it has committed (sorted
 * sets scored by commit time, trimmed after DEDUP_TTL_MS: longer than any look-back, the
 * Management Activity API keeps 7 days), a lock so that one cycle runs at a time, the
 * warn-once flags, and the record of a digest being committed (so a crash in the middle of a
 * commit is finished by the next cycle instead of repeating or losing it).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Keys, type ScheduleStateKeys } from '../store/keys';

export const DEDUP_TTL_MS = 8 * 86_400_000;
const BATCH = 1000;

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

/** KEYS: alert set, staging set; ARGV: score, then ids. 1 for an id staged now, 0 for one known. */
const STAGE_NEW = `
local out = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('zscore', KEYS[1], id) or redis.call('zscore', KEYS[2], id) then
    out[i - 1] = 0
  else
    redis.call('zadd', KEYS[2], ARGV[1], id)
    out[i - 1] = 1
  end
end
redis.call('pexpire', KEYS[2], 86400000)
return out`;

export class ConnectorState {
  private readonly keys: ScheduleStateKeys;

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

  /** Which keys are in a dedup set (ZMSCORE, batched). */
  async has(set: string, keys: string[]): Promise<boolean[]> {
    const out: boolean[] = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      const part = keys.slice(i, i + BATCH);
      const scores = (await this.redis.zmscore(this.keys.seen(set), ...part)) as Array<string | null>;
      for (const s of scores) out.push(s !== null);
    }
    return out;
  }

  /**
   * Stages the keys that are neither in the alert set (committed by an earlier cycle) nor staged
   * already (earlier in this cycle, or twice in `keys`); true for each key staged now. One
   * script per batch: the ids cross the wire once.
   */
  async stageNew(staging: string, keys: string[]): Promise<boolean[]> {
    const out: boolean[] = [];
    const now = Date.now();
    for (let i = 0; i < keys.length; i += BATCH) {
      const flags = (await this.redis.eval(STAGE_NEW, 2, this.keys.seen('alert'), staging, now, ...keys.slice(i, i + BATCH))) as number[];
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

  /** A staging set for a digest's alert ids (expires by itself if the cycle dies). */
  newStaging(): string {
    return this.keys.staging(`${Date.now().toString(36)}${randomBytes(4).toString('hex')}`);
  }

  async stage(staging: string, keys: string[]): Promise<void> {
    if (!keys.length) return;
    const now = Date.now();
    const multi = this.redis.multi();
    for (let i = 0; i < keys.length; i += BATCH) multi.zadd(staging, ...keys.slice(i, i + BATCH).flatMap((k) => [now, k]));
    multi.pexpire(staging, 86_400_000);
    await multi.exec();
  }

  /** Marks and checkpoint in one transaction; `staging` (alert ids) folded into the alert set. */
  async commit(marks: Record<string, string[]>, checkpoint: string | null, staging?: string): Promise<void> {
    const now = Date.now();
    const multi = this.redis.multi();
    if (staging) {
      // Staged ids carry the time they were staged; an id already in the set keeps the later time.
      multi.zunionstore(this.keys.seen('alert'), 2, this.keys.seen('alert'), staging, 'AGGREGATE', 'MAX');
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

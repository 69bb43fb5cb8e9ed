/**
 * The web chat's activity store: per room, the activities the bot posted through the Bot
 * Connector subset (connector.ts) and the users' own messages (routes.ts).
 *
 * Redis is the source of truth, so that any process sees every activity: the outbox runs in
 * worker processes and posts through `serviceUrl` to whichever bot process answers, while the
 * page may poll another one. Each write is one Lua script (bump the room's revision, store the
 * activity, index it by that revision, cap the room, refresh the TTL), so a reader that saw
 * revision N has seen every change up to N. Every process also keeps what it wrote or read in
 * memory: it wakes its own long-polls at once and answers from there when Redis does not.
 *
 * Keys (store/keys.ts; one hash tag per room, so a Redis Cluster keeps them in one slot):
 *   <prefix>webchat:{<room>}:rev      the room's revision counter
 *   <prefix>webchat:{<room>}:data     hash id → "<seq>:<activity JSON>" (seq = revision at creation)
 *   <prefix>webchat:{<room>}:changes  zset id by revision of the last change
 *   <prefix>webchat:{<room>}:order    zset id by seq (creation order; the cap drops the oldest)
 */
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { Keys } from '../../store/keys';

/** Room names and user names (contract.md §5 `web:<room>`, `web:<name>`). */
export const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

export function isValidName(value: unknown): value is string {
  return typeof value === 'string' && NAME_RE.test(value);
}

/**
 * An activity as the page sees it: Bot Framework fields, loosely typed (the bot's JSON, kept as
 * sent). `visibleTo`: the one user of the room who may see it (admin output, sign-in links).
 */
export type StoredActivity = Record<string, unknown> & { id: string; visibleTo?: string };

/** Whether `viewer` (a user name of the room, or nobody) may see this activity. */
export function visibleFor(activity: StoredActivity, viewer: string | undefined): boolean {
  return activity.visibleTo === undefined || (viewer !== undefined && activity.visibleTo === viewer);
}

export interface StoredRecord {
  id: string;
  /** Revision of the room at the last change of this activity. */
  revision: number;
  /** Revision at creation: the display order. */
  seq: number;
  activity: StoredActivity;
}

export interface Listing {
  room: string;
  /** The cursor for the next `since`. */
  revision: number;
  /** True when `since` was ahead of the room (store expired or was flushed): start over. */
  reset: boolean;
  activities: StoredRecord[];
}

export interface WebchatStoreOptions {
  /** Activities kept per room (oldest dropped). */
  cap?: number;
  /** Idle rooms expire after this long. */
  ttlMs?: number;
  /** How often a long-poll checks Redis for changes made by other processes. */
  pollMs?: number;
}

export class NotFoundError extends Error {}

const PUT_SCRIPT = `
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if ARGV[3] == 'update' and not existing then return {-1, 0} end
if ARGV[3] == 'new' and existing then return {-2, 0} end
local rev = redis.call('INCR', KEYS[1])
local seq = rev
if existing then seq = tonumber(string.match(existing, '^(%d+):')) end
redis.call('HSET', KEYS[2], ARGV[1], seq .. ':' .. ARGV[2])
redis.call('ZADD', KEYS[3], rev, ARGV[1])
if not existing then redis.call('ZADD', KEYS[4], seq, ARGV[1]) end
local cap = tonumber(ARGV[4])
local n = redis.call('ZCARD', KEYS[4])
if n > cap then
  local old = redis.call('ZRANGE', KEYS[4], 0, n - cap - 1)
  for _, id in ipairs(old) do
    redis.call('HDEL', KEYS[2], id)
    redis.call('ZREM', KEYS[3], id)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, n - cap - 1)
end
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
return {rev, seq}
`;

const LIST_SCRIPT = `
local rev = tonumber(redis.call('GET', KEYS[1]) or '0')
local since = tonumber(ARGV[1])
if since > rev then since = -1 end
local out = {rev, since}
if rev <= since then return out end
local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. since, '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #ids, 2 do
  local v = redis.call('HGET', KEYS[2], ids[i])
  if v then
    table.insert(out, ids[i])
    table.insert(out, ids[i + 1])
    table.insert(out, v)
  end
end
return out
`;

interface ScriptedRedis {
  chatsoarWebchatPut(
    k1: string,
    k2: string,
    k3: string,
    k4: string,
    id: string,
    json: string,
    mode: string,
    cap: number,
    ttl: number,
  ): Promise<[number, number]>;
  chatsoarWebchatList(k1: string, k2: string, k3: string, k4: string, since: number, limit: number): Promise<Array<string | number>>;
}

interface MemoryRoom {
  revision: number;
  records: Map<string, StoredRecord>;
}

export class WebchatStore {
  readonly cap: number;
  readonly ttlMs: number;
  readonly pollMs: number;
  private readonly memory = new Map<string, MemoryRoom>();
  private readonly events = new EventEmitter();
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private readonly roomKeys: Keys['webchatRoom'];

  constructor(
    private readonly redis: Redis,
    prefix: string,
    opts: WebchatStoreOptions = {},
  ) {
    this.roomKeys = new Keys(prefix).webchatRoom;
    this.cap = opts.cap ?? 200;
    this.ttlMs = opts.ttlMs ?? 7 * 86400_000;
    this.pollMs = opts.pollMs ?? 300;
    this.events.setMaxListeners(0);
    redis.defineCommand('chatsoarWebchatPut', { numberOfKeys: 4, lua: PUT_SCRIPT });
    redis.defineCommand('chatsoarWebchatList', { numberOfKeys: 4, lua: LIST_SCRIPT });
  }

  private get scripted(): ScriptedRedis {
    return this.redis as unknown as ScriptedRedis;
  }

  private remember(room: string, record: StoredRecord, revision = record.revision): void {
    let mem = this.memory.get(room);
    if (!mem) {
      mem = { revision: 0, records: new Map() };
      this.memory.set(room, mem);
      // A bounded number of rooms in memory: drop the least recently created one.
      if (this.memory.size > 1000) this.memory.delete(this.memory.keys().next().value as string);
    }
    mem.records.set(record.id, record);
    mem.revision = Math.max(mem.revision, revision);
    if (mem.records.size > this.cap) {
      const oldest = [...mem.records.values()].sort((a, b) => a.seq - b.seq).slice(0, mem.records.size - this.cap);
      for (const r of oldest) mem.records.delete(r.id);
    }
  }

  private async put(room: string, activity: StoredActivity, mode: 'new' | 'update'): Promise<StoredRecord> {
    if (!isValidName(room)) throw new Error(`bad room name ${JSON.stringify(room)}`);
    const [rev, seq] = await this.scripted.chatsoarWebchatPut(...this.roomKeys(room), activity.id, JSON.stringify(activity), mode, this.cap, this.ttlMs);
    if (rev === -1) throw new NotFoundError(`No activity ${activity.id} in room ${room}.`);
    if (rev === -2) throw new Error(`Activity id ${activity.id} is already used in room ${room}.`);
    const record: StoredRecord = { id: activity.id, revision: Number(rev), seq: Number(seq), activity };
    this.remember(room, record);
    this.events.emit(room);
    return record;
  }

  /** Stores a new activity; returns it with its revision. */
  add(room: string, activity: StoredActivity): Promise<StoredRecord> {
    return this.put(room, activity, 'new');
  }

  /** The stored activity, or null. */
  async get(room: string, id: string): Promise<StoredActivity | null> {
    const raw = await this.redis.hget(this.roomKeys(room)[1], id);
    if (!raw) return null;
    return JSON.parse(raw.slice(raw.indexOf(':') + 1)) as StoredActivity;
  }

  /** Replaces an existing activity (update in place); NotFoundError when there is none. */
  replace(room: string, activity: StoredActivity): Promise<StoredRecord> {
    return this.put(room, activity, 'update');
  }

  /**
   * Activities changed after revision `since` that `viewer` may see, in display order, read from
   * Redis. Without a viewer, only what every user of the room sees.
   */
  async list(room: string, since: number, viewer?: string): Promise<Listing> {
    try {
      const raw = await this.scripted.chatsoarWebchatList(...this.roomKeys(room), since, this.cap * 2);
      const revision = Number(raw[0]);
      const reset = Number(raw[1]) < 0 && since > 0;
      const activities: StoredRecord[] = [];
      for (let i = 2; i + 2 < raw.length; i += 3) {
        const id = String(raw[i]);
        const rec = String(raw[i + 2]);
        const colon = rec.indexOf(':');
        const record: StoredRecord = {
          id,
          revision: Number(raw[i + 1]),
          seq: Number(rec.slice(0, colon)),
          activity: JSON.parse(rec.slice(colon + 1)) as StoredActivity,
        };
        activities.push(record);
        this.remember(room, record, revision);
      }
      activities.sort((a, b) => a.seq - b.seq);
      return { room, revision, reset, activities: activities.filter((r) => visibleFor(r.activity, viewer)) };
    } catch (err) {
      // Redis is away: answer with what this process has seen (the page keeps polling).
      const mem = this.memory.get(room);
      if (!mem) throw err;
      const reset = since > mem.revision;
      const from = reset ? 0 : since;
      const activities = [...mem.records.values()].filter((r) => r.revision > from && visibleFor(r.activity, viewer)).sort((a, b) => a.seq - b.seq);
      return { room, revision: mem.revision, reset, activities };
    }
  }

  /**
   * Like list, but when nothing changed waits up to `waitMs` for a change: woken at once by writes
   * in this process, and checking Redis every `pollMs` for writes by other processes.
   */
  async wait(room: string, since: number, waitMs: number, viewer?: string): Promise<Listing> {
    const deadline = Date.now() + Math.max(0, waitMs);
    for (;;) {
      const listing = await this.list(room, since, viewer);
      if (listing.activities.length || listing.reset || this.closed || Date.now() >= deadline) return listing;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.events.off(room, done);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(this.pollMs, Math.max(0, deadline - Date.now())));
        this.events.on(room, done);
        this.waiters.add(done);
      });
    }
  }

  /** Ends every pending long-poll (server shutdown). */
  close(): void {
    this.closed = true;
    for (const done of [...this.waiters]) done();
  }
}

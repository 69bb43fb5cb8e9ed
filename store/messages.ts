/**
 * Chat messages that are updated in place: the latest content (versioned), the platform's
 * reference once posted (Slack ts, Teams activity id) and the version last delivered.
 */
import type { Redis } from 'ioredis';
import type { ChatMessage } from '../cards/message';
import type { ConversationRef } from '../queue/types';
import { Keys } from './keys';

const TTL_SECONDS = 14 * 86400;

/** setLatest unless KEYS[2] exists: KEYS[1] the message; ARGV content, conversation, TTL (s). Returns the version, or -1. */
const SET_LATEST_UNLESS = `if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'content', ARGV[1], 'conversation', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return version`;

export interface PlatformMessageRef {
  /** Slack ts or Teams/web activity id. */
  id: string;
  /** Slack channel id (without the `slack:` prefix) or conversation id. */
  channel: string;
}

export class MessageStore {
  private readonly keys: Keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new Keys(prefix);
  }

  /** Stores new content for a message and returns its version. */
  async setLatest(messageKey: string, conversation: ConversationRef, message: ChatMessage): Promise<number> {
    const key = this.keys.message(messageKey);
    // One transaction: a delivery reading between a new version and its content would mark the
    // new version sent with the old content, and the new content would never be delivered.
    const replies = await this.redis
      .multi()
      .hincrby(key, 'version', 1)
      .hset(key, 'content', JSON.stringify(message), 'conversation', JSON.stringify(conversation))
      .expire(key, TTL_SECONDS)
      .exec();
    const [err, version] = replies?.[0] ?? [new Error('no reply from Redis')];
    if (err) throw err;
    return Number(version);
  }

  /**
   * setLatest, unless `guardKey` exists, in one script: an approval card refreshed while it looked
   * open is not written over the closed card (or the result) once the request is decided. Null
   * when nothing was written.
   */
  async setLatestUnless(messageKey: string, conversation: ConversationRef, message: ChatMessage, guardKey: string): Promise<number | null> {
    const version = Number(
      await this.redis.eval(SET_LATEST_UNLESS, 2, this.keys.message(messageKey), guardKey, JSON.stringify(message), JSON.stringify(conversation), TTL_SECONDS),
    );
    return version > 0 ? version : null;
  }

  async get(messageKey: string): Promise<StoredMessage | null> {
    return parseMessage(await this.redis.hgetall(this.keys.message(messageKey)));
  }

  /**
   * lock, then get, in one round trip (one transaction): the content read is the content under
   * the lock. `current` is only read when `locked`.
   */
  async lockAndGet(messageKey: string, ms: number): Promise<{ locked: boolean; current: StoredMessage | null }> {
    const replies = await this.redis.multi().set(this.keys.messageLock(messageKey), '1', 'PX', ms, 'NX').hgetall(this.keys.message(messageKey)).exec();
    const [[lockErr, lock], [readErr, raw]] = (replies ?? [
      [new Error('no reply from Redis'), null],
      [null, null],
    ]) as Array<[Error | null, unknown]> as [[Error | null, unknown], [Error | null, unknown]];
    if (lockErr) throw lockErr;
    if (lock !== 'OK') return { locked: false, current: null };
    if (readErr) throw readErr;
    return { locked: true, current: parseMessage(raw as Record<string, string>) };
  }

  async markSent(messageKey: string, version: number, ref?: PlatformMessageRef): Promise<void> {
    const key = this.keys.message(messageKey);
    const fields: string[] = ['sent', String(version)];
    if (ref) fields.push('ref', JSON.stringify(ref));
    await this.redis.hset(key, ...fields);
  }

  /** Notes that a first post of the message began (a retry then looks for it before posting). */
  async markPosting(messageKey: string, at: number): Promise<void> {
    await this.redis.hset(this.keys.message(messageKey), 'posting', String(at));
  }

  async lock(messageKey: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.keys.messageLock(messageKey), '1', 'PX', ms, 'NX')) === 'OK';
  }

  async unlock(messageKey: string): Promise<void> {
    await this.redis.del(this.keys.messageLock(messageKey));
  }

  /** Per-conversation pacing: returns how long to wait before the next send (0 = go now). */
  async reserveSlot(conversation: string, intervalMs: number): Promise<number> {
    const key = this.keys.rate(conversation);
    const now = Date.now();
    const next = Number((await this.redis.get(key)) ?? 0);
    if (next > now) return next - now;
    await this.redis.set(key, String(now + intervalMs), 'PX', intervalMs * 4 + 1000);
    return 0;
  }

  /** After a 429, nothing goes to that conversation before `until`. */
  async blockUntil(conversation: string, until: number): Promise<void> {
    await this.redis.set(this.keys.rate(conversation), String(until), 'PX', Math.max(1, until - Date.now()) + 1000);
  }
}

/** A message as stored (null: none under that key). */
export type StoredMessage = {
  version: number;
  sent: number;
  content?: ChatMessage;
  ref?: PlatformMessageRef;
  conversation?: ConversationRef;
  postingAt?: number;
};

function parseMessage(raw: Record<string, string>): StoredMessage | null {
  if (!raw.version) return null;
  return {
    version: Number(raw.version),
    sent: Number(raw.sent ?? 0),
    content: raw.content ? (JSON.parse(raw.content) as ChatMessage) : undefined,
    ref: raw.ref ? (JSON.parse(raw.ref) as PlatformMessageRef) : undefined,
    conversation: raw.conversation ? (JSON.parse(raw.conversation) as ConversationRef) : undefined,
    postingAt: raw.posting ? Number(raw.posting) : undefined,
  };
}

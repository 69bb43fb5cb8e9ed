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

/** A message's first delivery, held until `until` (ms) as BullMQ job `job`. */
export interface HeldDelivery {
  until: number;
  job: string;
}

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

  /**
   * Stores new content for a message: its version, and the held first delivery still to come
   * (`held`: its job id and when it is due; see Outbox.stageHeld). `hold` holds the message's
   * first delivery.
   */
  async setLatest(
    messageKey: string,
    conversation: ConversationRef,
    message: ChatMessage,
    hold?: HeldDelivery,
  ): Promise<{ version: number; held: HeldDelivery | undefined }> {
    const key = this.keys.message(messageKey);
    // One transaction: a delivery reading between a new version and its content would mark the
    // new version sent with the old content, and the new content would never be delivered.
    const replies = await this.redis
      .multi()
      .hincrby(key, 'version', 1)
      .hset(key, 'content', JSON.stringify(message), 'conversation', JSON.stringify(conversation), ...(hold ? ['held', `${hold.until} ${hold.job}`] : []))
      .expire(key, TTL_SECONDS)
      .hget(key, 'held')
      .exec();
    const failed = (replies ?? [[new Error('no reply from Redis')]]).find(([err]) => err)?.[0];
    if (failed) throw failed;
    const [until, job] = String(replies![3]![1] ?? '').split(' ');
    return { version: Number(replies![0]![1]), held: job ? { until: Number(until), job } : undefined };
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
   * the lock. `current` is only read when `locked`. With `rateOf` (a conversation), the time its
   * pacing allows the next send (`nextSendAt`, 0 when none is set) comes in the same round trip:
   * read as reserveSlot reads it, and taken with takeSlot.
   */
  async lockAndGet(messageKey: string, ms: number, rateOf?: string): Promise<{ locked: boolean; current: StoredMessage | null; nextSendAt: number }> {
    const multi = this.redis.multi().set(this.keys.messageLock(messageKey), '1', 'PX', ms, 'NX').hgetall(this.keys.message(messageKey));
    if (rateOf !== undefined) multi.get(this.keys.rate(rateOf));
    const replies = (await multi.exec()) ?? [[new Error('no reply from Redis'), null]];
    const [[lockErr, lock], [readErr, raw] = [null, null], [rateErr, rate] = [null, null]] = replies as Array<[Error | null, unknown]>;
    if (lockErr) throw lockErr;
    if (lock !== 'OK') return { locked: false, current: null, nextSendAt: 0 };
    if (readErr) throw readErr;
    if (rateErr) throw rateErr;
    return { locked: true, current: parseMessage(raw as Record<string, string>), nextSendAt: Number(rate ?? 0) };
  }

  async markSent(messageKey: string, version: number, ref?: PlatformMessageRef): Promise<void> {
    await this.redis.hset(this.keys.message(messageKey), ...sentFields(version, ref));
  }

  /**
   * markSent, then unlock, in one transaction (one round trip): the lock is never released before
   * `sent` says what went out. A held first delivery is over once anything went out. Returns the
   * message's latest version: newer than `version` when content came while it was being sent.
   */
  async markSentAndUnlock(messageKey: string, version: number, ref?: PlatformMessageRef): Promise<number> {
    const key = this.keys.message(messageKey);
    const replies = await this.redis
      .multi()
      .hset(key, ...sentFields(version, ref))
      .hdel(key, 'held')
      .del(this.keys.messageLock(messageKey))
      .hget(key, 'version')
      .exec();
    const failed = (replies ?? [[new Error('no reply from Redis')]]).find(([err]) => err)?.[0];
    if (failed) throw failed;
    return Number(replies![3]![1] ?? version);
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
    const now = Date.now();
    const next = Number((await this.redis.get(this.keys.rate(conversation))) ?? 0);
    if (next > now) return next - now;
    await this.takeSlot(conversation, intervalMs, now);
    return 0;
  }

  /** The second half of reserveSlot, once the time it read (lockAndGet's `nextSendAt`) has come. */
  async takeSlot(conversation: string, intervalMs: number, now = Date.now()): Promise<void> {
    await this.redis.set(this.keys.rate(conversation), String(now + intervalMs), 'PX', intervalMs * 4 + 1000);
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

function sentFields(version: number, ref?: PlatformMessageRef): string[] {
  return ref ? ['sent', String(version), 'ref', JSON.stringify(ref)] : ['sent', String(version)];
}

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

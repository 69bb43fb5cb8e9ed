/**
 * Chat messages that are updated in place: the latest content (versioned), the platform's
 * reference once posted (Slack ts, Teams activity id) and the version last delivered.
 */
import type { Redis } from 'ioredis';
import type { ChatMessage } from '../cards/message';
import type { ConversationRef } from '../queue/types';
import { Keys } from './keys';
import { defineScript, type Script } from './scripts';

const TTL_SECONDS = 14 * 86400;

/** setLatest unless KEYS[2] exists: KEYS[1] the message; ARGV content, conversation, TTL (s). Returns the version, or -1. */
const SET_LATEST_UNLESS = `if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'content', ARGV[1], 'conversation', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return version`;

/**
 * setLatest: KEYS[1] the message; ARGV content, conversation, TTL (s), held (`until job`, or '').
 * Returns the new version and the held delivery still to come ('' when none). One script: a
 * delivery reading between a new version and its content would mark the new version sent with
 * the old content, and the new content would never be delivered.
 */
const SET_LATEST = `local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'content', ARGV[1], 'conversation', ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'held', ARGV[4]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {version, redis.call('HGET', KEYS[1], 'held') or ''}`;

/**
 * lockAndGet: KEYS the lock, the message, the conversation's pacing key; ARGV the lock's time (ms).
 * Returns {0} when the lock is held elsewhere, else {1, the message's fields, the pacing time or ''}.
 */
const LOCK_AND_GET = `if not redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then return {0} end
return {1, redis.call('HGETALL', KEYS[2]), redis.call('GET', KEYS[3]) or ''}`;

/**
 * markSentAndUnlock: KEYS the message and its lock; ARGV the version sent, its reference (JSON, or '').
 * Returns the message's latest version.
 */
const MARK_SENT_AND_UNLOCK = `if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'sent', ARGV[1], 'ref', ARGV[2])
else redis.call('HSET', KEYS[1], 'sent', ARGV[1]) end
redis.call('HDEL', KEYS[1], 'held')
redis.call('DEL', KEYS[2])
return redis.call('HGET', KEYS[1], 'version') or ''`;

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
  private readonly scripts: Record<'setLatest' | 'setLatestUnless' | 'lockAndGet' | 'markSentAndUnlock', Script>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new Keys(prefix);
    this.scripts = {
      setLatest: defineScript(redis, 'chatsoarSetLatest', SET_LATEST, 1),
      setLatestUnless: defineScript(redis, 'chatsoarSetLatestUnless', SET_LATEST_UNLESS, 2),
      lockAndGet: defineScript(redis, 'chatsoarLockAndGet', LOCK_AND_GET, 3),
      markSentAndUnlock: defineScript(redis, 'chatsoarMarkSentAndUnlock', MARK_SENT_AND_UNLOCK, 2),
    };
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
    const [version, held] = (await this.scripts.setLatest(
      this.keys.message(messageKey),
      JSON.stringify(message),
      JSON.stringify(conversation),
      TTL_SECONDS,
      hold ? `${hold.until} ${hold.job}` : '',
    )) as [number, string];
    const [until, job] = held.split(' ');
    return { version: Number(version), held: job ? { until: Number(until), job } : undefined };
  }

  /**
   * setLatest, unless `guardKey` exists, in one script: an approval card refreshed while it looked
   * open is not written over the closed card (or the result) once the request is decided. Null
   * when nothing was written.
   */
  async setLatestUnless(messageKey: string, conversation: ConversationRef, message: ChatMessage, guardKey: string): Promise<number | null> {
    const version = Number(
      await this.scripts.setLatestUnless(this.keys.message(messageKey), guardKey, JSON.stringify(message), JSON.stringify(conversation), TTL_SECONDS),
    );
    return version > 0 ? version : null;
  }

  async get(messageKey: string): Promise<StoredMessage | null> {
    return parseMessage(await this.redis.hgetall(this.keys.message(messageKey)));
  }

  /**
   * lock, then get, in one script: the content read is the content under
   * the lock. `current` is only read when `locked`. With `rateOf` (a conversation), the time its
   * pacing allows the next send (`nextSendAt`, 0 when none is set) comes in the same round trip:
   * read as reserveSlot reads it, and taken with takeSlot.
   */
  async lockAndGet(messageKey: string, ms: number, rateOf?: string): Promise<{ locked: boolean; current: StoredMessage | null; nextSendAt: number }> {
    const [locked, fields, rate] = (await this.scripts.lockAndGet(
      this.keys.messageLock(messageKey),
      this.keys.message(messageKey),
      this.keys.rate(rateOf ?? ''),
      ms,
    )) as [number, string[]?, string?];
    if (locked !== 1) return { locked: false, current: null, nextSendAt: 0 };
    const raw: Record<string, string> = {};
    for (let i = 0; i + 1 < (fields?.length ?? 0); i += 2) raw[fields![i]!] = fields![i + 1]!;
    return { locked: true, current: parseMessage(raw), nextSendAt: rateOf === undefined ? 0 : Number(rate || 0) };
  }

  async markSent(messageKey: string, version: number, ref?: PlatformMessageRef): Promise<void> {
    await this.redis.hset(this.keys.message(messageKey), ...sentFields(version, ref));
  }

  /**
   * markSent, then unlock, in one script: the lock is never released before
   * `sent` says what went out. A held first delivery is over once anything went out. Returns the
   * message's latest version: newer than `version` when content came while it was being sent.
   */
  async markSentAndUnlock(messageKey: string, version: number, ref?: PlatformMessageRef): Promise<number> {
    const latest = await this.scripts.markSentAndUnlock(
      this.keys.message(messageKey),
      this.keys.messageLock(messageKey),
      version,
      ref ? JSON.stringify(ref) : '',
    );
    return Number(latest || version);
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

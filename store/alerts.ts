/**
 * Connector alert cards in Redis, for triage from chat (behaviour.md 33): what the card shows
 * (kept from when it was posted, so a click can draw it again), where it is, and its triage state
 * (acknowledged, assigned, escalated, closed, each with who and when). A change is made under a
 * per-alert lock, and the caller queues the redrawn card inside it, so the card's versions follow
 * the state's order even when two people click at once.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChatMessage } from '../cards/message';
import type { ConversationRef } from '../queue/types';
import { Keys } from './keys';

/** As long as the outbox keeps the card's message (store/messages.ts): past it, the card cannot be updated. */
const TTL_SECONDS = 14 * 86400;
const LOCK_MS = 5000;
const LOCK_WAIT_MS = 3000;

export interface AlertRecord {
  environment: string;
  /** Unique within the environment (a hash of connector and event id). */
  id: string;
  /** The outbox key the card is posted and updated under. */
  messageKey: string;
  channel: string;
  conversation: ConversationRef;
  connector: string;
  /** The alert's name and its source event's id (audit lines, escalations). */
  name: string;
  eventId: string;
  /** The card as posted, before any triage. */
  card: ChatMessage;
  createdAt: number;
}

export interface AlertMark {
  by: string;
  at: number;
}

export interface AlertTriage {
  acknowledged?: AlertMark;
  assigned?: AlertMark & { to: string };
  escalated?: AlertMark;
  closed?: AlertMark & { reason: string };
}

export class AlertStore {
  private readonly keys: Keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new Keys(prefix);
  }

  /** Records the card (again, after a crash: the triage state is kept); returns its triage state. */
  async save(record: AlertRecord): Promise<AlertTriage> {
    const [, , [, raw]] = (await this.redis
      .multi()
      .set(this.keys.alert(record.environment, record.id), JSON.stringify(record), 'EX', TTL_SECONDS)
      .expire(this.keys.alert(record.environment, record.id, 'state'), TTL_SECONDS)
      .get(this.keys.alert(record.environment, record.id, 'state'))
      .exec()) as [unknown, unknown, [unknown, string | null]];
    return raw ? (JSON.parse(raw) as AlertTriage) : {};
  }

  async get(environment: string, id: string): Promise<{ record: AlertRecord; triage: AlertTriage } | null> {
    const [raw, state] = await this.redis.mget(this.keys.alert(environment, id), this.keys.alert(environment, id, 'state'));
    if (!raw) return null;
    return { record: JSON.parse(raw) as AlertRecord, triage: state ? (JSON.parse(state) as AlertTriage) : {} };
  }

  /**
   * Runs `change` on the current state under the alert's lock. `change` returns the new state, or
   * a string (a refusal: nothing is stored). `after` runs with the stored state, still under the
   * lock (the caller queues the redrawn card there). Null: no such alert.
   */
  async change<T>(
    environment: string,
    id: string,
    change: (current: { record: AlertRecord; triage: AlertTriage }) => AlertTriage | string,
    after: (now: { record: AlertRecord; triage: AlertTriage }) => Promise<T>,
  ): Promise<{ refused: string } | { done: T } | null> {
    const lock = this.keys.alert(environment, id, 'lock');
    const token = randomUUID();
    const deadline = Date.now() + LOCK_WAIT_MS;
    while ((await this.redis.set(lock, token, 'PX', LOCK_MS, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`alert ${environment}/${id} is locked`);
      await new Promise((r) => setTimeout(r, 25));
    }
    try {
      const current = await this.get(environment, id);
      if (!current) return null;
      const next = change(current);
      if (typeof next === 'string') return { refused: next };
      await this.redis.set(this.keys.alert(environment, id, 'state'), JSON.stringify(next), 'EX', TTL_SECONDS);
      await this.redis.expire(this.keys.alert(environment, id), TTL_SECONDS);
      return { done: await after({ record: current.record, triage: next }) };
    } finally {
      // Only our own lock: one that expired and was taken by another click is left alone.
      await this.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, lock, token);
    }
  }
}

/**
 * Approvals and votes in Redis: who asked, what would run, who voted what. Each user votes once
 * (HSETNX) and a request is decided once (SET NX), so double clicks and replayed submits change
 * nothing.
 */
import type { Redis } from 'ioredis';
import type { ActionJobData, ConversationRef } from '../queue/types';
import { Keys } from './keys';

export type ApprovalStatus = 'open' | 'approved' | 'rejected' | 'expired';

export interface Approval {
  id: string;
  environment: string;
  channel: string;
  conversation: ConversationRef;
  requestedBy: string;
  /** Action approvals carry the job to queue once approved; `soar vote` has none. */
  job?: ActionJobData;
  question: string;
  options: string[];
  /** Which option approves (first) and which stops at once (second), for action approvals. */
  kind: 'action' | 'vote';
  needed: number;
  /** Users or a role (`role:approver`) allowed to vote. */
  voters: string[];
  createdAt: number;
  expiresAt: number;
  messageKey: string;
  /** Shown on the card: every parameter, secrets hidden, and the dry-run preview where there is one. */
  details: Array<{ title: string; value: string }>;
}

export interface ApprovalState {
  approval: Approval;
  votes: Record<string, string>;
  status: ApprovalStatus;
  decidedBy?: string;
  /** The action's --dry-run result, when it has one. */
  preview?: string;
}

const TTL_SECONDS = 14 * 86400;

export class ApprovalStore {
  private readonly keys: Keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new Keys(prefix);
  }

  async create(approval: Approval): Promise<void> {
    await this.redis.set(this.keys.approval(approval.id), JSON.stringify(approval), 'EX', TTL_SECONDS, 'NX');
  }

  async get(id: string): Promise<ApprovalState | null> {
    const [raw, votes, decided, preview] = await Promise.all([
      this.redis.get(this.keys.approval(id)),
      this.redis.hgetall(this.keys.approval(id, 'votes')),
      this.redis.get(this.keys.approval(id, 'decided')),
      this.redis.get(this.keys.approval(id, 'preview')),
    ]);
    if (!raw) return null;
    const decision = decided ? (JSON.parse(decided) as { status: ApprovalStatus; by?: string }) : undefined;
    return { approval: JSON.parse(raw) as Approval, votes, status: decision?.status ?? 'open', decidedBy: decision?.by, preview: preview ?? undefined };
  }

  async setPreview(id: string, text: string): Promise<void> {
    await this.redis.set(this.keys.approval(id, 'preview'), text, 'EX', TTL_SECONDS);
  }

  /** Records one vote; false when this user had already voted. */
  async vote(id: string, user: string, option: string): Promise<boolean> {
    const added = await this.redis.hsetnx(this.keys.approval(id, 'votes'), user, option);
    await this.redis.expire(this.keys.approval(id, 'votes'), TTL_SECONDS);
    return added === 1;
  }

  /** The key that exists once the request is decided (a card refresh is written only while it does not). */
  decidedKey(id: string): string {
    return this.keys.approval(id, 'decided');
  }

  /** Closes the request; only the first decision counts. */
  async decide(id: string, status: Exclude<ApprovalStatus, 'open'>, by?: string): Promise<boolean> {
    return (await this.redis.set(this.keys.approval(id, 'decided'), JSON.stringify({ status, by }), 'EX', TTL_SECONDS, 'NX')) === 'OK';
  }
}

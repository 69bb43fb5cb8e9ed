/** What the outbox needs from a chat platform: post, update in place, upload a file. bot/slack and bot/teams implement it. */
import type { ChatMessage } from '../cards/message';
import type { PlatformMessageRef } from '../store/messages';
import type { ConversationRef } from './types';

export interface ChatSender {
  /** `key` tags the post (where the platform keeps it) so that `findPosted` can recognise it. */
  post(conversation: ConversationRef, message: ChatMessage, threadOf?: PlatformMessageRef, key?: string): Promise<PlatformMessageRef>;
  /**
   * The message posted with `key` since `sinceMs`, on platforms whose history can be read (Slack).
   * Lets a retry after an interrupted post adopt the message instead of posting it twice.
   */
  findPosted?(conversation: ConversationRef, key: string, sinceMs: number): Promise<PlatformMessageRef | undefined>;
  update(conversation: ConversationRef, ref: PlatformMessageRef, message: ChatMessage): Promise<void>;
  uploadFile(conversation: ConversationRef, file: { name: string; data: Buffer; title?: string; url: string }, threadOf?: PlatformMessageRef): Promise<void>;
  /** Minimum spacing between sends into one conversation (platform rate limits). */
  readonly intervalMs: number;
}

/** The platform said "slow down": nothing more to this conversation for `retryAfterMs`. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate limited for ${retryAfterMs} ms`);
  }
}

/** A permanent refusal by the platform (e.g. channel_not_found): do not retry. */
export class PermanentSendError extends Error {}

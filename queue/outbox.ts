/** Producer side of the outbox: every message to a chat platform goes through here. */
import type { JobsOptions } from 'bullmq';
import { randomBytes } from 'node:crypto';
import type { ChatMessage } from '../cards/message';
import type { MessageStore } from '../store/messages';
import type { Queues } from './queues';
import type { ConversationRef } from './types';

/**
 * The delivery job of one version of a message (the delivery sends whatever is latest then). The
 * id is unique even when a Redis failover took the version back (docs/reliability.md, "Redis
 * failover"): BullMQ drops a new job whose id a completed one used, and the message is never sent.
 */
function deliveryOpts(messageKey: string, version: number, delayMs = 0): JobsOptions {
  return { jobId: `upsert_${messageKey.replace(/:/g, '_')}_${version}_${randomBytes(4).toString('hex')}`, delay: delayMs };
}

export class Outbox {
  constructor(
    private readonly queues: Queues,
    private readonly messages: MessageStore,
  ) {}

  /**
   * Sets a message's content and queues its delivery: a post the first time, an update in
   * place afterwards. Intermediate versions are coalesced; `delayMs` paces progress updates.
   */
  async upsert(messageKey: string, conversation: ConversationRef, message: ChatMessage, delayMs = 0): Promise<void> {
    await (await this.stage(messageKey, conversation, message, delayMs))();
  }

  /**
   * upsert in two steps: the content is stored when this resolves, and the function it returns
   * queues the delivery. A caller may then start what must come after the content (the job that
   * updates the message) side by side with the delivery.
   */
  async stage(messageKey: string, conversation: ConversationRef, message: ChatMessage, delayMs = 0): Promise<() => Promise<void>> {
    const version = await this.messages.setLatest(messageKey, conversation, message);
    return async () => {
      await this.queues.outbox.add('upsert', { op: 'upsert', messageKey, version, conversation }, deliveryOpts(messageKey, version, delayMs));
    };
  }

  /** upsert, unless `guardKey` exists (checked and written in one step); false when skipped. */
  async upsertUnless(messageKey: string, conversation: ConversationRef, message: ChatMessage, guardKey: string): Promise<boolean> {
    const version = await this.messages.setLatestUnless(messageKey, conversation, message, guardKey);
    if (version === null) return false;
    await this.queues.outbox.add('upsert', { op: 'upsert', messageKey, version, conversation }, deliveryOpts(messageKey, version));
    return true;
  }

  /** A new message in the thread of `threadOf` (an outbox message key), or in the channel. */
  async post(conversation: ConversationRef, message: ChatMessage, threadOf?: string): Promise<void> {
    await this.queues.outbox.add('post', { op: 'post', conversation, message, threadOf });
  }

  /** Posts a file of `environment`'s files root (`path` relative to it). */
  async file(environment: string, conversation: ConversationRef, file: { name: string; path: string; title?: string }, threadOf?: string): Promise<void> {
    await this.queues.outbox.add('file', { op: 'file', environment, conversation, file, threadOf });
  }
}

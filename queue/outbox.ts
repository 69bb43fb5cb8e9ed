/** Producer side of the outbox: every message to a chat platform goes through here. */
import type { ChatMessage } from '../cards/message';
import type { MessageStore } from '../store/messages';
import type { Queues } from './queues';
import type { ConversationRef } from './types';

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
    const version = await this.messages.setLatest(messageKey, conversation, message);
    await this.queues.outbox.add(
      'upsert',
      { op: 'upsert', messageKey, version, conversation },
      { jobId: `upsert_${messageKey.replace(/:/g, '_')}_${version}`, delay: delayMs },
    );
  }

  /** upsert, unless `guardKey` exists (checked and written in one step); false when skipped. */
  async upsertUnless(messageKey: string, conversation: ConversationRef, message: ChatMessage, guardKey: string): Promise<boolean> {
    const version = await this.messages.setLatestUnless(messageKey, conversation, message, guardKey);
    if (version === null) return false;
    await this.queues.outbox.add(
      'upsert',
      { op: 'upsert', messageKey, version, conversation },
      { jobId: `upsert_${messageKey.replace(/:/g, '_')}_${version}` },
    );
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

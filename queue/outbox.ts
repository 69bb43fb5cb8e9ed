/** Producer side of the outbox: every message to a chat platform goes through here. */
import { Job, type JobsOptions } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { inProgress, type ChatMessage } from '../cards/message';
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

/**
 * How long before a held delivery is due content is still left to it. A delivery that starts
 * early (clocks differ) and misses the content sends it after all: it sees the newer version
 * when it marks what it sent.
 */
const HELD_MARGIN_MS = 100;

export class Outbox {
  constructor(
    private readonly queues: Queues,
    private readonly messages: MessageStore,
  ) {}

  /**
   * Sets a message's content and queues its delivery: a post the first time, an update in
   * place afterwards. Intermediate versions are coalesced.
   */
  async upsert(messageKey: string, conversation: ConversationRef, message: ChatMessage): Promise<void> {
    await (await this.stage(messageKey, conversation, message))();
  }

  /**
   * upsert in two steps: the content is stored when this resolves, and the function it returns
   * queues the delivery. A caller may then start what must come after the content (the job that
   * updates the message) side by side with the delivery.
   */
  async stage(messageKey: string, conversation: ConversationRef, message: ChatMessage): Promise<() => Promise<void>> {
    const { version, held } = await this.messages.setLatest(messageKey, conversation, message);
    const deliver = async (): Promise<void> => {
      await this.queues.outbox.add('upsert', { op: 'upsert', messageKey, version, conversation }, deliveryOpts(messageKey, version));
    };
    // A held first delivery still to come sends this content: no delivery of its own. A final
    // state is not held back: that delivery goes now.
    if (!held || held.until - Date.now() <= HELD_MARGIN_MS) return deliver;
    if (inProgress(message)) return async () => undefined;
    return async () => {
      // Promoted by its id alone (no read of the job first): BullMQ refuses a job that is gone or
      // no longer waiting out its delay.
      const promoted = await new Job(this.queues.outbox, 'upsert', undefined, {}, held.job).promote().then(
        () => true,
        () => false,
      );
      // Gone or already running: it may have missed this content, so it gets a delivery of its own.
      if (!promoted) await deliver();
    };
  }

  /**
   * stage for a message whose first post waits `holdMs` (behaviour.md 43): content set in the
   * meantime (a fast job's result) goes out in that first post, and needs no delivery of its own.
   * The content is stored when `staged` resolves; `deliver` queues the held delivery and may be
   * called at once (it is due only once the hold is over), so that both go out in one write.
   */
  stageHeld(messageKey: string, conversation: ConversationRef, message: ChatMessage, holdMs: number): { staged: Promise<void>; deliver(): Promise<void> } {
    // The version is the first (a message is staged held once, before anything else); a delivery
    // sends the latest content whatever its version says.
    const opts = deliveryOpts(messageKey, 1, holdMs);
    const staged = this.messages.setLatest(messageKey, conversation, message, { until: Date.now() + holdMs, job: opts.jobId! });
    return {
      staged: staged.then(() => undefined),
      deliver: async () => {
        await this.queues.outbox.add('upsert', { op: 'upsert', messageKey, version: 1, conversation }, opts);
      },
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

/** Bot Framework conversation references (Teams, web chat), kept for proactive posts. */
import type { Redis } from 'ioredis';
import type { ConversationReference } from 'botbuilder';
import { Keys } from './keys';

export class ConversationStore {
  private readonly keys: Keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new Keys(prefix);
  }

  async save(channel: string, ref: Partial<ConversationReference>): Promise<void> {
    await this.redis.set(this.keys.conversation(channel), JSON.stringify(ref));
  }

  async get(channel: string): Promise<Partial<ConversationReference> | null> {
    const raw = await this.redis.get(this.keys.conversation(channel));
    return raw ? (JSON.parse(raw) as Partial<ConversationReference>) : null;
  }
}

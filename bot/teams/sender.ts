/** Proactive posts and in-place updates to Teams and web chat through the activity's serviceUrl. */
import type { Activity, CloudAdapter } from 'botbuilder';
import { render } from '../../cards/render';
import type { ChatMessage } from '../../cards/message';
import { retryAfterMs } from '../../handlers/kit/wait';
import type { ConversationStore } from '../../store/conversations';
import type { PlatformMessageRef } from '../../store/messages';
import type { ConversationRef } from '../../queue/types';
import { PermanentSendError, RateLimitedError, type ChatSender } from '../../queue/chat-sender';
import { privateReference, visibleTo } from './private-chat';

function toActivity(message: ChatMessage, platform: 'teams' | 'webchat', privateTo?: string): Partial<Activity> {
  const { text, attachments } = render(message, platform);
  const activity: Partial<Activity> = { type: 'message', text, attachments: attachments as Activity['attachments'], textFormat: 'plain' };
  // Teams sends private messages to a 1:1 chat (withTurn); the web chat room shows them to one user.
  return platform === 'webchat' && privateTo ? visibleTo(activity, privateTo.replace(/^web:/, '')) : activity;
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { statusCode?: number; response?: { headers?: { get?(n: string): string | undefined } } };
    if (e.statusCode === 429) {
      // At least a second, and as long as the Bot Connector asks.
      const header = e.response?.headers?.get?.('retry-after') ?? undefined;
      throw new RateLimitedError(Math.max(1000, retryAfterMs(header === undefined ? {} : { 'retry-after': header }, 0, Infinity)));
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 408)
      throw new PermanentSendError(`Bot Connector refused with ${e.statusCode}`);
    throw err;
  }
}

export class BotFrameworkSender implements ChatSender {
  readonly intervalMs: number;

  constructor(
    private readonly adapter: CloudAdapter,
    private readonly conversations: ConversationStore,
    private readonly appId: string,
    private readonly platform: 'teams' | 'webchat',
  ) {
    this.intervalMs = platform === 'teams' ? 200 : 50;
  }

  private async withTurn<T>(
    conversation: ConversationRef,
    logic: (ctx: import('botbuilder').TurnContext) => Promise<T>,
    thread?: PlatformMessageRef,
  ): Promise<T> {
    const personal = this.platform === 'teams' && !!conversation.privateTo;
    const stored = personal
      ? await privateReference(this.adapter, this.conversations, this.appId, conversation.privateTo!)
      : await this.conversations.get(conversation.channel);
    if (!stored) throw new PermanentSendError(`No conversation reference stored for ${conversation.channel}; the bot must be messaged there first.`);
    // A Teams channel thread is addressed as `<conversation>;messageid=<root post>`: the thread the
    // command was typed in, else the one under the job's message. Threads are one level deep.
    const root = this.platform === 'teams' && !personal ? (conversation.threadTs ?? thread?.id) : undefined;
    const ref =
      root && stored.conversation
        ? { ...stored, conversation: { ...stored.conversation, id: `${stored.conversation.id.split(';')[0]};messageid=${root}` } }
        : stored;
    let out: T | undefined;
    await call(() =>
      this.adapter.continueConversationAsync(this.appId, ref, async (ctx) => {
        out = await logic(ctx);
      }),
    );
    return out as T;
  }

  async post(conversation: ConversationRef, message: ChatMessage, threadOf?: PlatformMessageRef): Promise<PlatformMessageRef> {
    return this.withTurn(
      conversation,
      async (ctx) => {
        if (threadOf && !(this.platform === 'teams' && conversation.privateTo)) {
          // continueConversation stamps the turn's own id as replyToId; point it at the parent.
          ctx.onSendActivities(async (_ctx, activities, next) => {
            for (const a of activities) a.replyToId = threadOf.id;
            return next();
          });
        }
        const res = await ctx.sendActivity(toActivity(message, this.platform, conversation.privateTo));
        return { id: res?.id ?? '', channel: ctx.activity.conversation.id };
      },
      threadOf,
    );
  }

  async update(conversation: ConversationRef, ref: PlatformMessageRef, message: ChatMessage): Promise<void> {
    await this.withTurn(conversation, async (ctx) => {
      await ctx.updateActivity({ ...toActivity(message, this.platform, conversation.privateTo), id: ref.id, conversation: ctx.activity.conversation });
    });
  }

  async uploadFile(conversation: ConversationRef, file: { name: string; title?: string; url: string }, threadOf?: PlatformMessageRef): Promise<void> {
    // Teams bots cannot attach arbitrary files in channels; a signed download link is posted instead (contract.md §7.4).
    await this.post(
      conversation,
      { text: `${file.title ?? file.name}: ${file.url}`, title: file.title ?? file.name, files: [{ name: file.name, url: file.url }] },
      threadOf,
    );
  }
}

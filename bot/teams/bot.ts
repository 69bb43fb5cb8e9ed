/**
 * Teams and web chat turns: messages (the @mention stripped), Action.Submit (a message with a
 * `value`) and Action.Execute (an `adaptiveCard/action` invoke). Every turn stores its
 * conversation reference so that the outbox can post and update proactively.
 */
import { ActivityTypes, TurnContext, type Activity, type InvokeResponse } from 'botbuilder';
import type { Logger } from 'pino';
import { toAdaptiveCard } from '../../cards/adaptive';
import { ALERT_VERBS } from '../../cards/alert-messages';
import { render } from '../../cards/render';
import type { ChatMessage } from '../../cards/message';
import type { ConversationStore } from '../../store/conversations';
import type { Dispatcher, Reply } from '../dispatch';
import { normalizeChatText } from '../commands';
import { adminDepsOf, handleTaskModule } from '../admin';
import { channelOf, platformOf, threadOf, userOf } from './activity-origin';
import { rememberPerson, sendReply } from './private-chat';

function messageActivity(message: ChatMessage, platform: 'teams' | 'webchat'): Partial<Activity> {
  const { text, attachments } = render(message, platform);
  return { type: ActivityTypes.Message, text, attachments: attachments as Activity['attachments'], textFormat: 'plain' };
}

export class TeamsBot {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly conversations: ConversationStore,
    private readonly log: Logger,
  ) {}

  /** The turn's answer; a confidential one never lands where others read (private-chat.ts). */
  private reply(ctx: TurnContext, r: Reply, platform: 'teams' | 'webchat'): Promise<void> {
    return sendReply(ctx, r, (m) => messageActivity(m, platform), this.conversations, this.log);
  }

  async onTurn(ctx: TurnContext): Promise<void> {
    const activity = ctx.activity;
    const platform = platformOf(activity);
    const channel = channelOf(activity);
    const user = userOf(activity);
    if (activity.type !== ActivityTypes.Message && activity.type !== ActivityTypes.Invoke) return;
    // A new channel post is the root of its own thread; replies to it carry the root's id.
    const thread = threadOf(activity);
    // Stored for the channel itself: posts address a thread (or none) explicitly.
    const reference = TurnContext.getConversationReference(activity);
    if (reference.conversation) reference.conversation = { ...reference.conversation, id: reference.conversation.id.split(';')[0]! };
    await this.conversations.save(channel, reference);
    await rememberPerson(this.conversations, activity);

    if (activity.type === ActivityTypes.Invoke) {
      if (activity.name === 'task/fetch' || activity.name === 'task/submit') {
        const body = await handleTaskModule(activity, adminDepsOf(this.dispatcher));
        await ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } as InvokeResponse });
        return;
      }
      if (activity.name !== 'adaptiveCard/action') {
        await ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: {} } as InvokeResponse });
        return;
      }
      const action = (activity.value as { action?: { verb?: string; data?: Record<string, unknown> } } | undefined)?.action ?? {};
      const r = await this.dispatcher.click({
        platform,
        channel,
        user,
        verb: String(action.verb ?? ''),
        data: action.data ?? {},
        requestId: activity.id ?? '',
      });
      // An alert card's refresh (Universal Actions) that has no card to show is answered silently: nobody clicked.
      if (action.verb === ALERT_VERBS.refresh && !(r.kind === 'reply' && r.card)) {
        await ctx.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: {} } as InvokeResponse });
        return;
      }
      // A vote or an alert's triage answers with the card as it is now, so the clicker sees the current state at once.
      if (r.kind === 'reply' && r.card && r.message.status !== 'error') {
        await ctx.sendActivity({
          type: ActivityTypes.InvokeResponse,
          value: {
            status: 200,
            body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: toAdaptiveCard(r.card, { universal: true }) },
          } as InvokeResponse,
        });
        return;
      }
      await this.reply(ctx, r, platform);
      const message = r.kind === 'queued' ? `Queued as job ${r.jobId}` : r.message.text;
      await ctx.sendActivity({
        type: ActivityTypes.InvokeResponse,
        value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: message } } as InvokeResponse,
      });
      return;
    }

    const value = activity.value as Record<string, unknown> | undefined;
    let r: Reply;
    if (value && typeof value.verb === 'string') {
      const { verb, ...data } = value;
      r = await this.dispatcher.click({ platform, channel, user, verb: verb as string, data, requestId: activity.id ?? '' });
    } else {
      const stripped = TurnContext.removeRecipientMention(activity) ?? activity.text ?? '';
      r = await this.dispatcher.command({
        platform,
        channel,
        user,
        text: normalizeChatText(stripped, platform === 'webchat' ? 'web' : 'teams'),
        requestId: activity.id ?? '',
        threadTs: thread,
        commandThread: thread === activity.id ? undefined : thread,
      });
    }
    await this.reply(ctx, r, platform);
    this.log.debug({ channel, kind: r.kind }, 'turn handled');
  }
}

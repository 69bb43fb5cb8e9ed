/**
 * Messages only one person may see (admin output, sign-in links) in Teams and the web chat.
 * A Teams channel cannot show a message to one member, so it goes to a 1:1 chat with the bot,
 * opened through the Bot Connector (POST /v3/conversations); the web chat marks the activity as
 * visible to that user of the room only (bot/webchat/store.ts filters by it).
 */
import type { Activity, ChannelAccount, CloudAdapter, ConversationParameters, ConversationReference, TurnContext } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import type { Logger } from 'pino';
import type { ChatMessage } from '../../cards/message';
import type { ConversationStore } from '../../store/conversations';
import type { Reply } from '../dispatch';
import { PermanentSendError } from '../../queue/chat-sender';
import { platformOf, userOf } from './activity-origin';

/** What the channel shows when the answer went to the 1:1 chat. */
export const PRIVATE_NOTE = 'I sent you the answer in a private chat with chatsoar.';
const NO_PRIVATE_CHAT = 'I could not open a private chat with you, and this answer is only for you. Add chatsoar as a personal app in Teams, then try again.';

/** Where the 1:1 chat with `user` (`teams:<aad>`) is kept: its reference, or who to open it with. */
function personKey(user: string): string {
  return `private:${user}`;
}

function tenantOf(activity: Partial<Activity>): string | undefined {
  return activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
}

function isPersonal(activity: Partial<Activity>): boolean {
  return activity.conversation?.conversationType === 'personal';
}

/** The web chat's marker: the room shows this activity to `name` alone. */
export function visibleTo(activity: Partial<Activity>, name: string): Partial<Activity> {
  return { ...activity, channelData: { ...((activity.channelData as object | undefined) ?? {}), visibleTo: name } };
}

function parameters(bot: Partial<ChannelAccount> | undefined, member: Partial<ChannelAccount>, tenantId: string | undefined): ConversationParameters {
  return {
    isGroup: false,
    bot: bot as ChannelAccount,
    members: [member as ChannelAccount],
    ...(tenantId ? { tenantId, channelData: { tenant: { id: tenantId } } } : {}),
  } as ConversationParameters;
}

/**
 * Notes, on each Teams turn, how to reach its sender privately later (the outbox posts a private
 * job's messages from a worker, with no turn of that user at hand).
 */
export async function rememberPerson(store: ConversationStore, activity: Activity): Promise<void> {
  if (platformOf(activity) !== 'teams' || !activity.from?.id) return;
  const key = personKey(userOf(activity));
  const base = { serviceUrl: activity.serviceUrl, channelId: activity.channelId, bot: activity.recipient, user: activity.from };
  if (isPersonal(activity)) {
    await store.save(key, {
      ...base,
      conversation: {
        id: activity.conversation.id,
        conversationType: 'personal',
        tenantId: tenantOf(activity),
        isGroup: false,
      } as ConversationReference['conversation'],
    });
    return;
  }
  const known = await store.get(key);
  if (known?.conversation?.id && known.serviceUrl === activity.serviceUrl) return;
  await store.save(key, { ...base, conversation: { id: '', tenantId: tenantOf(activity) } as ConversationReference['conversation'] });
}

/** Sends `activity` to the turn's sender in a 1:1 chat with the bot (Teams returns the existing one when there is one). */
async function sendInPrivateChat(ctx: TurnContext, store: ConversationStore, activity: Partial<Activity>): Promise<void> {
  const turn = ctx.activity;
  const connector = ctx.turnState.get(ctx.adapter.ConnectorClientKey) as ConnectorClient;
  const tenantId = tenantOf(turn);
  const created = await connector.conversations.createConversation(parameters(turn.recipient, turn.from, tenantId));
  const conversation = { id: created.id, conversationType: 'personal', tenantId, isGroup: false } as ConversationReference['conversation'];
  await store.save(personKey(userOf(turn)), { serviceUrl: turn.serviceUrl, channelId: turn.channelId, bot: turn.recipient, user: turn.from, conversation });
  await connector.conversations.sendToConversation(created.id, {
    ...activity,
    channelId: turn.channelId,
    serviceUrl: turn.serviceUrl,
    from: turn.recipient,
    recipient: turn.from,
    conversation,
  } as Activity);
}

/**
 * A turn's answer: as is, unless it is confidential and the conversation is shared. Then the web
 * chat shows it to the asker alone, and a Teams channel gets `shared` (when given) or a note,
 * the answer itself going to a 1:1 chat. It is never posted where others read it.
 */
export async function sendReply(
  ctx: TurnContext,
  r: Reply,
  render: (message: ChatMessage) => Partial<Activity>,
  store: ConversationStore,
  log: Logger,
): Promise<void> {
  if (r.kind !== 'reply') return;
  const activity = render(r.message);
  const turn = ctx.activity;
  if (!r.confidential || isPersonal(turn)) {
    await ctx.sendActivity(activity);
    return;
  }
  if (platformOf(turn) === 'webchat') {
    await ctx.sendActivity(visibleTo(activity, String(turn.from?.id ?? '')));
    return;
  }
  if (r.shared) {
    await ctx.sendActivity(render(r.shared));
    return;
  }
  try {
    await sendInPrivateChat(ctx, store, activity);
  } catch (err) {
    log.warn({ err }, 'a private chat could not be opened; the answer was not sent');
    await ctx.sendActivity({ type: 'message', text: NO_PRIVATE_CHAT, textFormat: 'plain' });
    return;
  }
  await ctx.sendActivity({ type: 'message', text: PRIVATE_NOTE, textFormat: 'plain' });
}

/**
 * The 1:1 chat with `user` for a proactive post (a private job's messages): the one known, else
 * opened now with what the user's last Teams turn told (rememberPerson).
 */
export async function privateReference(adapter: CloudAdapter, store: ConversationStore, appId: string, user: string): Promise<Partial<ConversationReference>> {
  const key = personKey(user);
  const known = await store.get(key);
  if (known?.conversation?.id) return known;
  if (!known?.serviceUrl || !known.user) throw new PermanentSendError(`No private chat with ${user} is known: they must message the bot in Teams first.`);
  const tenantId = known.conversation?.tenantId;
  let id = '';
  await adapter.createConversationAsync(
    appId,
    known.channelId ?? 'msteams',
    known.serviceUrl,
    undefined as unknown as string,
    parameters(known.bot, known.user, tenantId),
    async (ctx) => {
      id = ctx.activity.conversation.id;
    },
  );
  if (!id) throw new PermanentSendError(`The Bot Connector opened no private chat with ${user}.`);
  const reference: Partial<ConversationReference> = {
    ...known,
    conversation: { id, conversationType: 'personal', tenantId, isGroup: false } as ConversationReference['conversation'],
  };
  await store.save(key, reference);
  return reference;
}

/** Where a Teams or web chat activity came from, in the bot's own names: platform, channel, thread, user. */
import type { Activity } from 'botbuilder';
import type { Platform } from '../../queue/types';

export function platformOf(activity: Activity): Exclude<Platform, 'slack'> {
  return activity.channelId === 'webchat' || activity.channelId === 'directline' ? 'webchat' : 'teams';
}

/**
 * The channel a binding names (contract.md §5). Teams gives every channel post and its replies the
 * conversation id `<channel>;messageid=<root post>`: the channel is the part before.
 */
export function channelOf(activity: Activity): string {
  const conversation = activity.conversation?.id ?? '';
  return platformOf(activity) === 'webchat' ? `web:${conversation}` : `teams:${conversation.split(';')[0]}`;
}

/** The Teams channel thread (its root post's id) an activity came from, if any. */
export function threadOf(activity: Activity): string | undefined {
  return platformOf(activity) === 'teams' ? /;messageid=([^;]+)/.exec(activity.conversation?.id ?? '')?.[1] : undefined;
}

export function userOf(activity: Activity): string {
  const from = activity.from ?? { id: '' };
  return platformOf(activity) === 'webchat' ? `web:${from.id}` : `teams:${from.aadObjectId ?? from.id}`;
}

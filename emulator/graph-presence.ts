/** Presence, with the out-of-office state that the mailbox's automatic replies give it. */
import type { User } from './directory';
import type { GraphCall, Obj } from './graph-call';
import type { DateTimeTimeZone } from './mailbox';
import { htmlToText } from './message-text';

/** Epoch ms of a `DateTimeTimeZone`, read as UTC. */
function utcMs(d: DateTimeTimeZone): number {
  return Date.parse(`${d.dateTime.replace(/\.\d+$/, '')}Z`);
}

/** Presence with out-of-office settings (beta shape, as the Get OOF action shows). */
export function presenceJson(g: GraphCall, user: User): Obj {
  const mb = g.ctx.state.mailboxOf(user);
  const ar = mb?.settings.automaticRepliesSetting;
  const now = Date.now();
  const scheduledOn = ar?.status === 'scheduled' && utcMs(ar.scheduledStartDateTime) <= now && now < utcMs(ar.scheduledEndDateTime);
  const isOut = ar?.status === 'alwaysEnabled' || scheduledOn === true;
  return {
    '@odata.context': `${g.root}/$metadata#communications/presences/$entity`,
    id: user.id,
    availability: isOut && user.availability === 'Available' ? 'Away' : user.availability,
    activity: isOut && user.activity === 'Available' ? 'OffWork' : user.activity,
    statusMessage: null,
    outOfOfficeSettings: { message: isOut && ar ? `\n\n${htmlToText(ar.internalReplyMessage)}\n` : null, isOutOfOffice: isOut },
  };
}

/**
 * The wait actions' results from their state: the seed's lines (behaviour.md 3, 12: found replies
 * first, then one timeout line per silent recipient), the "Matching Mails" table (behaviour.md 10),
 * the vote JSON `{Responses: [{recipient, vote}]}`, the reply attachments; and the status line
 * shown while waiting.
 */
import { failure, fill, success, type ActionResult, type ResultTable } from '../../kit/outcome';
import { sameAddress } from '../recipients';
import type { FoundReply, WaitState } from './wait-state';

export interface WaitMessages {
  /** `Found the user EMAIL_RECIPIENT reply: USER_REPLY` (vote: with a final `.`). */
  found: string;
  /** `Timeout getting reply from user: EMAIL_RECIPIENT.` / `Exceeded timeout to get a reply from user: EMAIL_RECIPIENT.` */
  timeout: string;
  /** `Action failed to receive any replies until timeout.` */
  none: string;
  /** Vote: the JSON result and the vote as USER_REPLY. */
  vote: boolean;
}

export const MATCHING_MAILS_COLUMNS = ['Mail ID', 'Received Date', 'Sender', 'Recipients', 'Subject'];

function userReply(r: FoundReply, m: WaitMessages): string {
  if (m.vote && r.vote) return r.vote;
  return r.text || '(no text)';
}

function foundLines(state: WaitState, m: WaitMessages): string[] {
  return state.replies.map((r) => fill(m.found, { EMAIL_RECIPIENT: r.recipient, USER_REPLY: userReply(r, m) }));
}

export function silentRecipients(state: WaitState): string[] {
  return state.mail.recipients.filter((a) => !state.replies.some((r) => sameAddress(r.recipient, a)));
}

function table(state: WaitState): ResultTable {
  return {
    title: 'Matching Mails',
    columns: MATCHING_MAILS_COLUMNS,
    rows: state.replies.map((r) => [r.id, r.receivedDateTime, r.sender, r.recipients, r.subject]),
  };
}

function extras(state: WaitState, m: WaitMessages): Partial<ActionResult> {
  const files = state.replies.flatMap((r) => r.files);
  return {
    tables: [table(state)],
    ...(m.vote ? { json: { Responses: state.replies.map((r) => ({ recipient: r.recipient, vote: userReply(r, m) })) } } : {}),
    ...(files.length ? { files } : {}),
  };
}

/** Every awaited reply is in (or the first one, when not waiting for all). */
export function doneResult(state: WaitState, m: WaitMessages): ActionResult {
  return success(foundLines(state, m).join('\n'), extras(state, m));
}

export function timeoutResult(state: WaitState | undefined, m: WaitMessages): ActionResult {
  if (!state || state.replies.length === 0) return failure(m.none);
  const lines = [...foundLines(state, m), ...silentRecipients(state).map((a) => fill(m.timeout, { EMAIL_RECIPIENT: a }))];
  return success(lines.join('\n'), extras(state, m));
}

/** e.g. `Waiting for replies to "Approve?" (check 3): 1 of 2 answered — bob@x: Approve. Waiting for alice@x.` */
export function statusLine(state: WaitState, m: WaitMessages): string {
  const total = state.mail.recipients.length;
  const answered = state.replies.map((r) => `${r.recipient}: ${userReply(r, m).slice(0, 60)}`);
  const parts = [`Waiting for replies to "${state.mail.subject.slice(0, 80)}" (check ${state.checks}): ${state.replies.length} of ${total} answered`];
  parts[0] += answered.length ? ` — ${answered.join('; ')}.` : '.';
  const silent = silentRecipients(state);
  if (silent.length) parts.push(`Waiting for ${silent.slice(0, 10).join(', ')}${silent.length > 10 ? ` and ${silent.length - 10} more` : ''}.`);
  if (state.excluded.length)
    parts.push(`${state.excluded.length} ${state.excluded.length === 1 ? 'reply' : 'replies'} excluded by the Wait Stage Exclude pattern.`);
  if (state.lastError) parts.push(`Last check failed (${state.lastError}); trying again.`);
  return parts.join(' ');
}

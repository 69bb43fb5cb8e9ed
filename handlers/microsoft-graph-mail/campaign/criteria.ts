/**
 * A campaign's search criteria (contract.md §8): Internet Message ID, Sender, Subject (any of
 * them, ANDed, at least one) and Since (a duration, default 7 days), as one Graph `$filter` on a
 * mailbox's messages in every folder (https://learn.microsoft.com/graph/api/user-list-messages).
 */
import { UserError } from '../../kit/errors';
import { parseDuration } from '../../../lib/duration';

export interface CampaignCriteria {
  internetMessageId?: string;
  sender?: string;
  subject?: string;
  /** As typed (`7d`). */
  since: string;
  /** ISO time the search starts from (now − since, when the campaign was found). */
  sinceTime: string;
}

export const DEFAULT_SINCE = '7d';

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s ? s : undefined;
}

/** The criteria of `campaign find`'s parameters; a UserError in one line when none is given or Since is no duration. */
export function criteriaOf(params: Record<string, unknown>, now = Date.now()): CampaignCriteria {
  const internetMessageId = text(params['internet-message-id']);
  const sender = text(params.sender);
  const subject = text(params.subject);
  if (!internetMessageId && !sender && !subject) {
    throw new UserError('Give at least one of --internet-message-id, --sender, --subject (they are combined with AND).');
  }
  const since = text(params.since) ?? DEFAULT_SINCE;
  const ms = parseDuration(since);
  if (ms === null || ms <= 0) throw new UserError(`--since must be a duration such as 7d, 48h or 90m, got ${since}.`);
  const c: CampaignCriteria = { since, sinceTime: new Date(now - ms).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  if (internetMessageId) c.internetMessageId = internetMessageId.startsWith('<') ? internetMessageId : `<${internetMessageId}>`;
  if (sender) c.sender = sender;
  if (subject) c.subject = subject;
  return c;
}

function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The `$filter` of the criteria (receivedDateTime first, as Graph wants the ordered property first). */
export function filterOf(c: CampaignCriteria): string {
  const parts = [`receivedDateTime ge ${c.sinceTime}`];
  if (c.internetMessageId) parts.push(`internetMessageId eq ${odataString(c.internetMessageId)}`);
  if (c.sender) parts.push(`from/emailAddress/address eq ${odataString(c.sender)}`);
  if (c.subject) parts.push(`contains(subject,${odataString(c.subject)})`);
  return parts.join(' and ');
}

/** One line for cards and reports: `sender = x · subject contains "y" · since 7d`. */
export function describeCriteria(c: CampaignCriteria): string {
  const parts: string[] = [];
  if (c.internetMessageId) parts.push(`internet message id = ${c.internetMessageId}`);
  if (c.sender) parts.push(`sender = ${c.sender}`);
  if (c.subject) parts.push(`subject contains "${c.subject}"`);
  parts.push(`since ${c.since} (${c.sinceTime})`);
  return parts.join(' · ');
}

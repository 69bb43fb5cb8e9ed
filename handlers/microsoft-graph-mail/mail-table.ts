/**
 * Search Emails' "Matching Mails" table (behaviour.md 10: Mail ID, Subject, Sender, Receivers,
 * Received Date) and its JSON result (behaviour.md 9: every field, or the table's).
 */
import type { ResultTable } from '../kit/outcome';
import type { Message, Recipient } from './lookup';

export const MATCHING_MAILS_COLUMNS = ['Mail ID', 'Subject', 'Sender', 'Receivers', 'Received Date'];
/** The Graph properties behind the table's columns. */
export const TABLE_FIELDS = ['id', 'subject', 'from', 'toRecipients', 'receivedDateTime'];

function address(r: Recipient | null | undefined): string {
  return r?.emailAddress?.address ?? '';
}

export function senderOf(m: Message): string {
  return address(m.from) || address(m.sender);
}

export function matchingMailsTable(mails: Message[]): ResultTable {
  return {
    title: 'Matching Mails',
    columns: MATCHING_MAILS_COLUMNS,
    rows: mails.map((m) => [m.id, m.subject ?? '', senderOf(m), (m.toRecipients ?? []).map(address).filter(Boolean).join(', '), m.receivedDateTime ?? '']),
  };
}

/** One mail for the JSON result: its mailbox, then every field Graph gave or the table's only. */
export function mailJson(mailbox: string, m: Message, allFields: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { mailbox };
  for (const [k, v] of Object.entries(m)) {
    if (k.startsWith('@odata.')) continue;
    if (!allFields && !TABLE_FIELDS.includes(k)) continue;
    out[k] = v;
  }
  return out;
}

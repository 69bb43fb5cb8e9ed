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

/** One mail's row of the table. */
export function mailRow(m: Message): string[] {
  return [m.id, m.subject ?? '', senderOf(m), (m.toRecipients ?? []).map(address).filter(Boolean).join(', '), m.receivedDateTime ?? ''];
}

/** The table of rows made by mailRow. */
export function matchingMailsRows(rows: string[][]): ResultTable {
  return { title: 'Matching Mails', columns: MATCHING_MAILS_COLUMNS, rows };
}

export function matchingMailsTable(mails: Message[]): ResultTable {
  return matchingMailsRows(mails.map(mailRow));
}

const TABLE_FIELD_SET = new Set(TABLE_FIELDS);

/** One mail for the JSON result: its mailbox, then every field Graph gave or the table's only. */
export function mailJson(mailbox: string, m: Message, allFields: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { mailbox };
  for (const k in m) {
    if (!Object.hasOwn(m, k) || k.startsWith('@odata.')) continue;
    if (!allFields && !TABLE_FIELD_SET.has(k)) continue;
    out[k] = m[k];
  }
  return out;
}

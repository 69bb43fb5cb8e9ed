/** What campaign results show: counts, the first matches, per-mailbox tables, and the report files. */
import { createWriteStream } from 'node:fs';
import type { ResultFile, ResultTable } from '../../kit/outcome';
import { describeCriteria } from './criteria';
import { type Campaign, type CampaignFiles, type Match, type MoveCounts, LineWriter } from './store';

/** Rows of a table in chat; every row is in the report file. */
export const TABLE_ROWS = 20;
export const SAMPLE_SIZE = 10;
/** Mailboxes and sample mails named on an approval card; the rest are counted (a card must stay short to be read). */
export const PREVIEW_MAILBOXES = 5;
export const PREVIEW_SAMPLE = 3;
/** Unreachable mailboxes named in the message (all are in campaign.json and the report). */
export const LISTED_UNREACHABLE = 20;
/** Mails that could not be moved, named with why (all are in the ledger). */
export const LISTED_FAILURES = 10;

/** One formatter for every call (find's progress line formats four numbers per mailbox searched). */
const NUMBER = new Intl.NumberFormat('en-US');

export function n(value: number): string {
  return NUMBER.format(value);
}

export function firstMatchesTable(sample: Match[]): ResultTable {
  return {
    title: 'First matches',
    columns: ['Mailbox', 'Sender', 'Subject', 'Received'],
    rows: sample.map((m) => [m.mailbox, m.sender, m.subject, m.received]),
  };
}

export function unreachableLine(list: Campaign['unreachable']): string | undefined {
  if (!list.length) return undefined;
  const shown = list.slice(0, LISTED_UNREACHABLE).map((u) => `${u.mailbox} (${u.reason})`);
  const more = list.length > LISTED_UNREACHABLE ? `, and ${n(list.length - LISTED_UNREACHABLE)} more (in the report)` : '';
  return `Unreachable, not searched: ${n(list.length)} mailbox(es): ${shown.join('; ')}${more}.`;
}

export function criteriaLine(c: Campaign): string {
  const scope = c.mailboxes === 'all' ? 'every mailbox of the tenant' : `${n(c.mailboxes.length)} listed mailbox(es)`;
  return `Criteria: ${describeCriteria(c.criteria)} · in ${scope}`;
}

export interface MailboxTally extends MoveCounts {
  mailbox: string;
  matches: number;
}

export function emptyTally(mailbox: string): MailboxTally {
  return { mailbox, matches: 0, moved: 0, skipped: 0, gone: 0, failed: 0 };
}

export function addCounts(into: MoveCounts, from: MoveCounts): void {
  into.moved += from.moved;
  into.skipped += from.skipped;
  into.gone += from.gone;
  into.failed += from.failed;
}

/** Per-mailbox table of a purge or restore: the mailboxes where something did not move come first. */
export function mailboxTable(title: string, counted: string, moved: string, rows: MailboxTally[], skippedTitle?: string): ResultTable {
  const sorted = [...rows].sort((a, b) => b.failed + b.gone - (a.failed + a.gone) || a.mailbox.localeCompare(b.mailbox));
  const columns = ['Mailbox', counted, moved, ...(skippedTitle ? [skippedTitle] : []), 'Not found', 'Failed'];
  return {
    title: rows.length > TABLE_ROWS ? `${title} (first ${TABLE_ROWS} of ${n(rows.length)}; all in the report file)` : title,
    columns,
    rows: sorted
      .slice(0, TABLE_ROWS)
      .map((r) => [r.mailbox, String(r.matches), String(r.moved), ...(skippedTitle ? [String(r.skipped)] : []), String(r.gone), String(r.failed)]),
  };
}

/** Writes `report.json`: the campaign and every match, streamed from matches.jsonl. */
export async function writeFindReport(files: CampaignFiles, campaign: Campaign): Promise<void> {
  const out = createWriteStream(files.path('report.json'), { flags: 'w' });
  const w = new LineWriter(out);
  const raw = (text: string) => rawWrite(out, text);
  const head = JSON.stringify({
    campaign: campaign.id,
    criteria: campaign.criteria,
    mailboxes: campaign.mailboxes,
    createdBy: campaign.createdBy,
    createdAt: campaign.createdAt,
    counts: campaign.counts,
    unreachable: campaign.unreachable,
  });
  await raw(`${head.slice(0, -1)},"matches":[\n`);
  let first = true;
  for await (const m of files.matches()) {
    await raw(`${first ? '' : ',\n'}${JSON.stringify(m)}`);
    first = false;
  }
  await raw('\n]}\n');
  await w.close();
}

/** Writes a purge's or restore's per-mailbox report. */
export async function writeMovesReport(
  files: CampaignFiles,
  name: string,
  body: { campaign: string; op: string; job: string; counts: MoveCounts; mailboxes: MailboxTally[] },
): Promise<void> {
  const out = createWriteStream(files.path(name), { flags: 'w' });
  const w = new LineWriter(out);
  await rawWrite(out, JSON.stringify(body, null, 1));
  await w.close();
}

async function rawWrite(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
}

export function reportFile(files: CampaignFiles, name: string, title: string): ResultFile {
  return { name: `${files.id}-${name}`, path: files.rel(name), title };
}

/**
 * `--dry-run` lines (behaviour.md 34): per mailbox, what would change — the count and, up to 20,
 * each mail's id and subject: `Dry run: would delete 1 email(s) in soc@x: AAMk… "Invoice"`.
 */
import type { Message } from './lookup';

export const DRY_RUN_LISTED = 20;

/** `what` reads after "would", e.g. `delete`, `move`, `mark … as junk` (use `{n}` for the count). */
export function dryRunLine(what: string, mailbox: string, mails: Message[], tail = ''): string {
  const head = `Dry run: would ${what.replace('{n}', `${mails.length} email(s)`)} in ${mailbox}${tail}`;
  if (!mails.length) return `${head}.`;
  const listed = mails.slice(0, DRY_RUN_LISTED).map((m) => `${m.id} "${(m.subject ?? '').replace(/\s+/g, ' ').trim()}"`);
  const more = mails.length > DRY_RUN_LISTED ? `, … and ${mails.length - DRY_RUN_LISTED} more` : '';
  return `${head}: ${listed.join(', ')}${more}`;
}

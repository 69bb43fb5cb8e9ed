/**
 * Mark Email as Junk / Not Junk (behaviour.md 13): the beta `markAsJunk` / `markAsNotJunk` actions
 * (https://learn.microsoft.com/graph/api/message-markasjunk?view=graph-rest-beta), which also add
 * the sender to / remove it from the blocked senders and move the mail to Junk Email / Inbox.
 */
import type { ActionContext } from '../kit/context';
import { reasonOf } from '../kit/errors';
import { failure, fill, success, type ActionResult } from '../kit/outcome';
import type { OutputMessages } from '../kit/spec';
import { GraphClient } from './client';
import { findMatching } from './criteria';
import { dryRunLine } from './dry-run';
import { resolveFolder } from './folders';
import type { Message } from './lookup';
import { batchSizeParam, failureReasons, forEachMailbox, listParam, mailboxList, type MailboxOutcome } from './mailboxes';

interface JunkWork {
  matched: Message[];
  marked: number;
  missingIds: string[];
  errors: string[];
}

/** The seed messages of Mark Email as Junk and of Mark Email as Not Junk: the same set, each with its own wording. */
export type JunkMessages = OutputMessages<'ok' | 'idMissing' | 'mailboxMissing', 'failed' | 'noEmails' | 'folderMissing'>;

export async function runJunk(
  ctx: ActionContext,
  params: Record<string, unknown>,
  seed: JunkMessages,
  op: 'markAsJunk' | 'markAsNotJunk',
): Promise<ActionResult> {
  const { failed, noEmails } = seed.failure;
  const mailIds = listParam(params['mail-ids'], /,/);
  const mailboxes = mailboxList(params['search-in-mailbox']);
  const folderName = String(params['folder-name']);
  if (!mailboxes.length) return failure(fill(failed, { ERROR_REASON: 'no mailbox given and the integration has no Default Mailbox.' }));
  if (!mailIds.length) return failure(noEmails);
  const graph = new GraphClient(ctx);

  const work = async (mailbox: string): Promise<JunkWork> => {
    const folder = await resolveFolder(graph, mailbox, folderName);
    const { messages, missingIds } = await findMatching(graph, mailbox, folder, { mailIds, onlyUnread: false }, { select: ['subject'] });
    if (ctx.job.dryRun) return { matched: messages, marked: 0, missingIds, errors: [] };
    const body = op === 'markAsJunk' ? { moveToJunk: true } : { moveToInbox: true };
    const settled = await Promise.allSettled(
      messages.map((m) => graph.call('POST', `beta/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(m.id)}/${op}`, body)),
    );
    const errors = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => reasonOf(s.reason));
    return { matched: messages, marked: settled.length - errors.length, missingIds, errors };
  };
  const outcomes = await forEachMailbox(ctx, mailboxes, batchSizeParam(params['how-many-mailboxes-to-process-in-a-single-batch']), work, 'Searched');
  return report(outcomes, { ...seed.success, ...seed.failure }, mailIds, ctx.job.dryRun, op);
}

interface JunkTexts {
  ok: string;
  idMissing: string;
  mailboxMissing: string;
  failed: string;
  noEmails: string;
  folderMissing: string;
}

function report(outcomes: MailboxOutcome<JunkWork>[], t: JunkTexts, mailIds: string[], dryRun: boolean, op: string): ActionResult {
  const done = outcomes.filter((o): o is Extract<MailboxOutcome<JunkWork>, { kind: 'done' }> => o.kind === 'done');
  const notFound = outcomes.filter((o) => o.kind === 'not-found').map((o) => fill(t.mailboxMissing, { MAILBOX: o.mailbox }));
  const folderLines = outcomes.flatMap((o) => (o.kind === 'folder-missing' ? [fill(t.folderMissing, { MAILBOX_FOLDER: o.folder, MAILBOX: o.mailbox })] : []));
  const matched = done.reduce((n, o) => n + o.value.matched.length, 0);
  const searchedIn = done.map((o) => o.mailbox).join(', ');
  const idLines =
    matched > 0
      ? mailIds
          .filter((id) => done.every((o) => o.value.missingIds.includes(id)))
          .map((id) => t.idMissing.replace('in MAILBOX.', `in ${searchedIn}.`).replace('with ID ID', `with ID ${id}`))
      : [];
  const actErrors = done.flatMap((o) => o.value.errors.map((e) => `${e} (mailbox ${o.mailbox})`));
  const errorLines = [...failureReasons(outcomes), ...new Set(actErrors)].map((r) => fill(t.failed, { ERROR_REASON: r }));
  const rest = [...idLines, ...notFound, ...folderLines, ...errorLines];

  if (dryRun && done.length) {
    const what = op === 'markAsJunk' ? 'mark {n} as junk' : 'mark {n} as not junk';
    const withMatches = done.filter((o) => o.value.matched.length);
    const lines = withMatches.length ? withMatches.map((o) => dryRunLine(what, o.mailbox, o.value.matched)) : [dryRunLine(what, searchedIn, [])];
    return success([...lines, ...rest].join('\n'));
  }
  const marked = done.reduce((n, o) => n + o.value.marked, 0);
  if (marked > 0) return success([t.ok, ...rest].join('\n'));
  const head = done.length && matched === 0 ? [t.noEmails] : [];
  return failure([...head, ...rest].join('\n') || t.noEmails);
}

/**
 * What Delete Email and Move Email To Folder share: find the matches in each mailbox (every page,
 * before changing anything, so paging is not disturbed by the changes), act on each match (or,
 * with --dry-run, only list them), and one report with the seed's messages (behaviour.md 3, 34, 38).
 */
import type { ActionContext } from '../kit/context';
import { reasonOf, UpstreamError } from '../kit/errors';
import { failure, fill, success, type ActionResult } from '../kit/outcome';
import type { GraphClient } from './client';
import { criteriaFrom, findMatching, type MailCriteria } from './criteria';
import type { ResolvedFolder } from './folders';
import type { Message } from './lookup';
import { batchSizeParam, failureReasons, forEachMailbox, mailboxCounts, mailboxList, type MailboxOutcome } from './mailboxes';
import { dryRunLine } from './dry-run';
import { readRecordedMatches, recordMatches } from './cleanup-record';

export interface MailboxWork {
  matched: Message[];
  /** Mails changed. */
  changed: number;
  missingIds: string[];
  /** One-line reasons of the mails that could not be changed. */
  errors: string[];
  dryRunTail?: string;
}

export interface CleanupTexts {
  /** The success message and the `MAILBOX: NUMBER` placeholder pair in it. */
  done: string;
  donePairs: string;
  mailboxMissing: string;
  noEmails: string;
  noMailboxes: string;
  failed: string;
  /** The folder message for a role (`source`/`destination`/undefined), with MAILBOX_NAME and MAILBOX_FOLDER. */
  folderMissing(role?: string): string;
  /** `delete {n}`, `move {n}` (see dryRunLine). */
  dryRunWhat: string;
}

export interface CleanupFolders {
  source: ResolvedFolder;
  destination?: ResolvedFolder;
  /** Extra words for the dry-run line (e.g. ` to Archive`). */
  tail?: string;
}

export interface CleanupRequest {
  ctx: ActionContext;
  graph: GraphClient;
  params: Record<string, unknown>;
  mailboxParam: string;
  texts: CleanupTexts;
  /** Resolves the folders of one mailbox (throws FolderNotFoundError / RoleFolderNotFoundError). */
  folders(mailbox: string): Promise<CleanupFolders>;
  /** Changes one mail. */
  act(mailbox: string, mail: Message, folders: CleanupFolders): Promise<void>;
  verb: string;
}

async function work(req: CleanupRequest, criteria: MailCriteria, mailbox: string): Promise<MailboxWork> {
  const folders = await req.folders(mailbox);
  const recorded = req.ctx.job.dryRun ? undefined : await readRecordedMatches(req.ctx, req.verb, mailbox);
  const { messages, missingIds } =
    recorded ?? (await findMatching(req.graph, mailbox, folders.source, criteria, { allPages: true, select: ['subject', 'receivedDateTime'] }));
  if (req.ctx.job.dryRun) return { matched: messages, changed: 0, missingIds, errors: [], dryRunTail: folders.tail };
  if (!recorded) await recordMatches(req.ctx, req.verb, mailbox, { messages, missingIds });
  const pending = recorded ? await stillInSource(req, mailbox, folders.source, messages) : messages;
  const settled = await Promise.allSettled(pending.map((m) => req.act(mailbox, m, folders)));
  settled.push(...messages.filter((m) => !pending.includes(m)).map((): PromiseFulfilledResult<void> => ({ status: 'fulfilled', value: undefined })));
  const errors = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => reasonOf(s.reason));
  return { matched: messages, changed: settled.length - errors.length, missingIds, errors };
}

/**
 * On a re-run, the recorded mails the run that died has not changed yet: a mail gone (404) or no
 * longer in the source folder was already deleted or moved, and must not be acted on again (a
 * second delete would purge it from Deleted Items).
 */
async function stillInSource(req: CleanupRequest, mailbox: string, source: ResolvedFolder, messages: Message[]): Promise<Message[]> {
  const user = `v1.0/users/${encodeURIComponent(mailbox)}`;
  const folder = await req.graph.call<{ id: string }>('GET', `${user}/mailFolders/${encodeURIComponent(source.id)}?$select=id`);
  const out: Message[] = [];
  for (const m of messages) {
    try {
      const now = await req.graph.call<{ parentFolderId?: string }>('GET', `${user}/messages/${encodeURIComponent(m.id)}?$select=parentFolderId`);
      if (now.parentFolderId === folder.id) out.push(m);
    } catch (err) {
      if (!(err instanceof UpstreamError && err.status === 404)) throw err;
    }
  }
  return out;
}

export async function runCleanup(req: CleanupRequest): Promise<ActionResult> {
  const t = req.texts;
  let criteria: MailCriteria;
  try {
    criteria = criteriaFrom(req.params);
  } catch (err) {
    return failure(fill(t.failed, { ERROR_REASON: reasonOf(err) }));
  }
  const mailboxes = mailboxList(req.params[req.mailboxParam]);
  if (!mailboxes.length) return failure(fill(t.failed, { ERROR_REASON: 'no mailbox given and the integration has no Default Mailbox.' }));
  const outcomes = await forEachMailbox(
    req.ctx,
    mailboxes,
    batchSizeParam(req.params['how-many-mailboxes-to-process-in-a-single-batch']),
    (mb) => work(req, criteria, mb),
    req.verb,
  );
  return report(outcomes, t, criteria, req.ctx.job.dryRun);
}

function report(outcomes: MailboxOutcome<MailboxWork>[], t: CleanupTexts, criteria: MailCriteria, dryRun: boolean): ActionResult {
  const done = outcomes.filter((o): o is Extract<MailboxOutcome<MailboxWork>, { kind: 'done' }> => o.kind === 'done');
  const notFound = outcomes.filter((o) => o.kind === 'not-found').map((o) => o.mailbox);
  if (notFound.length === outcomes.length) return failure(fill(t.noMailboxes, { MAILBOX_LIST: notFound.join(', ') }));

  const folderLines: string[] = [];
  const byRole = new Map<string, { folder: string; mailboxes: string[] }>();
  for (const o of outcomes) {
    if (o.kind !== 'folder-missing') continue;
    const key = `${o.role ?? ''}\n${o.folder}`;
    const entry = byRole.get(key) ?? { folder: o.folder, mailboxes: [] };
    entry.mailboxes.push(o.mailbox);
    byRole.set(key, entry);
    if (entry.mailboxes.length === 1) folderLines.push(key);
  }
  const folderMessages = folderLines.map((key) => {
    const e = byRole.get(key)!;
    return fill(t.folderMissing(key.split('\n')[0] || undefined), { MAILBOX_NAME: e.mailboxes.join(', '), MAILBOX_FOLDER: e.folder });
  });
  const notFoundLines = notFound.map((m) => fill(t.mailboxMissing, { MAILBOX: m }));
  const matched = done.reduce((n, o) => n + o.value.matched.length, 0);
  const unknownIds = criteria.mailIds.filter((id) => done.every((o) => o.value.missingIds.includes(id)));
  const idLines = matched > 0 ? unknownIds.map((id) => `Failed to find email with ID ${id}`) : [];
  const actErrors = new Map<string, string[]>();
  for (const o of done) for (const e of o.value.errors) actErrors.set(e, [...new Set([...(actErrors.get(e) ?? []), o.mailbox])]);
  const errorLines = [...failureReasons(outcomes), ...[...actErrors.entries()].map(([reason, boxes]) => `${reason} (mailbox(es): ${boxes.join(', ')})`)].map(
    (r) => fill(t.failed, { ERROR_REASON: r }),
  );
  const rest = [...notFoundLines, ...folderMessages, ...idLines, ...errorLines];

  if (dryRun && done.length) {
    const withMatches = done.filter((o) => o.value.matched.length);
    const lines = withMatches.length
      ? withMatches.map((o) => dryRunLine(t.dryRunWhat, o.mailbox, o.value.matched, o.value.dryRunTail ?? ''))
      : [dryRunLine(t.dryRunWhat, done.map((o) => o.mailbox).join(', '), [], done[0]?.value.dryRunTail ?? '')];
    return success([...lines, ...rest].join('\n'));
  }
  const changed = done.filter((o) => o.value.changed > 0);
  if (!changed.length) {
    const head = done.length && matched === 0 ? [t.noEmails] : [];
    const lines = [...head, ...rest];
    return failure(lines.join('\n') || t.noEmails);
  }
  const first = t.done.replace(t.donePairs, mailboxCounts(changed.map((o) => ({ mailbox: o.mailbox, count: o.value.changed }))));
  return success([first, ...rest].join('\n'));
}

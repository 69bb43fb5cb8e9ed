/**
 * The two wait actions' poll: on the first run find the sent mail and the folders, then on every
 * run look for replies, accept each recipient's first one that the exclude pattern lets through,
 * and either finish or hand the state to the next poll (ASYNC_POLL_MS later). A transient Graph
 * failure does not end a long wait: the next poll tries again and the status line says so.
 */
import type { ActionContext } from '../../kit/context';
import { reasonOf, UnreachableError, UpstreamError, UserError } from '../../kit/errors';
import { failure, fill, pending, type ActionOutcome, type ActionResult } from '../../kit/outcome';
import { GraphClient } from '../client';
import { resolveFolder } from '../folders';
import type { Message } from '../lookup';
import { listParam } from '../mailboxes';
import { senderOf } from '../mail-table';
import { sameAddress } from '../recipients';
import { compileExcludePattern, isExcluded, type ExcludePattern } from './exclude-pattern';
import { lookForReplies } from './find-replies';
import { ALL_OPTIONS, voteRef } from './options';
import { optionsInVoteMail, voteOf } from './parse-vote';
import { saveReplyAttachments } from './reply-attachments';
import { bodyText, newPart, oneLine } from './reply-text';
import { findSentMail, watchedMail } from './sent-message';
import { doneResult, silentRecipients, statusLine, timeoutResult, type WaitMessages } from './wait-result';
import type { WaitState, WatchedFolder } from './wait-state';

export interface WaitKind extends WaitMessages {
  /** `Failed to execute action, the error is: ERROR_REASON` */
  failed: string;
}

/** Excluded reply ids kept in the state (for the status line's count). */
const MAX_EXCLUDED = 50;

function transient(err: unknown): boolean {
  return err instanceof UnreachableError || (err instanceof UpstreamError && err.retryable);
}

async function resolveFolders(graph: GraphClient, mailbox: string, value: unknown, fallback: string): Promise<WatchedFolder[]> {
  const paths = listParam(value);
  const out: WatchedFolder[] = [];
  for (const path of paths.length ? paths : [fallback]) {
    const f = await resolveFolder(graph, mailbox, path);
    if (!out.some((x) => x.id === f.id)) out.push({ path: f.path, id: f.id });
  }
  return out;
}

/** The first run: the mailbox, the sent mail and the folders to watch. */
async function startWatching(graph: GraphClient, params: Record<string, unknown>, kind: WaitKind): Promise<WaitState> {
  // behaviour.md 11: the mailbox the question was sent from; Wait For Email From User has no mailbox
  // parameter, so that is the Default Mailbox.
  const given = kind.vote ? String(params['vote-mail-sent-from'] ?? '').trim() : '';
  const mailbox = given || graph.inst.defaultMailbox.trim();
  if (!mailbox) throw new UserError('No mailbox to look in: set the Default Mailbox of the integration.');
  const sentFolders = kind.vote ? await resolveFolders(graph, mailbox, params['folder-to-check-for-sent-mail'], 'Sent Items') : undefined;
  const sent = await findSentMail(graph, mailbox, String(params['mail-id'] ?? ''), sentFolders);
  const folders = await resolveFolders(graph, mailbox, params['folder-to-check-for-reply'], 'Inbox');
  const mail = watchedMail(mailbox, sent);
  if (kind.vote) {
    mail.ref = voteRef(mail.internetMessageId);
    const options = optionsInVoteMail(sent.body?.content ?? '', mail.ref);
    mail.options = options.length ? options : ALL_OPTIONS;
  }
  return { mail, folders, cursors: {}, replies: [], excluded: [], checks: 0 };
}

function addressList(m: Message): string {
  return [...(m.toRecipients ?? []), ...(m.ccRecipients ?? [])]
    .map((r) => r?.emailAddress?.address ?? '')
    .filter(Boolean)
    .join(', ');
}

function finished(state: WaitState, waitForAll: boolean): boolean {
  if (state.replies.length === 0) return false;
  return !waitForAll || silentRecipients(state).length === 0;
}

/** One look: accepts new replies into the state. */
async function check(
  ctx: ActionContext,
  graph: GraphClient,
  state: WaitState,
  exclude: ExcludePattern | null,
  params: Record<string, unknown>,
  kind: WaitKind,
): Promise<void> {
  const waitForAll = params['wait-for-all-recipients-to-reply'] !== false;
  const mail = state.mail;
  const look = await lookForReplies(graph, state);
  for (const m of look.replies) {
    if (finished(state, waitForAll)) break;
    const sender = senderOf(m);
    if (!sender || sameAddress(sender, mail.mailbox)) continue;
    // Only the recipients' answers count (a forwarded vote mail gives no one else a vote).
    const recipient = mail.recipients.length ? mail.recipients.find((r) => sameAddress(r, sender)) : sender;
    if (!recipient || state.replies.some((r) => sameAddress(r.recipient, recipient))) continue;
    if (isExcluded(exclude, m.body)) {
      if (!state.excluded.includes(m.id)) state.excluded = [...state.excluded, m.id].slice(-MAX_EXCLUDED);
      continue;
    }
    const text = newPart(bodyText(m.body));
    const files =
      params['fetch-response-attachments'] === true && m.hasAttachments ? await saveReplyAttachments(ctx, graph, mail.mailbox, m.id, recipient) : [];
    state.replies.push({
      recipient,
      id: m.id,
      receivedDateTime: m.receivedDateTime ?? '',
      sender,
      recipients: addressList(m),
      subject: m.subject ?? '',
      text: oneLine(text),
      ...(kind.vote ? { vote: voteOf({ subject: m.subject ?? '', text }, mail.ref, mail.options ?? ALL_OPTIONS) } : {}),
      files,
    });
  }
  state.cursors = { ...state.cursors, ...look.cursors };
}

export async function pollReplies(ctx: ActionContext, params: Record<string, unknown>, kind: WaitKind): Promise<ActionOutcome> {
  try {
    const exclude = compileExcludePattern(params['wait-stage-exclude-pattern']);
    const graph = new GraphClient(ctx);
    let state = ctx.state as WaitState | undefined;
    if (!state) {
      try {
        state = await startWatching(graph, params, kind);
      } catch (err) {
        if (!transient(err) || ctx.signal.aborted) throw err;
        return pending(undefined, `Could not read the sent mail yet (${reasonOf(err)}); trying again.`);
      }
    }
    state.checks++;
    try {
      await check(ctx, graph, state, exclude, params, kind);
      delete state.lastError;
    } catch (err) {
      if (!transient(err) || ctx.signal.aborted) throw err;
      state.lastError = reasonOf(err);
    }
    if (finished(state, params['wait-for-all-recipients-to-reply'] !== false)) return doneResult(state, kind);
    return pending(state, statusLine(state, kind));
  } catch (err) {
    return failure(fill(kind.failed, { ERROR_REASON: reasonOf(err) }));
  }
}

/** --timeout passed: the seed's timeout result from the last poll's state (behaviour.md 12). */
export function repliesAtTimeout(ctx: ActionContext, kind: WaitKind): ActionResult {
  return timeoutResult(ctx.state as WaitState | undefined, kind);
}

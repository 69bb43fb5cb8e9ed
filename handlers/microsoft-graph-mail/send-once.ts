/**
 * Sends a message exactly once, even when the job runs again after a crash or a request's answer
 * is lost (429/503 after Exchange already acted).
 *
 * Every outgoing message carries a client-made `internetMessageId` derived from the job (Graph lets
 * a draft set it). Before acting, the mailbox is asked for that id: already sent → done; a draft
 * from an earlier attempt → that draft is completed and sent; nothing → a new draft is created.
 * Creating the draft, adding attachments and sending are separate calls, so a retry of the whole
 * sequence never sends twice: the look-up in front of it sees what the last attempt left, and the
 * draft's attachments (name and size) tell which files are on it already.
 *
 * Not covered: two runs of the same job at the same instant (BullMQ's job lock prevents that).
 */
import { createHash } from 'node:crypto';
import type { ActionContext } from '../kit/context';
import { UnreachableError, UpstreamError } from '../kit/errors';
import { sleep } from '../kit/wait';
import type { GraphClient } from './client';
import type { FileToAttach } from './attachment-paths';
import type { Message } from './lookup';
import { attachFiles } from './upload-session';

/** Tries of the whole look-up → draft → send sequence on 429/5xx/unreachable. */
const MAX_TRIES = 6;
const MAX_BACKOFF_MS = 8000;
/** Exchange files the sent copy in Sent Items shortly after `send` answers 202. */
const SENT_COPY_WAIT_MS = 10_000;
/** After a 5xx on `send`, how long to look for the sent copy before trying again. */
const AMBIGUOUS_SEND_WAIT_MS = 3000;

export function mailboxPath(mailbox: string): string {
  return `v1.0/users/${encodeURIComponent(mailbox)}`;
}

/** `<chatsoar.{hash}@{sender domain}>`: the same for every run of one job, different across jobs. */
export function idempotentMessageId(ctx: ActionContext, action: string, mailbox: string): string {
  const hash = createHash('sha256')
    .update([ctx.environment, ctx.job.id, String(ctx.job.timeoutAt), action, mailbox.toLowerCase()].join('\n'))
    .digest('base64url')
    .slice(0, 32)
    .replace(/[-_]/g, 'x');
  const domain = mailbox.split('@')[1] || 'chatsoar.local';
  return `<chatsoar.${hash}@${domain}>`;
}

function transient(err: unknown): boolean {
  return err instanceof UnreachableError || (err instanceof UpstreamError && err.retryable);
}

function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Every copy of the message in the mailbox (a draft, or the sent item). */
async function copiesOf(graph: GraphClient, mailbox: string, internetMessageId: string): Promise<Message[]> {
  const filter = encodeURIComponent(`internetMessageId eq ${odataString(internetMessageId)}`);
  const page = await graph.call<{ value?: Message[] }>(
    'GET',
    `${mailboxPath(mailbox)}/messages?$filter=${filter}&$select=id,isDraft,internetMessageId,parentFolderId&$top=10`,
  );
  return page.value ?? [];
}

export interface SendOnceRequest {
  ctx: ActionContext;
  graph: GraphClient;
  mailbox: string;
  internetMessageId: string;
  /** Creates the draft carrying `internetMessageId` (createMessage, createReply, createForward…); returns it. */
  createDraft(internetMessageId: string): Promise<Message>;
  attachments: FileToAttach[];
}

/** Sends once; returns the sent message (every property) as it stands in the mailbox. */
export async function sendOnce(req: SendOnceRequest): Promise<Message> {
  const { ctx, graph, mailbox, internetMessageId } = req;
  for (let attempt = 1; ; attempt++) {
    try {
      const copies = await copiesOf(graph, mailbox, internetMessageId);
      const sent = copies.find((m) => m.isDraft === false);
      if (sent) {
        if (attempt > 1 || ctx.attempt > 0) ctx.log.info({ mailbox }, 'message already sent by an earlier attempt; not sending again');
        return await graph.call<Message>('GET', `${mailboxPath(mailbox)}/messages/${encodeURIComponent(sent.id)}`);
      }
      const draft = copies.find((m) => m.isDraft === true) ?? (await req.createDraft(internetMessageId));
      // What the draft has already (same name and size) is not attached again; big files go
      // through upload sessions (upload-session.ts).
      await attachFiles({
        ctx,
        graph,
        attachmentsPath: `${mailboxPath(mailbox)}/messages/${encodeURIComponent(draft.id)}/attachments`,
        files: req.attachments,
      });
      try {
        await graph.call('POST', `${mailboxPath(mailbox)}/messages/${encodeURIComponent(draft.id)}/send`);
      } catch (err) {
        // A 5xx or a lost answer may come after Exchange accepted the send: give the sent copy time
        // to appear before the next attempt decides. A 429 is refused before anything happens.
        if (transient(err) && !(err instanceof UpstreamError && err.status === 429)) {
          const sent = await waitForSent(req, AMBIGUOUS_SEND_WAIT_MS);
          if (sent) return sent;
        }
        throw err;
      }
      return (await waitForSent(req, SENT_COPY_WAIT_MS)) ?? { ...draft, internetMessageId, isDraft: false };
    } catch (err) {
      if (!transient(err) || attempt >= MAX_TRIES || ctx.signal.aborted) throw err;
      const wait = Math.min(300 * 2 ** (attempt - 1), MAX_BACKOFF_MS);
      ctx.log.warn({ mailbox, attempt, wait }, 'send interrupted by a transient error; checking the mailbox before trying again');
      await sleep(wait, ctx.signal);
    }
  }
}

/** The sent copy (every property), once Exchange has filed it; null after `waitMs`. */
async function waitForSent(req: SendOnceRequest, waitMs: number): Promise<Message | null> {
  const { ctx, graph, mailbox, internetMessageId } = req;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const sent = (await copiesOf(graph, mailbox, internetMessageId)).find((m) => m.isDraft === false);
    if (sent) return graph.call<Message>('GET', `${mailboxPath(mailbox)}/messages/${encodeURIComponent(sent.id)}`);
    if (Date.now() >= deadline) {
      if (waitMs === SENT_COPY_WAIT_MS) ctx.log.warn({ mailbox }, 'sent copy not found in the mailbox yet; reporting the draft id');
      return null;
    }
    await sleep(500, ctx.signal);
  }
}

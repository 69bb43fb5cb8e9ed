/**
 * The comma-separated mailbox lists of the seed's actions: processed in batches of "How many
 * mailboxes to process in a single batch" (progress is shown as batches finish), every batch at
 * once: what bounds the requests in flight is Graph's own limits, kept by the client's scheduler
 * (graph-batch.ts: 4 requests per mailbox, `$batch` of 20, the app's requests per 10 seconds).
 * One outcome per mailbox: done, not found, folder missing, or failed.
 */
import type { ActionContext } from '../kit/context';
import { reasonOf, UpstreamError } from '../kit/errors';
import { FolderNotFoundError } from './folders';

export const DEFAULT_MAILBOX_BATCH = 25;

export type MailboxOutcome<T> =
  | { mailbox: string; kind: 'done'; value: T }
  | { mailbox: string; kind: 'not-found' }
  | { mailbox: string; kind: 'folder-missing'; folder: string; role?: string }
  | { mailbox: string; kind: 'failed'; reason: string };

/** A folder missing in a mailbox, with its role where an action has two (source/destination). */
export class RoleFolderNotFoundError extends FolderNotFoundError {
  constructor(
    mailbox: string,
    folder: string,
    readonly role: string,
  ) {
    super(mailbox, folder);
  }
}

/** Graph's answers for a mailbox that does not exist or has no Exchange Online mailbox. */
export function isMailboxNotFound(err: unknown): boolean {
  return (
    err instanceof UpstreamError &&
    (err.status === 404 || err.status === 400) &&
    /^(ErrorInvalidUser|MailboxNotEnabledForRESTAPI|MailboxNotHostedInExchangeOnline|ErrorNonExistentMailbox|Request_ResourceNotFound|ResourceNotFound|ErrorMailboxNotFound)\b/.test(
      err.message,
    )
  );
}

/** A list parameter as typed (string[]) or as the instance gives it (one string). */
export function listParam(value: unknown, separators: RegExp = /[,;]/): string[] {
  const items = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(separators) : [];
  return items.map((s) => s.trim()).filter(Boolean);
}

/** Mailbox addresses, duplicates (any case) dropped, order kept. */
export function mailboxList(value: unknown): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const m of listParam(value, /[,;\s]+/)) {
    const key = m.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(m);
  }
  return out;
}

export function batchSizeParam(value: unknown): number {
  const n = Math.floor(Number(value));
  return Number.isFinite(n) && n >= 1 ? Math.min(n, 1000) : DEFAULT_MAILBOX_BATCH;
}

function outcomeOf<T>(mailbox: string, err: unknown): MailboxOutcome<T> {
  if (err instanceof RoleFolderNotFoundError) return { mailbox, kind: 'folder-missing', folder: err.folder, role: err.role };
  if (err instanceof FolderNotFoundError) return { mailbox, kind: 'folder-missing', folder: err.folder };
  if (isMailboxNotFound(err)) return { mailbox, kind: 'not-found' };
  return { mailbox, kind: 'failed', reason: reasonOf(err) };
}

/**
 * Runs `work` for every mailbox, `batchSize` mailboxes per batch, all batches at once (the Graph
 * client keeps Graph's limits). Outcomes come back in the order of `mailboxes`.
 */
export async function forEachMailbox<T>(
  ctx: ActionContext,
  mailboxes: string[],
  batchSize: number,
  work: (mailbox: string) => Promise<T>,
  verb = 'Processed',
): Promise<MailboxOutcome<T>[]> {
  const outcomes: MailboxOutcome<T>[] = new Array(mailboxes.length);
  await eachMailbox(
    ctx,
    mailboxes,
    batchSize,
    work,
    (o, i) => {
      outcomes[i] = o;
    },
    verb,
  );
  return outcomes;
}

/**
 * forEachMailbox that keeps no outcome: each is handed to `onOutcome` (with the mailbox's index)
 * as soon as it is in, in whatever order they come, so that what an action keeps of a mailbox is
 * only what its result needs (a search of thousands of mailboxes streams its matches to a file).
 */
export async function eachMailbox<T>(
  ctx: ActionContext,
  mailboxes: string[],
  batchSize: number,
  work: (mailbox: string, index: number) => Promise<T>,
  onOutcome: (outcome: MailboxOutcome<T>, index: number) => void,
  verb = 'Processed',
): Promise<void> {
  const total = mailboxes.length;
  const batches = Math.ceil(total / batchSize);
  const lanes = Math.max(1, batches);
  let next = 0;
  let done = 0;
  // One promise per batch, not one per mailbox and a Promise.all over them: a search of thousands
  // of mailboxes holds every mailbox's share in flight at once, and each promise costs memory.
  const batch = (first: number, end: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let left = end - first;
      let failed: { err: unknown } | undefined;
      const settle = (outcome: MailboxOutcome<T>, i: number): void => {
        try {
          onOutcome(outcome, i);
        } catch (err) {
          failed ??= { err };
        }
        if (--left > 0) return;
        if (failed) reject(failed.err);
        else resolve();
      };
      for (let i = first; i < end; i++) {
        const mailbox = mailboxes[i] as string;
        let started: Promise<T>;
        try {
          started = work(mailbox, i);
        } catch (err) {
          started = Promise.reject(err);
        }
        started.then(
          (value) => settle({ mailbox, kind: 'done', value }, i),
          (err: unknown) => settle(outcomeOf<T>(mailbox, err), i),
        );
      }
    });
  const lane = async (): Promise<void> => {
    // Each batch is started in a turn of the event loop of its own: the Graph client sends an
    // envelope as soon as it is full, so Graph is at work on the first batches while later ones
    // are being started, not only once thousands of mailboxes have been.
    if (lanes > 1) await new Promise((resolve) => setImmediate(resolve));
    while (next < batches) {
      if (ctx.signal.aborted) throw new Error('The job was cancelled.');
      const first = next++ * batchSize;
      const end = Math.min(first + batchSize, total);
      await batch(first, end);
      done += end - first;
      if (total > 1) await ctx.progress(done, total, `${verb} ${done} of ${total} mailboxes`).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

/** `a@x: 3, b@x: 1` (behaviour.md 3). */
export function mailboxCounts(items: Array<{ mailbox: string; count: number }>): string {
  return items.map((i) => `${i.mailbox}: ${i.count}`).join(', ');
}

/**
 * One line per distinct failure reason; the mailboxes are named unless every mailbox failed
 * alike (a bad secret fails them all with one reason). `total`: the mailboxes of the run, when
 * `outcomes` holds only some of them (the failed ones, in order).
 */
export function failureReasons(outcomes: MailboxOutcome<unknown>[], total = outcomes.length): string[] {
  const failed = outcomes.filter((o): o is Extract<MailboxOutcome<unknown>, { kind: 'failed' }> => o.kind === 'failed');
  const byReason = new Map<string, string[]>();
  for (const f of failed) byReason.set(f.reason, [...(byReason.get(f.reason) ?? []), f.mailbox]);
  return [...byReason.entries()].map(([reason, boxes]) => (boxes.length === total ? reason : `${reason} (mailbox(es): ${boxes.join(', ')})`));
}

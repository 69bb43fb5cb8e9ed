/**
 * The comma-separated mailbox lists of the seed's actions: processed MAILBOXES_IN_FLIGHT at once,
 * progress shown every "How many mailboxes to process in a single batch"; within that window what
 * bounds the requests in flight is Graph's own limits, kept by the client's scheduler
 * (graph-batch.ts: 4 requests per mailbox, `$batch` of 20, the app's requests per 10 seconds).
 * One outcome per mailbox: done, not found, folder missing, or failed.
 */
import type { ActionContext } from '../kit/context';
import { reasonOf, UpstreamError } from '../kit/errors';
import { FolderNotFoundError } from './folders';
import { GRAPH_APP_REQUESTS_PER_10S } from './graph-batch';

export const DEFAULT_MAILBOX_BATCH = 25;

/**
 * The round trip of a filtered mail query at Graph that the in-flight bound is sized for: when
 * Graph answers faster, the app's budget is what paces a search, not the bound; slower, the
 * bound lets through less than the budget would.
 */
const GRAPH_ROUND_TRIP_S = 0.2;

/**
 * Mailboxes worked on at once: what Graph's request budget per app (130,000 per 10 seconds, 13,000
 * a second) lets through in one round trip, 2,600. More in flight would only wait in the
 * scheduler for budget while holding memory (every mailbox in flight holds its request, a share of
 * a socket and its answer: 2–4 KB); fewer costs a round trip more per window (at 1,000, a search
 * of 10,000 mailboxes ran 1.2–1.4× of its floor with every mailbox in flight). Past it, memory is
 * flat in the mailbox count (bench/graph-search: 20,000 vs 10,000 mailboxes).
 */
export const MAILBOXES_IN_FLIGHT = Math.round((GRAPH_APP_REQUESTS_PER_10S / 10) * GRAPH_ROUND_TRIP_S);

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
 * Runs `work` for every mailbox, MAILBOXES_IN_FLIGHT at once (the Graph client keeps Graph's
 * limits), with progress every `batchSize` mailboxes. Outcomes come back in the order of
 * `mailboxes`.
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
  if (total === 0) return;
  const window = Math.min(total, MAILBOXES_IN_FLIGHT);
  let next = 0;
  let inFlight = 0;
  let done = 0;
  let reportAt = Math.min(batchSize, total);
  // Progress lines in the order they were reached, all written before the run is over.
  let reported: Promise<void> = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    // After a failure nothing new starts and no outcome is handed over; the run rejects once what
    // was in flight has settled, so nothing of it is still at work when the action is over.
    let failure: { err: unknown } | undefined;
    const finish = (): void => {
      if (inFlight > 0) return;
      if (failure) reject(failure.err);
      else resolve();
    };
    // A mailbox answered makes room for the next: a whole `$batch` answered at once starts the
    // next twenty in the same tick, which the Graph client sends as one full envelope.
    const settle = (outcome: MailboxOutcome<T>, i: number): void => {
      inFlight--;
      done++;
      if (!failure) {
        try {
          onOutcome(outcome, i);
        } catch (err) {
          failure = { err };
        }
      }
      if (!failure && total > 1 && done >= reportAt) {
        const reached = done;
        reportAt = Math.min(reportAt + batchSize, total);
        reported = reported.then(() => ctx.progress(reached, total, `${verb} ${reached} of ${total} mailboxes`).catch(() => undefined));
      }
      start();
    };
    const start = (): void => {
      if (!failure && next < total && ctx.signal.aborted) failure = { err: new Error('The job was cancelled.') };
      while (!failure && inFlight < window && next < total) {
        const i = next++;
        const mailbox = mailboxes[i] as string;
        inFlight++;
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
      finish();
    };
    start();
  });
  await reported;
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

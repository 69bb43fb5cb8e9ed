/**
 * One cycle of an Office 365 Management API connector: the windows from the checkpoint to now,
 * each listed page by page (`NextPageUri`), its content blobs downloaded a few at a time and
 * read in order, one blob in memory per download slot. Events become alerts (or are filtered)
 * and are handed to the channel until Max events to fetch; a blob whose events were all handed
 * over is marked done, a window whose blobs are all done moves the checkpoint past it.
 */
import { UpstreamError } from '../../kit/errors';
import type { Alert, ConnectorContext, PostResult, ScheduleRunSummary } from '../../kit/schedule';
import { blobEvents, ManagementClient, type BlobContent, type ContentRef } from '../client';
import { planWindows } from './windows';

/** Blobs downloaded at once (the API throttles per tenant; a few in flight keep the pipe full). */
export const BLOB_CONCURRENCY = 4;
/**
 * Blobs read and waiting to be handed over, or being handed over (each holds its events). Each
 * hand-over waits for its round trip to Redis (the ids staged or checked): a few read ahead keep
 * the parsing going meanwhile.
 */
const DELIVERIES_AHEAD = 4;

export interface FeedCheckpoint {
  /** Start of the first window not yet fully read (epoch ms). */
  start: number;
}

export interface FeedOptions {
  contentType: 'DLP.All' | 'Audit.General';
  /** The alert for an event, or null when a filter drops it. */
  toAlert(event: Record<string, unknown>): Alert | null;
}

type Fetched = ({ ref: ContentRef } & BlobContent) | { ref: ContentRef; error: unknown };

/**
 * Downloads blobs with bounded concurrency and yields them in listing order, each parsed when its
 * turn comes (the ones waiting stay bytes).
 */
async function* blobsInOrder(client: ManagementClient, refs: ContentRef[], signal: AbortSignal): AsyncGenerator<Fetched> {
  const inflight: Array<Promise<{ ref: ContentRef; text: Buffer } | { ref: ContentRef; error: unknown }>> = [];
  let next = 0;
  const start = (): void => {
    const ref = refs[next++]!;
    inflight.push(
      client.blobText(ref.contentUri).then(
        (text) => ({ ref, text }),
        (error: unknown) => ({ ref, error }),
      ),
    );
  };
  while (next < refs.length && inflight.length < BLOB_CONCURRENCY) start();
  while (inflight.length) {
    const item = await inflight.shift()!;
    if (next < refs.length && !signal.aborted) start();
    if ('error' in item) yield item;
    else {
      let content: BlobContent;
      try {
        content = blobEvents(item.text);
      } catch (error) {
        yield { ref: item.ref, error };
        continue;
      }
      yield { ref: item.ref, ...content };
    }
  }
}

/** A blob read: its alerts (filtered events left out) and, when they are its events unchanged, its JSON text. */
interface ReadBlob {
  ref: ContentRef;
  events: number;
  alerts: Alert[];
  /** The blob's text when the alerts' events are the blob's, every one, unchanged (a digest copies it). */
  json: Buffer | null;
}

function alertsOf(item: { ref: ContentRef; events: Array<Record<string, unknown>>; json: Buffer | null }, toAlert: FeedOptions['toAlert']): ReadBlob {
  const alerts: Alert[] = [];
  let asRead = item.json !== null;
  for (const event of item.events) {
    const alert = toAlert(event);
    if (alert) {
      alerts.push(alert);
      asRead &&= alert.event === event;
    }
  }
  asRead &&= alerts.length === item.events.length;
  return { ref: item.ref, events: item.events.length, alerts, json: asRead ? item.json : null };
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof UpstreamError && err.message.startsWith(`${code}:`);
}

export async function runFeedCycle(ctx: ConnectorContext, params: Record<string, unknown>, opts: FeedOptions): Promise<ScheduleRunSummary> {
  const client = new ManagementClient({ environment: ctx.environment, instance: ctx.instance, http: ctx.http, signal: ctx.signal, files: ctx.files });
  const max = Number(params['max-events-to-fetch']);
  const checkpoint = await ctx.checkpoint.get<FeedCheckpoint>();
  const windows = planWindows({
    now: Date.now(),
    checkpoint: checkpoint?.start,
    maxHoursBackwards: Number(params['fetch-max-hours-backwards']),
    intervalMinutes: Number(params['fetch-backwards-time-interval-minutes']),
    paddingMinutes: Number(params['events-padding-period-minutes']),
  });
  const summary = { fetched: 0, filtered: 0, complete: true };
  let taken = 0;

  for (const w of windows) {
    const refs: ContentRef[] = [];
    try {
      let page = await client.listContent(opts.contentType, new Date(w.start), new Date(w.end));
      refs.push(...page.blobs);
      while (page.next && !ctx.signal.aborted) {
        page = await client.nextPage(page.next);
        refs.push(...page.blobs);
      }
    } catch (err) {
      if (!isCode(err, 'AF20022')) throw err;
      // behaviour.md 24: one warning while the subscription is missing, not one per cycle.
      await ctx.warnChannelOnce(
        'subscription',
        `Connector ${ctx.name}: there is no ${opts.contentType} subscription in the O365 Management API. Run: soar o365 start-a-subscription --start-a-subscription-for ${opts.contentType}`,
      );
      return { ...summary, complete: false, note: `no ${opts.contentType} subscription` };
    }
    await ctx.clearWarning('subscription');
    if (ctx.signal.aborted) return { ...summary, complete: false };

    const done = await ctx.dedup.has(
      refs.map((r) => r.contentId),
      'blob',
    );
    const todo = refs.filter((_, i) => !done[i]);
    /**
     * Alerts of the blobs queued for hand-over whose hand-over has not ended (each takes at most
     * its alerts.length: duplicates are not taken), and how many of those blobs post in their turn.
     */
    let reserved = 0;
    let inTurn = 0;
    /**
     * Hands a blob's alerts to the channel until Max events to fetch, then marks the blob done;
     * false when the cycle stops there (the limit, or the cycle aborted). `posting`: the blob's
     * alerts posted whole already.
     */
    const deliver = async (blob: ReadBlob, posting?: Promise<PostResult>): Promise<boolean> => {
      summary.fetched += blob.events;
      summary.filtered += blob.events - blob.alerts.length;
      let i = 0;
      if (posting) {
        taken += (await posting).accepted;
        i = blob.alerts.length;
      }
      while (i < blob.alerts.length && taken < max) {
        const chunk = blob.alerts.slice(i, i + (max - taken));
        const whole = blob.json && chunk.length === blob.alerts.length ? blob.json : null;
        taken += (await ctx.post(chunk, whole ? { json: whole } : undefined)).accepted;
        i += chunk.length;
      }
      // Only now (a failure leaves them counted: nothing more is posted ahead).
      reserved -= blob.alerts.length;
      if (!posting) inTurn--;
      if (i < blob.alerts.length) return false;
      ctx.dedup.add([blob.ref.contentId], 'blob');
      return !ctx.signal.aborted;
    };
    let windowDone = true;
    // Blobs are handed over one after the other, in order, while the next ones are parsed and
    // their alerts built: at most DELIVERIES_AHEAD handed over or waiting their turn. A blob is
    // posted at once, before the ones before it return (the channel keeps posts in the order
    // called; their Redis round trips overlap), when every blob before it has posted already and
    // it fits under Max events to fetch even if all their alerts are taken; otherwise it posts in
    // its turn, after them, cut at the limit. Each settles either way, so that a failure waits,
    // handled, until the loop asks for it.
    const queued: Array<Promise<{ ok: boolean } | { err: unknown }>> = [];
    let last: Promise<boolean> = Promise.resolve(true);
    const delivered = async (keep: number): Promise<boolean> => {
      let ok = true;
      while (queued.length > keep) {
        const result = await queued.shift()!;
        if ('err' in result) throw result.err;
        ok &&= result.ok;
      }
      return ok;
    };
    try {
      for await (const item of blobsInOrder(client, todo, ctx.signal)) {
        if ('error' in item) {
          if (!(await delivered(0))) {
            windowDone = false;
            break;
          }
          if (isCode(item.error, 'AF20051') || isCode(item.error, 'AF20050')) {
            // Expired or gone: nothing left to read there.
            ctx.log.warn({ contentId: item.ref.contentId, err: item.error }, 'content blob skipped');
            ctx.dedup.add([item.ref.contentId], 'blob');
            continue;
          }
          if (ctx.signal.aborted) return { ...summary, complete: false };
          throw item.error;
        }
        const blob = alertsOf(item, opts.toAlert);
        if (!(await delivered(DELIVERIES_AHEAD - 1))) {
          windowDone = false;
          break;
        }
        const ahead = inTurn === 0 && taken + reserved + blob.alerts.length <= max && !ctx.signal.aborted;
        const posting = ahead ? ctx.post(blob.alerts, blob.json ? { json: blob.json } : undefined) : undefined;
        reserved += blob.alerts.length;
        if (!ahead) inTurn++;
        // After the one before it, and only if that one did not stop the cycle (a blob posted
        // already is then left for the next cycle to read again: its alerts are taken, and
        // recognised there as taken).
        last = last.then((ok) => (ok ? deliver(blob, posting) : false));
        const settled = last.then(
          (ok) => ({ ok }),
          (err: unknown) => ({ err }),
        );
        // A blob posted already has finished posting, whatever came of the ones before it.
        queued.push(
          posting
            ? posting.then(
                () => settled,
                () => settled,
              )
            : settled,
        );
      }
    } catch (err) {
      // The blobs being handed over finish first: nothing is posted once the cycle has failed.
      await Promise.all(queued);
      throw err;
    }
    if (!(await delivered(0))) windowDone = false;
    if (!windowDone) return { ...summary, complete: false };
    ctx.checkpoint.set<FeedCheckpoint>({ start: w.end });
  }
  return summary;
}

/**
 * One cycle of an Office 365 Management API connector: the windows from the checkpoint to now,
 * each listed page by page (`NextPageUri`), its content blobs downloaded a few at a time and
 * read in order, one blob in memory per download slot. Events become alerts (or are filtered)
 * and are handed to the channel until Max events to fetch; a blob whose events were all handed
 * over is marked done, a window whose blobs are all done moves the checkpoint past it.
 */
import { UpstreamError } from '../../kit/errors';
import type { Alert, ConnectorContext, ScheduleRunSummary } from '../../kit/schedule';
import { ManagementClient, type ContentRef } from '../client';
import { planWindows } from './windows';

/** Blobs downloaded at once (the API throttles per tenant; a few in flight keep the pipe full). */
export const BLOB_CONCURRENCY = 4;

export interface FeedCheckpoint {
  /** Start of the first window not yet fully read (epoch ms). */
  start: number;
}

export interface FeedOptions {
  contentType: 'DLP.All' | 'Audit.General';
  /** The alert for an event, or null when a filter drops it. */
  toAlert(event: Record<string, unknown>): Alert | null;
}

type Fetched = { ref: ContentRef; events: Array<Record<string, unknown>>; json: Buffer | null } | { ref: ContentRef; error: unknown };

/** Downloads blobs with bounded concurrency and yields them in listing order. */
async function* blobsInOrder(client: ManagementClient, refs: ContentRef[], signal: AbortSignal): AsyncGenerator<Fetched> {
  const inflight: Array<Promise<Fetched>> = [];
  let next = 0;
  const start = (): void => {
    const ref = refs[next++]!;
    inflight.push(
      client.blobContent(ref.contentUri).then(
        ({ events, json }) => ({ ref, events, json }),
        (error: unknown) => ({ ref, error }),
      ),
    );
  };
  while (next < refs.length && inflight.length < BLOB_CONCURRENCY) start();
  while (inflight.length) {
    const item = await inflight.shift()!;
    if (next < refs.length && !signal.aborted) start();
    yield item;
  }
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
    let windowDone = true;
    for await (const item of blobsInOrder(client, todo, ctx.signal)) {
      if ('error' in item) {
        if (isCode(item.error, 'AF20051') || isCode(item.error, 'AF20050')) {
          // Expired or gone: nothing left to read there.
          ctx.log.warn({ contentId: item.ref.contentId, err: item.error }, 'content blob skipped');
          ctx.dedup.add([item.ref.contentId], 'blob');
          continue;
        }
        if (ctx.signal.aborted) return { ...summary, complete: false };
        throw item.error;
      }
      summary.fetched += item.events.length;
      const alerts: Alert[] = [];
      // Whether the alerts' events are the blob's, every one, unchanged (a digest copies its text).
      let asRead = item.json !== null;
      for (const event of item.events) {
        const alert = opts.toAlert(event);
        if (alert) {
          alerts.push(alert);
          asRead &&= alert.event === event;
        } else summary.filtered++;
      }
      asRead &&= alerts.length === item.events.length;
      let i = 0;
      while (i < alerts.length && taken < max) {
        const chunk = alerts.slice(i, i + (max - taken));
        const whole = asRead && chunk.length === alerts.length && item.json;
        taken += (await ctx.post(chunk, whole ? { json: whole } : undefined)).accepted;
        i += chunk.length;
      }
      if (i < alerts.length) {
        windowDone = false;
        break;
      }
      ctx.dedup.add([item.ref.contentId], 'blob');
      if (ctx.signal.aborted) {
        windowDone = false;
        break;
      }
    }
    if (!windowDone) return { ...summary, complete: false };
    ctx.checkpoint.set<FeedCheckpoint>({ start: w.end });
  }
  return summary;
}

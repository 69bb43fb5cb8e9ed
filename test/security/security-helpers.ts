/** Small helpers shared by the security suite: queue totals and Slack entity unescaping. */
import type { Harness } from '../helpers/harness';

/** Jobs in every BullMQ queue of the runtime (actions, outbox, connectors, maintenance, approvals). */
export async function allJobs(h: Harness): Promise<number> {
  const q = h.runtime.queues;
  const counts = await Promise.all([q.actions, q.outbox, q.connectors, q.maintenance, q.approvals].map((queue) => queue.getJobCounts()));
  return counts.flatMap((c) => Object.values(c)).reduce((a, b) => a + b, 0);
}

export function unescapeSlack(text: unknown): string {
  return String(text ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `width` in flight. */
export async function pool<T, R>(items: T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

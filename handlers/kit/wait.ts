/** Waiting between retries: an abortable sleep and how long a 429/503 asks to wait. */

const MAX_RETRY_WAIT_MS = 60_000;

/** Resolves after `ms`, or rejects with "Cancelled." as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('Cancelled.'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new Error('Cancelled.'));
      },
      { once: true },
    );
  });
}

/**
 * The one reading of Retry-After: seconds or an HTTP date, at most `capMs` (a minute unless the
 * caller says less); without it, a backoff doubling from 250 ms (`attempt` 0) to 8 s.
 */
export function retryAfterMs(headers: Record<string, string>, attempt: number, capMs = MAX_RETRY_WAIT_MS): number {
  const raw = headers['retry-after'];
  const seconds = raw !== undefined ? Number(raw) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, capMs);
  const date = raw ? Date.parse(raw) : NaN;
  if (Number.isFinite(date)) return Math.min(Math.max(0, date - Date.now()), capMs);
  return Math.min(250 * 2 ** attempt, 8000, capMs);
}

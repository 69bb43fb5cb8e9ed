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

/** Retry-After in seconds or as an HTTP date (at most a minute), else exponential backoff from 250 ms to 8 s. */
export function retryAfterMs(headers: Record<string, string>, attempt: number): number {
  const raw = headers['retry-after'];
  const seconds = raw !== undefined ? Number(raw) : NaN;
  if (Number.isFinite(seconds)) return Math.min(seconds * 1000, MAX_RETRY_WAIT_MS);
  const date = raw ? Date.parse(raw) : NaN;
  if (Number.isFinite(date)) return Math.min(Math.max(0, date - Date.now()), MAX_RETRY_WAIT_MS);
  return Math.min(250 * 2 ** attempt, 8000);
}

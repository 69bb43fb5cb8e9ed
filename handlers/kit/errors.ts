/**
 * The errors handlers throw, by what went wrong; callers branch on the class (`instanceof`).
 * None is retried by the queue: queue/actions.worker.ts turns whatever an action throws into its
 * failed result, once, with `reasonOf`. Retrying is decided inside an action (UpstreamError's
 * `retryable`, UnreachableError) or by http.ts for 429/5xx.
 */
export class ClassifiedError extends Error {}

/** Bad input: wrong parameter, unknown mailbox or folder, invalid JSON. Reply, do not retry. */
export class UserError extends ClassifiedError {}

/** A remote 4xx/5xx, with the remote's own one-line reason. */
export class UpstreamError extends ClassifiedError {
  constructor(
    message: string,
    readonly status: number,
    readonly remoteCode?: string,
  ) {
    super(message);
  }
  /** 429 and 5xx are worth retrying; other 4xx are permanent. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** Connection refused, DNS failure, TLS failure, timeout. */
export class UnreachableError extends ClassifiedError {}

/** Refused by policy before a byte is sent (SSRF guard, role check). */
export class RefusedError extends ClassifiedError {}

/** A one-line reason for any thrown value, never a stack trace (behaviour.md 1). */
export function reasonOf(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
  const line = (raw ?? 'unknown error')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' ');
  return line.length > 500 ? `${line.slice(0, 497)}...` : line || 'unknown error';
}

/**
 * One coded error taxonomy. User errors are replied to at once and never retried; upstream
 * errors carry the remote status; job-control errors tell the queue whether to retry.
 */
export enum ErrorCode {
  User = 'user',
  NotAvailable = 'not_available',
  Upstream = 'upstream',
  Throttled = 'throttled',
  Unreachable = 'unreachable',
  Refused = 'refused',
}

export abstract class CodedError extends Error {
  abstract readonly code: ErrorCode;
}

/** Bad input: wrong parameter, unknown mailbox or folder, invalid JSON. Reply, do not retry. */
export class UserError extends CodedError {
  readonly code = ErrorCode.User;
}

/** The action exists in the catalogue but its `run` comes in a later release. */
export class NotAvailableError extends CodedError {
  readonly code = ErrorCode.NotAvailable;
}

/** A remote 4xx/5xx, with the remote's own one-line reason. */
export class UpstreamError extends CodedError {
  readonly code = ErrorCode.Upstream;
  constructor(message: string, readonly status: number, readonly remoteCode?: string) {
    super(message);
  }
  /** 429 and 5xx are worth retrying; other 4xx are permanent. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** Connection refused, DNS failure, TLS failure, timeout. */
export class UnreachableError extends CodedError {
  readonly code = ErrorCode.Unreachable;
}

/** Refused by policy before a byte is sent (SSRF guard, role check). */
export class RefusedError extends CodedError {
  readonly code = ErrorCode.Refused;
}

/** A one-line reason for any thrown value, never a stack trace (behaviour.md 1). */
export function reasonOf(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
  const line = (raw ?? 'unknown error').split('\n').map((s) => s.trim()).filter(Boolean).join(' ');
  return line.length > 500 ? `${line.slice(0, 497)}...` : line || 'unknown error';
}

/** What every action's `run` gets (built by createActionContext): its environment's instance, an HTTP layer, a logger and helpers. */
import type { Logger } from 'pino';
import type { HttpClient } from './http';

export interface ActionContext {
  /** Environment name, e.g. `prod`. */
  environment: string;
  /** The integration instance's parameters (secrets decrypted, in memory only), keyed by param id. */
  instance: Record<string, unknown>;
  /** Timeouts, Verify SSL, 429/5xx retries with Retry-After, redaction. */
  http: HttpClient;
  log: Logger;
  /** Reports progress; the outbox coalesces updates into the chat message. */
  progress(done: number, total: number, text?: string): Promise<void>;
  /** Files root (behaviour.md 6) for this job: its environment's own, FILES_DIR/<environment>/. */
  files: FileStore;
  /** State returned by the previous poll of an async action; undefined on the first run. */
  state?: unknown;
  /** Polls so far (0 on first run). */
  attempt: number;
  /**
   * Aborted when the job is cancelled (`soar cancel`) or its worker shuts down, or when a Ping
   * testing settings runs out of time; pass it to every request so that one in flight stops.
   */
  signal: AbortSignal;
  /** Stores a secret-valued instance parameter (e.g. a rotated refresh token), encrypted. */
  saveInstanceParam(id: string, value: string): Promise<void>;
  /**
   * The environment's SSRF allow-list (behaviour.md 30): the origins of every configured root and
   * endpoint of its integrations plus its `http-allow-list`.
   */
  allowList?: string[];
  /** Public base URL (contract.md §2 PUBLIC_URL). */
  publicUrl: string;
  /** Job metadata: who asked and where, and who approved it (four-eyes). */
  job: { id: string; requestedBy: string; conversationId: string; dryRun: boolean; timeoutAt: number; approvedBy?: string };
}

export interface FileStore {
  /** The environment's files root (absolute); nothing outside it is reachable. */
  root: string;
  /**
   * Resolves a user-given path inside the root; throws UserError when it leaves it (behaviour.md 32).
   * A bare file name that names nothing in the root resolves to the file of that name the bot
   * posted in the thread the command was typed in (behaviour.md 6), checked the same way.
   */
  resolve(userPath: string): string;
  /** Writes bytes under the job's folder; returns the path relative to the root. */
  write(name: string, data: Buffer | string): Promise<string>;
}

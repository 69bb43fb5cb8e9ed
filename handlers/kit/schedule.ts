/**
 * What a connector cycle or a job run gets (contract.md §5, behaviour.md 4, 18, 24, 29, 33). The
 * runtime (queue/connectors.worker.ts) builds it; connectors and jobs never touch Redis, BullMQ or
 * a chat SDK. Exactly once: what a connector hands to `post`, marks with `dedup.add` or stages
 * with `checkpoint.set` is committed together when the cycle ends (or stops at its time bound),
 * alerts first, checkpoint last.
 */
import type { Logger } from 'pino';
import type { ActionContext, FileStore } from './context';
import { createActionContext } from './create-context';
import type { HttpClient } from './http';
import type { ResultTable } from './outcome';

/** A chat command offered as a button on the alert card (run as if typed, roles checked). */
export interface AlertButton {
  title: string;
  /** e.g. `graphmail search-emails --search-in-mailbox a@b --mail-ids X` */
  command: string;
  style?: 'positive' | 'destructive' | 'default';
  /** Open the run form prefilled with `command` (behaviour.md 39) instead of running it: the analyst adjusts it first. */
  form?: boolean;
}

/** One alert: one source event (behaviour.md 33), posted once as a card. */
export interface Alert {
  /** The source event's id: the dedup key, unique within the connector. */
  id: string;
  /** Alert name: the template's, or the default (behaviour.md 18). */
  name: string;
  /** When the source event happened (ISO 8601). */
  time?: string;
  product?: string;
  /** The Event Field Name's value (subtype). */
  eventName?: string;
  /** What matched: DLP policy and rule, Audit Operation and Workload, mail sender and subject. */
  rule?: string;
  /** Who: the user, mailbox or sender the event is about. */
  who?: string;
  severity?: string;
  /** Environment label (Environment Field Name / Regex Pattern); shown, never routed on. */
  environment?: string;
  /** Case Name Template's result (`custom_case_name`). */
  caseName?: string;
  facts?: Array<{ title: string; value: string }>;
  tables?: ResultTable[];
  /** The full source event, attached as JSON. */
  event: unknown;
  buttons?: AlertButton[];
  /** Extra files linked from the card (e.g. the original EML). */
  attachments?: Array<{ name: string; data: Buffer | string; title?: string }>;
}

/**
 * What `post`'s alerts were read from, when each alert's `event` is, in order and unchanged, the
 * element of this JSON array text: a digest copies the text instead of writing each event again.
 */
export interface PostSource {
  json: Buffer;
}

export interface PostResult {
  /** New alerts taken into this cycle. */
  accepted: number;
  /** Alerts dropped because an earlier cycle (or this one) already has them. */
  duplicates: number;
}

/** What a cycle or job run reports (logged). */
export interface ScheduleRunSummary {
  /** Source events read. */
  fetched?: number;
  /** Events dropped by filters, exclude patterns or rules. */
  filtered?: number;
  /** False when the cycle stopped at Max events / Script Timeout with more left to read. */
  complete?: boolean;
  /** One line, e.g. which environments a job renewed. */
  note?: string;
}

export interface ScheduleBase {
  /** Environment the connector or job is configured in. */
  environment: string;
  /** The connector's or job's configured name. */
  name: string;
  http: HttpClient;
  log: Logger;
  /** Aborted at the cycle's time bound (Script Timeout) or when the worker shuts down. */
  signal: AbortSignal;
  /** Epoch ms at which `signal` aborts because of the time bound. */
  deadline: number;
  /** Files root, in this connector's or job's own folder. */
  files: FileStore;
  publicUrl: string;
  /** One line to the environment's admin channel (contract.md §5 admin-channel). */
  warnAdmin(text: string): Promise<void>;
}

export interface ConnectorContext extends ScheduleBase {
  /**
   * The environment's integration instance (defaults filled, secrets opened) with the
   * connector's own connection parameters laid over it (behaviour.md 17).
   */
  instance: Record<string, unknown>;
  /** Channel id the alerts go to, e.g. `slack:C0123`. */
  channel: string;
  /** Connector rules (behaviour.md 19). */
  rules: { whitelist: string[]; blacklist: string[]; dynamicList: string[] };
  /** Opaque per-connector progress; `set` is applied only after this cycle's alerts are queued. */
  checkpoint: {
    get<T>(): Promise<T | undefined>;
    set<T>(value: T): void;
  };
  /** Ids processed by earlier cycles, in named sets (e.g. `blob`), kept longer than any look-back. */
  dedup: {
    has(keys: string[], set: string): Promise<boolean[]>;
    /** Marked when this cycle commits. */
    add(keys: string[], set: string): void;
  };
  /** Hands alerts to the channel: duplicates dropped, a flood grouped into one digest (behaviour.md 18). */
  post(alerts: Alert[], source?: PostSource): Promise<PostResult>;
  /** Runs after this cycle's alerts are safely queued (e.g. Mark Emails as Read). */
  afterCommit(fn: () => Promise<void>): void;
  /** One warning to the connector's channel while `key`'s condition lasts (behaviour.md 24). */
  warnChannelOnce(key: string, text: string): Promise<void>;
  /** The condition of `key` is over: a later occurrence warns again. */
  clearWarning(key: string): Promise<void>;
}

/** A job gets what a connector gets (its channel: the admin channel) and the environments. */
export interface JobContext extends ConnectorContext {
  /** Environments as a job sees them (the renewal job works across environments, behaviour.md 29). */
  environments: {
    list(): Promise<string[]>;
    /** An integration instance with defaults filled and secrets opened (in memory only). */
    instance(env: string, integration: string): Promise<Record<string, unknown>>;
    /** Stores one instance parameter (sealed when secret) at once. */
    saveInstanceParam(env: string, integration: string, id: string, value: string): Promise<void>;
    /** One line to that environment's admin channel. */
    warnAdmin(env: string, text: string): Promise<void>;
  };
}

/**
 * An ActionContext over a schedule context, for clients written for actions (they read
 * `instance`, `http`, `signal`, `files`, `log`). Progress is not shown for schedules.
 */
export function actionContextOf(
  ctx: ScheduleBase & { instance: Record<string, unknown> },
  saveInstanceParam?: (id: string, value: string) => Promise<void>,
): ActionContext {
  return createActionContext({
    environment: ctx.environment,
    instance: ctx.instance,
    http: ctx.http,
    log: ctx.log,
    files: ctx.files,
    signal: ctx.signal,
    saveInstanceParam,
    publicUrl: ctx.publicUrl,
    job: { id: ctx.name, requestedBy: `schedule:${ctx.name}`, conversationId: '', dryRun: false, timeoutAt: ctx.deadline },
  });
}

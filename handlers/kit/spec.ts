/**
 * The declarative catalogue: one spec per integration, action, connector and job of the seeds.
 * The parser, help, forms, config keys, docs and tests all read these specs.
 */
import type { ActionContext, FileStore } from './context';
import type { ActionOutcome, ActionResult } from './outcome';
import type { ConnectorContext, JobContext, ScheduleRunSummary } from './schedule';

export type IntegrationId = 'azure-api' | 'microsoft-graph-mail' | 'o365-management-api';

/**
 * How a value is typed in chat and validated:
 * - string: free text; password: free text, secret (never shown back)
 * - boolean: `--flag` / `--flag=false`; integer: whole number
 * - list: comma-separated strings (kept as string[])
 * - json: JSON text (parsed)
 * - enum: one of `options` (matched case-insensitively, stored as written in `options`)
 * - email: one address; email-list: comma-separated addresses (string[])
 * - url: http(s) URL
 * - code: HTML or other multi-line content kept verbatim
 */
export type ParamType = 'string' | 'password' | 'boolean' | 'integer' | 'list' | 'json' | 'enum' | 'email' | 'email-list' | 'url' | 'code';

export type ParamValue = string | number | boolean | string[] | unknown;

export interface ParamSpec {
  /** slug of displayName (contract.md §4); the `--<id>` of the grammar and the config key. */
  id: string;
  /** The seed's display name, verbatim. */
  displayName: string;
  type: ParamType;
  required: boolean;
  /** The seed's default (or behaviour.md's / contract.md's where the seed lost it). Typed as the param. */
  default?: string | number | boolean | string[];
  /** Secrets are encrypted at rest, never logged, never echoed. */
  secret?: boolean;
  /** For `enum`: the allowed values, as the seed writes them. */
  options?: string[];
  /** One line from the seed's description. */
  description: string;
  /** Extra accepted `--names` (slugs). */
  aliases?: string[];
  /**
   * When not given, the value comes from the integration instance's parameter with this id
   * (e.g. mailbox params default to `default-mailbox`, behaviour.md 7).
   */
  defaultFromInstance?: string;
}

/**
 * The seed's output messages, verbatim with its placeholders (UPPER_CASE or {0}), each under a name
 * that says when it is sent (`failure.folderMissing`). An action declares its messages `satisfies
 * OutputMessages` and its `run` uses them by name; lists of texts (tests, docs) read `Object.values`.
 */
export interface OutputMessages<Success extends string = string, Failure extends string = string> {
  success: Readonly<Record<Success, string>>;
  failure: Readonly<Record<Failure, string>>;
}

export interface TableSpec {
  title: string;
  columns: string[];
}

export interface ActionSpec {
  integration: IntegrationId;
  /** slug of the seed's action name */
  id: string;
  /** the seed's action name, verbatim */
  name: string;
  description: string;
  params: ParamSpec[];
  /** Polls until done or --timeout (re-queued with delay every ASYNC_POLL_MS). */
  async?: boolean;
  /** Changes or sends mail (or other remote state): four-eyes candidates, --dry-run where supported. */
  changesMail?: boolean;
  /** Whether this request changes remote state (e.g. Execute HTTP Request with POST); default `changesMail`. */
  writes?: (params: Record<string, unknown>) => boolean;
  /** Supports `--dry-run`. */
  dryRun?: boolean;
  /** Only an admin of the environment may run it (it replaces the environment's credentials). */
  adminOnly?: boolean;
  /** Its messages go only to the user who ran it, never into the channel (e.g. a sign-in link). */
  privateResult?: boolean;
  /** Runs on User entities given as `--user a@x.com,b@x.com` (contract.md §4). */
  entity?: 'user';
  messages: OutputMessages;
  /** The seed has a JSON result; an example of it, when the seed shows one. */
  jsonResult?: boolean;
  tables?: TableSpec[];
  /** Case-wall attachments (files in the thread). */
  attachments?: boolean;
  /** Shorter `<action>` names accepted by the parser. */
  aliases?: string[];
  /** Present once the action is implemented; absent → "not available yet". */
  run?: ActionRun;
  /** Async actions: the result when --timeout passes (the seed's timeout message), given the last poll's state. */
  onTimeout?: (ctx: ActionContext, params: Record<string, unknown>) => Promise<ActionResult> | ActionResult;
  /**
   * Beyond the seeds: the command word that groups it (`soar campaign find` for `campaign-find`,
   * contract.md §8). A grouped action is typed and listed only under its word, never as
   * `soar <integration> <action>`.
   */
  group?: 'campaign';
  /** The parameter a value typed right after the command fills (`soar campaign purge c-1a2b3c4d`). */
  positional?: string;
  /** `always`: every request waits for the four-eyes approval, whatever the environment's rule. */
  fourEyes?: 'always';
  /**
   * A one-line refusal given in chat before anything is queued or an approval card is posted
   * (an unknown campaign, a step it cannot take); null lets the request through. The job checks again.
   */
  precheck?: (files: Pick<FileStore, 'resolve'>, params: Record<string, unknown>, environment: string) => Promise<string | null>;
}

/** Whether a request of this action changes remote state (the four-eyes rule and role checks use it). */
export function changesState(action: ActionSpec, params: Record<string, unknown>): boolean {
  return action.writes ? action.writes(params) : !!action.changesMail;
}

export type ActionRun = (ctx: ActionContext, params: Record<string, unknown>) => Promise<ActionOutcome>;

export interface ConnectorSpec {
  integration: IntegrationId;
  /** slug of the seed's connector name, e.g. `microsoft-graph-mail-connector` */
  id: string;
  name: string;
  description: string;
  params: ParamSpec[];
  /** Maps connector connection params to the instance param ids (behaviour.md 17). */
  instanceParamMap?: Record<string, string>;
  /** One cycle: fetch what is new since the checkpoint and post it (present once implemented). */
  run?(ctx: ConnectorContext, params: Record<string, unknown>): Promise<ScheduleRunSummary>;
  /** A configuration the connector refuses, as one line (behaviour.md 24); null when acceptable. */
  validate?: (params: Record<string, unknown>) => string | null;
}

export interface JobSpec {
  integration: IntegrationId;
  /** e.g. `refresh-token-renewal-job` */
  id: string;
  name: string;
  description: string;
  params: ParamSpec[];
  /** One run of the job (present once implemented). */
  run?(ctx: JobContext, params: Record<string, unknown>): Promise<ScheduleRunSummary>;
}

export interface IntegrationSpec {
  id: IntegrationId;
  name: string;
  version: string;
  alias: string;
  description: string;
  /** The integration instance's parameters (config-file keys under `integrations.<id>`). */
  params: ParamSpec[];
  actions: ActionSpec[];
  connectors: ConnectorSpec[];
  jobs: JobSpec[];
}

/** contract.md §4 slug: lowercase; every run outside [a-z0-9] becomes one `-`; no `-` at either end. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Builds a ParamSpec whose id is the slug of its display name. */
export function param(displayName: string, rest: Omit<ParamSpec, 'id' | 'displayName'>): ParamSpec {
  return { id: slug(displayName), displayName, ...rest };
}

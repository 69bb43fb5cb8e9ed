/** What `parseCommand` returns for one chat line (contract.md §4). */
import type { ActionSpec, IntegrationSpec, ParamSpec } from '../../handlers/kit/spec';

export interface ActionOptions {
  /** `--environment <name>`; undefined → the channel's binding (the caller decides). */
  environment?: string;
  /** `--timeout <duration>` in ms; undefined → the caller's default (1h). */
  timeoutMs?: number;
  /** `--dry-run` (only on actions with `dryRun: true`). */
  dryRun: boolean;
}

export interface ActionCommand {
  kind: 'action';
  integration: IntegrationSpec;
  action: ActionSpec;
  /** Typed values keyed by param id (defaults only with `fillDefaults`). */
  params: Record<string, unknown>;
  /** Param ids the user typed, in the order typed. */
  given: string[];
  options: ActionOptions;
  /** Required params with no value, no default and no `defaultFromInstance` (behaviour.md 39). */
  missing: ParamSpec[];
}

export type BuiltinCommand = 'jobs' | 'cancel' | 'vote' | 'admin';

export interface HelpCommand {
  kind: 'help';
  integration?: IntegrationSpec;
  action?: ActionSpec;
  /** `soar help vote` etc.: the built-in command asked about (help shows the top level). */
  topic?: BuiltinCommand;
  /** `soar help campaign`: the actions of a command word (contract.md §8). */
  group?: 'campaign';
}

export interface JobsCommand {
  kind: 'jobs';
}

export interface CancelCommand {
  kind: 'cancel';
  jobId: string;
}

export interface VoteCommand {
  kind: 'vote';
  question: string;
  /** Button titles, default `['Approve', 'Reject']`. */
  options: string[];
  /** User ids (`slack:U…`) and/or role names; undefined → anyone with a role in the channel. */
  voters?: string[];
  timeoutMs: number;
}

export interface AdminCommand {
  kind: 'admin';
  /** Every token after `admin`, quotes removed, in order (flags and their values included). */
  args: string[];
  /** The tokens after `admin` that are neither a `--flag` nor a flag's value. */
  positional: string[];
  /** `--flag value`, `--flag=value` → string; a bare `--flag` → true. Names are slugs. */
  flags: Record<string, string | true>;
}

export interface CommandError {
  kind: 'error';
  /** One line, no line breaks, under 500 characters. */
  message: string;
  /** What to type instead of the wrong word(s), best first. */
  suggestions?: string[];
  integration?: IntegrationSpec;
  action?: ActionSpec;
  missing?: ParamSpec[];
}

/** Everything `parseCommand` returns (the error shape included, so one `switch` covers all). */
export type ParsedCommand = ActionCommand | HelpCommand | JobsCommand | CancelCommand | VoteCommand | AdminCommand | CommandError;

export interface ParseOptions {
  /** Put each not-given param's `default` into `params` (json defaults parsed, lists split). */
  fillDefaults?: boolean;
}

/**
 * The one parser of CONTRACT §4, fed by the catalogue. `parseCommand` never throws: every
 * problem is a `{ kind: 'error' }` with one clear line (and "did you mean" suggestions).
 */
import { type ActionSpec, type IntegrationSpec, type ParamSpec, param, slug } from '../../handlers/kit/spec';
import { parseDuration } from './duration';
import { orList, suggest } from './suggest';
import { clip, quoteArg, show, stripLeadingMention, type Token, tokenize } from './tokenize';

// ---------------------------------------------------------------------------------------------
// Shapes

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
  /** Required params with no value, no default and no `defaultFromInstance` (DECISIONS 39). */
  missing: ParamSpec[];
}

export type BuiltinCommand = 'jobs' | 'cancel' | 'vote' | 'admin';

export interface HelpCommand {
  kind: 'help';
  integration?: IntegrationSpec;
  action?: ActionSpec;
  /** `soar help vote` etc.: the built-in command asked about (help shows the top level). */
  topic?: BuiltinCommand;
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

// ---------------------------------------------------------------------------------------------
// Constants

export const MAX_COMMAND_LENGTH = 20_000;
export const MAX_MESSAGE_LENGTH = 480;
export const DEFAULT_VOTE_OPTIONS: readonly string[] = ['Approve', 'Reject'];
export const DEFAULT_VOTE_TIMEOUT_MS = 30 * 60_000;
/** Longest `--timeout` accepted (actions and votes). */
export const MAX_TIMEOUT_MS = 7 * 86_400_000;
export const MAX_VOTE_OPTIONS = 10;
/** Slack's limit for a button's text. */
export const MAX_VOTE_OPTION_LENGTH = 75;
export const MAX_VOTE_QUESTION_LENGTH = 2000;
export const BUILTIN_COMMANDS: readonly BuiltinCommand[] = ['jobs', 'cancel', 'vote', 'admin'];
/** Words that can never be an integration, action or parameter name. */
export const RESERVED_WORDS: readonly string[] = ['help', 'soar', ...BUILTIN_COMMANDS];

type GlobalOption = 'environment' | 'timeout' | 'dry-run' | 'help';

/** Global options of every action (CONTRACT §4) and their accepted spellings. */
export const GLOBAL_OPTION_NAMES: ReadonlyMap<string, GlobalOption> = new Map<string, GlobalOption>([
  ['environment', 'environment'],
  ['env', 'environment'],
  ['timeout', 'timeout'],
  ['dry-run', 'dry-run'],
  ['dryrun', 'dry-run'],
  ['help', 'help'],
]);

const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off', '0']);
/** Words taken as a boolean's value in `--flag <word>` (the `=` form also takes y/n). */
const SPACED_BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', 'on', 'off', '1', '0']);

const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+$/;
const JOB_ID = /^[A-Za-z0-9][\w.:-]{0,99}$/;
const USER_ID = /^(slack|teams|web):\S+$/i;

// ---------------------------------------------------------------------------------------------
// Helpers

function fail(message: string, extra: Omit<CommandError, 'kind' | 'message'> = {}): CommandError {
  const line = clip(message, MAX_MESSAGE_LENGTH);
  const out: CommandError = { kind: 'error', message: line || 'Could not read this command.' };
  if (extra.suggestions && extra.suggestions.length) out.suggestions = extra.suggestions;
  if (extra.integration) out.integration = extra.integration;
  if (extra.action) out.action = extra.action;
  if (extra.missing) out.missing = extra.missing;
  return out;
}

function didYouMean(suggestions: string[]): string {
  return suggestions.length ? ` Did you mean ${orList(suggestions)}?` : '';
}

/** `--name` as the user typed it, safe for a message. */
function flagName(tok: Token): string {
  return `--${clip(tok.option?.name ?? tok.value, 40)}`;
}

/** Finds an integration by id, alias or slug of its name (case-insensitive, slugged). */
export function findIntegration(catalog: readonly IntegrationSpec[], word: string): IntegrationSpec | undefined {
  const key = slug(word);
  if (!key) return undefined;
  return (
    catalog.find((i) => i.id === key) ??
    catalog.find((i) => i.alias.toLowerCase() === key) ??
    catalog.find((i) => slug(i.name) === key)
  );
}

/** Finds an action by id (slug of its name), alias or slug of its name. */
export function findAction(integration: IntegrationSpec, word: string): ActionSpec | undefined {
  const key = slug(word);
  if (!key) return undefined;
  return (
    integration.actions.find((a) => a.id === key) ??
    integration.actions.find((a) => (a.aliases ?? []).some((x) => x.toLowerCase() === key)) ??
    integration.actions.find((a) => slug(a.name) === key)
  );
}

/**
 * The User entities of an entity action (CONTRACT §4): `--user a@x.com,b@x.com`, kept as
 * `params.user`. Not `required` here: help's usage line and example (help.ts) do not show it
 * yet, and they must parse without anything missing; the action refuses to run without users.
 */
export const USER_ENTITY_PARAM: ParamSpec = param('User', {
  type: 'email-list',
  required: true,
  aliases: ['users'],
  description: 'The User entities to run on: comma-separated email addresses (user principal names).',
});

/** An action's parameters as typed in chat: the entity list first for entity actions (unless the spec declares it). */
export function actionParams(action: ActionSpec): ParamSpec[] {
  if (action.entity !== 'user' || action.params.some((p) => p.id === USER_ENTITY_PARAM.id)) return action.params;
  return [USER_ENTITY_PARAM, ...action.params];
}

/** The param an `--name` refers to: id, alias or slug of the display name. */
export function findParam(action: ActionSpec, name: string): ParamSpec | undefined {
  const key = slug(name);
  if (!key) return undefined;
  const params = actionParams(action);
  return (
    params.find((p) => p.id === key) ??
    params.find((p) => (p.aliases ?? []).some((x) => x.toLowerCase() === key)) ??
    params.find((p) => slug(p.displayName) === key)
  );
}

function unknownIntegration(catalog: readonly IntegrationSpec[], word: string): CommandError {
  const key = slug(word) || word.toLowerCase();
  // `soar search-emails …`: an action typed without its integration.
  const owners = catalog.filter((i) => findAction(i, word));
  if (owners.length && key) {
    const suggestions = owners.map((i) => `${i.alias} ${findAction(i, word)!.id}`);
    return fail(`Unknown integration ${show(word)}: it is an action of ${orList(owners.map((i) => i.name))}.${didYouMean(suggestions)}`, { suggestions });
  }
  const names: string[] = [];
  const owner = new Map<string, IntegrationSpec>();
  for (const i of catalog) {
    for (const n of [i.alias, i.id, slug(i.name)]) {
      names.push(n);
      owner.set(n, i);
    }
  }
  const suggestions = [...new Set(suggest(key, names, 6).map((n) => owner.get(n)!.alias))].slice(0, 3);
  const list = catalog.map((i) => i.alias).join(', ');
  const tail = suggestions.length ? didYouMean(suggestions) : list ? ` Integrations: ${list} (soar help lists them).` : ' No integrations are available.';
  return fail(`Unknown integration ${show(word)}.${tail}`, { suggestions });
}

function unknownAction(catalog: readonly IntegrationSpec[], integration: IntegrationSpec, word: string): CommandError {
  const key = slug(word) || word.toLowerCase();
  const names: string[] = [];
  const owner = new Map<string, ActionSpec>();
  for (const a of integration.actions) {
    for (const n of [a.id, ...(a.aliases ?? [])]) {
      names.push(n);
      owner.set(n, a);
    }
  }
  let suggestions = [...new Set(suggest(key, names, 6).map((n) => owner.get(n)!.id))].slice(0, 3);
  if (!suggestions.length) {
    // The action exists, but in another integration.
    suggestions = catalog
      .filter((i) => i !== integration)
      .flatMap((i) => {
        const a = findAction(i, word);
        return a ? [`${i.alias} ${a.id}`] : [];
      })
      .slice(0, 3);
  }
  const tail = suggestions.length ? didYouMean(suggestions) : ` Run soar help ${integration.alias} for its actions.`;
  return fail(`Unknown action ${show(word)} for ${integration.name}.${tail}`, { suggestions, integration });
}

function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  return undefined;
}

function splitList(text: string, separators: RegExp): string[] {
  return text
    .split(separators)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function cleanEmail(text: string): string {
  let t = text.trim();
  if (/^mailto:/i.test(t)) t = t.slice(7);
  if (t.startsWith('<') && t.endsWith('>')) t = t.slice(1, -1).trim();
  return t;
}

/** One typed value, in its three forms (see Token). */
export interface RawValue {
  value: string;
  literal: string;
  source: string;
  quoted: boolean;
}

type Converted = { ok: true; value: unknown } | { ok: false; message: string; suggestions?: string[] };

function smartToAscii(text: string): string {
  return text.replace(/[“”„]/g, '"').replace(/[‘’‚]/g, "'");
}

function parseJson(raw: RawValue): { ok: true; value: unknown } | { ok: false; reason: string } {
  // The text between the quotes as typed first, so that `'{"re": "\\d+"}'` (DECISIONS 16) means
  // what it says; then with escapes applied; then the token as typed; each also with smart
  // quotes made straight.
  const tries = [raw.literal, raw.value, raw.source];
  for (const t of [...tries]) tries.push(smartToAscii(t));
  let reason = '';
  const seen = new Set<string>();
  for (const t of tries) {
    if (seen.has(t)) continue;
    seen.add(t);
    try {
      return { ok: true, value: JSON.parse(t) };
    } catch (err) {
      if (!reason) reason = err instanceof Error ? err.message : String(err);
    }
  }
  return { ok: false, reason };
}

/** Converts one typed value to its param's type (ParamType in handlers/kit/spec.ts). */
export function convertValue(param: ParamSpec, raw: RawValue): Converted {
  const name = `--${param.id}`;
  const text = raw.value;
  const trimmed = text.trim();
  const needsValue = (): Converted => ({ ok: false, message: `Parameter ${name} needs a value.` });
  switch (param.type) {
    case 'string':
    case 'password':
    case 'code':
      return { ok: true, value: text };
    case 'boolean': {
      const b = parseBoolean(trimmed);
      if (b === undefined) return { ok: false, message: `Parameter ${name}: expected true or false, got ${show(text)}.` };
      return { ok: true, value: b };
    }
    case 'integer': {
      if (!trimmed) return needsValue();
      if (!/^[+-]?\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) {
        return { ok: false, message: `Parameter ${name}: expected a whole number, got ${show(text)}.` };
      }
      return { ok: true, value: Number(trimmed) };
    }
    case 'list':
      return { ok: true, value: splitList(text, /,/) };
    case 'email-list': {
      const items = splitList(text, /[,;\s]+/).map(cleanEmail);
      const bad = items.find((e) => !EMAIL.test(e));
      if (bad !== undefined) return { ok: false, message: `Parameter ${name}: ${show(bad)} is not an email address.` };
      return { ok: true, value: items };
    }
    case 'email': {
      if (!trimmed) return needsValue();
      const e = cleanEmail(text);
      if (!EMAIL.test(e)) return { ok: false, message: `Parameter ${name}: ${show(text)} is not an email address.` };
      return { ok: true, value: e };
    }
    case 'url': {
      if (!trimmed) return needsValue();
      let ok = false;
      try {
        const u = new URL(trimmed);
        ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
      } catch {
        ok = false;
      }
      if (!ok) return { ok: false, message: `Parameter ${name}: expected an http:// or https:// URL, got ${show(text)}.` };
      return { ok: true, value: trimmed };
    }
    case 'enum': {
      if (!trimmed) return needsValue();
      const options = param.options ?? [];
      const hit =
        options.find((o) => o === trimmed) ??
        options.find((o) => o.toLowerCase() === trimmed.toLowerCase()) ??
        options.find((o) => slug(o) !== '' && slug(o) === slug(trimmed));
      if (hit !== undefined) return { ok: true, value: hit };
      const suggestions = suggest(trimmed, options, 3);
      const tail = suggestions.length ? didYouMean(suggestions) : '';
      return { ok: false, message: `Parameter ${name}: ${show(text)} is not one of ${clip(options.join(', '), 300)}.${tail}`, suggestions };
    }
    case 'json': {
      if (!trimmed) return needsValue();
      const parsed = parseJson(raw);
      if (parsed.ok) return parsed;
      const hint = raw.quoted ? '' : ` Put JSON in single quotes: ${name} '{"key": "value"}'.`;
      return { ok: false, message: `Parameter ${name}: invalid JSON (${clip(parsed.reason, 120)}).${hint}` };
    }
    default:
      return { ok: true, value: text };
  }
}

/** A param's `default` typed as the parser would type it. */
export function typedDefault(param: ParamSpec): unknown {
  const d = param.default;
  if (d === undefined) return undefined;
  if (Array.isArray(d)) return [...d];
  if (typeof d === 'string') {
    if (param.type === 'json') {
      try {
        return JSON.parse(d);
      } catch {
        return d;
      }
    }
    if (param.type === 'list' || param.type === 'email-list') return splitList(d, param.type === 'list' ? /,/ : /[,;\s]+/);
    if (param.type === 'integer' && /^[+-]?\d+$/.test(d.trim())) return Number(d.trim());
    if (param.type === 'boolean') return parseBoolean(d) ?? d;
  }
  return d;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
}

/** `Missing required parameter(s) for <Action Name>: --a, --b.` ('' when nothing is missing). */
export function missingMessage(cmd: { action: ActionSpec; missing: readonly ParamSpec[] }): string {
  if (!cmd.missing.length) return '';
  return `Missing required parameter(s) for ${cmd.action.name}: ${cmd.missing.map((p) => `--${p.id}`).join(', ')}.`;
}

// ---------------------------------------------------------------------------------------------
// The parser

/**
 * Parses one chat line (CONTRACT §4) against `catalog`. Never throws. A leading `soar` or `/soar`
 * and a leading mention (`<at>bot</at>`, `@bot`) are dropped; platform escapes are the caller's
 * (see `normalizeChatText`).
 */
export function parseCommand(text: string, catalog: IntegrationSpec[], opts: ParseOptions = {}): ParsedCommand {
  try {
    return parseOrFail(text, Array.isArray(catalog) ? catalog : [], opts ?? {});
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return fail(`Could not read this command (${clip(why, 100)}).`);
  }
}

function isHelpWord(tok: Token): boolean {
  if (tok.quoted) return false;
  const v = tok.value.toLowerCase();
  return v === 'help' || v === '?' || v === '-h' || v === '--help' || v === '-help';
}

function parseOrFail(input: unknown, catalog: IntegrationSpec[], opts: ParseOptions): ParsedCommand {
  const text = typeof input === 'string' ? input : input === undefined || input === null ? '' : String(input);
  if (text.length > MAX_COMMAND_LENGTH) {
    return fail(`Command too long (${text.length} characters, at most ${MAX_COMMAND_LENGTH}).`);
  }
  const tokenized = tokenize(stripLeadingMention(text));
  if (!tokenized.ok) return fail(tokenized.error);
  let tokens = tokenized.tokens;
  if (tokens.length && !tokens[0].quoted && /^\/?soar$/i.test(tokens[0].value)) tokens = tokens.slice(1);
  if (!tokens.length) return { kind: 'help' };

  const head = tokens[0];
  const rest = tokens.slice(1);
  if (isHelpWord(head)) return parseHelp(rest, catalog);
  if (head.option) {
    return fail(`A command starts with an integration or one of help, jobs, cancel, vote, admin, not ${flagName(head)}.`, {
      suggestions: ['help'],
    });
  }
  const word = head.value.trim().toLowerCase();
  if (!head.quoted) {
    switch (word) {
      case 'jobs':
        return rest.length ? fail('soar jobs takes no arguments.') : { kind: 'jobs' };
      case 'cancel':
        return parseCancel(rest);
      case 'vote':
        return parseVote(rest);
      case 'admin':
        return parseAdmin(rest);
      default:
        break;
    }
  }

  const integration = findIntegration(catalog, head.value);
  if (!integration) return unknownIntegration(catalog, head.value);
  if (!rest.length || isHelpWord(rest[0])) return { kind: 'help', integration };
  const actionTok = rest[0];
  if (actionTok.option) {
    return fail(`Name an action of ${integration.name} before ${flagName(actionTok)}: soar ${integration.alias} <action> …`, {
      integration,
      suggestions: [`help ${integration.alias}`],
    });
  }
  const action = findAction(integration, actionTok.value);
  if (!action) return unknownAction(catalog, integration, actionTok.value);
  return parseActionArgs(integration, action, rest.slice(1), opts);
}

function parseHelp(rest: Token[], catalog: IntegrationSpec[]): ParsedCommand {
  const words = rest.filter((t) => !isHelpWord(t));
  if (!words.length) return { kind: 'help' };
  const first = words[0];
  const key = first.value.trim().toLowerCase();
  if (!first.quoted && (BUILTIN_COMMANDS as readonly string[]).includes(key)) {
    if (words.length > 1) return fail(`soar help ${key} takes nothing more.`);
    return { kind: 'help', topic: key as BuiltinCommand };
  }
  const integration = findIntegration(catalog, first.value);
  if (!integration) return unknownIntegration(catalog, first.value);
  if (words.length === 1) return { kind: 'help', integration };
  const action = findAction(integration, words[1].value);
  if (!action) return unknownAction(catalog, integration, words[1].value);
  if (words.length > 2) {
    return fail(`soar help takes at most an integration and an action: soar help ${integration.alias} ${action.id}.`, { integration, action });
  }
  return { kind: 'help', integration, action };
}

function parseCancel(rest: Token[]): ParsedCommand {
  const usage = 'Usage: soar cancel <job-id> (soar jobs lists them).';
  if (!rest.length) return fail(`Which job? ${usage}`);
  if (rest.length > 1) return fail(`soar cancel takes one job id. ${usage}`);
  const tok = rest[0];
  const id = tok.value.trim().replace(/^#/, '');
  if (tok.option || !JOB_ID.test(id)) return fail(`${show(tok.value)} is not a job id. ${usage}`);
  return { kind: 'cancel', jobId: id };
}

function parseVote(rest: Token[]): ParsedCommand {
  const usage = 'Usage: soar vote "<question>" [--options Approve/Reject] [--voters <user ids or a role>] [--timeout 30m]';
  const question: string[] = [];
  let options: string[] | undefined;
  let voters: string[] | undefined;
  let timeoutMs: number | undefined;
  const known = ['options', 'voters', 'timeout'];
  const seen = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const tok = rest[i];
    if (!tok.option) {
      question.push(tok.value);
      continue;
    }
    const key = slug(tok.option.name);
    const name = key === 'option' ? 'options' : key === 'voter' ? 'voters' : key;
    if (!known.includes(name)) {
      const suggestions = suggest(key, known).map((k) => `--${k}`);
      return fail(`Unknown option ${flagName(tok)} for soar vote.${didYouMean(suggestions) || ` ${usage}`}`, { suggestions });
    }
    if (seen.has(name)) return fail(`Option --${name} is given twice.`);
    seen.add(name);
    let value = tok.option.value;
    if (value === undefined) {
      const next = rest[i + 1];
      if (!next || next.option) return fail(`Option --${name} needs a value. ${usage}`);
      value = next.value;
      i++;
    }
    if (name === 'options') {
      const choices = splitList(value, /\//);
      if (choices.length < 2) return fail(`--options needs at least two choices separated by /, e.g. --options Yes/No.`);
      if (choices.length > MAX_VOTE_OPTIONS) return fail(`--options takes at most ${MAX_VOTE_OPTIONS} choices (got ${choices.length}).`);
      const long = choices.find((c) => Array.from(c).length > MAX_VOTE_OPTION_LENGTH);
      if (long) return fail(`Vote choice ${show(long)} is too long (at most ${MAX_VOTE_OPTION_LENGTH} characters).`);
      const lower = choices.map((c) => c.toLowerCase());
      const dup = choices.find((_, k) => lower.indexOf(lower[k]) !== k);
      if (dup) return fail(`Vote choice ${show(dup)} is given twice.`);
      options = choices;
    } else if (name === 'voters') {
      const list = splitList(value, /[,\s]+/);
      // `--voters slack:U1 slack:U2`: further user ids, space-separated, belong to it too.
      while (rest[i + 1] && !rest[i + 1].option && USER_ID.test(rest[i + 1].value.trim())) {
        list.push(...splitList(rest[i + 1].value, /[,\s]+/));
        i++;
      }
      if (!list.length) return fail(`Option --voters needs user ids or a role. ${usage}`);
      voters = [...new Set(list)];
    } else {
      const ms = parseDuration(value);
      if (ms === null || ms <= 0) return fail(`Option --timeout: expected a duration such as 90s, 30m, 2h or 1d, got ${show(value)}.`);
      if (ms > MAX_TIMEOUT_MS) return fail(`Option --timeout: at most 7d (got ${show(value)}).`);
      timeoutMs = ms;
    }
  }
  const q = question.join(' ').trim();
  if (!q) return fail(`What is the question? ${usage}`);
  if (q.length > MAX_VOTE_QUESTION_LENGTH) return fail(`The question is too long (${q.length} characters, at most ${MAX_VOTE_QUESTION_LENGTH}).`);
  const vote: VoteCommand = { kind: 'vote', question: q, options: options ?? [...DEFAULT_VOTE_OPTIONS], timeoutMs: timeoutMs ?? DEFAULT_VOTE_TIMEOUT_MS };
  if (voters) vote.voters = voters;
  return vote;
}

function parseAdmin(rest: Token[]): ParsedCommand {
  const args = rest.map((t) => t.value);
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i++) {
    const tok = rest[i];
    if (!tok.option) {
      positional.push(tok.value);
      continue;
    }
    const name = slug(tok.option.name);
    if (!name) return fail(`Unexpected ${flagName(tok)}: a name must follow the two dashes.`);
    if (Object.prototype.hasOwnProperty.call(flags, name)) return fail(`Option --${name} is given twice.`);
    let value: string | true = true;
    if (tok.option.value !== undefined) {
      value = tok.option.value;
    } else if (rest[i + 1] && !rest[i + 1].option) {
      value = rest[i + 1].value;
      i++;
    }
    Object.defineProperty(flags, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return { kind: 'admin', args, positional, flags };
}

type Target = { kind: 'param'; param: ParamSpec } | { kind: 'global'; name: GlobalOption };

function parseActionArgs(integration: IntegrationSpec, action: ActionSpec, tokens: Token[], opts: ParseOptions): ParsedCommand {
  const ctx = { integration, action };
  const params: Record<string, unknown> = {};
  const given: string[] = [];
  const options: ActionOptions = { dryRun: false };
  const seenGlobals = new Set<GlobalOption>();
  let lastFlag: ParamSpec | undefined;
  let lastParam: ParamSpec | undefined;

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (!tok.option) {
      if (isHelpWord(tok)) return { kind: 'help', integration, action };
      if (lastParam?.secret && !lastFlag) {
        // Never echo what may be the rest of a secret typed without quotes.
        return fail(`Unexpected value after --${lastParam.id}: put a value with spaces in quotes.`, ctx);
      }
      if (lastFlag) {
        return fail(
          `Unexpected ${show(tok.value)} after --${lastFlag.id}: it is a flag (write --${lastFlag.id} or --${lastFlag.id}=false).`,
          ctx,
        );
      }
      return fail(`Unexpected ${show(tok.value)} for ${action.name}: parameters are given as --<param> <value>.`, ctx);
    }
    lastFlag = undefined;
    lastParam = undefined;
    const key = slug(tok.option.name);
    if (!key) return fail(`Unexpected ${flagName(tok)}: a parameter name must follow the two dashes.`, ctx);
    const globalName = GLOBAL_OPTION_NAMES.get(key);
    const param = globalName ? undefined : findParam(action, key);
    const target: Target | undefined = globalName ? { kind: 'global', name: globalName } : param ? { kind: 'param', param } : undefined;
    if (!target) return unknownParam(integration, action, tok);

    if (target.kind === 'global' && target.name === 'help') return { kind: 'help', integration, action };
    const isBoolean = target.kind === 'global' ? target.name === 'dry-run' : target.param.type === 'boolean';
    let raw: RawValue;
    if (tok.option.value !== undefined) {
      raw = { value: tok.option.value, literal: tok.option.literal ?? tok.option.value, source: tok.option.source ?? tok.option.value, quoted: tok.option.quoted };
    } else if (isBoolean) {
      const next = tokens[i + 1];
      if (next && !next.option && SPACED_BOOLEAN_WORDS.has(next.value.trim().toLowerCase())) {
        raw = { value: next.value, literal: next.literal, source: next.source, quoted: next.quoted };
        i++;
      } else {
        raw = { value: 'true', literal: 'true', source: 'true', quoted: false };
        if (target.kind === 'param') lastFlag = target.param;
      }
    } else {
      const next = tokens[i + 1];
      const label = target.kind === 'param' ? `Parameter --${target.param.id}` : `--${target.name}`;
      if (!next || next.option) {
        const example = target.kind === 'param' ? '' : target.name === 'timeout' ? ' such as 30m' : ' such as prod';
        return fail(`${label} needs a value${example}.`, ctx);
      }
      raw = { value: next.value, literal: next.literal, source: next.source, quoted: next.quoted };
      i++;
    }

    if (target.kind === 'global') {
      if (seenGlobals.has(target.name)) return fail(`--${target.name} is given twice.`, ctx);
      seenGlobals.add(target.name);
      const problem = applyGlobal(target.name, raw, action, options);
      if (problem) return fail(problem, ctx);
      continue;
    }

    const p = target.param;
    const converted = convertValue(p, raw);
    if (!converted.ok) return fail(converted.message, { ...ctx, suggestions: converted.suggestions });
    const before = given.indexOf(p.id);
    if (before >= 0) {
      // A value left empty may be given again (the form of DECISIONS 39 appends what was missing).
      if (!isEmpty(params[p.id])) return fail(`Parameter --${p.id} is given twice.`, ctx);
      given.splice(before, 1);
    }
    params[p.id] = converted.value;
    given.push(p.id);
    lastParam = p;
  }

  const missing = actionParams(action).filter(
    (p) => p.required && isEmpty(params[p.id]) && p.default === undefined && p.defaultFromInstance === undefined,
  );
  if (opts.fillDefaults) {
    for (const p of actionParams(action)) {
      if (params[p.id] === undefined && p.default !== undefined) params[p.id] = typedDefault(p);
    }
  }
  return { kind: 'action', integration, action, params, given, options, missing };
}

function applyGlobal(name: GlobalOption, raw: RawValue, action: ActionSpec, options: ActionOptions): string | undefined {
  switch (name) {
    case 'environment': {
      const env = raw.value.trim();
      if (!env) return '--environment needs a name, e.g. --environment prod.';
      if (/\s/.test(env) || env.length > 100) return `--environment: ${show(raw.value)} is not an environment name.`;
      options.environment = env;
      return undefined;
    }
    case 'timeout': {
      const ms = parseDuration(raw.value);
      if (ms === null || ms <= 0) return `--timeout: expected a duration such as 90s, 30m, 2h or 1d, got ${show(raw.value)}.`;
      if (ms > MAX_TIMEOUT_MS) return `--timeout: at most 7d (got ${show(raw.value)}).`;
      options.timeoutMs = ms;
      return undefined;
    }
    case 'dry-run': {
      const b = parseBoolean(raw.value);
      if (b === undefined) return `--dry-run: expected true or false, got ${show(raw.value)}.`;
      if (b && !action.dryRun) return `--dry-run is not supported by ${action.name}.`;
      options.dryRun = b;
      return undefined;
    }
    default:
      return undefined;
  }
}

function unknownParam(integration: IntegrationSpec, action: ActionSpec, tok: Token): CommandError {
  const typed = slug(tok.option?.name ?? '') || (tok.option?.name ?? '').toLowerCase();
  const names: string[] = [];
  for (const p of actionParams(action)) names.push(p.id, ...(p.aliases ?? []));
  names.push('environment', 'timeout');
  if (action.dryRun) names.push('dry-run');
  const byName = (n: string): string => findParam(action, n)?.id ?? n;
  const suggestions = [...new Set(suggest(typed, names, 6).map(byName))].slice(0, 3).map((n) => `--${n}`);
  const tail = suggestions.length ? didYouMean(suggestions) : ` Run soar help ${integration.alias} ${action.id} for its parameters.`;
  return fail(`Unknown parameter ${flagName(tok)} for ${action.name}.${tail}`, { integration, action, suggestions });
}

// ---------------------------------------------------------------------------------------------
// Back to text

/** The command line of a typed value: `--flag`, `--flag=false`, `--p "a b"`, `--json "{…}"`. */
export function formatParam(param: ParamSpec, value: unknown): string {
  const name = `--${param.id}`;
  if (param.type === 'boolean' && typeof value === 'boolean') return value ? name : `${name}=false`;
  let text: string;
  if (param.type === 'json') text = JSON.stringify(value) ?? 'null';
  else if (Array.isArray(value)) text = value.map(String).join(',');
  else text = String(value);
  return `${name} ${quoteArg(text)}`;
}

/**
 * The canonical text of an action command (`soar <alias> <action> --p v … [--environment e]
 * [--timeout 90s] [--dry-run]`); `parseCommand` reads it back to the same params and options.
 */
export function formatCommand(cmd: Pick<ActionCommand, 'integration' | 'action' | 'params' | 'options'>): string {
  const parts = ['soar', cmd.integration.alias, cmd.action.id];
  for (const p of actionParams(cmd.action)) {
    if (cmd.params[p.id] !== undefined) parts.push(formatParam(p, cmd.params[p.id]));
  }
  if (cmd.options.environment) parts.push(`--environment ${quoteArg(cmd.options.environment)}`);
  if (cmd.options.timeoutMs !== undefined) {
    const ms = cmd.options.timeoutMs;
    parts.push(`--timeout ${ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`}`);
  }
  if (cmd.options.dryRun) parts.push('--dry-run');
  return parts.join(' ');
}

/**
 * Problems that would make the grammar ambiguous in a catalogue (for a drift test): duplicate or
 * reserved integration/action/param names, ids that are not the slug of their names, enums
 * without options.
 */
export function checkCatalog(catalog: readonly IntegrationSpec[]): string[] {
  const problems: string[] = [];
  const top = new Map<string, string>();
  for (const w of RESERVED_WORDS) top.set(w, `the built-in ${w}`);
  for (const i of catalog) {
    if (i.id !== slug(i.name)) problems.push(`integration ${i.id}: id is not the slug of "${i.name}"`);
    for (const n of new Set([i.id, i.alias.toLowerCase()])) {
      if (top.has(n)) problems.push(`integration ${i.id}: "${n}" is already ${top.get(n)}`);
      else top.set(n, `integration ${i.id}`);
    }
    const actions = new Map<string, string>();
    for (const w of RESERVED_WORDS) actions.set(w, `the word ${w}`);
    for (const a of i.actions) {
      if (a.id !== slug(a.name)) problems.push(`${i.id} ${a.id}: id is not the slug of "${a.name}"`);
      if (a.integration !== i.id) problems.push(`${i.id} ${a.id}: its integration is ${a.integration}`);
      for (const n of new Set([a.id, ...(a.aliases ?? []).map((x) => x.toLowerCase())])) {
        if (n !== slug(n)) problems.push(`${i.id} ${a.id}: alias "${n}" is not a slug`);
        if (actions.has(n)) problems.push(`${i.id} ${a.id}: "${n}" is already ${actions.get(n)}`);
        else actions.set(n, `action ${a.id}`);
      }
      const params = new Map<string, string>();
      for (const g of GLOBAL_OPTION_NAMES.keys()) params.set(g, `the global option --${g}`);
      for (const p of a.params) {
        if (p.id !== slug(p.displayName)) problems.push(`${i.id} ${a.id} --${p.id}: id is not the slug of "${p.displayName}"`);
        if (p.type === 'enum' && !(p.options && p.options.length)) problems.push(`${i.id} ${a.id} --${p.id}: enum without options`);
        for (const n of new Set([p.id, ...(p.aliases ?? []).map((x) => x.toLowerCase())])) {
          if (n !== slug(n)) problems.push(`${i.id} ${a.id} --${p.id}: alias "${n}" is not a slug`);
          if (params.has(n)) problems.push(`${i.id} ${a.id} --${p.id}: "--${n}" is already ${params.get(n)}`);
          else params.set(n, `--${p.id}`);
        }
      }
    }
  }
  return problems;
}

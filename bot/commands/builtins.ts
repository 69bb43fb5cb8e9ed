/** The built-in commands and their arguments: help, jobs, cancel, vote and admin. */
import { type IntegrationSpec, slug } from '../../handlers/kit/spec';
import { findAction, findIntegration } from './catalog-lookup';
import { findGrouped, GROUP_WORDS, isGroupWord } from './grouped';
import { didYouMean, fail, flagName } from './command-error';
import { parseTimeout } from './global-options';
import { splitList } from './param-values';
import type { BuiltinCommand, ParsedCommand, VoteCommand } from './parsed-command';
import { suggest } from '../../lib/suggest';
import { show, type Token } from './tokenize';
import { unknownAction, unknownIntegration } from './unknown-names';

export const BUILTIN_COMMANDS: readonly BuiltinCommand[] = ['jobs', 'cancel', 'vote', 'admin'];
/** Words that can never be an integration, action or parameter name. */
export const RESERVED_WORDS: readonly string[] = ['help', 'soar', ...BUILTIN_COMMANDS, ...GROUP_WORDS];

export const DEFAULT_VOTE_OPTIONS: readonly string[] = ['Approve', 'Reject'];
export const DEFAULT_VOTE_TIMEOUT_MS = 30 * 60_000;
export const MAX_VOTE_OPTIONS = 10;
/** Slack's limit for a button's text. */
export const MAX_VOTE_OPTION_LENGTH = 75;
export const MAX_VOTE_QUESTION_LENGTH = 2000;

const JOB_ID = /^[A-Za-z0-9][\w.:-]{0,99}$/;
const USER_ID = /^(slack|teams|web):\S+$/i;

export function isHelpWord(tok: Token): boolean {
  if (tok.quoted) return false;
  const v = tok.value.toLowerCase();
  return v === 'help' || v === '?' || v === '-h' || v === '--help' || v === '-help';
}

/** The value of the option `tokens[i]`: after its `=`, else the next token unless that is an option (`used` 1). */
function optionValue(tokens: readonly Token[], i: number): { value?: string; used: number } {
  const tok = tokens[i];
  if (tok.option?.value !== undefined) return { value: tok.option.value, used: 0 };
  const next = tokens[i + 1];
  return next && !next.option ? { value: next.value, used: 1 } : { used: 0 };
}

/** `word` (the first word, unquoted, lowercased) as a built-in other than help; undefined when it is none. */
export function parseBuiltin(word: string, rest: Token[]): ParsedCommand | undefined {
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
      return undefined;
  }
}

export function parseHelp(rest: Token[], catalog: IntegrationSpec[]): ParsedCommand {
  const words = rest.filter((t) => !isHelpWord(t));
  if (!words.length) return { kind: 'help' };
  const first = words[0];
  const key = first.value.trim().toLowerCase();
  if (!first.quoted && (BUILTIN_COMMANDS as readonly string[]).includes(key)) {
    if (words.length > 1) return fail(`soar help ${key} takes nothing more.`);
    return { kind: 'help', topic: key as BuiltinCommand };
  }
  if (!first.quoted && isGroupWord(key)) {
    if (words.length === 1) return { kind: 'help', group: key };
    const found = findGrouped(catalog, key, words[1].value);
    if (!found) return fail(`Unknown ${key} command ${show(words[1].value)}: soar help ${key} lists them.`, { suggestions: [`help ${key}`] });
    if (words.length > 2) return fail(`soar help ${key} takes at most one step: soar help ${key} ${words[1].value}.`);
    return { kind: 'help', integration: found.integration, action: found.action };
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
    const { value, used } = optionValue(rest, i);
    if (value === undefined) return fail(`Option --${name} needs a value. ${usage}`);
    i += used;
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
      const timeout = parseTimeout(value, 'Option --timeout');
      if (!timeout.ok) return fail(timeout.message);
      timeoutMs = timeout.ms;
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
    if (Object.hasOwn(flags, name)) return fail(`Option --${name} is given twice.`);
    const { value, used } = optionValue(rest, i);
    i += used;
    Object.defineProperty(flags, name, { value: value ?? true, enumerable: true, writable: true, configurable: true });
  }
  return { kind: 'admin', args, positional, flags };
}

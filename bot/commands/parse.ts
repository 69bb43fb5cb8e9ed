/**
 * The one parser of contract.md §4, fed by the catalogue. `parseCommand` never throws: every
 * problem is a `{ kind: 'error' }` with one clear line (and "did you mean" suggestions).
 */
import { type IntegrationSpec, slug } from '../../handlers/kit/spec';
import { suggest } from '../../lib/suggest';
import { parseActionArgs } from './action-args';
import { isHelpWord, parseBuiltin, parseHelp } from './builtins';
import { findAction, findIntegration } from './catalog-lookup';
import { didYouMean, fail, flagName } from './command-error';
import { findGrouped, groupedActions, type GroupWord, isGroupWord, verbOf } from './grouped';
import type { ParsedCommand, ParseOptions } from './parsed-command';
import { clip, show, stripLeadingMention, type Token, tokenize } from './tokenize';
import { unknownAction, unknownIntegration } from './unknown-names';

export const MAX_COMMAND_LENGTH = 20_000;

/**
 * Parses one chat line (contract.md §4) against `catalog`. Never throws. A leading `soar` or `/soar`
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
  const builtin = head.quoted ? undefined : parseBuiltin(head.value.trim().toLowerCase(), rest);
  if (builtin) return builtin;
  const word = head.value.trim().toLowerCase();
  if (!head.quoted && isGroupWord(word)) return parseGrouped(word, rest, catalog, opts);

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

/** `soar campaign <verb> …` (contract.md §8): the grouped action of that verb, its arguments as any action's. */
function parseGrouped(group: GroupWord, rest: Token[], catalog: IntegrationSpec[], opts: ParseOptions): ParsedCommand {
  const all = groupedActions(catalog, group);
  if (!all.length) return fail(`soar ${group} is not available.`);
  const verbs = all.map((g) => verbOf(g.action));
  const usage = `soar ${group} ${verbs.join('|')} …`;
  const verb = rest[0];
  if (!verb || isHelpWord(verb)) return { kind: 'help', group };
  if (verb.option) return fail(`Name a step before ${flagName(verb)}: ${usage}`, { suggestions: [`help ${group}`] });
  const found = findGrouped(catalog, group, verb.value);
  if (!found) {
    const suggestions = suggest(slug(verb.value) || verb.value.toLowerCase(), verbs).map((v) => `${group} ${v}`);
    return fail(`Unknown ${group} command ${show(verb.value)}.${didYouMean(suggestions) || ` Usage: ${usage}`}`, { suggestions });
  }
  return parseActionArgs(found.integration, found.action, rest.slice(1), opts);
}

/** The parser's error answer: one clipped line, with "did you mean" suggestions. */
import type { CommandError } from './parsed-command';
import { orList } from '../../lib/suggest';
import { clip, type Token } from './tokenize';

export const MAX_MESSAGE_LENGTH = 480;

export function fail(message: string, extra: Omit<CommandError, 'kind' | 'message'> = {}): CommandError {
  const line = clip(message, MAX_MESSAGE_LENGTH);
  const out: CommandError = { kind: 'error', message: line || 'Could not read this command.' };
  if (extra.suggestions?.length) out.suggestions = extra.suggestions;
  if (extra.integration) out.integration = extra.integration;
  if (extra.action) out.action = extra.action;
  if (extra.missing) out.missing = extra.missing;
  return out;
}

export function didYouMean(suggestions: string[]): string {
  return suggestions.length ? ` Did you mean ${orList(suggestions)}?` : '';
}

/** `--name` as the user typed it, safe for a message. */
export function flagName(tok: Token): string {
  return `--${clip(tok.option?.name ?? tok.value, 40)}`;
}

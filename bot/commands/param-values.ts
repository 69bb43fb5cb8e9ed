/**
 * A parameter's value as typed in chat, typed by the shared rule (handlers/kit/params) and, when
 * refused, worded for chat: `Parameter --<id>: …, got "<text>".` with the nearest options.
 */
import { coerceParam, type ParamProblem } from '../../handlers/kit/params';
import type { ParamSpec } from '../../handlers/kit/spec';
import { didYouMean } from './command-error';
import { suggest } from '../../lib/suggest';
import { clip, show, type Token } from './tokenize';

export { isEmpty, parseBoolean, splitList, typedDefault } from '../../handlers/kit/params';

/** One typed value, in its three forms. */
export type RawValue = Pick<Token, 'value' | 'literal' | 'source' | 'quoted'>;

type Converted = { ok: true; value: unknown } | { ok: false; message: string; suggestions?: string[] };

function chatMessage(param: ParamSpec, problem: ParamProblem, raw: RawValue): Omit<Extract<Converted, { ok: false }>, 'ok'> {
  const name = `--${param.id}`;
  switch (problem.kind) {
    case 'needs-value':
      return { message: `Parameter ${name} needs a value.` };
    case 'boolean':
      return { message: `Parameter ${name}: expected true or false, got ${show(problem.got)}.` };
    case 'integer':
      return { message: `Parameter ${name}: expected a whole number, got ${show(problem.got)}.` };
    case 'email':
      return { message: `Parameter ${name}: ${show(problem.got)} is not an email address.` };
    case 'url':
      return { message: `Parameter ${name}: expected an http:// or https:// URL, got ${show(problem.got)}.` };
    case 'enum': {
      const suggestions = suggest(problem.got.trim(), [...problem.options], 3);
      const tail = suggestions.length ? didYouMean(suggestions) : '';
      return { message: `Parameter ${name}: ${show(problem.got)} is not one of ${clip(problem.options.join(', '), 300)}.${tail}`, suggestions };
    }
    case 'json': {
      const hint = raw.quoted ? '' : ` Put JSON in single quotes: ${name} '{"key": "value"}'.`;
      return { message: `Parameter ${name}: invalid JSON (${clip(problem.reason, 120)}).${hint}` };
    }
    default:
      return { message: `Parameter ${name}: ${problem.kind === 'list' ? 'expected a list' : `expected text, not ${problem.got}`}.` };
  }
}

/** Converts one typed value to its param's type. */
export function convertValue(param: ParamSpec, raw: RawValue): Converted {
  // JSON: the text between the quotes as typed first, so that `'{"re": "\\d+"}'` (behaviour.md 16)
  // means what it says; then with escapes applied; then the token as typed.
  const r = coerceParam(param, raw.value, { jsonTexts: [raw.literal, raw.value, raw.source] });
  return r.ok ? r : { ok: false, ...chatMessage(param, r.problem, raw) };
}

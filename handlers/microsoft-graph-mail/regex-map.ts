/**
 * Regex Map JSON (behaviour.md 16): `{"name": "pattern"}` run on RE2, which cannot be made to hang.
 * Each name gets every match in the text (`allMatches`: at most MAX_MATCHES), in order, duplicates
 * dropped.
 */
import RE2 from 're2';
import { UserError } from '../kit/errors';
import { allMatches } from '../kit/user-regex';

export type RegexMap = Array<{ name: string; re: RE2 }>;

const PARAM = 'Regex Map JSON';

/** Compiles the parameter's JSON (already parsed by the grammar, or text from the config). */
export function compileRegexMap(value: unknown): RegexMap {
  if (value === undefined || value === null || value === '') return [];
  let map = value;
  if (typeof map === 'string') {
    try {
      map = JSON.parse(map);
    } catch (err) {
      throw new UserError(`${PARAM} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    throw new UserError(`${PARAM} must be a JSON object of name to regular expression, e.g. {"ips": "\\\\b\\\\d{1,3}(\\\\.\\\\d{1,3}){3}\\\\b"}.`);
  return Object.entries(map as Record<string, unknown>).map(([name, pattern]) => {
    if (typeof pattern !== 'string' || !pattern) throw new UserError(`${PARAM}: the value of "${name}" must be a regular expression in a string.`);
    try {
      return { name, re: new RE2(pattern, 'g') };
    } catch (err) {
      throw new UserError(
        `${PARAM}: the pattern of "${name}" is not supported (RE2 syntax: no backreferences or lookaround): ${(err as Error).message.split('\n')[0]}`,
      );
    }
  });
}

export function applyRegexMap(map: RegexMap, text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { name, re } of map) {
    out[name] = [...new Set(allMatches(re, text))];
  }
  return out;
}

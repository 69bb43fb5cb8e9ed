/**
 * User-given regular expressions (behaviour.md 16): always RE2, never the JS engine, so no pattern
 * can make a worker hang. A pattern RE2 cannot take (back-references, look-arounds) is refused
 * with a one-line UserError naming the parameter.
 *
 * Every match is read with `allMatches`, never `String.prototype.match`: re2 1.24.0 aborts the
 * whole process (`std::bad_alloc`) on `text.match(globalRe2)` when the pattern can match empty
 * text (`'bb'.match(new RE2('a*', 'g'))`).
 */
import RE2 from 're2';
import { UserError } from './errors';

/** At most this many matches are read from one text (`x?` matches at every position of 100 KB). */
export const MAX_MATCHES = 10_000;

export function compileUserRegex(source: string, paramName: string, flags = ''): RE2 {
  try {
    return new RE2(source, flags);
  } catch (err) {
    throw new UserError(`${paramName} ${JSON.stringify(source)} is not a regular expression RE2 accepts (${(err as Error).message.split('\n')[0]}).`);
  }
}

/** Past position `i` by one code point (RE2 misplaces matches when lastIndex splits a surrogate pair). */
function nextIndex(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const d = text.charCodeAt(i + 1);
  return c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff ? i + 2 : i + 1;
}

/**
 * Every match of `re` in `text`, in order (like `text.match(/…/g)`, empty matches included), at
 * most `limit` of them. `re` may have any flags; a global copy is used when it is not global.
 */
export function allMatches(re: RE2, text: string, limit = MAX_MATCHES): string[] {
  const g = re.global && !re.sticky ? re : new RE2(re.source, re.flags.replace(/[gy]/g, '') + 'g');
  const out: string[] = [];
  g.lastIndex = 0;
  while (out.length < limit) {
    const m = g.exec(text);
    if (!m) break;
    out.push(m[0]);
    if (m[0] === '') {
      if (m.index >= text.length) break;
      g.lastIndex = nextIndex(text, m.index);
    }
  }
  g.lastIndex = 0;
  return out;
}

/**
 * Splits a chat line into tokens (contract.md §4 values) and cleans up what the chat platforms do
 * to text before it reaches us.
 *
 * Tokens:
 * - bare words, separated by any whitespace (no-break spaces and zero-width spaces included);
 * - `"…"` and `'…'` with backslash escapes: `\"`, `\'`, `\\` (and any other quote character)
 *   stand for that character; every other backslash is kept as typed, so `"C:\files"` and
 *   regexes such as `'\d+'` need no doubling;
 * - smart quotes as Teams/Slack/macOS type them: `“…”`, `„…“`, `‘…’`. A quote opened with a
 *   smart quote closes with any quote of its kind; one opened with an ASCII quote closes only
 *   with the same ASCII quote (so `"He said “hi”"` keeps its inner quotes);
 * - inside a single-quoted value (and inside a bare word) an apostrophe followed by a letter or
 *   digit is text: `'don’t stop'`, `it's`;
 * - `--name=value` is one token whose value may be quoted: `--subject="a b"`;
 * - `—name` / `–name` (a dash that autocorrect made of `--`) is read as `--name`.
 * A quote that is never closed is an error.
 */

export interface TokenOption {
  /** The name after the two dashes (as typed, up to the first unquoted `=`). */
  name: string;
  /** The value after `=`, unquoted and unescaped; undefined for `--name` without `=`. */
  value?: string;
  /** The value after `=` with quotes removed but escapes as typed. */
  literal?: string;
  /** The value after `=` exactly as typed. */
  source?: string;
  /** Some of the value after `=` was quoted. */
  quoted: boolean;
}

export interface Token {
  /** The token's text: quotes removed, escapes applied. */
  value: string;
  /** Quotes removed, backslash escapes kept as typed (JSON-valued parameters prefer this). */
  literal: string;
  /** Exactly as typed, quotes included. */
  source: string;
  /** Some part of the token was quoted (a quoted token is never an option). */
  quoted: boolean;
  /** Offsets in the input line. */
  start: number;
  end: number;
  /** Set when the token starts with two unquoted dashes. */
  option?: TokenOption;
}

export type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; error: string; at: number };

const DOUBLE_QUOTES = new Set(['"', '“', '”', '„']);
const SINGLE_QUOTES = new Set(["'", '‘', '’', '‚']);
const DASHES = new Set(['—', '–', '−']);

/** Whitespace that separates tokens outside quotes. */
export function isSpace(ch: string): boolean {
  return /\s/.test(ch) || ch === '\u200b' || ch === '\ufeff' || ch === '\u2060' || ch === '\u180e';
}

function isQuote(ch: string): boolean {
  return DOUBLE_QUOTES.has(ch) || SINGLE_QUOTES.has(ch);
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch);
}

/** The character (code point) starting at `i`. */
function charAt(text: string, i: number): string {
  const cp = text.codePointAt(i);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

/**
 * User text made safe for a one-line message: control characters and line breaks become
 * spaces, lone surrogates become U+FFFD, and it is cut to `max` characters with `…`.
 */
export function clip(text: string, max = 40): string {
  const clean = String(text)
    .replace(/[\p{Cc}\u2028\u2029]/gu, ' ')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  const chars = Array.from(clean);
  return chars.length > max ? chars.slice(0, max).join('') + '…' : clean;
}

/** `clip` in double quotes, for naming a value in a message. */
export function show(text: string, max = 40): string {
  return `"${clip(text, max)}"`;
}

/** Splits `line` into tokens. Never throws. */
export function tokenize(line: string): TokenizeResult {
  const tokens: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) break;
    const start = i;
    let value = '';
    let literal = '';
    let quoted = false;
    let isOption = false;
    let eqValue = -1;
    let eqLiteral = -1;
    let eqSource = -1;
    let valueQuoted = false;
    let lastClosedQuote = false;

    if (line[i] === '-' && line[i + 1] === '-') {
      isOption = true;
      value = literal = '--';
      i += 2;
    } else if (DASHES.has(line[i]) && /[A-Za-z]/.test(line[i + 1] ?? '')) {
      isOption = true;
      value = literal = '--';
      i += 1;
    }

    while (i < n && !isSpace(line[i])) {
      const c = line[i];
      if (c === '\\') {
        const next = line[i + 1];
        if (next !== undefined && (next === '\\' || isQuote(next) || isSpace(next))) {
          value += next;
          literal += c + next;
          i += 2;
        } else {
          value += c;
          literal += c;
          i += 1;
        }
        lastClosedQuote = false;
        continue;
      }
      if (isOption && eqValue < 0 && c === '=') {
        eqValue = value.length;
        eqLiteral = literal.length;
        eqSource = i;
        value += c;
        literal += c;
        i += 1;
        lastClosedQuote = false;
        continue;
      }
      const opensDouble = DOUBLE_QUOTES.has(c);
      const opensSingle = SINGLE_QUOTES.has(c) && (lastClosedQuote || !isWordChar(lastChar(value)));
      if (opensDouble || opensSingle) {
        const openAt = i;
        const ascii = c === '"' || c === "'";
        const kind = opensDouble ? DOUBLE_QUOTES : SINGLE_QUOTES;
        quoted = true;
        if (eqValue >= 0) valueQuoted = true;
        i += 1;
        let closed = false;
        while (i < n) {
          const d = line[i];
          if (d === '\\') {
            const next = line[i + 1];
            if (next !== undefined && (next === '\\' || isQuote(next))) {
              value += next;
              literal += d + next;
              i += 2;
              continue;
            }
            value += d;
            literal += d;
            i += 1;
            continue;
          }
          const closes = ascii ? d === c : kind.has(d);
          if (closes && !(kind === SINGLE_QUOTES && isWordChar(charAt(line, i + 1)))) {
            i += 1;
            closed = true;
            break;
          }
          value += d;
          literal += d;
          i += 1;
        }
        if (!closed) {
          return {
            ok: false,
            at: openAt,
            error: `Unterminated quote: ${clip(line.slice(openAt, openAt + 30), 24)} has no closing ${closingFor(c)}.`,
          };
        }
        lastClosedQuote = true;
        continue;
      }
      value += c;
      literal += c;
      i += 1;
      lastClosedQuote = false;
    }

    const token: Token = { value, literal, source: line.slice(start, i), quoted, start, end: i };
    if (isOption) {
      const option: TokenOption = { name: eqValue >= 0 ? value.slice(2, eqValue) : value.slice(2), quoted: valueQuoted };
      if (eqValue >= 0) {
        option.value = value.slice(eqValue + 1);
        option.literal = literal.slice(eqLiteral + 1);
        option.source = line.slice(eqSource + 1, i);
      }
      token.option = option;
    }
    tokens.push(token);
  }
  return { ok: true, tokens };
}

function closingFor(open: string): string {
  if (open === '"' || open === "'") return open;
  return DOUBLE_QUOTES.has(open) ? '”' : '’';
}

function lastChar(s: string): string | undefined {
  if (!s) return undefined;
  const last = s.charCodeAt(s.length - 1);
  if (last >= 0xdc00 && last <= 0xdfff && s.length >= 2) return charAt(s, s.length - 2);
  return s[s.length - 1];
}

/**
 * Quotes a value so that `tokenize` reads it back unchanged: bare when it is a plain word,
 * otherwise `"…"` with `\` and `"` escaped.
 */
export function quoteArg(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+:,./=-]+$/.test(value) && !value.startsWith('-')) return value;
  return `"${value.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

// ---------------------------------------------------------------------------------------------
// Chat text normalisation

export type ChatPlatform = 'teams' | 'slack' | 'web' | 'any';

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  hellip: '…',
  zwsp: '',
};

/** Decodes `&amp; &lt; &gt; &quot; &apos; &#39; &nbsp;` and numeric entities (`&#8220;`, `&#x201C;`). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (whole, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!Number.isFinite(cp) || cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return whole;
      return cp === 0xa0 ? ' ' : String.fromCodePoint(cp);
    }
    const named = NAMED_ENTITIES[body.toLowerCase()];
    return named === undefined ? whole : named;
  });
}

/** Slack's angle-bracket escapes: links, mailto links, user/channel mentions, special mentions. */
function unwrapSlack(text: string): string {
  return text.replace(/<([^<>\s|]+)(?:\|([^<>]*))?>/g, (whole, target: string, label: string | undefined) => {
    if (/^@[UW][A-Z0-9]+$/.test(target)) return `slack:${target.slice(1)}`;
    if (/^#C[A-Z0-9]+$/.test(target)) return `slack:${target.slice(1)}`;
    if (/^!subteam\^[A-Z0-9]+$/.test(target)) return label ? `@${label.replace(/^@/, '')}` : target.slice(1);
    if (/^!(here|channel|everyone)$/.test(target)) return `@${target.slice(1)}`;
    if (/^mailto:/i.test(target)) {
      const address = target.slice('mailto:'.length);
      return label?.includes('@') ? label : address;
    }
    if (/^(https?|ftp|tel|sms|slack):/i.test(target)) {
      // Slack links what looks like a domain (`contoso.com` → `<http://contoso.com|contoso.com>`):
      // keep what the user typed when the label is the link without its scheme.
      if (label && (target === `http://${label}` || target === `https://${label}` || target === `http://${label}/`)) return label;
      return target;
    }
    return whole;
  });
}

const TEAMS_TAGS = /<\/?(?:p|div|span|br|strong|b|em|i|u|s|strike|del|code|pre|a|font|blockquote|ol|ul|li|h[1-6]|img|systemtag)(?:\s[^<>]*)?\/?>/gi;

/**
 * Cleans text as the chat platforms deliver it, before `parseCommand`:
 * - Teams: removes `<at>…</at>` mentions and formatting tags (`<p>`, `<div>`, `<br>`, …; `<br>`
 *   and block ends become spaces), then decodes HTML entities (`&quot;`, `&amp;`, `&nbsp;`, …);
 * - Slack: `<http://x>` / `<http://x|label>` → the URL (the label when it is the URL without
 *   scheme, i.e. what the user typed), `<mailto:a@b|a@b>` → `a@b`, `<@U123|name>` → `slack:U123`,
 *   `<#C123|name>` → `slack:C123`, `<!here>` → `@here`, then `&amp; &lt; &gt;` decoded;
 * - all: a leading `@name` mention is removed, no-break and zero-width spaces become spaces, and
 *   the text is trimmed.
 * `platform` picks which rules apply; `any` (the default) applies the Teams and Slack ones, which
 * is safe for either. Web chat text is delivered verbatim, so `web` only does the last step.
 * Never throws.
 */
export function normalizeChatText(text: string, platform: ChatPlatform = 'any'): string {
  try {
    let t = typeof text === 'string' ? text : String(text ?? '');
    if (platform === 'teams' || platform === 'any') {
      t = t.replace(/<at(?:\s[^<>]*)?>[\s\S]*?<\/at>/gi, ' ');
      t = t.replace(/<br\s*\/?>|<\/(?:p|div|li|h[1-6]|blockquote)>/gi, (m) => (/br/i.test(m) ? '\n' : ' '));
      t = t.replace(TEAMS_TAGS, '');
    }
    if (platform === 'slack' || platform === 'any') {
      // An app mention addressed to the bot (`<@U0BOT> soar jobs`) is not part of the command.
      t = unwrapSlack(t.replace(/^\s*<@[UW][A-Z0-9]+(?:\|[^<>]*)?>\s*/, ''));
    }
    if (platform !== 'web') t = decodeEntities(t);
    t = t.replace(/[\u00a0\u2007\u202f]/g, ' ').replace(/[\u200b\u2060\ufeff]/g, '');
    t = t.trim();
    t = stripLeadingMention(t);
    return t;
  } catch {
    return typeof text === 'string' ? text.trim() : '';
  }
}

/** Removes a leading `@name ` (a mention the platform left as text) and `<at>…</at>`. */
export function stripLeadingMention(text: string): string {
  let t = text.replace(/^\s*(?:<at(?:\s[^<>]*)?>[\s\S]*?<\/at>\s*)+/i, '');
  t = t.replace(/^@[^\s@]+(?:\s+|$)/, '');
  return t.trim();
}

/**
 * Escaping for everything the renderer shows. Every string in a ChatMessage is raw text from mail
 * or users; nothing here trusts it. Three layers:
 *
 * 1. {@link sanitizeText}: platform-neutral clean-up (control characters, bidi overrides, lone
 *    surrogates, line endings). Idempotent.
 * 2. Slack: {@link escapeSlackMrkdwn} (mrkdwn text objects and the top-level `text`),
 *    {@link escapeSlackPlain} (plain_text objects), {@link escapeSlackCode} (inside ``` blocks),
 *    {@link slackLinkUrl} (the URL half of `<url|text>`).
 * 3. Adaptive Cards: user text is only ever placed in `TextRun`s (RichTextBlock), which hosts do
 *    not run through Markdown, after {@link neutraliseAdaptiveText} breaks the `{{DATE()}}` /
 *    `{{TIME()}}` functions that even TextRuns evaluate. {@link escapeAdaptiveMarkdown} is for
 *    the places where Markdown is processed (TextBlock, FactSet, Toggle title).
 *
 * `${...}` in data needs no escaping: adaptivecards-templating parses the template once and
 * inserts data values as they are (tested in test/unit/cards.test.ts).
 */

/** U+2026 HORIZONTAL ELLIPSIS, the marker every truncation starts with. */
export const ELLIPSIS = '\u2026';

const ZWSP = '\u200B';

// C0 controls except TAB and LF (CR is normalised first), DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it strips
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// Bidi embeddings/overrides (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI): the
// "invoice\u202Efdp.exe" trick. Shown as a visible marker instead of being obeyed.
const BIDI = /[\u202A-\u202E\u2066-\u2069]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Platform-neutral clean-up of raw text: CRLF/CR/U+2028/U+2029 become LF, NUL and other control
 * characters become U+FFFD, bidi override/isolate characters become a visible `[U+202E]`
 * marker, lone surrogates become U+FFFD. Non-strings are stringified (`null`/`undefined` → '').
 */
export function sanitizeText(value: unknown): string {
  let s: string;
  if (typeof value === 'string') s = value;
  else if (value === null || value === undefined) s = '';
  else {
    try {
      s = String(value);
    } catch {
      s = '';
    }
  }
  return s
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(CONTROL, '\uFFFD')
    .replace(BIDI, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase()}]`)
    .replace(LONE_SURROGATE, '\uFFFD');
}

/** `s` cut to at most `max` UTF-16 units without splitting a surrogate pair. */
export function cutAt(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = Math.max(0, max);
  const code = s.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end -= 1;
  return s.slice(0, end);
}

/**
 * Sanitises and shortens to at most `max` characters (marker included): a cut text ends with
 * `…` plus `suffix` (default: ` [N more characters]`).
 */
export function truncateText(value: unknown, max: number, suffix?: (omitted: number) => string): string {
  // Bound the work on megabyte inputs before the regex passes (sanitising never shrinks text
  // below half its length, so 2 × max + 64 raw units are enough to fill `max`).
  const raw = typeof value === 'string' && value.length > max * 2 + 64 ? cutAt(value, max * 2 + 64) : value;
  const s = sanitizeText(raw);
  const total = typeof value === 'string' && raw !== value ? s.length + (value.length - (raw as string).length) : s.length;
  if (total <= max) return s;
  const tail = (omitted: number): string => ELLIPSIS + (suffix ? suffix(omitted) : ` [${omitted} more characters]`);
  let keep = Math.max(0, max - tail(total).length);
  let out = cutAt(s, keep);
  // The omitted count changes the suffix length only by a digit or two; settle it.
  for (let i = 0; i < 3 && out.length + tail(total - out.length).length > max && keep > 0; i++) {
    keep -= 1;
    out = cutAt(s, keep);
  }
  const result = out + tail(total - out.length);
  return result.length <= max ? result : cutAt(result, max);
}

/** One line: newlines and tabs become spaces (table cells, titles, labels). */
export function singleLine(s: string): string {
  return s.replace(/[\n\t]+/g, ' ');
}

// ---------------------------------------------------------------------------------------------
// Slack

const SLACK_FORMAT_LOOKALIKE: Record<string, string> = {
  '*': '\u2217', // ∗ ASTERISK OPERATOR
  _: '\uFF3F', // ＿ FULLWIDTH LOW LINE
  '~': '\u223C', // ∼ TILDE OPERATOR
  '`': '\u02CB', // ˋ MODIFIER LETTER GRAVE ACCENT
};

const WORD = /[\p{L}\p{N}]/u;

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && WORD.test(c);
}

/** The three characters Slack requires escaped in every text object. */
export function escapeSlackEntities(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text for a Slack `mrkdwn` text object or the top-level `text`:
 * - `&`, `<`, `>` become entities, so `<!channel>`, `<@U123>`, `<http://evil|click>` and
 *   `<!date^…>` are shown, never parsed;
 * - `@here`, `@channel`, `@everyone` get a full-width at sign (no broadcast even with
 *   `link_names`);
 * - formatting delimiters `*` `_` `~` that could open or close formatting (not between two
 *   letters/digits, runs included, so `soc_team` and mail ids stay copyable) and every backtick are replaced by
 *   look-alikes that Slack never treats as delimiters (Slack has no escape character);
 * - a `>` at the start of a line (a quote once decoded) becomes a full-width `＞`.
 */
export function escapeSlackMrkdwn(value: unknown): string {
  const s = sanitizeText(value);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '&') out += '&amp;';
    else if (c === '<') out += '&lt;';
    else if (c === '>') {
      let j = i - 1;
      while (j >= 0 && (s[j] === ' ' || s[j] === '\t')) j--;
      out += j < 0 || s[j] === '\n' ? '\uFF1E' : '&gt;';
    } else if (c === '`') out += SLACK_FORMAT_LOOKALIKE[c];
    else if (c === '*' || c === '_' || c === '~') {
      // Only a run after a space, punctuation or the start can open formatting; with no opener
      // nothing can close, so runs after a letter or digit (`soc_team`, `…x__pp`, `…8_-Y` in mail
      // ids) stay as typed and copyable.
      let j = i;
      while (s[j + 1] === c) j++;
      const inWord = isWordChar(s[i - 1]) || inIdToken(s, i) || inUrlToken(s, i);
      out += inWord ? c.repeat(j - i + 1) : SLACK_FORMAT_LOOKALIKE[c].repeat(j - i + 1);
      i = j;
    } else out += c;
  }
  return neutraliseBroadcasts(out);
}

/** The whitespace-delimited token around position `i`. */
function tokenAt(s: string, i: number): string {
  let a = i;
  let b = i;
  while (a > 0 && !/\s/.test(s[a - 1]!)) a--;
  while (b < s.length - 1 && !/\s/.test(s[b + 1]!)) b++;
  return s.slice(a, b + 1);
}

/** Whether position `i` lies in a long base64/base64url token (a mail id): copied, never formatted. */
function inIdToken(s: string, i: number): boolean {
  return /^[A-Za-z0-9_\-+/=]{20,}$/.test(tokenAt(s, i).replace(/^["'(]|["'),.;:]$/g, ''));
}

/** Whether position `i` lies in a URL: Slack links it whole, and a look-alike would break it (a sign-in link's `state=_…`). */
function inUrlToken(s: string, i: number): boolean {
  return /^["'(]?https?:\/\/\S+$/.test(tokenAt(s, i));
}

/** Text for a Slack `plain_text` object (header, button, label, option): entities only. */
export function escapeSlackPlain(value: unknown): string {
  return escapeSlackEntities(sanitizeText(value));
}

/**
 * Text inside a ``` code block: entities (Slack parses `<…>` even there), broadcast mentions
 * neutralised, and no two backticks in a row, so content can never close the block. Other
 * characters stay as they are.
 */
export function escapeSlackCode(value: unknown): string {
  return neutraliseBroadcasts(escapeSlackEntities(sanitizeText(value)).replace(/`(?=`)/g, '`' + ZWSP));
}

/** `@here`, `@channel`, `@everyone` (not inside an address like `ops@here.com`) get a full-width at sign. */
function neutraliseBroadcasts(s: string): string {
  return s.replace(/(?<![\p{L}\p{N}._%+-])@(here|channel|everyone)(?![\p{L}\p{N}])/giu, '\uFF20$1');
}

/**
 * The URL half of a Slack `<url|text>` link: only absolute http(s) URLs (anything else →
 * `undefined`), normalised by WHATWG URL, with `|`, `<`, `>` percent-encoded and `&` an entity.
 */
export function slackLinkUrl(url: unknown): string | undefined {
  const href = safeHttpUrl(url);
  if (!href) return undefined;
  return href.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/&/g, '&amp;');
}

/** `url` normalised if it is an absolute http(s) URL without credentials, else `undefined`. */
export function safeHttpUrl(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length > 4000) return undefined;
  const trimmed = url.trim();
  if (!/^https?:\/\//i.test(trimmed)) return undefined;
  try {
    const u = new URL(trimmed);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.username || u.password) return undefined;
    // WHATWG leaves a few characters raw that chat clients treat specially.
    return u.href.replace(/"/g, '%22').replace(/ /g, '%20');
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Adaptive Cards

/**
 * Text for a `TextRun` (RichTextBlock), which hosts never run through Markdown. Only the
 * `{{DATE(…)}}` / `{{TIME(…)}}` functions are evaluated there; a zero-width space between the
 * braces keeps them literal.
 */
export function neutraliseAdaptiveText(value: unknown): string {
  return sanitizeText(value).replace(/\{\{(?=(DATE|TIME)\()/g, '{' + ZWSP + '{');
}

const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+\-.!~|<>&=^]/g;

/**
 * Text for places where an Adaptive Card host applies its Markdown subset (TextBlock, Fact
 * title/value, Toggle and expanded choice titles): every ASCII punctuation character Markdown
 * uses gets a backslash (CommonMark escapes), so `[click](http://evil)` or `**x**` stay literal;
 * date functions are broken as in {@link neutraliseAdaptiveText}.
 */
export function escapeAdaptiveMarkdown(value: unknown): string {
  return neutraliseAdaptiveText(value).replace(MARKDOWN_SPECIAL, (c) => '\\' + c);
}

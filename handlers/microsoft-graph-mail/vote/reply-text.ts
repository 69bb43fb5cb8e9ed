/**
 * What a reply says: its body as plain text, the quoted original cut off (Outlook's separator
 * line or `From:`/`Sent:` header block, `-----Original Message-----`, `On … wrote:`, `>` lines),
 * as one line for the chat message.
 */

const ENTITIES: Record<string, string> = { nbsp: ' ', lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };

export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head|title)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h\d|blockquote|table)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1]?.toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function bodyText(body: { contentType?: string; content?: string } | undefined): string {
  const content = body?.content ?? '';
  return (body?.contentType ?? '').toLowerCase() === 'html' ? htmlToText(content) : content.replace(/\r\n?/g, '\n').trim();
}

const QUOTE_STARTS = [
  /^_{10,}\s*$/m,
  /^-{2,}\s*Original Message\s*-{2,}/im,
  // Gmail and Apple Mail; the attribution line may wrap once.
  /^On [^\n]{1,200}(?:\n[^\n]{1,200})?wrote:\s*$/m,
  /^From:[^\n]*\n(?:[^\n]*\n){0,3}?(?:Sent|Date):/im,
  /^>/m,
];

/** The text before the quoted original. */
export function newPart(text: string): string {
  let end = text.length;
  for (const re of QUOTE_STARTS) {
    const m = re.exec(text);
    if (m && m.index < end) end = m.index;
  }
  return text.slice(0, end).trim();
}

/** Whitespace collapsed, at most `max` characters. */
export function oneLine(text: string, max = 500): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Plain text of message bodies: for bodyPreview, `outlook.body-content-type="text"`, quoting and OOF messages. */
import type { Message } from './message';

/** Plain text of an HTML body. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A message's body as plain text. */
export function bodyText(m: Message): string {
  return m.body.contentType === 'html' ? htmlToText(m.body.content) : m.body.content;
}

/** The original under a reply or forward, Outlook style. */
export function quoteOf(m: Message): string {
  const from = m.from ? `${m.from.emailAddress.name} <${m.from.emailAddress.address}>` : '';
  return `\n\n________________________________\nFrom: ${from}\nSent: ${new Date(m.sentDateTime).toUTCString()}\nSubject: ${m.subject}\n\n${bodyText(m)}`;
}

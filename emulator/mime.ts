/** Builds RFC 5322 / MIME text for a stored message (what Graph's `/messages/{id}/$value` returns). */
import { randomBytes } from 'node:crypto';
import type { Attachment, EmailAddressValue, Message } from './message';

const CRLF = '\r\n';

/** Encodes a header value as an RFC 2047 word when it is not plain ASCII. */
function encodeWord(value: string): string {
  if (/^[ -~]*$/.test(value)) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

function formatAddress(a: EmailAddressValue): string {
  if (!a.name || a.name === a.address) return a.address;
  const name = /^[\w .'-]+$/.test(a.name) ? `"${a.name}"` : encodeWord(a.name);
  return `${name} <${a.address}>`;
}

/** `Tue, 01 Oct 2024 10:00:00 +0000` */
export function rfc2822Date(iso: string): string {
  return new Date(iso).toUTCString().replace('GMT', '+0000');
}

function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

function boundary(): string {
  return `----=_Part_${randomBytes(12).toString('hex')}`;
}

function attachmentPart(a: Attachment): string {
  const name = encodeWord(a.name);
  if (a.kind === 'item') {
    return [`Content-Type: message/rfc822`, `Content-Disposition: attachment; filename="${name}.eml"`, '', toMime(a.item)].join(CRLF);
  }
  if (a.contentType.toLowerCase() === 'message/rfc822') {
    // RFC 2046 §5.2.1: message/rfc822 parts are never base64-encoded.
    return [`Content-Type: message/rfc822; name="${name}"`, `Content-Disposition: attachment; filename="${name}"`, '', a.content.toString('utf8')].join(CRLF);
  }
  const lines = [
    `Content-Type: ${a.contentType}; name="${name}"`,
    `Content-Disposition: ${a.isInline ? 'inline' : 'attachment'}; filename="${name}"`,
    'Content-Transfer-Encoding: base64',
  ];
  if (a.contentId) lines.push(`Content-ID: <${a.contentId}>`);
  lines.push('', base64Lines(a.content));
  return lines.join(CRLF);
}

/** The message as MIME text. */
export function toMime(m: Message): string {
  const headers: string[] = [];
  const reserved = new Set(['from', 'to', 'cc', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding']);
  for (const h of m.internetMessageHeaders) {
    if (!reserved.has(h.name.toLowerCase())) headers.push(`${h.name}: ${h.value}`);
  }
  if (m.from) headers.push(`From: ${formatAddress(m.from.emailAddress)}`);
  if (m.toRecipients.length) headers.push(`To: ${m.toRecipients.map((r) => formatAddress(r.emailAddress)).join(', ')}`);
  if (m.ccRecipients.length) headers.push(`Cc: ${m.ccRecipients.map((r) => formatAddress(r.emailAddress)).join(', ')}`);
  headers.push(`Subject: ${encodeWord(m.subject)}`);
  headers.push(`Date: ${rfc2822Date(m.sentDateTime)}`);
  headers.push(`Message-ID: ${m.internetMessageId}`);
  headers.push('MIME-Version: 1.0');

  const bodyType = m.body.contentType === 'html' ? 'text/html' : 'text/plain';
  const bodyPart = [
    `Content-Type: ${bodyType}; charset="utf-8"`,
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(Buffer.from(m.body.content, 'utf8')),
  ].join(CRLF);

  if (m.attachments.length === 0) {
    return [...headers, bodyPart].join(CRLF) + CRLF;
  }
  const b = boundary();
  const parts = [bodyPart, ...m.attachments.map(attachmentPart)];
  return [
    ...headers,
    `Content-Type: multipart/mixed; boundary="${b}"`,
    '',
    'This is a multi-part message in MIME format.',
    ...parts.flatMap((p) => [`--${b}`, p]),
    `--${b}--`,
    '',
  ].join(CRLF);
}

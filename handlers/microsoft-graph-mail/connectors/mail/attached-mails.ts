/**
 * Mail files attached to a mail (a user's phishing report carries the original): `.eml` files
 * and Outlook items, read with mailparser. The connector adds their keys to the event under the
 * Attached Mail File Prefix, or makes one alert per file.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import type { GraphClient } from '../../client';

export interface GraphAttachment {
  '@odata.type'?: string;
  id: string;
  name?: string;
  contentType?: string | null;
  contentBytes?: string;
  isInline?: boolean;
}

export interface AttachedMail {
  fileName: string;
  subject: string;
  from: string;
  to: string;
  cc: string;
  date: string;
  messageId: string;
  body: string;
}

function addresses(a: AddressObject | AddressObject[] | undefined): string {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  return list
    .flatMap((x) => x.value.map((v) => v.address ?? ''))
    .filter(Boolean)
    .join(', ');
}

export function isMailFile(a: GraphAttachment): boolean {
  if (a['@odata.type'] === '#microsoft.graph.itemAttachment') return true;
  return a['@odata.type'] === '#microsoft.graph.fileAttachment' && (/\.eml$/i.test(a.name ?? '') || /^message\/rfc822/i.test(a.contentType ?? ''));
}

export async function parseMail(fileName: string, mime: Buffer | string): Promise<AttachedMail> {
  const m = await simpleParser(mime, { skipHtmlToText: false, skipImageLinks: true, skipTextLinks: true });
  return {
    fileName,
    subject: m.subject ?? '',
    from: addresses(m.from),
    to: addresses(m.to),
    cc: addresses(m.cc),
    date: m.date ? m.date.toISOString() : '',
    messageId: m.messageId ?? '',
    body: (m.text ?? '').trim(),
  };
}

/** The attached mails of one message, in attachment order (unreadable ones are skipped). */
export async function attachedMails(
  graph: GraphClient,
  messagePath: string,
  attachments: GraphAttachment[],
  onError: (name: string, err: unknown) => void,
): Promise<AttachedMail[]> {
  const out: AttachedMail[] = [];
  for (const a of attachments.filter(isMailFile)) {
    const name = a.name ?? 'attached mail';
    try {
      let mime: Buffer | string;
      if (a.contentBytes) mime = Buffer.from(a.contentBytes, 'base64');
      else mime = String((await graph.request('GET', `${messagePath}/attachments/${encodeURIComponent(a.id)}/$value`)).body ?? '');
      out.push(await parseMail(name, mime));
    } catch (err) {
      onError(name, err);
    }
  }
  return out;
}

/**
 * A message's attachments with their bytes: file attachments from `contentBytes`, Outlook item
 * attachments (a forwarded mail) as the MIME text Graph renders for them (`…/attachments/{id}/$value`).
 * https://learn.microsoft.com/graph/api/message-list-attachments, https://learn.microsoft.com/graph/outlook-get-mime-message
 */
import type { GraphClient } from './client';
import { UpstreamError } from '../kit/errors';
import { graphReason } from './client';

export interface MailAttachment {
  id: string;
  /** The name as the mail gives it (unsafe for a file system: see safeFileName). */
  name: string;
  kind: 'file' | 'item';
  contentType: string;
  isInline: boolean;
  data: Buffer;
}

interface AttachmentJson {
  '@odata.type'?: string;
  id: string;
  name?: string | null;
  contentType?: string | null;
  isInline?: boolean;
  contentBytes?: string;
}

function messagePath(mailbox: string, messageId: string): string {
  return `v1.0/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(messageId)}`;
}

/** A message's MIME (RFC 822) text: what Outlook saves as `.eml`. */
export async function messageMime(graph: GraphClient, mailbox: string, messageId: string): Promise<Buffer> {
  return rawText(graph, `${messagePath(mailbox, messageId)}/$value`);
}

async function rawText(graph: GraphClient, path: string): Promise<Buffer> {
  const res = await graph.request('GET', path);
  if (res.status < 200 || res.status >= 300) throw new UpstreamError(graphReason(res.status, res.body), res.status);
  return Buffer.from(typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? ''), 'utf8');
}

/** Every attachment of the message; inline ones (pictures of the body) only when asked. */
export async function messageAttachments(graph: GraphClient, mailbox: string, messageId: string, opts: { inline?: boolean } = {}): Promise<MailAttachment[]> {
  const base = `${messagePath(mailbox, messageId)}/attachments`;
  const list = await graph.list<AttachmentJson>(`${base}?$top=250`);
  const wanted = list.filter((a) => opts.inline || a.isInline !== true);
  return Promise.all(
    wanted.map(async (a): Promise<MailAttachment> => {
      const type = String(a['@odata.type'] ?? '').toLowerCase();
      if (type.endsWith('itemattachment')) {
        return {
          id: a.id,
          name: a.name || 'attached message',
          kind: 'item',
          contentType: 'message/rfc822',
          isInline: false,
          data: await rawText(graph, `${base}/${encodeURIComponent(a.id)}/$value`),
        };
      }
      // Reference attachments (links to OneDrive files) carry no bytes.
      let bytes = a.contentBytes;
      if (bytes === undefined && type.endsWith('fileattachment')) {
        const full = await graph.call<AttachmentJson>('GET', `${base}/${encodeURIComponent(a.id)}`);
        bytes = full.contentBytes;
      }
      return {
        id: a.id,
        name: a.name || 'attachment',
        kind: 'file',
        contentType: a.contentType || 'application/octet-stream',
        isInline: a.isInline === true,
        data: Buffer.from(bytes ?? '', 'base64'),
      };
    }),
  );
}

/** An attached mail: an Outlook item, a `message/rfc822` part or an `.eml` file. */
export function isEmailFile(a: { name: string; contentType: string; kind?: string }): boolean {
  return a.kind === 'item' || /^message\/rfc822\b/i.test(a.contentType) || /\.eml$/i.test(a.name);
}

/** The file name an attachment is saved under: an Outlook item becomes `<name>.eml`. */
export function savedNameOf(a: Pick<MailAttachment, 'name' | 'kind'>): string {
  return a.kind === 'item' && !/\.eml$/i.test(a.name) ? `${a.name}.eml` : a.name;
}

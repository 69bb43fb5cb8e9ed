/**
 * Fetch Response Attachments: a reply's attachments saved under the files root and posted in the
 * thread titled `RECIPIENT_EMAIL reply attachment.` (behaviour.md 12). Inline images (signatures,
 * logos) are not attachments a recipient sent; an attached mail is saved as `.eml`.
 * https://learn.microsoft.com/graph/api/message-list-attachments
 */
import { createHash } from 'node:crypto';
import type { ActionContext } from '../../kit/context';
import type { ResultFile } from '../../kit/outcome';
import { safeFileName } from '../../../lib/files';
import type { GraphClient } from '../client';
import { mailboxPath } from '../send-once';

interface AttachmentJson {
  '@odata.type'?: string;
  id: string;
  name?: string;
  isInline?: boolean;
  contentBytes?: string;
}

export async function saveReplyAttachments(ctx: ActionContext, graph: GraphClient, mailbox: string, replyId: string, recipient: string): Promise<ResultFile[]> {
  const base = `${mailboxPath(mailbox)}/messages/${encodeURIComponent(replyId)}/attachments`;
  const attachments = await graph.list<AttachmentJson>(base);
  // The same reply always gets the same file names, so a retried poll overwrites, never duplicates.
  const tag = createHash('sha256').update(replyId).digest('hex').slice(0, 8);
  const out: ResultFile[] = [];
  for (const [i, a] of attachments.entries()) {
    if (a.isInline) continue;
    const type = String(a['@odata.type'] ?? '').toLowerCase();
    let name = a.name || 'attachment';
    let data: Buffer;
    if (type.endsWith('fileattachment') && typeof a.contentBytes === 'string') {
      data = Buffer.from(a.contentBytes, 'base64');
    } else if (type.endsWith('itemattachment')) {
      const mime = await graph.call<unknown>('GET', `${base}/${encodeURIComponent(a.id)}/$value`);
      data = Buffer.from(typeof mime === 'string' ? mime : JSON.stringify(mime), 'utf8');
      if (!/\.eml$/i.test(name)) name = `${name}.eml`;
    } else {
      continue; // reference attachments are links to cloud files, not content
    }
    const display = safeFileName(name);
    const path = await ctx.files.write(`reply-${tag}-${i + 1}-${display}`, data);
    out.push({ name: display, path, title: `${recipient} reply attachment.` });
  }
  return out;
}

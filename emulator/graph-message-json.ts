/** Messages and attachments as Graph answers them. */
import { badRequest, contextUrl, preferenceApplied, type GraphCall, type Obj } from './graph-call';
import { json, type EmuResponse } from './http';
import type { Mailbox } from './mailbox';
import type { Attachment, Message } from './message';
import { bodyText, htmlToText } from './message-text';
import { toMime } from './mime';
import { applySelect, ODataError } from './odata';

/** The id the caller asked for (`Prefer: IdType="ImmutableId"`). */
export function messageIdOf(g: GraphCall, m: Message): string {
  return g.immutableIds ? m.immutableId : m.id;
}

function bodyOf(g: GraphCall, m: Message): { contentType: string; content: string } {
  if (g.textBody && m.body.contentType === 'html') return { contentType: 'text', content: htmlToText(m.body.content) };
  return { contentType: m.body.contentType, content: m.body.content };
}

export function attachmentSize(a: Attachment): number {
  return a.kind === 'file' ? a.content.length + 200 : Buffer.byteLength(toMime(a.item)) + 200;
}

/** `withContent: false` leaves out `contentBytes` (a `$select` without it; saves encoding big files). */
export function attachmentJson(g: GraphCall, a: Attachment, expandItem: boolean, withContent = true): Obj {
  if (a.kind === 'file') {
    const out: Obj = {
      '@odata.type': '#microsoft.graph.fileAttachment',
      '@odata.mediaContentType': a.contentType,
      id: a.id,
      lastModifiedDateTime: a.lastModifiedDateTime,
      name: a.name,
      contentType: a.contentType,
      size: attachmentSize(a),
      isInline: a.isInline,
      contentId: a.contentId,
      contentLocation: null,
    };
    if (withContent) out.contentBytes = a.content.toString('base64');
    return out;
  }
  const out: Obj = {
    '@odata.type': '#microsoft.graph.itemAttachment',
    id: a.id,
    lastModifiedDateTime: a.lastModifiedDateTime,
    name: a.name,
    contentType: null,
    size: attachmentSize(a),
    isInline: false,
  };
  if (expandItem) out.item = { '@odata.type': '#microsoft.graph.message', ...messageJson(g, a.item, null, false) };
  return out;
}

/** A message as Graph returns it (every property; `$select` trims it later). */
export function messageJson(g: GraphCall, m: Message, mb: Mailbox | null, expandAttachments: boolean): Obj {
  const id = messageIdOf(g, m);
  const out: Obj = {
    '@odata.etag': `W/"${m.changeKey}"`,
    id,
    createdDateTime: m.createdDateTime,
    lastModifiedDateTime: m.lastModifiedDateTime,
    changeKey: m.changeKey,
    categories: m.categories,
    receivedDateTime: m.receivedDateTime,
    sentDateTime: m.sentDateTime,
    hasAttachments: m.attachments.some((a) => a.kind === 'item' || !a.isInline),
    internetMessageId: m.internetMessageId,
    subject: m.subject,
    bodyPreview: bodyText(m).replace(/\s+/g, ' ').trim().slice(0, 255),
    importance: m.importance,
    parentFolderId: mb ? m.folderId : null,
    conversationId: m.conversationId,
    conversationIndex: Buffer.from(m.conversationId).toString('base64').slice(0, 30),
    isDeliveryReceiptRequested: m.isDeliveryReceiptRequested,
    isReadReceiptRequested: m.isReadReceiptRequested,
    isRead: m.isRead,
    isDraft: m.isDraft,
    webLink: `${g.req.baseUrl}/owa/?ItemID=${encodeURIComponent(id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: m.inferenceClassification,
    body: bodyOf(g, m),
    sender: m.sender,
    from: m.from,
    toRecipients: m.toRecipients,
    ccRecipients: m.ccRecipients,
    bccRecipients: m.bccRecipients,
    replyTo: m.replyTo,
    flag: m.flag,
    internetMessageHeaders: m.internetMessageHeaders,
  };
  if (expandAttachments) out.attachments = m.attachments.map((a) => attachmentJson(g, a, false));
  return out;
}

/** Final shape: `$select` applied, internetMessageHeaders only when selected. */
export function shapeMessage(full: Obj, select: string | null): Obj {
  if (select) return applySelect(full, select, 'microsoft.graph.message');
  const { internetMessageHeaders: _omit, ...rest } = full;
  return rest;
}

/** `$expand=attachments` asked for. */
export function expandsAttachments(g: GraphCall): boolean {
  return (g.req.query.get('$expand') ?? '').toLowerCase().includes('attachments');
}

/** One message with its `@odata.context`. */
export function messageEntityJson(g: GraphCall, mb: Mailbox, m: Message, expand: boolean, select: string | null): Obj {
  return { '@odata.context': contextUrl(g, mb, 'messages/$entity'), ...shapeMessage(messageJson(g, m, mb, expand), select) };
}

/** One message as the query asks for it (`$expand`, `$select`, text body). */
export function messageEntity(g: GraphCall, mb: Mailbox, m: Message, status = 200): EmuResponse {
  try {
    return json(status, messageEntityJson(g, mb, m, expandsAttachments(g), g.req.query.get('$select')), preferenceApplied(g));
  } catch (err) {
    if (err instanceof ODataError) return badRequest(err.message);
    throw err;
  }
}

/** A message resource in a Graph request body (create, update, sendMail, reply, attachments) → MessageInput, with Graph's 400s. */
import { badRequest, fail, type Obj } from './graph-call';
import { graphError, isObject } from './http';
import type { AttachmentInput, MessageInput } from './message-input';

export function recipientsIn(v: unknown, field: string): { name?: string; address: string }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(badRequest(`Property '${field}' must be a collection.`));
  const out: { name?: string; address: string }[] = [];
  for (const r of v) {
    const ea = isObject(r) && isObject(r.emailAddress) ? r.emailAddress : null;
    const address = ea && typeof ea.address === 'string' ? ea.address.trim() : '';
    if (!address || !/^[^@\s]+@[^@\s]+$/.test(address)) {
      fail(
        graphError(
          400,
          'ErrorInvalidRecipients',
          `At least one recipient is not valid., Recipient '${address}' is not resolved. All recipients must be resolved before a message can be submitted.`,
        ),
      );
    }
    out.push({ address, name: ea && typeof ea.name === 'string' ? ea.name : undefined });
  }
  return out;
}

/** Converts a Graph message resource (request body) into a MessageInput. */
export function inputFromGraph(m: Obj): MessageInput {
  const to = recipientsIn(m.toRecipients, 'toRecipients');
  const cc = recipientsIn(m.ccRecipients, 'ccRecipients');
  const bcc = recipientsIn(m.bccRecipients, 'bccRecipients');
  const replyTo = recipientsIn(m.replyTo, 'replyTo');
  const body = isObject(m.body) ? m.body : {};
  const headers: Record<string, string> = {};
  if (m.internetMessageHeaders !== undefined) {
    if (!Array.isArray(m.internetMessageHeaders)) fail(badRequest("Property 'internetMessageHeaders' must be a collection."));
    for (const h of m.internetMessageHeaders) {
      if (!isObject(h) || typeof h.name !== 'string' || typeof h.value !== 'string') fail(badRequest('Invalid internet message header.'));
      if (!/^x-/i.test(h.name)) {
        fail(graphError(400, 'InvalidInternetMessageHeader', `The internet message header name '${h.name}' should start with 'x-' or 'X-'.`));
      }
      headers[h.name] = h.value;
    }
  }
  const attachments: AttachmentInput[] = [];
  if (m.attachments !== undefined) {
    if (!Array.isArray(m.attachments)) fail(badRequest("Property 'attachments' must be a collection."));
    for (const a of m.attachments) attachments.push(attachmentInputFromGraph(a));
  }
  const from =
    isObject(m.from) && isObject(m.from.emailAddress) && typeof m.from.emailAddress.address === 'string'
      ? { address: m.from.emailAddress.address, name: typeof m.from.emailAddress.name === 'string' ? m.from.emailAddress.name : undefined }
      : undefined;
  const importance = typeof m.importance === 'string' ? m.importance.toLowerCase() : undefined;
  return {
    subject: typeof m.subject === 'string' ? m.subject : '',
    body: typeof body.content === 'string' ? body.content : '',
    bodyType: typeof body.contentType === 'string' && body.contentType.toLowerCase() === 'html' ? 'html' : 'text',
    from,
    to,
    cc,
    bcc,
    replyTo,
    importance: importance === 'low' || importance === 'high' ? importance : 'normal',
    categories: Array.isArray(m.categories) ? m.categories.filter((c): c is string => typeof c === 'string') : undefined,
    // Writable while the message is a draft (Graph: "Updatable only if isDraft is true").
    internetMessageId: typeof m.internetMessageId === 'string' && m.internetMessageId !== '' ? m.internetMessageId : undefined,
    headers,
    attachments,
  };
}

export function attachmentInputFromGraph(a: unknown): AttachmentInput {
  if (!isObject(a)) fail(badRequest('Invalid attachment.'));
  const type = String(a['@odata.type'] ?? '').toLowerCase();
  const name = typeof a.name === 'string' ? a.name : 'attachment';
  if (type === '#microsoft.graph.fileattachment') {
    if (typeof a.contentBytes !== 'string') fail(badRequest("The property 'contentBytes' is required for a file attachment.", 'ErrorInvalidParameter'));
    return {
      name,
      contentType: typeof a.contentType === 'string' ? a.contentType : 'application/octet-stream',
      content: Buffer.from(a.contentBytes, 'base64'),
      isInline: a.isInline === true,
      contentId: typeof a.contentId === 'string' ? a.contentId : undefined,
    };
  }
  if (type === '#microsoft.graph.itemattachment' && isObject(a.item)) return { name, item: inputFromGraph(a.item) };
  return fail(
    badRequest("The attachment's '@odata.type' must be '#microsoft.graph.fileAttachment' or '#microsoft.graph.itemAttachment'.", 'ErrorInvalidParameter'),
  );
}

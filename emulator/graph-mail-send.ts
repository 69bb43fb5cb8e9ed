/** Sending mail: sendMail, send a draft, reply/replyAll/forward and their createReply/createReplyAll/createForward drafts. */
import { badRequest, fail, readJson, type GraphCall } from './graph-call';
import { inputFromGraph, recipientsIn } from './graph-message-input';
import { messageEntity } from './graph-message-json';
import { empty, graphError, isObject, type EmuResponse } from './http';
import { folderByIdOrWellKnown, type Folder, type Mailbox } from './mailbox';
import { addressesOf, isoSeconds, type Message } from './message';
import type { AttachmentInput, MessageInput } from './message-input';
import { quoteOf } from './message-text';

/** Sends a message from a mailbox: a copy in Sent Items (unless told not to), delivery to local recipients. */
function submit(g: GraphCall, mb: Mailbox, input: MessageInput, saveToSentItems: boolean, existing?: Message): void {
  const rcpts = (input.to?.length ?? 0) + (input.cc?.length ?? 0) + (input.bcc?.length ?? 0);
  if (rcpts === 0)
    fail(graphError(400, 'ErrorInvalidRecipients', "At least one recipient is not valid., A message can't be sent because it contains no recipients."));
  const state = g.ctx.state;
  const sent = existing ?? state.buildMessage({ ...input, from: input.from ?? mb.address });
  const now = new Date();
  const stamp = isoSeconds(now);
  sent.isDraft = false;
  sent.isRead = true;
  sent.sentDateTime = stamp;
  sent.receivedDateTime = stamp;
  const sentItems = folderByIdOrWellKnown(mb, 'sentitems');
  if (existing) {
    if (saveToSentItems && sentItems) state.moveMessage(mb, existing, sentItems);
    else mb.messages.delete(existing.id);
  } else if (saveToSentItems && sentItems) {
    sent.folderId = sentItems.id;
    mb.messages.set(sent.id, sent);
  }
  state.deliver({
    subject: sent.subject,
    from: sent.from?.emailAddress ?? mb.address,
    to: addressesOf(sent.toRecipients),
    cc: addressesOf(sent.ccRecipients),
    bcc: addressesOf(sent.bccRecipients),
    replyTo: addressesOf(sent.replyTo),
    body: sent.body.content,
    bodyType: sent.body.contentType,
    receivedDateTime: now,
    sentDateTime: now,
    importance: sent.importance,
    internetMessageId: sent.internetMessageId,
    conversationId: sent.conversationId,
    headers: Object.fromEntries(sent.internetMessageHeaders.map((h) => [h.name, h.value])),
    attachments: sent.attachments.map(asInput),
  });
}

/** An attachment of a stored message as input for a new one (a delivered copy, a forward): the same content, inline ids and item fields. */
function asInput(a: Message['attachments'][number]): AttachmentInput {
  return a.kind === 'file'
    ? { name: a.name, contentType: a.contentType, content: a.content, isInline: a.isInline, contentId: a.contentId ?? undefined }
    : {
        name: a.name,
        item: {
          subject: a.item.subject,
          body: a.item.body.content,
          bodyType: a.item.body.contentType,
          from: a.item.from?.emailAddress,
          to: addressesOf(a.item.toRecipients),
        },
      };
}

/** `POST /users/{u}/sendMail` */
export function sendMail(g: GraphCall, mb: Mailbox): EmuResponse {
  const body = readJson(g.req);
  if (!isObject(body.message)) return badRequest("The property 'message' is required.", 'ErrorInvalidParameter');
  submit(g, mb, inputFromGraph(body.message), body.saveToSentItems !== false);
  return empty(202);
}

/** `POST /messages/{id}/send`: a draft, to its recipients. */
export function sendDraft(g: GraphCall, mb: Mailbox, m: Message): EmuResponse {
  if (!m.isDraft) return graphError(400, 'ErrorInvalidOperation', 'Only draft messages can be sent.');
  submit(g, mb, { to: addressesOf(m.toRecipients), cc: addressesOf(m.ccRecipients), bcc: addressesOf(m.bccRecipients) }, true, m);
  return empty(202);
}

/** reply/replyAll/forward send at once; createReply/createReplyAll/createForward (draft) return the draft, 201. */
export function respond(g: GraphCall, mb: Mailbox, m: Message, kind: 'reply' | 'replyAll' | 'forward', draft = false): EmuResponse {
  const body = readJson(g.req);
  const comment = typeof body.comment === 'string' ? body.comment : '';
  const extra: MessageInput = isObject(body.message) ? inputFromGraph(body.message) : {};
  const self = mb.address.toLowerCase();
  let to = extra.to?.length ? extra.to : [];
  let cc = extra.cc ?? [];
  if (kind === 'forward') {
    to = [...recipientsIn(body.toRecipients, 'toRecipients'), ...to];
  } else if (to.length === 0) {
    const target = m.replyTo.length ? addressesOf(m.replyTo) : m.from ? [m.from.emailAddress] : [];
    to = target;
    if (kind === 'replyAll') {
      to = [...target, ...addressesOf(m.toRecipients).filter((a) => a.address.toLowerCase() !== self)];
      cc = [...cc, ...addressesOf(m.ccRecipients).filter((a) => a.address.toLowerCase() !== self)];
    }
  }
  const prefix = kind === 'forward' ? 'FW: ' : 'RE: ';
  const given = isObject(body.message) && typeof body.message.subject === 'string' ? body.message.subject : null;
  const subject = given ?? (new RegExp(`^${prefix.trim()}`, 'i').test(m.subject) ? m.subject : `${prefix}${m.subject}`);
  const attachments: AttachmentInput[] = kind === 'forward' ? m.attachments.map(asInput) : [];
  const input: MessageInput = {
    subject,
    body: `${comment}${quoteOf(m)}`,
    bodyType: 'text',
    to,
    cc,
    bcc: extra.bcc ?? [],
    replyTo: extra.replyTo ?? [],
    conversationId: m.conversationId,
    internetMessageId: extra.internetMessageId,
    attachments: [...attachments, ...(extra.attachments ?? [])],
    headers: { 'In-Reply-To': m.internetMessageId, References: m.internetMessageId },
  };
  if (draft) {
    const drafts = folderByIdOrWellKnown(mb, 'drafts') as Folder;
    const created = g.ctx.state.addMessage(mb, drafts.id, { ...input, from: mb.address, isDraft: true, isRead: true });
    return messageEntity(g, mb, created, 201);
  }
  submit(g, mb, input, true);
  return empty(202);
}

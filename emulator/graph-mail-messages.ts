/**
 * `/users/{u}/messages` and `/users/{u}/mailFolders/{f}/messages`: list (OData options, paging),
 * create a draft, get, update, delete, `$value` MIME, move, copy, permanentDelete and beta
 * markAsJunk/markAsNotJunk; attachments, send and replies are in their own files.
 */
import { noteMove, type MoveRecord } from './context';
import { badRequest, byMethod, contextUrl, fail, missingId, readJson, segmentNotFound, type GraphCall } from './graph-call';
import { collection } from './graph-collection';
import { attachmentOps } from './graph-mail-attachments';
import { respond, sendDraft } from './graph-mail-send';
import { inputFromGraph } from './graph-message-input';
import { expandsAttachments, messageEntity, messageEntityJson, messageJson, shapeMessage } from './graph-message-json';
import { empty, graphError, isObject, json, text, type EmuResponse } from './http';
import { folderByIdOrWellKnown, type Folder, type Mailbox } from './mailbox';
import type { Message } from './message';
import { toMime } from './mime';

function listMessages(g: GraphCall, mb: Mailbox, folder: Folder | null): EmuResponse {
  const expand = expandsAttachments(g);
  const msgs = [...mb.messages.values()].filter((m) => (folder ? m.folderId === folder.id : true));
  const byId = new Map<unknown, Message>();
  const all = msgs.map((m) => {
    const o = messageJson(g, m, mb, expand);
    byId.set(o.id, m);
    return o;
  });
  return collection(g, all, {
    context: contextUrl(g, mb, folder ? `mailFolders('${folder.id}')/messages` : 'messages'),
    typeName: 'microsoft.graph.message',
    defaultOrder: 'receivedDateTime desc',
    shape: shapeMessage,
    search: (o) => ({ ...o, '@emulator.attachmentNames': (byId.get(o.id)?.attachments ?? []).map((a) => a.name) }),
  });
}

function createMessage(g: GraphCall, mb: Mailbox, folder: Folder): EmuResponse {
  const input = inputFromGraph(readJson(g.req));
  const m = g.ctx.state.addMessage(mb, folder.id, { ...input, from: input.from ?? mb.address, isDraft: true, isRead: true });
  return json(201, messageEntityJson(g, mb, m, false, null));
}

function notUpdatableWhenSent(): EmuResponse {
  return graphError(400, 'ErrorInvalidPropertyUpdateSentMessage', 'Update operation is not supported for this property on a sent message.');
}

function updateMessage(g: GraphCall, mb: Mailbox, m: Message): EmuResponse {
  const body = readJson(g.req);
  for (const [k, v] of Object.entries(body)) {
    switch (k) {
      case 'isRead':
        if (typeof v !== 'boolean') return badRequest("Cannot convert the literal to the expected type 'Edm.Boolean'.");
        m.isRead = v;
        break;
      case 'categories':
        if (!Array.isArray(v)) return badRequest("Property 'categories' must be a collection.");
        m.categories = v.map(String);
        break;
      case 'importance':
        if (v !== 'low' && v !== 'normal' && v !== 'high') return badRequest(`The value '${String(v)}' is not valid for 'importance'.`);
        m.importance = v;
        break;
      case 'flag':
        if (isObject(v) && (v.flagStatus === 'notFlagged' || v.flagStatus === 'flagged' || v.flagStatus === 'complete')) m.flag = { flagStatus: v.flagStatus };
        else return badRequest("Invalid value for 'flag'.");
        break;
      case 'inferenceClassification':
        if (v === 'focused' || v === 'other') m.inferenceClassification = v;
        else return badRequest("Invalid value for 'inferenceClassification'.");
        break;
      case 'internetMessageId':
        if (!m.isDraft) return notUpdatableWhenSent();
        if (typeof v !== 'string' || !v) return badRequest("Invalid value for 'internetMessageId'.");
        m.internetMessageId = v;
        break;
      case 'subject':
      case 'body':
      case 'toRecipients':
      case 'ccRecipients':
      case 'bccRecipients': {
        if (!m.isDraft) return notUpdatableWhenSent();
        const input = inputFromGraph({ [k]: v });
        if (k === 'subject') m.subject = input.subject ?? '';
        if (k === 'body') m.body = { contentType: input.bodyType ?? 'text', content: input.body ?? '' };
        const rebuilt = g.ctx.state.buildMessage(input);
        if (k === 'toRecipients') m.toRecipients = rebuilt.toRecipients;
        if (k === 'ccRecipients') m.ccRecipients = rebuilt.ccRecipients;
        if (k === 'bccRecipients') m.bccRecipients = rebuilt.bccRecipients;
        break;
      }
      default:
        if (k.startsWith('@odata.')) break;
        return badRequest(`The property '${k}' does not exist on type 'microsoft.graph.message' or cannot be updated.`);
    }
  }
  g.ctx.state.touch(m);
  return json(200, messageEntityJson(g, mb, m, false, null));
}

/** Moves a message (new id, as Exchange) and returns what the ledger records of it. */
function moveRecorded(g: GraphCall, mb: Mailbox, m: Message, dest: Folder): MoveRecord {
  const from = mb.folders.get(m.folderId);
  const oldId = m.id;
  const fromFolderId = m.folderId;
  const moved = g.ctx.state.moveMessage(mb, m, dest);
  return {
    mailbox: mb.address,
    internetMessageId: moved.internetMessageId,
    oldId,
    newId: moved.id,
    immutableId: moved.immutableId,
    fromFolderId,
    fromFolder: from?.displayName ?? '',
    toFolderId: dest.id,
    toFolder: dest.displayName,
  };
}

/** Into Deleted Items; deleted from there. */
function deleteMessage(g: GraphCall, mb: Mailbox, m: Message): EmuResponse {
  const deleted = folderByIdOrWellKnown(mb, 'deleteditems');
  if (deleted && m.folderId !== deleted.id) return noteMove(empty(204), moveRecorded(g, mb, m, deleted));
  mb.messages.delete(m.id);
  return empty(204);
}

function destination(g: GraphCall, mb: Mailbox): Folder {
  const body = readJson(g.req);
  if (typeof body.destinationId !== 'string' || body.destinationId === '')
    fail(badRequest("The property 'destinationId' is required.", 'ErrorInvalidParameter'));
  return folderByIdOrWellKnown(mb, body.destinationId) ?? fail(missingId(body.destinationId));
}

/** markAsJunk blocks the sender and moves the message to Junk Email; markAsNotJunk undoes both (Inbox). */
function markJunk(g: GraphCall, mb: Mailbox, m: Message, junk: boolean): EmuResponse {
  const body = readJson(g.req);
  const sender = m.from?.emailAddress.address.toLowerCase();
  if (sender) {
    if (junk) mb.blockedSenders.add(sender);
    else mb.blockedSenders.delete(sender);
  }
  const target = folderByIdOrWellKnown(mb, junk ? 'junkemail' : 'inbox');
  const move = junk ? body.moveToJunk !== false : body.moveToInbox !== false;
  const record = move && target && m.folderId !== target.id ? moveRecorded(g, mb, m, target) : null;
  g.ctx.state.touch(m);
  const res = messageEntity(g, mb, m, 200);
  return record ? noteMove(res, record) : res;
}

const ACTIONS = [
  'move',
  'copy',
  'reply',
  'replyAll',
  'forward',
  'createReply',
  'createReplyAll',
  'createForward',
  'send',
  'permanentDelete',
  'markAsJunk',
  'markAsNotJunk',
] as const;
type Action = (typeof ACTIONS)[number];

/** `POST /messages/{id}/{action}` */
function messageAction(g: GraphCall, mb: Mailbox, m: Message, action: Action): EmuResponse {
  const state = g.ctx.state;
  switch (action) {
    case 'move':
    case 'copy': {
      const dest = destination(g, mb);
      if (action === 'copy') return messageEntity(g, mb, state.copyMessage(mb, m, dest), 201);
      const record = moveRecorded(g, mb, m, dest);
      return noteMove(messageEntity(g, mb, m, 201), record);
    }
    case 'reply':
    case 'replyAll':
    case 'forward':
      return respond(g, mb, m, action);
    case 'createReply':
      return respond(g, mb, m, 'reply', true);
    case 'createReplyAll':
      return respond(g, mb, m, 'replyAll', true);
    case 'createForward':
      return respond(g, mb, m, 'forward', true);
    case 'send':
      return sendDraft(g, mb, m);
    case 'permanentDelete':
      mb.messages.delete(m.id);
      return empty(204);
    case 'markAsJunk':
    case 'markAsNotJunk':
      return markJunk(g, mb, m, action === 'markAsJunk');
  }
}

/** `/messages/{id}[/…]` */
function messageOps(g: GraphCall, mb: Mailbox, msgRef: string, tail: string[]): EmuResponse {
  const m = g.ctx.state.findMessage(mb, msgRef);
  if (!m) return missingId(msgRef);
  const op = tail[0];
  if (op === undefined) return byMethod(g, { GET: () => messageEntity(g, mb, m), PATCH: () => updateMessage(g, mb, m), DELETE: () => deleteMessage(g, mb, m) });
  if (op === '$value' && tail.length === 1) return byMethod(g, { GET: () => text(200, toMime(m), 'text/plain') });
  if (op === 'attachments') return attachmentOps(g, mb, m, tail.slice(1));
  if (tail.length !== 1) return segmentNotFound(tail[1] as string);
  const action = ACTIONS.find((a) => a.toLowerCase() === op.toLowerCase());
  if (!action || ((action === 'markAsJunk' || action === 'markAsNotJunk') && g.version !== 'beta')) return segmentNotFound(op);
  return byMethod(g, { POST: () => messageAction(g, mb, m, action) });
}

/** `messages[/{id}/…]` of the mailbox, or of one folder; a new message goes to Drafts unless a folder is named. */
export function messagesRoute(g: GraphCall, mb: Mailbox, folder: Folder | null, tail: string[]): EmuResponse {
  if (tail.length === 0) {
    return byMethod(g, { GET: () => listMessages(g, mb, folder), POST: () => createMessage(g, mb, folder ?? (folderByIdOrWellKnown(mb, 'drafts') as Folder)) });
  }
  return messageOps(g, mb, tail[0] as string, tail.slice(1));
}

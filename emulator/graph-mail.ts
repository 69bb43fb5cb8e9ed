/**
 * Microsoft Graph mail: folders, messages (list with OData options and paging, get, update,
 * delete, move, copy, `$value` MIME), attachments, sendMail, reply/replyAll/forward, drafts,
 * beta markAsJunk/markAsNotJunk, mailbox settings and presence (OOF).
 */
import type { EmuContext } from './context';
import { empty, graphError, isObject, json, parseJson, Reply, text, type EmuRequest, type EmuResponse } from './http';
import { applyOrderBy, applySelect, compileFilter, compileSearch, ODataError, paginate } from './odata';
import { toMime } from './mime';
import { createUploadSession } from './upload-session';
import { htmlToText, type AccessToken, type Attachment, type AttachmentInput, type Folder, type Mailbox, type Message, type MessageInput, type User } from './state';

type Obj = Record<string, unknown>;

/** One authenticated Graph call. */
export interface GraphCall {
  req: EmuRequest;
  ctx: EmuContext;
  token: AccessToken;
  version: 'v1.0' | 'beta';
  /** `<baseUrl>/<version>` */
  root: string;
  /** `Prefer: IdType="ImmutableId"` */
  immutableIds: boolean;
  /** `Prefer: outlook.body-content-type="text"` */
  textBody: boolean;
}

// ---------------------------------------------------------------- errors

export function segmentNotFound(seg: string): EmuResponse {
  return graphError(400, 'BadRequest', `Resource not found for the segment '${seg}'.`);
}

export function methodNotAllowed(method: string): EmuResponse {
  return graphError(405, 'BadRequest', `The HTTP method '${method}' is not allowed for this resource.`);
}

function itemNotFound(): EmuResponse {
  return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
}

/** An id that is not ours at all is "malformed" (400); one that looks right but matches nothing is "not found" (404). */
function missingId(id: string): EmuResponse {
  return /^AA[MQ]k/.test(id) ? itemNotFound() : graphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
}

export function badRequest(message: string, code = 'BadRequest'): EmuResponse {
  return graphError(400, code, message);
}

const NOT_JSON = 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';

/** Parses a JSON object body; throws a Graph 400 Reply when it is not one. */
export function readJson(req: EmuRequest): Obj {
  let v: unknown;
  try {
    v = parseJson(req.body);
  } catch {
    throw new Reply(badRequest(NOT_JSON));
  }
  if (v === undefined) return {};
  if (!isObject(v)) throw new Reply(badRequest(NOT_JSON));
  return v;
}

function fail(r: EmuResponse): never {
  throw new Reply(r);
}

// ---------------------------------------------------------------- JSON shapes

function idOf(g: GraphCall, m: Message): string {
  return g.immutableIds ? m.immutableId : m.id;
}

function bodyOf(g: GraphCall, m: Message): { contentType: string; content: string } {
  if (g.textBody && m.body.contentType === 'html') return { contentType: 'text', content: htmlToText(m.body.content) };
  return { contentType: m.body.contentType, content: m.body.content };
}

/** What one `POST …/attachments` takes (Graph: "under 4 MB"). */
const MAX_POSTED_ATTACHMENT_BYTES = 4 * 1024 * 1024;

function attachmentSize(a: Attachment): number {
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
  const textContent = m.body.contentType === 'html' ? htmlToText(m.body.content) : m.body.content;
  const id = idOf(g, m);
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
    bodyPreview: textContent.replace(/\s+/g, ' ').trim().slice(0, 255),
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
function shapeMessage(full: Obj, select: string | null): Obj {
  if (select) return applySelect(full, select, 'microsoft.graph.message');
  const { internetMessageHeaders: _omit, ...rest } = full;
  return rest;
}

function folderJson(mb: Mailbox, f: Folder): Obj {
  const msgs = [...mb.messages.values()].filter((m) => m.folderId === f.id);
  return {
    id: f.id,
    displayName: f.displayName,
    parentFolderId: f.parentFolderId,
    childFolderCount: [...mb.folders.values()].filter((c) => c.parentFolderId === f.id).length,
    unreadItemCount: msgs.filter((m) => !m.isRead).length,
    totalItemCount: msgs.length,
    sizeInBytes: msgs.reduce((n, m) => n + m.body.content.length + m.attachments.reduce((s, a) => s + attachmentSize(a), 0), 0),
    isHidden: f.isHidden,
  };
}

function contextUrl(g: GraphCall, mb: Mailbox, tail: string): string {
  return `${g.root}/$metadata#users('${encodeURIComponent(mb.address)}')/${tail}`;
}

/** Runs an OData collection query and builds the `{ @odata.context, value, @odata.nextLink }` answer. */
export function collection(g: GraphCall, all: Obj[], opts: { context: string; typeName: string; defaultOrder?: string; defaultTop?: number; shape?: (o: Obj, select: string | null) => Obj; search?: (o: Obj) => Obj }): EmuResponse {
  const q = g.req.query;
  const select = q.get('$select');
  try {
    let items = all;
    const search = q.get('$search');
    const filter = q.get('$filter');
    const orderby = q.get('$orderby');
    if (search !== null) {
      if (filter !== null) return badRequest("The query parameter '$filter' is not supported with '$search'.", 'ErrorInvalidUrlQuery');
      if (orderby !== null) return badRequest("The query parameter '$orderby' is not supported with '$search'.", 'ErrorInvalidUrlQuery');
      const pred = compileSearch(search);
      items = items.filter((o) => pred(opts.search ? opts.search(o) : o));
    }
    if (filter !== null) {
      let pred: (o: Obj) => boolean;
      try {
        pred = compileFilter(filter, opts.typeName);
        items = items.filter(pred);
      } catch (err) {
        if (err instanceof ODataError) return badRequest(`Invalid filter clause: ${err.message}`);
        throw err;
      }
    }
    if (orderby !== null) items = applyOrderBy(items, orderby, opts.typeName);
    else if (opts.defaultOrder) items = applyOrderBy(items, opts.defaultOrder, opts.typeName);
    const linkBase = `${g.req.baseUrl}${g.req.path}`;
    const page = paginate(items, q, linkBase, { defaultTop: opts.defaultTop ?? g.ctx.state.settings.graphPageSize, maxTop: g.ctx.state.settings.graphMaxPageSize });
    const shape = opts.shape ?? ((o: Obj, s: string | null) => applySelect(o, s, opts.typeName));
    const body: Obj = { '@odata.context': select ? `${opts.context}(${select})` : opts.context };
    if (q.get('$count') === 'true') body['@odata.count'] = page.count;
    body.value = page.items.map((o) => shape(o, select));
    if (page.nextLink) body['@odata.nextLink'] = page.nextLink;
    return json(200, body, g.textBody ? { 'preference-applied': 'outlook.body-content-type="text"' } : {});
  } catch (err) {
    if (err instanceof ODataError) return badRequest(err.message);
    throw err;
  }
}

// ---------------------------------------------------------------- Graph JSON → MessageInput

function recipientsIn(v: unknown, field: string): { name?: string; address: string }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(badRequest(`Property '${field}' must be a collection.`));
  const out: { name?: string; address: string }[] = [];
  for (const r of v) {
    const ea = isObject(r) && isObject(r.emailAddress) ? r.emailAddress : null;
    const address = ea && typeof ea.address === 'string' ? ea.address.trim() : '';
    if (!address || !/^[^@\s]+@[^@\s]+$/.test(address)) {
      fail(graphError(400, 'ErrorInvalidRecipients', `At least one recipient is not valid., Recipient '${address}' is not resolved. All recipients must be resolved before a message can be submitted.`));
    }
    out.push({ address, name: ea && typeof ea.name === 'string' ? ea.name : undefined });
  }
  return out;
}

/** Converts a Graph message resource (request body) into a MessageInput. */
function inputFromGraph(m: Obj): MessageInput {
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
  const from = isObject(m.from) && isObject(m.from.emailAddress) && typeof m.from.emailAddress.address === 'string' ? { address: m.from.emailAddress.address, name: typeof m.from.emailAddress.name === 'string' ? m.from.emailAddress.name : undefined } : undefined;
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

function attachmentInputFromGraph(a: unknown): AttachmentInput {
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
  return fail(badRequest("The attachment's '@odata.type' must be '#microsoft.graph.fileAttachment' or '#microsoft.graph.itemAttachment'.", 'ErrorInvalidParameter'));
}

// ---------------------------------------------------------------- folders

/** Graph takes folder ids and well-known names (not display names). */
function graphFolder(mb: Mailbox, ref: string): Folder | undefined {
  const byId = mb.folders.get(ref);
  if (byId) return byId;
  const r = ref.toLowerCase();
  return [...mb.folders.values()].find((f) => f.wellKnownName === r);
}

function listFolders(g: GraphCall, mb: Mailbox, parent: Folder, tail: string): EmuResponse {
  const hidden = g.req.query.get('includeHiddenFolders') === 'true';
  const items = [...mb.folders.values()].filter((f) => f.parentFolderId === parent.id && (hidden || !f.isHidden)).map((f) => folderJson(mb, f));
  return collection(g, items, { context: contextUrl(g, mb, tail), typeName: 'microsoft.graph.mailFolder' });
}

function createFolder(g: GraphCall, mb: Mailbox, parent: Folder): EmuResponse {
  const body = readJson(g.req);
  const name = typeof body.displayName === 'string' ? body.displayName.trim() : '';
  if (!name) return badRequest("The property 'displayName' is required.", 'ErrorInvalidParameter');
  if ([...mb.folders.values()].some((f) => f.parentFolderId === parent.id && f.displayName.toLowerCase() === name.toLowerCase())) {
    return graphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
  }
  const f = g.ctx.state.addFolder(mb, parent.id, name);
  return json(201, { '@odata.context': contextUrl(g, mb, 'mailFolders/$entity'), ...folderJson(mb, f) });
}

// ---------------------------------------------------------------- messages

function listMessages(g: GraphCall, mb: Mailbox, folder: Folder | null): EmuResponse {
  const expand = (g.req.query.get('$expand') ?? '').toLowerCase().includes('attachments');
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
  return json(201, { '@odata.context': contextUrl(g, mb, 'messages/$entity'), ...shapeMessage(messageJson(g, m, mb, false), null) });
}

/** Sends a message from a mailbox: a copy in Sent Items (unless told not to), delivery to local recipients. */
function submit(g: GraphCall, mb: Mailbox, input: MessageInput, saveToSentItems: boolean, existing?: Message): void {
  const rcpts = (input.to?.length ?? 0) + (input.cc?.length ?? 0) + (input.bcc?.length ?? 0);
  if (rcpts === 0) fail(graphError(400, 'ErrorInvalidRecipients', "At least one recipient is not valid., A message can't be sent because it contains no recipients."));
  const state = g.ctx.state;
  const sent = existing ?? state.buildMessage({ ...input, from: input.from ?? mb.address });
  const now = new Date();
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  sent.isDraft = false;
  sent.isRead = true;
  sent.sentDateTime = stamp;
  sent.receivedDateTime = stamp;
  const sentItems = graphFolder(mb, 'sentitems');
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
    to: sent.toRecipients.map((r) => r.emailAddress),
    cc: sent.ccRecipients.map((r) => r.emailAddress),
    bcc: sent.bccRecipients.map((r) => r.emailAddress),
    replyTo: sent.replyTo.map((r) => r.emailAddress),
    body: sent.body.content,
    bodyType: sent.body.contentType,
    receivedDateTime: now,
    sentDateTime: now,
    importance: sent.importance,
    internetMessageId: sent.internetMessageId,
    conversationId: sent.conversationId,
    headers: Object.fromEntries(sent.internetMessageHeaders.map((h) => [h.name, h.value])),
    attachments: sent.attachments.map((a): AttachmentInput => (a.kind === 'file' ? { name: a.name, contentType: a.contentType, content: a.content, isInline: a.isInline, contentId: a.contentId ?? undefined } : { name: a.name, item: { subject: a.item.subject, body: a.item.body.content, bodyType: a.item.body.contentType, from: a.item.from?.emailAddress, to: a.item.toRecipients.map((r) => r.emailAddress) } })),
  });
}

function sendMail(g: GraphCall, mb: Mailbox): EmuResponse {
  const body = readJson(g.req);
  if (!isObject(body.message)) return badRequest("The property 'message' is required.", 'ErrorInvalidParameter');
  submit(g, mb, inputFromGraph(body.message), body.saveToSentItems !== false);
  return empty(202);
}

function quoteOriginal(m: Message): string {
  const from = m.from ? `${m.from.emailAddress.name} <${m.from.emailAddress.address}>` : '';
  const original = m.body.contentType === 'html' ? htmlToText(m.body.content) : m.body.content;
  return `\n\n________________________________\nFrom: ${from}\nSent: ${new Date(m.sentDateTime).toUTCString()}\nSubject: ${m.subject}\n\n${original}`;
}

/** reply/replyAll/forward send at once; createReply/createReplyAll/createForward (draft) return the draft, 201. */
function respond(g: GraphCall, mb: Mailbox, m: Message, kind: 'reply' | 'replyAll' | 'forward', draft = false): EmuResponse {
  const body = readJson(g.req);
  const comment = typeof body.comment === 'string' ? body.comment : '';
  const extra: MessageInput = isObject(body.message) ? inputFromGraph(body.message) : {};
  const self = mb.address.toLowerCase();
  let to = extra.to && extra.to.length ? extra.to : [];
  let cc = extra.cc ?? [];
  if (kind === 'forward') {
    to = [...recipientsIn(body.toRecipients, 'toRecipients'), ...to];
  } else if (to.length === 0) {
    const target = m.replyTo.length ? m.replyTo.map((r) => r.emailAddress) : m.from ? [m.from.emailAddress] : [];
    to = target;
    if (kind === 'replyAll') {
      to = [...target, ...m.toRecipients.map((r) => r.emailAddress).filter((a) => a.address.toLowerCase() !== self)];
      cc = [...cc, ...m.ccRecipients.map((r) => r.emailAddress).filter((a) => a.address.toLowerCase() !== self)];
    }
  }
  const prefix = kind === 'forward' ? 'FW: ' : 'RE: ';
  const given = isObject(body.message) && typeof body.message.subject === 'string' ? body.message.subject : null;
  const subject = given ?? (new RegExp(`^${prefix.trim()}`, 'i').test(m.subject) ? m.subject : `${prefix}${m.subject}`);
  const attachments: AttachmentInput[] =
    kind === 'forward'
      ? m.attachments.map((a): AttachmentInput => (a.kind === 'file' ? { name: a.name, contentType: a.contentType, content: a.content, isInline: a.isInline } : { name: a.name, item: { subject: a.item.subject, body: a.item.body.content, from: a.item.from?.emailAddress } }))
      : [];
  const input: MessageInput = {
    subject,
    body: `${comment}${quoteOriginal(m)}`,
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
    const drafts = graphFolder(mb, 'drafts') as Folder;
    const created = g.ctx.state.addMessage(mb, drafts.id, { ...input, from: mb.address, isDraft: true, isRead: true });
    return messageEntity(g, mb, created, 201);
  }
  submit(g, mb, input, true);
  return empty(202);
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
        if (!m.isDraft) return graphError(400, 'ErrorInvalidPropertyUpdateSentMessage', 'Update operation is not supported for this property on a sent message.');
        if (typeof v !== 'string' || !v) return badRequest("Invalid value for 'internetMessageId'.");
        m.internetMessageId = v;
        break;
      case 'subject':
      case 'body':
      case 'toRecipients':
      case 'ccRecipients':
      case 'bccRecipients': {
        if (!m.isDraft) return graphError(400, 'ErrorInvalidPropertyUpdateSentMessage', 'Update operation is not supported for this property on a sent message.');
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
  return json(200, { '@odata.context': contextUrl(g, mb, 'messages/$entity'), ...shapeMessage(messageJson(g, m, mb, false), null) });
}

function destination(g: GraphCall, mb: Mailbox): Folder {
  const body = readJson(g.req);
  if (typeof body.destinationId !== 'string' || body.destinationId === '') fail(badRequest("The property 'destinationId' is required.", 'ErrorInvalidParameter'));
  return graphFolder(mb, body.destinationId) ?? fail(missingId(body.destinationId));
}

function messageEntity(g: GraphCall, mb: Mailbox, m: Message, status = 200): EmuResponse {
  const expand = (g.req.query.get('$expand') ?? '').toLowerCase().includes('attachments');
  try {
    const shaped = shapeMessage(messageJson(g, m, mb, expand), g.req.query.get('$select'));
    const headers = g.textBody ? { 'preference-applied': 'outlook.body-content-type="text"' } : undefined;
    return json(status, { '@odata.context': contextUrl(g, mb, 'messages/$entity'), ...shaped }, headers);
  } catch (err) {
    if (err instanceof ODataError) return badRequest(err.message);
    throw err;
  }
}

function messageOps(g: GraphCall, mb: Mailbox, msgRef: string, tail: string[]): EmuResponse {
  const state = g.ctx.state;
  const m = state.findMessage(mb, msgRef);
  if (!m) return missingId(msgRef);
  const method = g.req.method;
  const op = tail[0];
  if (op === undefined) {
    if (method === 'GET') return messageEntity(g, mb, m);
    if (method === 'PATCH') return updateMessage(g, mb, m);
    if (method === 'DELETE') {
      const deleted = graphFolder(mb, 'deleteditems');
      if (deleted && m.folderId !== deleted.id) state.moveMessage(mb, m, deleted);
      else mb.messages.delete(m.id);
      return empty(204);
    }
    return methodNotAllowed(method);
  }
  if (op === '$value' && tail.length === 1) {
    if (method !== 'GET') return methodNotAllowed(method);
    return text(200, toMime(m), 'text/plain');
  }
  if (op === 'attachments') return attachmentOps(g, mb, m, tail.slice(1));
  if (tail.length !== 1) return segmentNotFound(tail[1] as string);
  const actions = ['move', 'copy', 'reply', 'replyAll', 'forward', 'createReply', 'createReplyAll', 'createForward', 'send', 'permanentDelete', 'markAsJunk', 'markAsNotJunk'];
  const action = actions.find((a) => a.toLowerCase() === op.toLowerCase());
  if (!action || ((action === 'markAsJunk' || action === 'markAsNotJunk') && g.version !== 'beta')) return segmentNotFound(op);
  if (method !== 'POST') return methodNotAllowed(method);
  switch (action) {
    case 'move':
    case 'copy': {
      const dest = destination(g, mb);
      const moved = action === 'move' ? state.moveMessage(mb, m, dest) : state.copyMessage(mb, m, dest);
      return messageEntity(g, mb, moved, 201);
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
    case 'send': {
      if (!m.isDraft) return graphError(400, 'ErrorInvalidOperation', 'Only draft messages can be sent.');
      submit(g, mb, { to: m.toRecipients.map((r) => r.emailAddress), cc: m.ccRecipients.map((r) => r.emailAddress), bcc: m.bccRecipients.map((r) => r.emailAddress) }, true, m);
      return empty(202);
    }
    case 'permanentDelete':
      mb.messages.delete(m.id);
      return empty(204);
    case 'markAsJunk':
    case 'markAsNotJunk': {
      const body = readJson(g.req);
      const sender = m.from?.emailAddress.address.toLowerCase();
      if (action === 'markAsJunk') {
        if (sender) mb.blockedSenders.add(sender);
        const junk = graphFolder(mb, 'junkemail');
        if (body.moveToJunk !== false && junk && m.folderId !== junk.id) state.moveMessage(mb, m, junk);
      } else {
        if (sender) mb.blockedSenders.delete(sender);
        const inbox = graphFolder(mb, 'inbox');
        if (body.moveToInbox !== false && inbox && m.folderId !== inbox.id) state.moveMessage(mb, m, inbox);
      }
      state.touch(m);
      return messageEntity(g, mb, m, 200);
    }
    default:
      return segmentNotFound(op);
  }
}

function attachmentOps(g: GraphCall, mb: Mailbox, m: Message, tail: string[]): EmuResponse {
  const method = g.req.method;
  const expandItem = /itemattachment\/item/i.test(g.req.query.get('$expand') ?? '');
  const ctxBase = contextUrl(g, mb, `messages('${idOf(g, m)}')/attachments`);
  const select = g.req.query.get('$select');
  const withContent = select === null || /contentbytes/i.test(`${select} ${g.req.query.get('$filter') ?? ''} ${g.req.query.get('$orderby') ?? ''}`);
  if (tail.length === 0) {
    if (method === 'GET') {
      return collection(g, m.attachments.map((a) => attachmentJson(g, a, expandItem, withContent)), { context: ctxBase, typeName: 'microsoft.graph.attachment', defaultTop: 1000 });
    }
    if (method === 'POST') {
      const input = attachmentInputFromGraph(readJson(g.req));
      // https://learn.microsoft.com/graph/api/message-post-attachments: "under 4 MB"; bigger files
      // go through createUploadSession.
      if (!('item' in input) && Buffer.byteLength(input.content) > MAX_POSTED_ATTACHMENT_BYTES) {
        return graphError(413, 'RequestEntityTooLarge', 'The attachment is too large for one request (at most 4 MB): attach it through an upload session (createUploadSession).');
      }
      const a = g.ctx.state.buildAttachment(input, new Date().toISOString());
      m.attachments.push(a);
      g.ctx.state.touch(m);
      return json(201, { '@odata.context': `${ctxBase}/$entity`, ...attachmentJson(g, a, false) });
    }
    return methodNotAllowed(method);
  }
  const op = tail[0] as string;
  if (tail.length === 1 && (op === 'createUploadSession' || op === 'microsoft.graph.createUploadSession')) {
    return method === 'POST' ? createUploadSession(g.req, g.ctx, mb, m, g.root) : methodNotAllowed(method);
  }
  const a = m.attachments.find((x) => x.id === op);
  if (!a) return missingId(op);
  if (tail.length === 1) {
    if (method === 'GET') return json(200, { '@odata.context': `${ctxBase}/$entity`, ...attachmentJson(g, a, expandItem, withContent) });
    if (method === 'DELETE') {
      m.attachments = m.attachments.filter((x) => x !== a);
      return empty(204);
    }
    return methodNotAllowed(method);
  }
  if (tail[1] === '$value' && tail.length === 2 && method === 'GET') {
    return a.kind === 'file' ? text(200, a.content, a.contentType) : text(200, toMime(a.item), 'text/plain');
  }
  return segmentNotFound(tail[1] as string);
}

// ---------------------------------------------------------------- settings and presence

function mailboxSettingsJson(mb: Mailbox): Obj {
  const s = mb.settings;
  const archive = graphFolder(mb, 'archive');
  return {
    archiveFolder: archive?.id ?? null,
    timeZone: s.timeZone,
    automaticRepliesSetting: s.automaticRepliesSetting,
    language: s.language,
    workingHours: {
      daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      startTime: '08:00:00.0000000',
      endTime: '17:00:00.0000000',
      timeZone: { name: s.timeZone },
    },
    dateFormat: s.dateFormat,
    timeFormat: s.timeFormat,
    userPurpose: s.userPurpose,
    delegateMeetingMessageDeliveryOptions: 'sendToDelegateOnly',
  };
}

function settingsOps(g: GraphCall, mb: Mailbox, tail: string[]): EmuResponse {
  const method = g.req.method;
  const all = mailboxSettingsJson(mb);
  if (tail.length === 0) {
    if (method === 'GET') return json(200, { '@odata.context': contextUrl(g, mb, 'mailboxSettings'), ...all });
    if (method === 'PATCH') {
      const body = readJson(g.req);
      const s = mb.settings;
      if (isObject(body.automaticRepliesSetting)) {
        const a = body.automaticRepliesSetting;
        const cur = s.automaticRepliesSetting;
        if (a.status !== undefined && !['disabled', 'alwaysEnabled', 'scheduled'].includes(String(a.status))) return badRequest(`The value '${String(a.status)}' is not valid for 'status'.`);
        s.automaticRepliesSetting = {
          ...cur,
          ...(a.status !== undefined ? { status: a.status as typeof cur.status } : {}),
          ...(typeof a.externalAudience === 'string' ? { externalAudience: a.externalAudience as typeof cur.externalAudience } : {}),
          ...(typeof a.internalReplyMessage === 'string' ? { internalReplyMessage: a.internalReplyMessage } : {}),
          ...(typeof a.externalReplyMessage === 'string' ? { externalReplyMessage: a.externalReplyMessage } : {}),
          ...(isObject(a.scheduledStartDateTime) ? { scheduledStartDateTime: { dateTime: String(a.scheduledStartDateTime.dateTime ?? ''), timeZone: String(a.scheduledStartDateTime.timeZone ?? 'UTC') } } : {}),
          ...(isObject(a.scheduledEndDateTime) ? { scheduledEndDateTime: { dateTime: String(a.scheduledEndDateTime.dateTime ?? ''), timeZone: String(a.scheduledEndDateTime.timeZone ?? 'UTC') } } : {}),
        };
      }
      if (typeof body.timeZone === 'string') s.timeZone = body.timeZone;
      if (isObject(body.language) && typeof body.language.locale === 'string') s.language = { locale: body.language.locale, displayName: String(body.language.displayName ?? body.language.locale) };
      return json(200, { '@odata.context': contextUrl(g, mb, 'mailboxSettings'), ...mailboxSettingsJson(mb) });
    }
    return methodNotAllowed(method);
  }
  if (tail.length === 1 && method === 'GET') {
    const key = Object.keys(all).find((k) => k.toLowerCase() === (tail[0] as string).toLowerCase());
    if (!key) return segmentNotFound(tail[0] as string);
    const v = all[key];
    const ctx = contextUrl(g, mb, `mailboxSettings/${key}`);
    return json(200, isObject(v) ? { '@odata.context': ctx, ...v } : { '@odata.context': ctx, value: v });
  }
  return segmentNotFound(tail[tail.length - 1] as string);
}

/** Presence with out-of-office settings (beta shape, as the Get OOF action shows). */
export function presenceJson(g: GraphCall, user: User): Obj {
  const mb = g.ctx.state.mailboxOf(user);
  const ar = mb?.settings.automaticRepliesSetting;
  const now = Date.now();
  const scheduledOn = ar?.status === 'scheduled' && Date.parse(`${ar.scheduledStartDateTime.dateTime.replace(/\.\d+$/, '')}Z`) <= now && now < Date.parse(`${ar.scheduledEndDateTime.dateTime.replace(/\.\d+$/, '')}Z`);
  const isOut = ar?.status === 'alwaysEnabled' || scheduledOn === true;
  return {
    '@odata.context': `${g.root}/$metadata#communications/presences/$entity`,
    id: user.id,
    availability: isOut && user.availability === 'Available' ? 'Away' : user.availability,
    activity: isOut && user.activity === 'Available' ? 'OffWork' : user.activity,
    statusMessage: null,
    outOfOfficeSettings: { message: isOut && ar ? `\n\n${htmlToText(ar.internalReplyMessage)}\n` : null, isOutOfOffice: isOut },
  };
}

// ---------------------------------------------------------------- routing below /users/{id}

/** Routes `/users/{id}/<rest>` for a user with a mailbox. */
export function mailRoute(g: GraphCall, user: User, mb: Mailbox, rest: string[]): EmuResponse {
  const method = g.req.method;
  const [head, ...tail] = rest;
  switch (head) {
    case 'mailFolders': {
      const root = mb.folders.get(mb.rootFolderId) as Folder;
      if (tail.length === 0) {
        if (method === 'GET') return listFolders(g, mb, root, 'mailFolders');
        if (method === 'POST') return createFolder(g, mb, root);
        return methodNotAllowed(method);
      }
      const folder = graphFolder(mb, tail[0] as string);
      if (!folder) return missingId(tail[0] as string);
      const sub = tail.slice(1);
      if (sub.length === 0) {
        if (method === 'GET') return json(200, { '@odata.context': contextUrl(g, mb, 'mailFolders/$entity'), ...applySelect(folderJson(mb, folder), g.req.query.get('$select'), 'microsoft.graph.mailFolder') });
        return methodNotAllowed(method);
      }
      if (sub[0] === 'childFolders' && sub.length === 1) {
        if (method === 'GET') return listFolders(g, mb, folder, `mailFolders('${folder.id}')/childFolders`);
        if (method === 'POST') return createFolder(g, mb, folder);
        return methodNotAllowed(method);
      }
      if (sub[0] === 'messages') {
        if (sub.length === 1) {
          if (method === 'GET') return listMessages(g, mb, folder);
          if (method === 'POST') return createMessage(g, mb, folder);
          return methodNotAllowed(method);
        }
        return messageOps(g, mb, sub[1] as string, sub.slice(2));
      }
      return segmentNotFound(sub[0] as string);
    }
    case 'messages': {
      if (tail.length === 0) {
        if (method === 'GET') return listMessages(g, mb, null);
        if (method === 'POST') return createMessage(g, mb, graphFolder(mb, 'drafts') as Folder);
        return methodNotAllowed(method);
      }
      return messageOps(g, mb, tail[0] as string, tail.slice(1));
    }
    case 'sendMail':
      if (tail.length) return segmentNotFound(tail[0] as string);
      return method === 'POST' ? sendMail(g, mb) : methodNotAllowed(method);
    case 'mailboxSettings':
      return settingsOps(g, mb, tail);
    case 'presence':
      if (tail.length) return segmentNotFound(tail[0] as string);
      return method === 'GET' ? json(200, presenceJson(g, user)) : methodNotAllowed(method);
    default:
      return segmentNotFound(head ?? '');
  }
}

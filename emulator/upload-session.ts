/**
 * Large file attachments (https://learn.microsoft.com/graph/outlook-large-attachments):
 *
 * - Graph `POST /users/{id}/messages/{id}/attachments/createUploadSession` with
 *   `{AttachmentItem: {attachmentType: 'file', name, size, contentType?, isInline?, contentId?}}`
 *   → 201 `{uploadUrl, expirationDateTime, nextExpectedRanges: ['0-']}`. Files under 3 MB are
 *   refused (ErrorAttachmentSizeShouldNotBeLessThanMinimumSize), over 150 MB too
 *   (ErrorMessageSizeExceeded), and so is a message that is no longer a draft.
 * - The upload URL. Exchange hands out
 *   `https://outlook.office.com/api/v2.0/Users('…')/Messages('…')/AttachmentSessions('…')?authtoken=…`;
 *   here it is the same path on the emulator's own origin (`/api/v2.0/…`). It is pre-authenticated:
 *   a request that carries an `Authorization` header is refused with 401.
 *   `PUT` with `Content-Range: bytes {start}-{end}/{total}` and the bytes: the range must start at
 *   the next expected byte, `total` must be the session's size, a fragment is at most 4 MiB and,
 *   except the last, a multiple of 320 KiB (400 InvalidRequest / invalidRange otherwise). An
 *   intermediate fragment answers 200 with `nextExpectedRanges: ['{next}']`; the last one 201
 *   Created with `Location: …/Attachments('{id}')`, and the file is then on the message.
 *   `GET` answers the session's state (`nextExpectedRanges: ['{next}-{size-1}']`), `DELETE`
 *   cancels it (204). A finished, cancelled or expired session answers 404.
 *
 * Every request to an upload URL, faulted ones included, is recorded in `state.uploadLog`.
 */
import type { EmuContext } from './context';
import { empty, graphError, isObject, json, parseJson, type EmuRequest, type EmuResponse } from './http';
import { itemId, opaqueToken } from './ids';
import type { Mailbox } from './mailbox';
import type { Message } from './message';

/** An attachment upload session (`createUploadSession`). */
export interface UploadSession {
  id: string;
  /** The `authtoken` of its upload URL. */
  authToken: string;
  tenantId: string;
  userId: string;
  /** Lowercase primary address of the mailbox. */
  mailbox: string;
  /** The message's immutable id (its id may change; the session follows the item). */
  messageId: string;
  name: string;
  size: number;
  contentType: string;
  isInline: boolean;
  contentId: string | null;
  /** Bytes received so far, in order. */
  chunks: Buffer[];
  /** Next byte expected (= bytes received). */
  received: number;
  /** Epoch ms. */
  expiresAt: number;
}

/** One request that reached an upload URL (faulted ones included), in arrival order. */
export interface UploadLogEntry {
  time: string;
  method: string;
  /** The session id from the path, or null when the path names none. */
  sessionId: string | null;
  /** `Content-Range` as sent, or null. */
  contentRange: string | null;
  /** Bytes in the request body. */
  bodyBytes: number;
  /** True when the request carried an `Authorization` header (the upload URL must not get one). */
  authorization: boolean;
  status: number;
}

/** Smallest file an upload session takes (smaller ones are POSTed to `attachments`). */
export const MIN_UPLOAD_SESSION_BYTES = 3 * 1024 * 1024;
/** Largest file attachment Outlook takes. */
export const MAX_ATTACHMENT_BYTES = 150 * 1024 * 1024;
/** Fragments other than the last are a multiple of this. */
export const UPLOAD_FRAGMENT_UNIT = 320 * 1024;
/** Largest fragment taken in one PUT. */
export const MAX_UPLOAD_FRAGMENT_BYTES = 4 * 1024 * 1024;

type Obj = Record<string, unknown>;

function bad(message: string, code = 'ErrorInvalidParameter'): EmuResponse {
  return graphError(400, code, message);
}

function sessionGone(): EmuResponse {
  return graphError(404, 'ErrorItemNotFound', 'The upload session was not found: it finished, was cancelled or expired.');
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '0000Z');
}

/** `/api/v2.0/Users('{user}@{tenant}')/Messages('{message}')` on this origin. */
function itemBase(baseUrl: string, s: { userId: string; tenantId: string; messageId: string }): string {
  return `${baseUrl}/api/v2.0/Users('${encodeURIComponent(`${s.userId}@${s.tenantId}`)}')/Messages('${encodeURIComponent(s.messageId)}')`;
}

function uploadUrl(baseUrl: string, s: UploadSession): string {
  return `${itemBase(baseUrl, s)}/AttachmentSessions('${encodeURIComponent(s.id)}')?authtoken=${s.authToken}`;
}

/** The value of a property whose name matches case-insensitively (`AttachmentItem`, `attachmentItem`). */
function prop(o: Obj, name: string): unknown {
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
}

/** Graph `POST …/messages/{id}/attachments/createUploadSession`. */
export function createUploadSession(req: EmuRequest, ctx: EmuContext, mb: Mailbox, m: Message, root: string): EmuResponse {
  let body: unknown;
  try {
    body = parseJson(req.body);
  } catch {
    return bad('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', 'BadRequest');
  }
  const item = isObject(body) ? prop(body, 'AttachmentItem') : undefined;
  if (!isObject(item)) return bad("The property 'AttachmentItem' is required.");
  const type = prop(item, 'attachmentType');
  if (typeof type !== 'string' || type.toLowerCase() !== 'file') return bad("AttachmentItem.attachmentType must be 'file'.");
  const name = prop(item, 'name');
  if (typeof name !== 'string' || name.trim() === '') return bad("The property 'name' is required for an attachment item.");
  const size = prop(item, 'size');
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) return bad("The property 'size' must be the file's size in bytes.");
  if (size < MIN_UPLOAD_SESSION_BYTES) {
    return bad(
      'The attachment size should not be less than the minimum size of 3 MB for an upload session; POST smaller files to the attachments collection.',
      'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize',
    );
  }
  if (size > MAX_ATTACHMENT_BYTES) return bad('The message exceeds the maximum supported size.', 'ErrorMessageSizeExceeded');
  if (!m.isDraft) return bad('Attachments can be uploaded only to a draft message.', 'ErrorInvalidOperation');
  const contentType = prop(item, 'contentType');
  const contentId = prop(item, 'contentId');
  const session: UploadSession = {
    id: itemId(),
    authToken: opaqueToken(),
    tenantId: mb.tenantId,
    userId: mb.userId,
    mailbox: mb.address.toLowerCase(),
    messageId: m.immutableId,
    name,
    size,
    contentType: typeof contentType === 'string' && contentType ? contentType : 'application/octet-stream',
    isInline: prop(item, 'isInline') === true,
    contentId: typeof contentId === 'string' ? contentId : null,
    chunks: [],
    received: 0,
    expiresAt: Date.now() + ctx.state.settings.uploadSessionLifetimeSeconds * 1000,
  };
  ctx.state.uploadSessions.set(session.id, session);
  return json(201, {
    '@odata.context': `${root}/$metadata#microsoft.graph.uploadSession`,
    uploadUrl: uploadUrl(req.baseUrl, session),
    expirationDateTime: stamp(session.expiresAt),
    nextExpectedRanges: ['0-'],
  });
}

/** True for a path under the upload URLs' root (`/api/v2.0/…`). */
export function isUploadPath(segments: string[]): boolean {
  return segments[0] === 'api' && segments[1]?.toLowerCase() === 'v2.0';
}

/** The session id a path names (`…/AttachmentSessions('{id}')`), or null. */
function sessionIdOf(segments: string[]): string | null {
  if (segments.length !== 5 || !/^Users\('.+'\)$/i.test(segments[2] ?? '') || !/^Messages\('.+'\)$/i.test(segments[3] ?? '')) return null;
  const m = /^AttachmentSessions\('(.+)'\)$/i.exec(segments[4] ?? '');
  return m ? (m[1] as string) : null;
}

function sessionJson(req: EmuRequest, s: UploadSession, ranges: string[]): Obj {
  return {
    '@odata.context': `${req.baseUrl}/api/v2.0/$metadata#Users('${encodeURIComponent(`${s.userId}@${s.tenantId}`)}')/Messages('${encodeURIComponent(s.messageId)}')/AttachmentSessions/$entity`,
    ExpirationDateTime: stamp(s.expiresAt),
    nextExpectedRanges: ranges,
  };
}

/** Requests to an upload URL: PUT a fragment, GET the state, DELETE to cancel. */
export function handleUpload(req: EmuRequest, ctx: EmuContext): EmuResponse {
  const { state } = ctx;
  const id = sessionIdOf(req.segments);
  if (id === null) return graphError(404, 'ErrorInvalidUrl', `No route for ${req.method} ${req.path}`);
  if (req.headers.authorization !== undefined) {
    return graphError(401, 'InvalidAuthenticationToken', 'The upload URL is pre-authenticated: a request to it must not carry an Authorization header.');
  }
  const s = state.uploadSessions.get(id);
  if (!s) return sessionGone();
  if (req.query.get('authtoken') !== s.authToken)
    return graphError(401, 'InvalidAuthenticationToken', 'The authtoken of the upload URL is missing or not valid.');
  if (Date.now() >= s.expiresAt) {
    state.uploadSessions.delete(id);
    return sessionGone();
  }
  switch (req.method) {
    case 'GET':
      return json(200, sessionJson(req, s, [`${s.received}-${s.size - 1}`]));
    case 'DELETE':
      state.uploadSessions.delete(id);
      return empty(204);
    case 'PUT':
      return putFragment(req, ctx, s);
    default:
      return graphError(405, 'ErrorInvalidRequest', `The HTTP method '${req.method}' is not allowed for an upload URL.`);
  }
}

function putFragment(req: EmuRequest, ctx: EmuContext, s: UploadSession): EmuResponse {
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec((req.headers['content-range'] ?? '').trim());
  if (!range) return bad('The Content-Range header is missing or malformed; expected bytes {start}-{end}/{total}.', 'InvalidRequest');
  const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
  const length = end - start + 1;
  if (end < start) return bad(`The Content-Range ${start}-${end} is empty or reversed.`, 'invalidRange');
  if (total !== s.size) return bad(`The Content-Range total ${total} does not match the session's size ${s.size}.`, 'invalidRange');
  if (end >= total) return bad(`The Content-Range ends at ${end}, beyond the file's last byte ${total - 1}.`, 'invalidRange');
  if (start !== s.received) return bad(`The fragment starts at ${start}; the next expected byte is ${s.received}.`, 'invalidRange');
  if (req.body.length !== length) return bad(`The body has ${req.body.length} bytes; the Content-Range announces ${length}.`, 'InvalidRequest');
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) !== req.body.length) return bad('The Content-Length header does not match the body.', 'InvalidRequest');
  if (length > MAX_UPLOAD_FRAGMENT_BYTES)
    return bad(`A fragment is at most ${MAX_UPLOAD_FRAGMENT_BYTES} bytes (4 MiB); this one has ${length}.`, 'invalidRange');
  const last = end === total - 1;
  if (!last && length % UPLOAD_FRAGMENT_UNIT !== 0)
    return bad(`A fragment other than the last must be a multiple of 320 KiB (327680 bytes); this one has ${length}.`, 'invalidRange');
  s.chunks.push(Buffer.from(req.body));
  s.received = end + 1;
  if (!last) return json(200, sessionJson(req, s, [String(s.received)]));

  const { state } = ctx;
  state.uploadSessions.delete(s.id);
  const mb = state.mailboxes.get(s.mailbox);
  const m = mb && state.findMessage(mb, s.messageId);
  if (!mb || !m) return graphError(404, 'ErrorItemNotFound', 'The message of the upload session was not found in the store.');
  if (!m.isDraft) return bad('Attachments can be uploaded only to a draft message.', 'ErrorInvalidOperation');
  const a = state.buildAttachment(
    { name: s.name, contentType: s.contentType, content: Buffer.concat(s.chunks), isInline: s.isInline, contentId: s.contentId ?? undefined },
    new Date().toISOString(),
  );
  s.chunks = [];
  m.attachments.push(a);
  state.touch(m);
  return empty(201, { location: `${itemBase(req.baseUrl, s)}/Attachments('${encodeURIComponent(a.id)}')` });
}

/** Records one request to an upload URL (called by the server for every one, faulted or not). */
export function recordUpload(ctx: EmuContext, req: EmuRequest, res: EmuResponse, time: string): void {
  ctx.state.uploadLog.push({
    time,
    method: req.method,
    sessionId: sessionIdOf(req.segments),
    contentRange: req.headers['content-range'] ?? null,
    bodyBytes: req.body.length,
    authorization: req.headers.authorization !== undefined,
    status: res.status,
  });
}

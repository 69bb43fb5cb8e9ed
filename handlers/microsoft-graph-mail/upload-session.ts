/**
 * Attaches files from the files root to a draft
 * (https://learn.microsoft.com/graph/outlook-large-attachments):
 *
 * - under 3 MB: one `POST …/attachments` with the bytes in base64;
 * - 3 MB to 150 MB: `POST …/attachments/createUploadSession` → an upload URL, then the file in
 *   fragments of 3.75 MiB (12 × 320 KiB; Graph wants at most 4 MB a request), read from disk one
 *   fragment at a time. Each `PUT` carries `Content-Range: bytes {start}-{end}/{total}` and no
 *   `Authorization` header (the upload URL is pre-authenticated). 200 → the next fragment from
 *   `nextExpectedRanges`; 201 → attached. A fragment that fails (429/5xx, a lost connection, a
 *   range the service does not expect) is followed, after the service's Retry-After, by a look
 *   at the session (`GET` upload URL → `nextExpectedRanges`) and the upload resumes from there.
 *   A session that is gone (404: expired, or finished while its answer was lost) is started
 *   again, unless the draft already has the file.
 *
 * A file already on the draft (same name, a size that fits: Outlook's `size` counts a little
 * overhead beyond the file's bytes) is not attached again, so a retried or re-run send adds
 * nothing twice.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { ActionContext } from '../kit/context';
import { UnreachableError, UpstreamError, UserError } from '../kit/errors';
import type { HttpResponse } from '../kit/http';
import { retryAfterMs, sleep } from '../kit/wait';
import type { FileToAttach } from './attachment-paths';
import { graphReason, type GraphClient } from './client';

/** Files of this size or more go through an upload session (Graph refuses sessions for smaller ones). */
export const MIN_UPLOAD_SESSION_BYTES = 3 * 1024 * 1024;
/** Fragments other than the last are a multiple of this. */
export const UPLOAD_FRAGMENT_UNIT = 320 * 1024;
/** 3.75 MiB: the largest multiple of 320 KiB under 4 MB. */
export const UPLOAD_CHUNK_BYTES = 12 * UPLOAD_FRAGMENT_UNIT;

/** Failed requests to one upload URL in a row before giving up. */
const MAX_FAILURES_IN_A_ROW = 8;
/** Failed requests to one upload URL in all. */
const MAX_FAILURES = 40;
/** Sessions started for one file (a session that disappears is started again). */
const MAX_SESSIONS = 3;
/** Tries of `createUploadSession` on 5xx / no answer (a second session costs nothing). */
const MAX_CREATE_TRIES = 4;
const PUT_TIMEOUT_MS = 120_000;

/** Outlook's hosts for upload URLs, in every cloud (the public one is `outlook.office.com`). */
const OUTLOOK_HOST = /(^|\.)(office\.com|office365\.com|office365\.us|outlook\.com|outlook\.cn|microsoft\.com)$/i;

interface ExistingAttachment {
  name?: string;
  size?: number;
}

interface UploadSessionJson {
  uploadUrl?: string;
  expirationDateTime?: string;
  nextExpectedRanges?: string[];
}

export interface AttachRequest {
  ctx: ActionContext;
  graph: GraphClient;
  /** `v1.0/users/{mailbox}/messages/{draft id}/attachments` */
  attachmentsPath: string;
  files: FileToAttach[];
}

export interface AttachFigures {
  /** Files attached now (inline or by session). */
  attached: number;
  /** Files the draft had already. */
  skipped: number;
  /** Fragments PUT (retries included) and failed PUTs/GETs on upload URLs. */
  puts: number;
  failures: number;
  sessions: number;
}

/** Outlook's `size` of a file attachment is the file's bytes plus some overhead (a few per cent at most). */
function fits(existing: ExistingAttachment, file: FileToAttach): boolean {
  if (existing.name !== file.name) return false;
  if (typeof existing.size !== 'number') return true;
  return existing.size >= file.size && existing.size <= file.size + 64 * 1024 + file.size / 10;
}

/** The files the draft does not have yet: each existing attachment stands for at most one file. */
export function notAttachedYet(files: FileToAttach[], existing: ExistingAttachment[]): FileToAttach[] {
  const pool = [...existing];
  return files.filter((f) => {
    const i = pool.findIndex((a) => fits(a, f));
    if (i < 0) return true;
    pool.splice(i, 1);
    return false;
  });
}

function bodyOf(res: HttpResponse): unknown {
  try {
    return res.json();
  } catch {
    return undefined;
  }
}

/**
 * The first byte the service still expects, from `nextExpectedRanges` (`["0-"]`, `["2097152"]`,
 * `["2097152-3483321"]`; property names in any case). Null when it names none.
 */
export function nextExpectedByte(body: unknown): number | null {
  if (!body || typeof body !== 'object') return null;
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'nextexpectedranges');
  const ranges = key ? (body as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(ranges)) return null;
  const starts = ranges
    .map((r) => /^\s*(\d+)\s*(-\s*\d*)?\s*$/.exec(String(r)))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => Number(m[1]));
  return starts.length ? Math.min(...starts) : null;
}

/** The upload URL, if it leads where the file may go: the Graph endpoint's origin, an allow-listed origin, or Outlook over https. */
function checkedUploadUrl(ctx: ActionContext, graph: GraphClient, raw: unknown): string {
  if (typeof raw !== 'string' || !raw) throw new UpstreamError('Microsoft Graph created an upload session without an upload URL.', 502);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UpstreamError('Microsoft Graph returned an upload URL that is not a URL.', 502);
  }
  const originOf = (s: string): string | null => {
    try {
      return new URL(s).origin;
    } catch {
      return null;
    }
  };
  const allowed =
    url.origin === originOf(graph.inst.graphRoot) ||
    (ctx.allowList ?? []).some((o) => originOf(o) === url.origin) ||
    (url.protocol === 'https:' && OUTLOOK_HOST.test(url.hostname));
  if (!allowed)
    throw new UpstreamError(
      `Microsoft Graph returned an upload URL on ${url.host}, which is neither the Graph endpoint nor an Outlook host; the file was not sent there.`,
      502,
    );
  return raw;
}

/** Reads exactly `length` bytes at `position` into the start of `buf`. */
async function readAt(fh: FileHandle, buf: Buffer, length: number, position: number, file: FileToAttach): Promise<Buffer> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) throw new UserError(`Attachment ${file.name} changed while it was being attached (it is no longer ${file.size} bytes).`);
    got += bytesRead;
  }
  return buf.subarray(0, length);
}

class Uploader {
  readonly figures: AttachFigures = { attached: 0, skipped: 0, puts: 0, failures: 0, sessions: 0 };
  private doneBytes = 0;
  private readonly totalBytes: number;

  constructor(
    private readonly req: AttachRequest,
    big: FileToAttach[],
  ) {
    this.totalBytes = big.reduce((n, f) => n + f.size, 0);
  }

  /** Progress over the files that go through sessions, in MB (the chat shows `done / total`). */
  private async progress(file: FileToAttach, fileBytes: number): Promise<void> {
    const { ctx } = this.req;
    if (typeof ctx.progress !== 'function') return;
    const mb = (n: number): string => (n / 1048576).toFixed(1);
    const done = this.doneBytes + fileBytes;
    await ctx
      .progress(
        Math.round(done / 1048576),
        Math.max(1, Math.round(this.totalBytes / 1048576)),
        `Attaching ${file.name}: ${mb(fileBytes)} of ${mb(file.size)} MB`,
      )
      .catch(() => undefined);
  }

  async inline(file: FileToAttach): Promise<void> {
    const data = await readFile(file.path);
    if (data.length !== file.size) throw new UserError(`Attachment ${file.name} changed while it was being attached (it is no longer ${file.size} bytes).`);
    // https://learn.microsoft.com/graph/api/message-post-attachments
    await this.req.graph.call('POST', this.req.attachmentsPath, {
      '@odata.type': '#microsoft.graph.fileAttachment',
      name: file.name,
      contentType: file.contentType,
      contentBytes: data.toString('base64'),
    });
    this.figures.attached++;
  }

  /** True when the draft already has the file (a session that finished while its answer was lost). */
  private async onDraft(file: FileToAttach): Promise<boolean> {
    const have = await this.req.graph.list<ExistingAttachment>(`${this.req.attachmentsPath}?$select=name,size`);
    return notAttachedYet([file], have).length === 0;
  }

  private async createSession(file: FileToAttach): Promise<UploadSessionJson> {
    const { ctx, graph } = this.req;
    for (let attempt = 1; ; attempt++) {
      try {
        // https://learn.microsoft.com/graph/api/attachment-createuploadsession
        const session = await graph.call<UploadSessionJson>('POST', `${this.req.attachmentsPath}/createUploadSession`, {
          AttachmentItem: { attachmentType: 'file', name: file.name, size: file.size, contentType: file.contentType, isInline: false },
        });
        this.figures.sessions++;
        return session;
      } catch (err) {
        const transient = err instanceof UnreachableError || (err instanceof UpstreamError && err.status >= 500);
        if (!transient || attempt >= MAX_CREATE_TRIES || ctx.signal.aborted) throw err;
        await sleep(Math.min(300 * 2 ** (attempt - 1), 4000), ctx.signal);
      }
    }
  }

  /** One request to the upload URL; null when no answer came (connection lost, timeout). */
  private async send(method: 'PUT' | 'GET' | 'DELETE', url: string, headers: Record<string, string> = {}, body?: Buffer): Promise<HttpResponse | null> {
    const { ctx, graph } = this.req;
    try {
      // No Authorization header: the upload URL carries its own token.
      return await ctx.http.send({ method, url, headers, body, retries: 0, verifySsl: graph.inst.verifySsl, signal: ctx.signal, timeoutMs: PUT_TIMEOUT_MS });
    } catch (err) {
      if (err instanceof UnreachableError && !ctx.signal.aborted) return null;
      throw err;
    }
  }

  async session(file: FileToAttach): Promise<void> {
    const fh = await open(file.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(Math.min(UPLOAD_CHUNK_BYTES, file.size));
      for (let started = 1; ; started++) {
        const session = await this.createSession(file);
        const url = checkedUploadUrl(this.req.ctx, this.req.graph, session.uploadUrl);
        const outcome = await this.upload(file, fh, buf, url, nextExpectedByte(session) ?? 0);
        if (outcome === 'attached') break;
        if (await this.onDraft(file)) break;
        if (started >= MAX_SESSIONS) throw new UpstreamError(`Microsoft Graph lost the upload session of ${file.name} ${started} times.`, 404);
        this.req.ctx.log.warn({ file: file.name, started }, 'upload session gone (expired or cancelled); starting a new one');
      }
      this.figures.attached++;
      this.doneBytes += file.size;
    } finally {
      await fh.close();
    }
  }

  /** PUTs the file from `offset` on; 'gone' when the session disappeared (404). */
  private async upload(file: FileToAttach, fh: FileHandle, buf: Buffer, url: string, offset: number): Promise<'attached' | 'gone'> {
    const { ctx } = this.req;
    let inARow = 0;
    const failed = async (res: HttpResponse | null, what: string): Promise<void> => {
      inARow++;
      this.figures.failures++;
      if (inARow >= MAX_FAILURES_IN_A_ROW || this.figures.failures >= MAX_FAILURES) {
        await this.send('DELETE', url).catch(() => null);
        const reason = res ? graphReason(res.status, bodyOf(res)) : 'no answer';
        throw new UpstreamError(`Uploading ${file.name} failed ${inARow} times in a row (${what}: ${reason}).`, res?.status ?? 503);
      }
      const wait = retryAfterMs(res?.headers ?? {}, inARow - 1);
      ctx.log.warn(
        { file: file.name, offset, status: res?.status ?? null, wait },
        `${what} of an attachment failed; checking the upload session before resuming`,
      );
      await sleep(wait, ctx.signal);
    };
    for (;;) {
      if (offset < 0 || offset >= file.size) offset = await this.whereToResume(url, file, failed);
      if (offset < 0) return 'gone';
      const length = Math.min(UPLOAD_CHUNK_BYTES, file.size - offset);
      const chunk = await readAt(fh, buf, length, offset, file);
      this.figures.puts++;
      const res = await this.send(
        'PUT',
        url,
        {
          'content-type': 'application/octet-stream',
          'content-length': String(length),
          'content-range': `bytes ${offset}-${offset + length - 1}/${file.size}`,
        },
        chunk,
      );
      if (res?.status === 201) {
        await this.progress(file, file.size);
        return 'attached';
      }
      if (res?.status === 200) {
        inARow = 0;
        const next = nextExpectedByte(bodyOf(res));
        offset = next !== null && next > offset ? next : offset + length;
        await this.progress(file, offset);
        continue;
      }
      if (res?.status === 404) return 'gone';
      // A range the service did not expect (a fragment it got although its answer was lost):
      // the session says where to go on. Other 4xx are final.
      const rangeTrouble = res !== null && (res.status === 400 || res.status === 416) && /invalidRange/i.test(res.text());
      if (res !== null && res.status < 500 && res.status !== 429 && res.status !== 408 && !rangeTrouble) {
        await this.send('DELETE', url).catch(() => null);
        throw new UpstreamError(`Uploading ${file.name} failed: ${graphReason(res.status, bodyOf(res))}`, res.status);
      }
      await failed(res, 'PUT');
      offset = await this.whereToResume(url, file, failed);
      if (offset < 0) return 'gone';
    }
  }

  /** The session's next expected byte (`GET` upload URL); -1 when the session is gone. */
  private async whereToResume(url: string, file: FileToAttach, failed: (res: HttpResponse | null, what: string) => Promise<void>): Promise<number> {
    for (;;) {
      const res = await this.send('GET', url);
      if (res?.status === 200) {
        const next = nextExpectedByte(bodyOf(res));
        return next === null || next >= file.size ? -1 : next;
      }
      if (res?.status === 404) return -1;
      if (res !== null && res.status < 500 && res.status !== 429 && res.status !== 408) {
        throw new UpstreamError(`Checking the upload session of ${file.name} failed: ${graphReason(res.status, bodyOf(res))}`, res.status);
      }
      await failed(res, 'GET');
    }
  }
}

/**
 * Attaches the files the draft does not have yet: small ones inline, big ones through upload
 * sessions (one file, one fragment at a time). Progress goes to `ctx.progress` while big files
 * upload. Errors: UpstreamError/UnreachableError (retryable ones are worth a new attempt: what is
 * attached stays attached), UserError when a file changed meanwhile.
 */
export async function attachFiles(req: AttachRequest): Promise<AttachFigures> {
  if (!req.files.length) return { attached: 0, skipped: 0, puts: 0, failures: 0, sessions: 0 };
  const have = await req.graph.list<ExistingAttachment>(`${req.attachmentsPath}?$select=name,size`);
  const todo = notAttachedYet(req.files, have);
  const big = todo.filter((f) => f.size >= MIN_UPLOAD_SESSION_BYTES);
  const up = new Uploader(req, big);
  up.figures.skipped = req.files.length - todo.length;
  for (const f of todo) {
    if (f.size >= MIN_UPLOAD_SESSION_BYTES) await up.session(f);
    else await up.inline(f);
  }
  if (big.length || up.figures.skipped) req.ctx.log.info({ ...up.figures }, 'attachments added to the draft');
  return up.figures;
}

/**
 * Request/response values the emulator's handlers work on (so `$batch` can route sub-requests
 * through the same handlers without a socket), JSON helpers, and the three error shapes:
 * Microsoft identity platform, Microsoft Graph, Office 365 Management Activity API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { guid } from './ids';

/** One request, already read. Header names are lowercase. */
export interface EmuRequest {
  method: string;
  /** Decoded path segments, without empty ones (`/v1.0/users/a%40b` → `['v1.0','users','a@b']`). */
  segments: string[];
  /** The raw path, without query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
  /** Origin the client used (`http://127.0.0.1:PORT`), for absolute links (nextLink, contentUri). */
  baseUrl: string;
  /** True for a sub-request of a Graph `$batch`. */
  inBatch?: boolean;
}

/** One response. An object body is sent as JSON; a string or Buffer as is. */
export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Thrown by a handler (or a helper deep inside one) to answer with a prepared response. */
export class Reply extends Error {
  constructor(readonly response: EmuResponse) {
    super(`reply ${response.status}`);
  }
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body };
}

export function empty(status: number, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers };
}

export function text(status: number, body: string | Buffer, contentType: string, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers: { 'content-type': contentType, ...headers }, body };
}

/** The body as bytes (object → JSON text). */
export function bodyBytes(r: EmuResponse): Buffer {
  if (r.body === undefined || r.body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(r.body)) return r.body;
  if (typeof r.body === 'string') return Buffer.from(r.body, 'utf8');
  return Buffer.from(JSON.stringify(r.body), 'utf8');
}

/** Writes an EmuResponse to a socket response. */
export function send(res: ServerResponse, r: EmuResponse, method: string): void {
  const bytes = bodyBytes(r);
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (r.body !== undefined && r.body !== null && !headers['content-type']) {
    headers['content-type'] = Buffer.isBuffer(r.body) ? 'application/octet-stream' : typeof r.body === 'string' ? 'text/plain; charset=utf-8' : JSON_TYPE;
  }
  if (r.status !== 204 && r.status !== 304) headers['content-length'] = String(bytes.length);
  res.writeHead(r.status, headers);
  res.end(method === 'HEAD' || r.status === 204 ? undefined : bytes);
}

/** Reads a request body, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit = 36 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Splits and decodes a path; a malformed escape is kept literally. */
export function pathSegments(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** Parses an `application/x-www-form-urlencoded` body. */
export function parseForm(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) out[k] = v;
  return out;
}

/** Parses a JSON body; `undefined` when empty, throws SyntaxError when malformed. */
export function parseJson(body: Buffer): unknown {
  const t = body.toString('utf8').trim();
  if (t === '') return undefined;
  return JSON.parse(t) as unknown;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------- Microsoft Graph

/** Graph's error shape: `{"error":{"code","message","innerError":{date,request-id,client-request-id}}}`. */
export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): EmuResponse {
  const requestId = guid();
  return json(
    status,
    {
      error: {
        code,
        message,
        innerError: { date: new Date().toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': requestId, 'client-request-id': requestId },
      },
    },
    { 'request-id': requestId, 'client-request-id': requestId, ...headers },
  );
}

// ---------------------------------------------------------------- Management Activity API

/** The Management Activity API's error shape: `{"error":{"code":"AF20055","message":"…"}}`. */
export function managementError(status: number, code: string, message: string, headers: Record<string, string> = {}): EmuResponse {
  return json(status, { error: { code, message } }, headers);
}

// ---------------------------------------------------------------- Microsoft identity platform

/** Formats `YYYY-MM-DD hh:mm:ssZ` as the identity platform does in errors. */
function aadTimestamp(d = new Date()): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The identity platform's OAuth error shape:
 * `{"error":"invalid_client","error_description":"AADSTS7000215: …\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …","error_codes":[7000215],…}`.
 */
export function aadError(status: number, error: string, code: number, description: string, baseUrl: string): EmuResponse {
  const traceId = guid();
  const correlationId = guid();
  const timestamp = aadTimestamp();
  return json(
    status,
    {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${baseUrl}/error?code=${code}`,
    },
    { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
  );
}

/**
 * Execute HTTP Request's parameters turned into one request: URL Path with URL Params appended,
 * Headers with Cookie replacing any cookie header (behaviour.md 31), and the Body Payload encoded
 * by the Content-Type (seed: form-urlencoded, JSON, XML or other text as is, base64 files).
 */
import { UserError } from '../../kit/errors';
import { joinUrl } from '../../kit/remote';

export interface BuiltRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** A JSON parameter: typed values are already parsed; JSON text is parsed here. */
export function jsonObjectParam(value: unknown, displayName: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      throw new UserError(`Parameter ${displayName}: invalid JSON (${(err as Error).message.split('\n')[0]}).`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UserError(`Parameter ${displayName} must be a JSON object, e.g. {"key": "value"}.`);
  return parsed as Record<string, unknown>;
}

function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Appends `{name: value}` pairs; a list repeats the name, null leaves it out (as Python requests does). */
function appendPairs(target: URLSearchParams, pairs: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(pairs)) {
    if (v === null || v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) target.append(k, asText(item));
  }
}

function findHeader(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

export function removeHeader(headers: Record<string, string>, name: string): void {
  for (const k of Object.keys(headers)) if (k.toLowerCase() === name) delete headers[k];
}

export function hasHeader(headers: Record<string, string>, name: string): boolean {
  return findHeader(headers, name) !== undefined;
}

/** The URL: absolute, or a path taken from the Microsoft Graph API Root (`/v1.0/users`). */
export function buildUrl(urlPath: unknown, urlParams: Record<string, unknown> | undefined, graphRoot: string): string {
  const raw = String(urlPath ?? '').trim();
  if (!raw) throw new UserError('Parameter URL Path is required.');
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(raw) ? raw : joinUrl(graphRoot, raw));
  } catch {
    throw new UserError(`Parameter URL Path: ${raw.slice(0, 200)} is not a valid URL.`);
  }
  if (urlParams) appendPairs(url.searchParams, urlParams);
  return url.href;
}

function cookieHeader(cookies: Record<string, unknown>): string {
  return Object.entries(cookies)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${asText(v)}`)
    .join('; ');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Content types whose body is bytes, not text: a base64 Body Payload is decoded and uploaded. */
function isBinaryType(contentType: string): boolean {
  return (
    /^(application\/(octet-stream|pdf|zip|gzip|x-zip-compressed|x-msdownload|vnd\.[^;]*)|image\/|audio\/|video\/)/i.test(contentType.trim()) &&
    !/(json|xml|text)/i.test(contentType)
  );
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Encodes Body Payload by Content-Type; may set Content-Type (a JSON object with none is sent as a form, like requests' `data=`). */
export function buildBody(payload: unknown, headers: Record<string, string>): Buffer | undefined {
  if (payload === undefined || payload === null || payload === '') return undefined;
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const parsed = typeof payload === 'string' ? tryJson(payload.trim()) : payload;
  const contentType = (findHeader(headers, 'content-type') ?? '').toLowerCase();
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);

  if (contentType.includes('application/x-www-form-urlencoded') || (!contentType && isObject)) {
    if (!isObject) return Buffer.from(text);
    const form = new URLSearchParams();
    appendPairs(form, parsed as Record<string, unknown>);
    if (!contentType) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return Buffer.from(form.toString());
  }
  if (/json/.test(contentType) && parsed !== undefined) return Buffer.from(JSON.stringify(parsed));
  const compact = text.replace(/\s+/g, '');
  if (contentType && isBinaryType(contentType) && compact.length > 0 && BASE64.test(compact)) return Buffer.from(compact, 'base64');
  // XML, plain text, or anything else: exactly as given.
  return Buffer.from(text);
}

export function buildRequest(params: Record<string, unknown>, graphRoot: string): BuiltRequest {
  const method = String(params.method).toUpperCase();
  const urlParams = jsonObjectParam(params['url-params'], 'URL Params');
  const headerObject = jsonObjectParam(params.headers, 'Headers') ?? {};
  const cookies = jsonObjectParam(params.cookie, 'Cookie');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(headerObject)) if (v !== null && v !== undefined) headers[k] = asText(v);
  if (cookies) {
    removeHeader(headers, 'cookie');
    const value = cookieHeader(cookies);
    if (value) headers.Cookie = value;
  }
  const url = buildUrl(params['url-path'], urlParams, graphRoot);
  const body = buildBody(params['body-payload'], headers);
  return { method, url, headers, body };
}

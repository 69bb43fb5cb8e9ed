/**
 * The JSON result of Execute HTTP Request in the seed's shape: response_data, redirects,
 * response_code, cookies, response_headers, apparent_encoding — restricted to Fields To Return.
 */
import { UserError } from '../../kit/errors';
import type { PinnedResponse } from '../../kit/ssrf';
import type { Exchange } from './send';

export const FIELD_NAMES = ['response_data', 'redirects', 'response_code', 'cookies', 'response_headers', 'apparent_encoding'] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** behaviour.md 28: Base64 Output's encoded string may not exceed 15 MB. */
export const BASE64_LIMIT_BYTES = 15 * 1024 * 1024;
/** The largest body whose base64 form stays within the limit. */
export const BASE64_MAX_INPUT_BYTES = Math.floor(BASE64_LIMIT_BYTES / 4) * 3;

/** Fields To Return as field names; `response_cookies` is accepted for `cookies` (behaviour.md 28). */
export function fieldsToReturn(value: unknown): FieldName[] {
  const items = (Array.isArray(value) ? value.map(String) : String(value ?? '').split(',')).map((s) => s.trim().toLowerCase()).filter(Boolean);
  const out: FieldName[] = [];
  for (const item of items) {
    const name = item === 'response_cookies' ? 'cookies' : item;
    if (!(FIELD_NAMES as readonly string[]).includes(name)) {
      throw new UserError(`Parameter Fields To Return: unknown field "${item.slice(0, 60)}". Possible values: ${FIELD_NAMES.join(', ')}.`);
    }
    if (!out.includes(name as FieldName)) out.push(name as FieldName);
  }
  if (!out.length) throw new UserError(`Parameter Fields To Return: give at least one of ${FIELD_NAMES.join(', ')}.`);
  return out;
}

/** What Python's charset detection would call the body: ascii, utf-8, utf-16 (BOM) or a single-byte fallback. */
export function apparentEncoding(body: Buffer): string {
  if (body.length >= 2 && ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff))) return 'UTF-16';
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'UTF-8-SIG';
  if (body.every((b) => b < 0x80)) return 'ascii';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return 'utf-8';
  } catch {
    return 'Windows-1252';
  }
}

/** The body as text in the encoding the response declares (else its apparent one). */
export function bodyText(res: PinnedResponse): string {
  const declared = /charset=([^;\s]+)/i.exec(res.headers['content-type'] ?? '')?.[1]?.replace(/"/g, '');
  const label = declared ?? (apparentEncoding(res.body) === 'Windows-1252' ? 'windows-1252' : 'utf-8');
  try {
    return new TextDecoder(label).decode(res.body);
  } catch {
    return res.body.toString('utf8');
  }
}

/** Parsed JSON when the body is JSON, else its text (as `response.json()` falling back to `.text`). */
export function responseData(res: PinnedResponse): unknown {
  if (!res.body.length) return '';
  const text = bodyText(res);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Response headers with the names as the server wrote them; repeated ones joined with `, `. */
export function responseHeaders(res: PinnedResponse): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i]!;
    const value = res.rawHeaders[i + 1] ?? '';
    const key = seen.get(name.toLowerCase()) ?? name;
    seen.set(name.toLowerCase(), key);
    out[key] = out[key] !== undefined ? `${out[key]}, ${value}` : value;
  }
  return out;
}

export function responseCookies(res: PinnedResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.setCookies) {
    const [pair] = line.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (pair && eq > 0) out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

export const TOO_LARGE_FOR_BASE64 =
  'The response is too large for Base64 Output: its base64 form would exceed 15 MB. Turn Base64 Output off, or use Save To Case Wall.';

export function buildResult(exchange: Exchange, fields: FieldName[], base64Output: boolean): Record<string, unknown> {
  const res = exchange.response;
  const all: Record<FieldName, () => unknown> = {
    response_data: () => (base64Output ? res.body.toString('base64') : responseData(res)),
    redirects: () => exchange.redirects,
    response_code: () => res.status,
    cookies: () => responseCookies(res),
    response_headers: () => responseHeaders(res),
    apparent_encoding: () => apparentEncoding(res.body),
  };
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = all[f]();
  return out;
}

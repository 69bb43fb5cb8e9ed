/**
 * Graph `$batch` (JSON batching): up to `settings.batchLimit` requests, each dispatched like a
 * request of its own (faults, ledger) unless a failed `dependsOn` (424) or the mailbox
 * concurrency limit (429) stops it.
 */
import type { EmuContext } from './context';
import { badRequest, type Obj } from './graph-call';
import { isObject, json, parseJson, pathSegments, type EmuRequest, type EmuResponse } from './http';

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

function parseBatch(req: EmuRequest, limit: number): BatchItem[] | EmuResponse {
  let payload: unknown;
  try {
    payload = parseJson(req.body);
  } catch {
    return badRequest('Invalid batch payload format.');
  }
  if (!isObject(payload) || !Array.isArray(payload.requests)) return badRequest('Invalid batch payload format.');
  const reqs = payload.requests;
  if (reqs.length === 0) return badRequest('Invalid batch payload format: the batch contains no requests.');
  if (reqs.length > limit) return badRequest(`Invalid batch payload format: the number of requests (${reqs.length}) exceeds the limit of ${limit}.`);
  const seen = new Set<string>();
  const out: BatchItem[] = [];
  for (const r of reqs) {
    if (!isObject(r) || r.id === undefined || r.id === null || typeof r.method !== 'string' || typeof r.url !== 'string') {
      return badRequest('Invalid batch payload format: every request needs id, method and url.');
    }
    const id = String(r.id);
    if (seen.has(id)) return badRequest(`Invalid batch payload format: request id '${id}' is not unique.`);
    seen.add(id);
    const headers: Record<string, string> = {};
    if (isObject(r.headers)) for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = String(v);
    const dependsOn = Array.isArray(r.dependsOn) ? r.dependsOn.map(String) : [];
    for (const d of dependsOn)
      if (!seen.has(d) || d === id) return badRequest(`Invalid batch payload format: request '${id}' depends on unknown or later request '${d}'.`);
    out.push({ id, method: r.method.toUpperCase(), url: r.url, headers, body: r.body, dependsOn });
  }
  return out;
}

/** An item's URL is relative to the version root, with or without a leading `/`. */
function itemUrl(req: EmuRequest, version: string, item: BatchItem): URL {
  return new URL(`${req.baseUrl}/${version}${item.url.startsWith('/') ? item.url : `/${item.url}`}`);
}

function batchBody(res: EmuResponse): unknown {
  if (res.body === undefined || res.body === null) return undefined;
  if (Buffer.isBuffer(res.body)) return res.body.toString('base64');
  if (typeof res.body === 'string') {
    const ct = res.headers?.['content-type'] ?? '';
    return ct.startsWith('text/') ? Buffer.from(res.body).toString('base64') : res.body;
  }
  return res.body;
}

/** The mailbox a batch item targets (`/users/{id|upn}/…`), lowercase, or null. */
function itemMailbox(url: string): string | null {
  const m = /^\/?users\/([^/?]+)\/[^?]/.exec(url);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1] as string).toLowerCase();
  } catch {
    return (m[1] as string).toLowerCase();
  }
}

/**
 * Items that Outlook would refuse for mailbox concurrency: a batch's requests run in parallel
 * unless sequenced with dependsOn, so beyond `limit` unsequenced requests to one mailbox the
 * rest are throttled (429 ApplicationThrottled), as Graph does.
 */
function overMailboxLimit(items: BatchItem[], limit: number): Set<string> {
  const over = new Set<string>();
  if (limit <= 0) return over;
  const count = new Map<string, number>();
  for (const item of items) {
    const mb = itemMailbox(item.url);
    if (!mb || item.dependsOn.length) continue;
    const n = (count.get(mb) ?? 0) + 1;
    count.set(mb, n);
    if (n > limit) over.add(item.id);
  }
  return over;
}

/** `POST /{version}/$batch` */
export async function batch(req: EmuRequest, ctx: EmuContext, version: string): Promise<EmuResponse> {
  const parsed = parseBatch(req, ctx.state.settings.batchLimit);
  if (!Array.isArray(parsed)) return parsed;
  const statusById = new Map<string, number>();
  const responses: Obj[] = [];
  const refuse = (item: BatchItem, status: number, code: string, message: string, headers?: Record<string, string>): void => {
    statusById.set(item.id, status);
    responses.push({ id: item.id, status, ...(headers ? { headers } : {}), body: { error: { code, message } } });
  };
  const throttled = overMailboxLimit(parsed, ctx.state.settings.mailboxConcurrencyLimit);
  for (const item of parsed) {
    if (throttled.has(item.id)) {
      if (item.method !== 'GET' && item.method !== 'HEAD') {
        const u = itemUrl(req, version, item);
        ctx.ledger.push({ method: item.method, path: u.pathname, query: u.searchParams.toString(), time: new Date().toISOString(), status: 429, batch: true });
      }
      refuse(item, 429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
        'Retry-After': '1',
        'Content-Type': 'application/json',
      });
      continue;
    }
    if (item.dependsOn.some((d) => (statusById.get(d) ?? 424) >= 400)) {
      refuse(item, 424, 'FailedDependency', 'Failed dependency.');
      continue;
    }
    const u = itemUrl(req, version, item);
    const hasBody = item.body !== undefined && item.body !== null;
    if (hasBody && !item.headers['content-type']) {
      refuse(item, 400, 'BadRequest', `Write request id : ${item.id} does not contain Content-Type header or body.`);
      continue;
    }
    const segments = pathSegments(u.pathname);
    if (segments[1] === '$batch') {
      refuse(item, 400, 'BadRequest', 'Nested batch requests are not supported.');
      continue;
    }
    const bodyBuf = !hasBody
      ? Buffer.alloc(0)
      : typeof item.body === 'string' && !item.headers['content-type']?.includes('json')
        ? Buffer.from(item.body, 'base64')
        : Buffer.from(JSON.stringify(item.body));
    const sub: EmuRequest = {
      method: item.method,
      path: u.pathname,
      segments,
      query: u.searchParams,
      headers: { ...item.headers, authorization: req.headers.authorization ?? '' },
      body: bodyBuf,
      baseUrl: req.baseUrl,
      inBatch: true,
    };
    const res = await ctx.dispatch(sub);
    statusById.set(item.id, res.status);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers ?? {})) {
      if (['content-type', 'retry-after', 'location', 'preference-applied'].includes(k.toLowerCase()))
        headers[k.replace(/(^|-)([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase())] = v;
    }
    const entry: Obj = { id: item.id, status: res.status, headers };
    const body = batchBody(res);
    if (body !== undefined) entry.body = body;
    responses.push(entry);
  }
  return json(200, { responses });
}

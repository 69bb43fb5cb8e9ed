/**
 * Office 365 Management Activity API (`/api/v1.0/{tenant}/activity/feed/…`): subscriptions
 * list/start/stop, content listing with the 24-hour/7-day window rules and `NextPageUri` paging,
 * content blobs, and the DLP sensitive types resource. Errors use its `{"error":{"code":"AF…"}}` shape.
 */
import { CONTENT_TYPES, isContentType, type ContentType, type Subscription } from './activity-feed';
import { ensureContent } from './audit-content';
import type { EmuContext } from './context';
import type { Tenant } from './directory';
import { isObject, json, managementError, parseJson, type EmuRequest, type EmuResponse } from './http';
import { checkBearer } from './login';

const DAY_MS = 24 * 3600 * 1000;
/** Clock-skew tolerance on the 7-day limit. */
const SKEW_MS = 60 * 1000;
const WINDOW_MESSAGE =
  'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past.';

function subscriptionJson(s: Subscription): Record<string, unknown> {
  return { contentType: s.contentType, status: s.status, webhook: s.webhook };
}

/** Parses the API's times: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`, `YYYY-MM-DDTHH:MM:SS[.fff][Z]`, UTC when no zone. */
function parseTime(v: string): number {
  const t = v.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(t)) return NaN;
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? t : t.length === 10 ? `${t}T00:00:00Z` : `${t}Z`;
  return Date.parse(withZone.replace(' ', 'T'));
}

/** `YYYY-MM-DDTHH:MM:SS` — how NextPageUri spells times. */
function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function contentTypeParam(req: EmuRequest): ContentType | EmuResponse {
  const ct = req.query.get('contentType') ?? req.query.get('contenttype');
  if (!ct) return managementError(400, 'AF20001', 'Missing parameter: contentType.');
  const match = CONTENT_TYPES.find((c) => c.toLowerCase() === ct.toLowerCase());
  if (!match || !isContentType(match))
    return managementError(400, 'AF20020', `The specified content type is not valid: ${ct}. Valid content types: ${CONTENT_TYPES.join(', ')}.`);
  return match;
}

function listContent(req: EmuRequest, ctx: EmuContext, tenant: Tenant, tenantRef: string, ct: ContentType): EmuResponse {
  const { state } = ctx;
  const sub = state.subscriptions.get(state.subscriptionKey(tenant.id, ct));
  if (sub?.status !== 'enabled') return managementError(400, 'AF20022', 'No subscription found for the specified content type');
  const q = req.query;
  const now = Date.now();
  const startRaw = q.get('startTime');
  const endRaw = q.get('endTime');
  let start: number;
  let end: number;
  if (startRaw === null && endRaw === null) {
    end = now;
    start = now - DAY_MS;
  } else {
    if (startRaw === null || endRaw === null) return managementError(400, 'AF20055', WINDOW_MESSAGE);
    start = parseTime(startRaw);
    end = parseTime(endRaw);
    if (Number.isNaN(start) || Number.isNaN(end)) return managementError(400, 'AF20055', WINDOW_MESSAGE);
    if (end <= start || end - start > DAY_MS || start < now - 7 * DAY_MS - SKEW_MS) return managementError(400, 'AF20055', WINDOW_MESSAGE);
  }
  let offset = 0;
  const nextPage = q.get('nextPage') ?? q.get('nextpage');
  if (nextPage !== null) {
    const m = /R(\d+)$/.exec(nextPage);
    if (!m) return managementError(400, 'AF20031', `Invalid nextPage Input: ${nextPage}.`);
    offset = Number(m[1]);
  }
  ensureContent(state, tenant, now);
  const blobs = [...state.content.values()]
    .filter((b) => b.tenantId === tenant.id && b.contentType === ct)
    .filter((b) => {
      const t = Date.parse(b.contentCreated);
      return t >= start && t < end;
    })
    .sort((a, b) => a.contentCreated.localeCompare(b.contentCreated) || a.contentId.localeCompare(b.contentId));
  const size = Math.max(1, state.settings.contentPageSize);
  const page = blobs.slice(offset, offset + size);
  const headers: Record<string, string> = {};
  if (offset + size < blobs.length) {
    const next = new URLSearchParams({ contentType: ct, startTime: formatTime(start), endTime: formatTime(end) });
    const publisher = q.get('PublisherIdentifier');
    if (publisher) next.set('PublisherIdentifier', publisher);
    next.set('nextPage', `${formatTime(start).replace(/\D/g, '')}R${offset + size}`);
    headers.NextPageUri = `${req.baseUrl}/api/v1.0/${tenantRef}/activity/feed/subscriptions/content?${next.toString()}`;
  }
  const body = page.map((b) => ({
    contentUri: `${req.baseUrl}/api/v1.0/${tenantRef}/activity/feed/audit/${b.contentId}`,
    contentId: b.contentId,
    contentType: b.contentType,
    contentCreated: b.contentCreated,
    contentExpiration: b.contentExpiration,
  }));
  return json(200, body, headers);
}

function startSubscription(req: EmuRequest, ctx: EmuContext, tenant: Tenant, ct: ContentType): EmuResponse {
  const { state } = ctx;
  const key = state.subscriptionKey(tenant.id, ct);
  const existing = state.subscriptions.get(key);
  let webhook: Subscription['webhook'] = null;
  let body: unknown;
  try {
    body = parseJson(req.body);
  } catch {
    return managementError(400, 'AF20002', 'Invalid parameter type: body. Expected type: JSON object.');
  }
  if (isObject(body) && isObject(body.webhook)) {
    const w = body.webhook;
    if (typeof w.address !== 'string' || !/^https?:\/\//i.test(w.address))
      return managementError(400, 'AF20021', `The webhook endpoint (${String(w.address)}) could not be validated. The address must be an http(s) URL.`);
    webhook = {
      address: w.address,
      authId: typeof w.authId === 'string' ? w.authId : null,
      expiration: typeof w.expiration === 'string' ? w.expiration : null,
      status: 'enabled',
    };
  }
  if (existing && existing.status === 'enabled') return managementError(400, 'AF20024', 'The subscription is already enabled. No property change.');
  const sub: Subscription = { tenantId: tenant.id, contentType: ct, status: 'enabled', webhook, createdAt: new Date().toISOString() };
  state.subscriptions.set(key, sub);
  return json(200, subscriptionJson(sub));
}

function stopSubscription(ctx: EmuContext, tenant: Tenant, ct: ContentType): EmuResponse {
  const { state } = ctx;
  const sub = state.subscriptions.get(state.subscriptionKey(tenant.id, ct));
  if (sub?.status !== 'enabled') return managementError(400, 'AF20022', 'No subscription found for the specified content type');
  sub.status = 'disabled';
  if (sub.webhook) sub.webhook.status = 'disabled';
  return { status: 200, headers: {} };
}

function getBlob(ctx: EmuContext, tenant: Tenant, contentId: string): EmuResponse {
  ensureContent(ctx.state, tenant);
  const blob = ctx.state.content.get(contentId);
  if (!blob || blob.tenantId !== tenant.id) return managementError(400, 'AF20050', `The specified content (${contentId}) does not exist.`);
  if (Date.parse(blob.contentExpiration) <= Date.now()) {
    return managementError(400, 'AF20051', `Content requested with the key ${contentId} has already expired. Content older than 7 days cannot be retrieved.`);
  }
  return json(200, blob.events);
}

const DLP_TYPES = [
  { id: '50842eb7-edc8-4019-85dd-5a5c1f2bb085', name: 'Credit Card Number', description: 'Detects credit card numbers.' },
  { id: 'a44669fe-0d48-453d-a9b1-2cc83f2cba77', name: 'U.S. Social Security Number (SSN)', description: 'Detects U.S. social security numbers.' },
  { id: 'e7dc4711-11b7-4cb0-b88b-2c394a771f0e', name: 'International Banking Account Number (IBAN)', description: 'Detects IBANs.' },
  { id: 'a2ce32a8-f935-4bb6-8e96-2a5157672e2c', name: 'U.S. Bank Account Number', description: 'Detects U.S. bank account numbers.' },
];

/** Handles `/api/v1.0/{tenant}/activity/feed/…`. */
export function handleManagement(req: EmuRequest, ctx: EmuContext): EmuResponse {
  const s = req.segments; // ['api','v1.0',tenant,'activity','feed',...]
  const tenantRef = s[2] ?? '';
  if (s[1] !== 'v1.0' || s[3] !== 'activity' || s[4] !== 'feed' || !tenantRef) {
    return managementError(404, 'AF404', `No HTTP resource was found that matches the request URI '${req.baseUrl}${req.path}'.`);
  }
  const check = checkBearer(req, ctx.state, 'management');
  if (!check.ok) {
    const headers = { 'www-authenticate': `Bearer realm="", authorization_uri="${req.baseUrl}/common/oauth2/authorize", error="invalid_token"` };
    if (check.reason === 'audience') {
      return managementError(
        401,
        'AF10001',
        'The permission set () sent in the request did not include the expected permission: the access token was not issued for the Office 365 Management APIs resource.',
        headers,
      );
    }
    const why = check.reason === 'missing' ? 'no access token was sent' : 'the access token is invalid or has expired';
    return managementError(401, 'Unauthorized', `Authorization has been denied for this request: ${why}.`, headers);
  }
  const tenant = ctx.state.findTenant(tenantRef);
  if (!tenant) return managementError(400, 'AF20011', `Specified tenant ID (${tenantRef}) does not exist in the system or has been deleted.`);
  if (tenant.id !== check.token.tenantId) {
    return managementError(
      401,
      'AF20010',
      `The tenant ID passed in the URL (${tenantRef}) does not match the tenant ID passed in the access token (${check.token.tenantId}).`,
    );
  }
  const rest = s.slice(5);
  const method = req.method;
  const notAllowed = (): EmuResponse => managementError(405, 'AF405', `The requested resource does not support http method '${method}'.`);
  if (rest[0] === 'subscriptions' && rest.length === 2) {
    const op = (rest[1] as string).toLowerCase();
    if (op === 'list') {
      if (method !== 'GET') return notAllowed();
      const subs = [...ctx.state.subscriptions.values()].filter((x) => x.tenantId === tenant.id).map(subscriptionJson);
      return json(200, subs);
    }
    if (op === 'start' || op === 'stop' || op === 'content') {
      if ((op === 'content' ? 'GET' : 'POST') !== method) return notAllowed();
      const ct = contentTypeParam(req);
      if (typeof ct !== 'string') return ct;
      if (op === 'start') return startSubscription(req, ctx, tenant, ct);
      if (op === 'stop') return stopSubscription(ctx, tenant, ct);
      return listContent(req, ctx, tenant, tenantRef, ct);
    }
  }
  if (rest[0] === 'audit' && rest.length === 2) {
    if (method !== 'GET') return notAllowed();
    return getBlob(ctx, tenant, rest[1] as string);
  }
  if (rest[0] === 'resources' && rest[1]?.toLowerCase() === 'dlpsensitivetypes' && rest.length === 2) {
    if (method !== 'GET') return notAllowed();
    return json(200, DLP_TYPES);
  }
  return managementError(404, 'AF404', `No HTTP resource was found that matches the request URI '${req.baseUrl}${req.path}'.`);
}

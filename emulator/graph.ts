/**
 * Microsoft Graph (`/v1.0/…` and `/beta/…`): bearer check, routing, the directory parts the
 * integrations touch (`/organization`, `/users`, `/me`, presence) and `$batch`; mail is in
 * graph-mail.ts.
 */
import type { EmuContext } from './context';
import { graphError, isObject, json, parseJson, pathSegments, Reply, type EmuRequest, type EmuResponse } from './http';
import { badRequest, collection, mailRoute, methodNotAllowed, presenceJson, segmentNotFound, type GraphCall } from './graph-mail';
import { checkBearer } from './login';
import { applySelect, ODataError } from './odata';
import type { EmulatorState, Tenant, User } from './state';

type Obj = Record<string, unknown>;

function unauthorized(req: EmuRequest, message: string): EmuResponse {
  return graphError(401, 'InvalidAuthenticationToken', message, {
    'www-authenticate': `Bearer realm="", authorization_uri="${req.baseUrl}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
  });
}

function organizationJson(t: Tenant): Obj {
  return {
    id: t.id,
    deletedDateTime: null,
    businessPhones: ['+1 425 555 0100'],
    city: t.city,
    country: null,
    countryLetterCode: t.countryLetterCode,
    createdDateTime: t.createdDateTime,
    displayName: t.displayName,
    marketingNotificationEmails: [],
    onPremisesLastSyncDateTime: null,
    onPremisesSyncEnabled: null,
    postalCode: '98052',
    preferredLanguage: 'en',
    securityComplianceNotificationMails: [],
    securityComplianceNotificationPhones: [],
    state: 'WA',
    street: 'One Microsoft Way',
    technicalNotificationMails: [`admin@${t.domains[0] ?? 'example.com'}`],
    tenantType: 'AAD',
    directorySizeQuota: { used: 112, total: 50000 },
    assignedPlans: [],
    privacyProfile: null,
    provisionedPlans: [],
    verifiedDomains: t.domains.map((name, i) => ({
      capabilities: 'Email, OfficeCommunicationsOnline',
      isDefault: i === 0,
      isInitial: name.endsWith('.onmicrosoft.com'),
      name,
      type: 'Managed',
    })),
  };
}

function userJson(u: User): Obj {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: u.officeLocation,
    preferredLanguage: 'en-US',
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
  };
}

/**
 * `state.findUser` scans every user; with thousands of mailboxes (benchmarks) that dominates.
 * Hits are remembered per state and checked again on use (the user must still exist and still
 * answer to the name), so adding, removing or renaming users needs no invalidation.
 */
const userIndex = new WeakMap<EmulatorState, Map<string, User>>();

function findUserFast(state: EmulatorState, ref: string, tenantId: string): User | undefined {
  let index = userIndex.get(state);
  if (!index) userIndex.set(state, (index = new Map()));
  const key = `${tenantId}|${ref.toLowerCase()}`;
  const hit = index.get(key);
  const r = ref.toLowerCase();
  if (hit && state.users.get(hit.id) === hit && hit.tenantId === tenantId && (hit.id.toLowerCase() === r || hit.userPrincipalName.toLowerCase() === r || (hit.mail ?? '').toLowerCase() === r)) return hit;
  const user = state.findUser(ref, tenantId);
  if (user) index.set(key, user);
  else index.delete(key);
  return user;
}

function userNotFound(ref: string): EmuResponse {
  return graphError(404, 'Request_ResourceNotFound', `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`);
}

function route(g: GraphCall, rest: string[]): EmuResponse {
  const { state } = g.ctx;
  const method = g.req.method;
  const tenant = state.tenants.get(g.token.tenantId);
  if (!tenant) return unauthorized(g.req, 'Access token validation failure. Invalid audience.');
  let segs = rest;
  if (segs[0] === 'me') {
    if (!g.token.userId) return badRequest('/me request is only valid with delegated authentication flow.');
    segs = ['users', g.token.userId, ...segs.slice(1)];
  }
  const [head, ...tail] = segs;
  switch (head) {
    case 'organization': {
      if (method !== 'GET') return methodNotAllowed(method);
      if (tail.length === 0) return collection(g, [organizationJson(tenant)], { context: `${g.root}/$metadata#organization`, typeName: 'microsoft.graph.organization' });
      if (tail.length === 1 && tail[0] === tenant.id) return json(200, { '@odata.context': `${g.root}/$metadata#organization/$entity`, ...applySelect(organizationJson(tenant), g.req.query.get('$select'), 'microsoft.graph.organization') });
      return graphError(404, 'Request_ResourceNotFound', `Resource '${tail[0] ?? ''}' does not exist or one of its queried reference-property objects are not present.`);
    }
    case 'users': {
      if (tail.length === 0) {
        if (method !== 'GET') return methodNotAllowed(method);
        const users = [...state.users.values()].filter((u) => u.tenantId === tenant.id).map(userJson);
        return collection(g, users, { context: `${g.root}/$metadata#users`, typeName: 'microsoft.graph.user', defaultTop: 100 });
      }
      const ref = tail[0] as string;
      const user = findUserFast(state, ref, tenant.id);
      if (tail.length === 1) {
        if (method !== 'GET') return methodNotAllowed(method);
        if (!user) return userNotFound(ref);
        return json(200, { '@odata.context': `${g.root}/$metadata#users/$entity`, ...applySelect(userJson(user), g.req.query.get('$select'), 'microsoft.graph.user') });
      }
      if (!user) return graphError(404, 'ErrorInvalidUser', `The requested user '${ref}' is invalid.`);
      if (tail[1] === 'presence' && tail.length === 2) return method === 'GET' ? json(200, presenceJson(g, user)) : methodNotAllowed(method);
      const mb = state.mailboxOf(user);
      if (!mb) return graphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
      return mailRoute(g, user, mb, tail.slice(1));
    }
    case 'communications': {
      if (tail[0] !== 'presences') return segmentNotFound(tail[0] ?? 'communications');
      if (tail.length !== 2) return segmentNotFound(tail[tail.length - 1] ?? 'presences');
      if (method !== 'GET') return methodNotAllowed(method);
      const user = findUserFast(state, tail[1] as string, tenant.id);
      if (!user) return graphError(404, 'NotFound', `The requested user '${tail[1] ?? ''}' was not found.`);
      return json(200, presenceJson(g, user));
    }
    default:
      return segmentNotFound(head ?? g.version);
  }
}

// ---------------------------------------------------------------- $batch

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
    for (const d of dependsOn) if (!seen.has(d) || d === id) return badRequest(`Invalid batch payload format: request '${id}' depends on unknown or later request '${d}'.`);
    out.push({ id, method: r.method.toUpperCase(), url: r.url, headers, body: r.body, dependsOn });
  }
  return out;
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

async function batch(req: EmuRequest, ctx: EmuContext, version: string): Promise<EmuResponse> {
  const parsed = parseBatch(req, ctx.state.settings.batchLimit);
  if (!Array.isArray(parsed)) return parsed;
  const statusById = new Map<string, number>();
  const responses: Obj[] = [];
  const throttled = overMailboxLimit(parsed, ctx.state.settings.mailboxConcurrencyLimit);
  for (const item of parsed) {
    if (throttled.has(item.id)) {
      statusById.set(item.id, 429);
      if (item.method !== 'GET' && item.method !== 'HEAD') {
        const u = new URL(`${req.baseUrl}/${version}${item.url.startsWith('/') ? item.url : `/${item.url}`}`);
        ctx.ledger.push({ method: item.method, path: u.pathname, query: u.searchParams.toString(), time: new Date().toISOString(), status: 429, batch: true });
      }
      responses.push({ id: item.id, status: 429, headers: { 'Retry-After': '1', 'Content-Type': 'application/json' }, body: { error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' } } });
      continue;
    }
    if (item.dependsOn.some((d) => (statusById.get(d) ?? 424) >= 400)) {
      statusById.set(item.id, 424);
      responses.push({ id: item.id, status: 424, body: { error: { code: 'FailedDependency', message: 'Failed dependency.' } } });
      continue;
    }
    const rel = item.url.startsWith('/') ? item.url : `/${item.url}`;
    const u = new URL(`${req.baseUrl}/${version}${rel}`);
    const hasBody = item.body !== undefined && item.body !== null;
    if (hasBody && !item.headers['content-type']) {
      statusById.set(item.id, 400);
      responses.push({ id: item.id, status: 400, body: { error: { code: 'BadRequest', message: `Write request id : ${item.id} does not contain Content-Type header or body.` } } });
      continue;
    }
    const segments = pathSegments(u.pathname);
    if (segments[1] === '$batch') {
      statusById.set(item.id, 400);
      responses.push({ id: item.id, status: 400, body: { error: { code: 'BadRequest', message: 'Nested batch requests are not supported.' } } });
      continue;
    }
    const bodyBuf = !hasBody ? Buffer.alloc(0) : typeof item.body === 'string' && !item.headers['content-type']?.includes('json') ? Buffer.from(item.body, 'base64') : Buffer.from(JSON.stringify(item.body));
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
      if (['content-type', 'retry-after', 'location', 'preference-applied'].includes(k.toLowerCase())) headers[k.replace(/(^|-)([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase())] = v;
    }
    const entry: Obj = { id: item.id, status: res.status, headers };
    const body = batchBody(res);
    if (body !== undefined) entry.body = body;
    responses.push(entry);
  }
  return json(200, { responses });
}

// ---------------------------------------------------------------- entry

/** Handles `/v1.0/…` and `/beta/…`. */
export async function handleGraph(req: EmuRequest, ctx: EmuContext): Promise<EmuResponse> {
  const version = req.segments[0] === 'beta' ? 'beta' : 'v1.0';
  const rest = req.segments.slice(1);
  const check = checkBearer(req, ctx.state, 'graph');
  if (!check.ok) {
    if (check.reason === 'missing') return unauthorized(req, 'Access token is empty.');
    if (check.reason === 'audience') return unauthorized(req, 'Access token validation failure. Invalid audience.');
    return unauthorized(req, 'Access token has expired or is not yet valid.');
  }
  if (rest[0] === '$batch' && rest.length === 1) {
    if (req.method !== 'POST') return methodNotAllowed(req.method);
    if (req.inBatch) return badRequest('Nested batch requests are not supported.');
    return batch(req, ctx, version);
  }
  const prefer = (req.headers.prefer ?? '').toLowerCase();
  const g: GraphCall = {
    req,
    ctx,
    token: check.token,
    version,
    root: `${req.baseUrl}/${version}`,
    immutableIds: /idtype\s*=\s*"?immutableid"?/.test(prefer),
    textBody: /outlook\.body-content-type\s*=\s*"?text"?/.test(prefer),
  };
  try {
    return route(g, rest);
  } catch (err) {
    if (err instanceof Reply) return err.response;
    if (err instanceof ODataError) return badRequest(err.message);
    throw err;
  }
}

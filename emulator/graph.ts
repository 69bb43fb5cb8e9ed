/**
 * Microsoft Graph (`/v1.0/…` and `/beta/…`): bearer check, routing, and the directory parts the
 * integrations touch (`/organization`, `/users`, `/me`, presence); listing users is in
 * graph-users.ts, mail in graph-mail.ts, `$batch` in graph-batch.ts.
 */
import type { EmuContext } from './context';
import { userAnswersTo, type Tenant, type User } from './directory';
import { batch } from './graph-batch';
import { badRequest, methodNotAllowed, segmentNotFound, type GraphCall, type Obj } from './graph-call';
import { collection } from './graph-collection';
import { mailRoute } from './graph-mail';
import { listUsers, userJson } from './graph-users';
import { presenceJson } from './graph-presence';
import { graphError, json, Reply, type EmuRequest, type EmuResponse } from './http';
import { checkBearer } from './login';
import { applySelect, ODataError } from './odata';
import type { EmulatorState } from './state';

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

/**
 * Hits of `state.findUser` are remembered per state and checked again on use (the user must
 * still exist and still answer to the name), so adding, removing or renaming users needs no
 * invalidation.
 */
const userIndex = new WeakMap<EmulatorState, Map<string, User>>();

function findUserFast(state: EmulatorState, ref: string, tenantId: string): User | undefined {
  let index = userIndex.get(state);
  if (!index) userIndex.set(state, (index = new Map()));
  const key = `${tenantId}|${ref.toLowerCase()}`;
  const hit = index.get(key);
  if (hit && state.users.get(hit.id) === hit && hit.tenantId === tenantId && userAnswersTo(hit, ref)) return hit;
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
      if (tail.length === 0)
        return collection(g, [organizationJson(tenant)], { context: `${g.root}/$metadata#organization`, typeName: 'microsoft.graph.organization' });
      if (tail.length === 1 && tail[0] === tenant.id)
        return json(200, {
          '@odata.context': `${g.root}/$metadata#organization/$entity`,
          ...applySelect(organizationJson(tenant), g.req.query.get('$select'), 'microsoft.graph.organization'),
        });
      return graphError(
        404,
        'Request_ResourceNotFound',
        `Resource '${tail[0] ?? ''}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    case 'users': {
      if (tail.length === 0) {
        if (method !== 'GET') return methodNotAllowed(method);
        return listUsers(g, tenant.id);
      }
      const ref = tail[0] as string;
      const user = findUserFast(state, ref, tenant.id);
      if (tail.length === 1) {
        if (method !== 'GET') return methodNotAllowed(method);
        if (!user) return userNotFound(ref);
        return json(200, {
          '@odata.context': `${g.root}/$metadata#users/$entity`,
          ...applySelect(userJson(user), g.req.query.get('$select'), 'microsoft.graph.user'),
        });
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

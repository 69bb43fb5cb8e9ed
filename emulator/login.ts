/**
 * The Microsoft identity platform, as far as chatsoar uses it: `/{tenant}/oauth2/v2.0/token` and
 * the v1 `/{tenant}/oauth2/token` (with `resource=`), grants client_credentials (secret or
 * certificate assertion), authorization_code (with PKCE) and refresh_token (rotating), the
 * `/authorize` endpoint (no UI: consents at once and redirects with a code), OpenID metadata, and
 * the bearer check Graph and the Management API use.
 */
import { createHash, createPublicKey, createVerify, constants as cryptoConstants, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import type { EmuContext } from './context';
import type { App, Tenant } from './directory';
import { aadError, empty, json, parseForm, text, type EmuRequest, type EmuResponse } from './http';
import { guid, opaqueToken } from './ids';
import type { EmulatorState } from './state';
import type { AccessToken, Audience, AuthCode } from './tokens';

const MULTI_TENANT = new Set(['common', 'organizations', 'consumers']);

/** Which API a resource URI or scope list is for. Anything not clearly one of them (an emulator origin) is `any`. */
export function audienceOf(resourceOrScopes: string): Audience {
  const s = resourceOrScopes.toLowerCase();
  if (
    /manage\.office\.com|manage\.office365\.us|manage-gcc\.office\.com|manage\.protection\.apps\.mil|manage\.office\.cn|c5393580-f805-4401-95e8-94b7a6ef2fc2/.test(
      s,
    )
  )
    return 'management';
  if (/graph\.microsoft\.|graph\.windows\.net|microsoftgraph\.chinacloudapi\.cn|dod-graph\.|00000003-0000-0000-c000-000000000000/.test(s)) return 'graph';
  const scopes = s.split(/\s+/).filter(Boolean);
  if (scopes.length > 0 && scopes.every((x) => !x.includes('://') && !x.includes('/'))) return 'graph';
  return 'any';
}

/** Times in the token store are epoch milliseconds. */
function nowMs(): number {
  return Date.now();
}

function splitScopes(scope: string | undefined): string[] {
  return (scope ?? '').split(/[\s+]+/).filter(Boolean);
}

/** Scopes without the OpenID ones, which say nothing about the API. */
function apiScopes(scopes: string[]): string[] {
  return scopes.filter((s) => !['openid', 'profile', 'email', 'offline_access'].includes(s.toLowerCase()));
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function b64urlJson(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

function toHexThumbprint(t: string): string {
  if (/^[0-9a-f]{40}$|^[0-9a-f]{64}$/i.test(t)) return t.toUpperCase();
  return Buffer.from(t, 'base64url').toString('hex').toUpperCase();
}

function publicKeyOf(pem: string): KeyObject {
  return pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
}

// ---------------------------------------------------------------- client authentication

interface ClientAuth {
  app: App;
}

/**
 * Authenticates the client of a token request: `client_secret` in the body or HTTP Basic, or a
 * `client_assertion` JWT signed with a certificate registered on the app. Public clients may
 * redeem codes and refresh tokens without one (`unlessPublic`); client credentials always need one.
 */
function authenticateClient(
  req: EmuRequest,
  form: Record<string, string>,
  tenant: Tenant,
  state: EmulatorState,
  credential: 'always' | 'unlessPublic',
): ClientAuth | EmuResponse {
  let clientId = form.client_id;
  let secret = form.client_secret;
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const [id, ...rest] = Buffer.from(basic[1] as string, 'base64')
      .toString('utf8')
      .split(':');
    clientId = clientId ?? decodeURIComponent(id ?? '');
    secret = secret ?? decodeURIComponent(rest.join(':'));
  }
  if (!clientId) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.", req.baseUrl);
  const app = state.apps.get(clientId);
  if (!app || app.tenantId !== tenant.id) {
    return aadError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      req.baseUrl,
    );
  }
  if (secret !== undefined && secret !== '') {
    if (!app.secrets.some((s) => safeEqual(s, secret as string))) {
      return aadError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
        req.baseUrl,
      );
    }
    return { app };
  }
  if (form.client_assertion) {
    if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return aadError(
        400,
        'invalid_request',
        50027,
        "Invalid client_assertion_type: expected 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.",
        req.baseUrl,
      );
    }
    const problem = verifyAssertion(form.client_assertion, app);
    if (problem) return aadError(401, 'invalid_client', problem.code, problem.message, req.baseUrl);
    return { app };
  }
  if (credential === 'always' || !app.publicClient) {
    return aadError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      req.baseUrl,
    );
  }
  return { app };
}

/** Checks a certificate client assertion; returns the AADSTS problem, or null when valid. */
function verifyAssertion(jwt: string, app: App): { code: number; message: string } | null {
  const parts = jwt.split('.');
  if (parts.length !== 3) return { code: 50027, message: 'JWT token is invalid or malformed.' };
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { code: 50027, message: 'JWT token is invalid or malformed.' };
  }
  const ids = [header.x5t, header['x5t#S256'], header.kid].filter((v): v is string => typeof v === 'string').map(toHexThumbprint);
  const cert = app.certificates.find((c) => ids.includes(toHexThumbprint(c.thumbprint)));
  if (!cert) {
    return {
      code: 700027,
      message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${ids[0] ?? ''}']`,
    };
  }
  const alg = header.alg;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${parts[0]}.${parts[1]}`);
  let ok = false;
  try {
    const key = publicKeyOf(cert.publicKey);
    const sig = Buffer.from(parts[2] as string, 'base64url');
    if (alg === 'RS256') ok = verifier.verify(key, sig);
    else if (alg === 'PS256') ok = verifier.verify({ key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
    else return { code: 5002738, message: `Invalid JWT token. '${String(alg)}' is not a supported signature algorithm.` };
  } catch {
    ok = false;
  }
  if (!ok) return { code: 700027, message: 'Client assertion failed signature validation.' };
  if (claims.iss !== app.clientId || claims.sub !== app.clientId) {
    return { code: 700023, message: 'Client assertion audience or issuer claim does not match the client.' };
  }
  const auds = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter((a): a is string => typeof a === 'string');
  if (!auds.some((a) => /\/oauth2\/(v2\.0\/)?token$/.test(a) || /login\.microsoftonline\.com/.test(a))) {
    return { code: 700021, message: 'Client assertion audience claim does not match Realm issuer.' };
  }
  const now = Math.floor(nowMs() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp < now - 300 || (typeof claims.nbf === 'number' && claims.nbf > now + 300)) {
    return { code: 700024, message: 'Client assertion is not within its valid time range.' };
  }
  return null;
}

// ---------------------------------------------------------------- tokens

interface Issued {
  access: AccessToken;
  refresh: string | null;
  idToken: string | null;
}

function issue(
  state: EmulatorState,
  p: { tenantId: string; clientId: string; userId: string | null; scopes: string[]; resource: string; withRefresh: boolean; baseUrl: string },
): Issued {
  const now = nowMs();
  const access: AccessToken = {
    token: opaqueToken(),
    tenantId: p.tenantId,
    clientId: p.clientId,
    audience: audienceOf(p.resource),
    resource: p.resource,
    scopes: p.scopes,
    userId: p.userId,
    issuedAt: now,
    expiresAt: now + state.settings.tokenLifetimeSeconds * 1000,
  };
  state.tokens.set(access.token, access);
  let refresh: string | null = null;
  if (p.withRefresh && p.userId) {
    refresh = opaqueToken(64);
    state.refreshTokens.set(refresh, {
      token: refresh,
      tenantId: p.tenantId,
      clientId: p.clientId,
      userId: p.userId,
      scopes: p.scopes,
      audience: access.audience,
      resource: p.resource,
      expiresAt: now + state.settings.refreshTokenLifetimeSeconds * 1000,
      redeemedAt: null,
    });
  }
  let idToken: string | null = null;
  if (p.userId && p.scopes.some((s) => s.toLowerCase() === 'openid')) {
    const user = state.users.get(p.userId);
    idToken = `${b64urlJson({ typ: 'JWT', alg: 'none' })}.${b64urlJson({
      aud: p.clientId,
      iss: `${p.baseUrl}/${p.tenantId}/v2.0`,
      iat: Math.floor(now / 1000),
      nbf: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + 3600,
      name: user?.displayName,
      oid: user?.id,
      preferred_username: user?.userPrincipalName,
      sub: user?.id,
      tid: p.tenantId,
      ver: '2.0',
    })}.`;
  }
  return { access, refresh, idToken };
}

function tokenResponse(v1: boolean, issued: Issued, scopes: string[], clientCredentials: boolean): EmuResponse {
  const a = issued.access;
  const lifetime = Math.round((a.expiresAt - a.issuedAt) / 1000);
  const body: Record<string, unknown> = v1
    ? {
        token_type: 'Bearer',
        scope: clientCredentials ? undefined : scopes.join(' ') || 'user_impersonation',
        expires_in: String(lifetime),
        ext_expires_in: String(lifetime),
        expires_on: String(Math.floor(a.expiresAt / 1000)),
        not_before: String(Math.floor(a.issuedAt / 1000)),
        resource: a.resource,
        access_token: a.token,
      }
    : {
        token_type: 'Bearer',
        scope: clientCredentials ? undefined : scopes.join(' '),
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: a.token,
      };
  if (issued.refresh) body.refresh_token = issued.refresh;
  if (issued.idToken) body.id_token = issued.idToken;
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return json(200, body, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
}

function tenantNotFound(ref: string, baseUrl: string): EmuResponse {
  return aadError(
    400,
    'invalid_request',
    90002,
    `Tenant '${ref}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    baseUrl,
  );
}

/** The tenant a request names; for `common`/`organizations`, the app's own tenant. */
function resolveTenant(ref: string, clientId: string | undefined, state: EmulatorState): Tenant | undefined {
  if (MULTI_TENANT.has(ref.toLowerCase())) {
    const app = clientId ? state.apps.get(clientId) : undefined;
    return app ? state.tenants.get(app.tenantId) : undefined;
  }
  return state.findTenant(ref);
}

function tokenEndpoint(req: EmuRequest, ctx: EmuContext, tenantRef: string, v1: boolean): EmuResponse {
  const { state } = ctx;
  const base = req.baseUrl;
  if (req.method !== 'POST') {
    return aadError(400, 'invalid_request', 900561, `The endpoint only accepts POST, OPTIONS requests. Received a ${req.method} request.`, base);
  }
  const form = parseForm(req.body);
  const grant = form.grant_type;
  const multi = MULTI_TENANT.has(tenantRef.toLowerCase());
  const tenant = resolveTenant(tenantRef, form.client_id, state);
  if (!tenant) return tenantNotFound(tenantRef, base);
  if (!grant) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.", base);

  const scopeParam = form.scope;
  const resourceParam = form.resource;

  if (grant === 'client_credentials') {
    if (multi) {
      return aadError(
        400,
        'invalid_request',
        50194,
        `Application '${form.client_id ?? ''}' is not configured as a multi-tenant application. Usage of the /${tenantRef} endpoint is not supported for such applications. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
        base,
      );
    }
    const auth = authenticateClient(req, form, tenant, state, 'always');
    if ('status' in auth) return auth;
    let resource: string;
    let scopes: string[];
    if (v1) {
      if (!resourceParam) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'resource'.", base);
      resource = resourceParam;
      scopes = [];
    } else {
      if (!scopeParam) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.", base);
      scopes = splitScopes(scopeParam);
      const bad = scopes.find((s) => !s.endsWith('/.default'));
      if (bad || scopes.length !== 1) {
        return aadError(
          400,
          'invalid_scope',
          1002012,
          `The provided value for scope ${bad ?? scopeParam} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
          base,
        );
      }
      resource = (scopes[0] as string).replace(/\/\.default$/, '');
    }
    const issued = issue(state, { tenantId: tenant.id, clientId: auth.app.clientId, userId: null, scopes, resource, withRefresh: false, baseUrl: base });
    return tokenResponse(v1, issued, scopes, true);
  }

  if (grant === 'authorization_code') {
    const auth = authenticateClient(req, form, tenant, state, 'unlessPublic');
    if ('status' in auth) return auth;
    if (!form.code) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'code'.", base);
    const code = state.authCodes.get(form.code);
    if (!code) return aadError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.', base);
    if (code.redeemedAt !== null) {
      return aadError(
        400,
        'invalid_grant',
        54005,
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
        base,
      );
    }
    if (nowMs() >= code.expiresAt) {
      return aadError(
        400,
        'invalid_grant',
        70008,
        'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
        base,
      );
    }
    if (code.clientId !== auth.app.clientId)
      return aadError(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed: the authorization code was issued to another client.', base);
    if (code.tenantId !== tenant.id)
      return aadError(400, 'invalid_grant', 700005, 'Provided Authorization Code is intended to use against other tenant, thus rejected.', base);
    if ((form.redirect_uri ?? '') !== code.redirectUri) {
      return aadError(
        400,
        'invalid_grant',
        70000,
        `The provided value for the input parameter 'redirect_uri' is not valid. The expected value is the redirect URI used in the authorization request ('${code.redirectUri}').`,
        base,
      );
    }
    if (code.codeChallenge !== null) {
      const verifier = form.code_verifier ?? '';
      const computed = code.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (!verifier || !safeEqual(computed, code.codeChallenge)) {
        return aadError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.', base);
      }
    }
    code.redeemedAt = nowMs();
    const scopes = code.scopes;
    const withRefresh = v1 || scopes.some((s) => s.toLowerCase() === 'offline_access');
    const issued = issue(state, {
      tenantId: tenant.id,
      clientId: code.clientId,
      userId: code.userId,
      scopes,
      resource: code.resource,
      withRefresh,
      baseUrl: base,
    });
    return tokenResponse(v1, issued, scopes, false);
  }

  if (grant === 'refresh_token') {
    const auth = authenticateClient(req, form, tenant, state, 'unlessPublic');
    if ('status' in auth) return auth;
    if (!form.refresh_token) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'refresh_token'.", base);
    const rt = state.refreshTokens.get(form.refresh_token);
    if (!rt) return aadError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.', base);
    if (rt.redeemedAt !== null) {
      return aadError(
        400,
        'invalid_grant',
        70008,
        'The provided authorization code or refresh token has expired due to inactivity. This refresh token was already redeemed (refresh tokens rotate: use the newest one).',
        base,
      );
    }
    if (nowMs() >= rt.expiresAt) {
      return aadError(
        400,
        'invalid_grant',
        70008,
        'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
        base,
      );
    }
    if (rt.clientId !== auth.app.clientId)
      return aadError(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed: the refresh token was issued to another client.', base);
    if (rt.tenantId !== tenant.id)
      return aadError(400, 'invalid_grant', 700005, 'Provided refresh token is intended to use against other tenant, thus rejected.', base);
    rt.redeemedAt = nowMs();
    const scopes = scopeParam ? splitScopes(scopeParam) : rt.scopes;
    const resource = v1 ? (resourceParam ?? rt.resource) : scopeParam ? apiScopes(scopes).join(' ') : rt.resource;
    const issued = issue(state, { tenantId: tenant.id, clientId: rt.clientId, userId: rt.userId, scopes, resource, withRefresh: true, baseUrl: base });
    return tokenResponse(v1, issued, scopes, false);
  }

  return aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`, base);
}

// ---------------------------------------------------------------- authorize

function errorPage(code: number, message: string): EmuResponse {
  const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return text(
    400,
    `<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><h1>Sign in</h1><p>AADSTS${code}: ${escaped}</p></body></html>`,
    'text/html; charset=utf-8',
  );
}

function redirectUriAllowed(app: App, uri: string): boolean {
  return app.redirectUris.includes('*') || app.redirectUris.includes(uri);
}

function redirect(target: string, params: Record<string, string>, mode: string): EmuResponse {
  const qs = new URLSearchParams(params).toString();
  if (mode === 'form_post') {
    const inputs = Object.entries(params)
      .map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">`)
      .join('');
    return text(
      200,
      `<html><body onload="document.forms[0].submit()"><form method="POST" action="${target.replace(/"/g, '&quot;')}">${inputs}</form></body></html>`,
      'text/html; charset=utf-8',
    );
  }
  const sep = mode === 'fragment' ? '#' : target.includes('?') ? '&' : '?';
  return empty(302, { location: `${target}${sep}${qs}` });
}

function authorizeEndpoint(req: EmuRequest, ctx: EmuContext, tenantRef: string, v1: boolean): EmuResponse {
  const { state } = ctx;
  const q = req.query;
  const clientId = q.get('client_id');
  if (!clientId) return errorPage(900144, "The request body must contain the following parameter: 'client_id'.");
  const tenant = resolveTenant(tenantRef, clientId, state);
  if (!tenant) return errorPage(90002, `Tenant '${tenantRef}' not found.`);
  const app = state.apps.get(clientId);
  if (!app || app.tenantId !== tenant.id)
    return errorPage(700016, `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'.`);
  const redirectUri = q.get('redirect_uri') ?? '';
  if (!redirectUri) return errorPage(900144, "The request body must contain the following parameter: 'redirect_uri'.");
  if (!redirectUriAllowed(app, redirectUri)) {
    return errorPage(
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
    );
  }
  const mode = q.get('response_mode') ?? 'query';
  const st = q.get('state');
  const withState = (p: Record<string, string>): Record<string, string> => (st !== null ? { ...p, state: st } : p);
  if (q.get('response_type') !== 'code') {
    return redirect(
      redirectUri,
      withState({
        error: 'unsupported_response_type',
        error_description: `AADSTS700054: response_type '${q.get('response_type') ?? ''}' is not enabled for the application.`,
      }),
      mode,
    );
  }
  const scopes = splitScopes(q.get('scope') ?? '');
  if (!v1 && scopes.length === 0) {
    return redirect(
      redirectUri,
      withState({ error: 'invalid_request', error_description: "AADSTS900144: The request body must contain the following parameter: 'scope'." }),
      mode,
    );
  }
  const challenge = q.get('code_challenge');
  const method = q.get('code_challenge_method');
  if (challenge !== null && method !== null && method !== 'S256' && method !== 'plain') {
    return redirect(
      redirectUri,
      withState({
        error: 'invalid_request',
        error_description: 'AADSTS501491: Invalid size of Code_Challenge parameter or unsupported code_challenge_method.',
      }),
      mode,
    );
  }
  const hint = q.get('login_hint');
  const user = (hint && state.findUser(hint, tenant.id)) || [...state.users.values()].find((u) => u.tenantId === tenant.id);
  if (!user) return redirect(redirectUri, withState({ error: 'access_denied', error_description: 'AADSTS50020: No user in this tenant can sign in.' }), mode);
  const resource = v1 ? (q.get('resource') ?? 'https://graph.microsoft.com') : apiScopes(scopes).join(' ') || 'https://graph.microsoft.com';
  const code: AuthCode = {
    code: `1.${opaqueToken(96)}`,
    tenantId: tenant.id,
    clientId,
    userId: user.id,
    redirectUri,
    scopes: v1 ? [...scopes, 'offline_access'] : scopes,
    resource,
    codeChallenge: challenge,
    codeChallengeMethod: challenge === null ? null : method === 'S256' ? 'S256' : 'plain',
    expiresAt: nowMs() + state.settings.authCodeLifetimeSeconds * 1000,
    redeemedAt: null,
  };
  state.authCodes.set(code.code, code);
  return redirect(redirectUri, withState({ code: code.code, session_state: guid() }), mode);
}

// ---------------------------------------------------------------- metadata

function openidConfiguration(base: string, tenantRef: string, v1: boolean): EmuResponse {
  const t = tenantRef;
  const v = v1 ? '' : '/v2.0';
  return json(200, {
    token_endpoint: `${base}/${t}/oauth2${v}/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${t}/discovery${v}/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${t}${v}`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/${t}/oauth2${v}/authorize`,
    device_authorization_endpoint: `${base}/${t}/oauth2${v}/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${t}/oauth2${v}/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'name', 'oid', 'tid', 'preferred_username'],
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
  });
}

/** Handles every identity-platform route; returns null when the path is not one. */
export function handleLogin(req: EmuRequest, ctx: EmuContext): EmuResponse | null {
  const s = req.segments;
  const tenantRef = s[0];
  if (!tenantRef) return null;
  const rest = s.slice(1).join('/');
  const base = req.baseUrl;
  if (tenantRef === 'common' && rest === 'discovery/instance') {
    const host = new URL(base).host;
    return json(200, {
      tenant_discovery_endpoint: `${base}/${new URL(req.query.get('authorization_endpoint') ?? `${base}/common/oauth2/v2.0/authorize`).pathname.split('/')[1] ?? 'common'}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  }
  switch (rest) {
    case 'oauth2/v2.0/token':
      return tokenEndpoint(req, ctx, tenantRef, false);
    case 'oauth2/token':
      return tokenEndpoint(req, ctx, tenantRef, true);
    case 'oauth2/v2.0/authorize':
      return authorizeEndpoint(req, ctx, tenantRef, false);
    case 'oauth2/authorize':
      return authorizeEndpoint(req, ctx, tenantRef, true);
    case 'v2.0/.well-known/openid-configuration':
    case '.well-known/openid-configuration': {
      if (!MULTI_TENANT.has(tenantRef.toLowerCase()) && !ctx.state.findTenant(tenantRef)) return tenantNotFound(tenantRef, base);
      return openidConfiguration(base, tenantRef, rest.startsWith('.well'));
    }
    case 'discovery/v2.0/keys':
    case 'discovery/keys':
      return json(200, { keys: [] });
    default:
      return null;
  }
}

// ---------------------------------------------------------------- bearer check

export type BearerCheck = { ok: true; token: AccessToken } | { ok: false; reason: 'missing' | 'invalid' | 'expired' | 'audience' };

/** Checks `Authorization: Bearer …` for an API (`graph` or `management`). */
export function checkBearer(req: EmuRequest, state: EmulatorState, api: 'graph' | 'management'): BearerCheck {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) return { ok: false, reason: 'missing' };
  const token = state.tokens.get(m[1] as string);
  if (!token) return { ok: false, reason: 'invalid' };
  if (nowMs() >= token.expiresAt) return { ok: false, reason: 'expired' };
  if (token.audience !== 'any' && token.audience !== api) return { ok: false, reason: 'audience' };
  return { ok: true, token };
}

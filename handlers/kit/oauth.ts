/**
 * A small OAuth client for the Microsoft identity platform: client credentials (v2 `scope` or
 * v1 `resource`) and the refresh-token grant, against whatever login root the instance names
 * (https clouds, a proxy, or the local emulator over http). Tokens are cached until shortly
 * before they expire.
 */
import { createHash } from 'node:crypto';
import { UpstreamError } from './errors';
import type { HttpClient } from './http';

export interface TokenRequest {
  /** Whose credentials these are: cached tokens are never shared between environments. */
  environment: string;
  loginRoot: string;
  tenant: string;
  clientId: string;
  clientSecret?: string;
  /** v2: scopes (space-joined); v1: resource. */
  scope?: string;
  resource?: string;
  refreshToken?: string;
  verifySsl?: boolean;
  /** A signed client assertion JWT (certificate authentication). */
  clientAssertion?: string;
  /**
   * The job's signal: a cancelled job stops waiting for the token endpoint. Not for the
   * refresh-token grant, whose answer may carry a rotated token that must be stored.
   */
  signal?: AbortSignal;
}

export interface TokenResponse {
  accessToken: string;
  expiresAt: number;
  refreshToken?: string;
}

const cache = new Map<string, TokenResponse>();

function tokenUrl(req: TokenRequest): string {
  const root = req.loginRoot.replace(/\/$/, '');
  const tenant = encodeURIComponent(req.tenant);
  return req.resource ? `${root}/${tenant}/oauth2/token` : `${root}/${tenant}/oauth2/v2.0/token`;
}

/** The identity platform's own one-line reason (AADSTS…), or the status. */
export function aadReason(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: string | { code?: string; message?: string }; error_description?: string };
    if (parsed.error_description) return parsed.error_description.split(/\r?\n/)[0]!.trim();
    if (typeof parsed.error === 'object' && parsed.error?.message) return parsed.error.message;
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    /* not JSON */
  }
  return `HTTP ${status}`;
}

/** Still usable for a minute at least (a request made with it is not refused on its way). */
export function isFresh(token: TokenResponse, now = Date.now()): boolean {
  return token.expiresAt - 60_000 > now;
}

function cacheKey(req: TokenRequest): string {
  return JSON.stringify([
    req.environment,
    tokenUrl(req),
    req.clientId,
    req.scope,
    req.resource,
    req.refreshToken ? 'rt' : 'cc',
    createHash('sha256')
      .update(req.clientSecret ?? req.clientAssertion ?? '')
      .digest('hex'),
  ]);
}

function freshHit(req: TokenRequest, key: string): TokenResponse | undefined {
  const hit = req.refreshToken ? undefined : cache.get(key);
  return hit && isFresh(hit) ? hit : undefined;
}

/** The cached token for these credentials while it is fresh, without waiting (undefined: ask with requestToken). */
export function cachedToken(req: TokenRequest): TokenResponse | undefined {
  return freshHit(req, cacheKey(req));
}

export async function requestToken(http: HttpClient, req: TokenRequest): Promise<TokenResponse> {
  const key = cacheKey(req);
  const hit = freshHit(req, key);
  if (hit) return hit;

  const form = new URLSearchParams({ client_id: req.clientId });
  if (req.refreshToken) {
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', req.refreshToken);
  } else {
    form.set('grant_type', 'client_credentials');
  }
  if (req.clientSecret) form.set('client_secret', req.clientSecret);
  if (req.clientAssertion) {
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    form.set('client_assertion', req.clientAssertion);
  }
  if (req.resource) form.set('resource', req.resource);
  if (req.scope) form.set('scope', req.scope);

  const res = await http.send({
    method: 'POST',
    url: tokenUrl(req),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    verifySsl: req.verifySsl,
    retries: 2,
    signal: req.signal,
  });
  if (res.status !== 200) throw new UpstreamError(aadReason(res.status, res.text()), res.status);
  const body = res.json<{ access_token?: string; expires_in?: number | string; refresh_token?: string }>();
  if (!body.access_token) throw new UpstreamError('The token endpoint returned no access_token.', res.status);
  const token: TokenResponse = {
    accessToken: body.access_token,
    expiresAt: Date.now() + Number(body.expires_in ?? 3600) * 1000,
    refreshToken: body.refresh_token,
  };
  if (!req.refreshToken) cache.set(key, token);
  return token;
}

/** Forgets cached tokens (after a 401 the next call fetches a new one). */
export function forgetTokens(): void {
  cache.clear();
}

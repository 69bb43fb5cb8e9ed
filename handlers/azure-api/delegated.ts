/**
 * The delegated (authorization code + PKCE) sign-in of the Azure API seed: the authorize URL of
 * Get Authorization, and the redemption of its redirect by Generate Token (which `GET /oauth/callback` runs).
 * The refresh token is stored encrypted at once and never shown (behaviour.md 26, 36).
 */
import { createHash, randomBytes } from 'node:crypto';
import { reasonOf, UpstreamError } from '../kit/errors';
import type { HttpClient } from '../kit/http';
import { aadReason } from '../kit/oauth';
import { fill } from '../kit/outcome';
import { loginOf } from './client';
import type { OAuthStateStore, PendingSignIn } from './oauth-states';

export const SIGNED_IN = 'Successfully fetched the refresh token and saved it to environment ENV.';
export const CODE_MISSING = "Failed to generate a token because the authorization URL that you provided is incorrect. The 'code' parameter is missing.";
export const CODE_REFUSED = 'Unable to generate the refresh token with the provided authorization URL.';
export const SIGN_IN_FAILED = 'Failed to get the refresh token! Error is ERROR_REASON';

/** The instance's Scopes plus `offline_access`, which makes the identity platform issue a refresh token. */
export function delegatedScopes(scopes: string[]): string[] {
  return scopes.some((s) => s.toLowerCase() === 'offline_access') ? scopes : [...scopes, 'offline_access'];
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizationUrl(instance: Record<string, unknown>, p: { state: string; challenge: string; scopes: string[]; redirectUri: string }): string {
  const login = loginOf(instance);
  const url = new URL(`${login.loginRoot.replace(/\/+$/, '')}/${encodeURIComponent(login.tenant)}/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: login.clientId,
    response_type: 'code',
    redirect_uri: p.redirectUri,
    response_mode: 'query',
    scope: p.scopes.join(' '),
    state: p.state,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}

export interface RedirectParams {
  code?: string;
  state?: string;
  error?: string;
  errorDescription?: string;
}

/** The parameters of a redirected URL (query, or fragment when the provider used response_mode=fragment). */
export function redirectParams(text: string): RedirectParams | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  const q = new URLSearchParams(url.search);
  if (!q.has('code') && !q.has('error') && url.hash) for (const [k, v] of new URLSearchParams(url.hash.slice(1))) q.set(k, v);
  const get = (k: string) => q.get(k)?.trim() || undefined;
  return { code: get('code'), state: get('state'), error: get('error'), errorDescription: get('error_description') };
}

/** Exchanges the code (with the PKCE verifier) at the configured login root; returns the refresh token. */
export async function redeemCode(http: HttpClient, instance: Record<string, unknown>, pending: PendingSignIn, code: string): Promise<string> {
  const login = loginOf(instance);
  const form = new URLSearchParams({
    client_id: login.clientId,
    grant_type: 'authorization_code',
    code,
    redirect_uri: pending.redirectUri,
    code_verifier: pending.codeVerifier,
    scope: pending.scopes.join(' '),
  });
  if (login.clientSecret) form.set('client_secret', login.clientSecret);
  const res = await http.send({
    method: 'POST',
    url: `${login.loginRoot.replace(/\/+$/, '')}/${encodeURIComponent(login.tenant)}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    verifySsl: login.verifySsl,
    retries: 0,
  });
  if (res.status !== 200) throw new UpstreamError(aadReason(res.status, res.text()), res.status);
  let body: { refresh_token?: string };
  try {
    body = res.json();
  } catch {
    throw new UpstreamError('The token endpoint did not answer with JSON.', res.status);
  }
  if (!body.refresh_token) throw new UpstreamError('The identity platform returned no refresh token; the scopes must include offline_access.', res.status);
  return body.refresh_token;
}

export interface SignInRequest {
  http: HttpClient;
  states: OAuthStateStore;
  redirect: RedirectParams;
  /** The environment and user running Generate Token: they must be the ones that started the sign-in. */
  expect: { environment: string; user: string };
  instance: Record<string, unknown>;
  saveRefreshToken(refreshToken: string): Promise<void>;
}

export type SignInOutcome = { ok: boolean; message: string };

const failed = (reason: string): SignInOutcome => ({ ok: false, message: fill(SIGN_IN_FAILED, { ERROR_REASON: reason }) });

export const UNKNOWN_STATE = fill(SIGN_IN_FAILED, {
  ERROR_REASON: "the 'state' of the authorization URL is unknown, expired or already used. Run Get Authorization again.",
});

/** What is wrong with a redirect on its face (an error, no code, no state), before its state is looked up. */
export function redirectProblem(redirect: RedirectParams): string | null {
  if (redirect.error) return failed(`${redirect.error}${redirect.errorDescription ? `: ${redirect.errorDescription.split(/\r?\n/)[0]}` : ''}`).message;
  if (!redirect.code) return CODE_MISSING;
  if (!redirect.state) return failed("the authorization URL has no 'state' parameter. Run Get Authorization and sign in with the link it gives.").message;
  return null;
}

/** Checks the state, redeems the code and stores the refresh token; every outcome is one of the seed's messages. */
export async function completeSignIn(req: SignInRequest): Promise<SignInOutcome> {
  const { redirect } = req;
  const problem = redirectProblem(redirect);
  if (problem || !redirect.state || !redirect.code) return { ok: false, message: problem ?? CODE_MISSING };
  const unknown: SignInOutcome = { ok: false, message: UNKNOWN_STATE };
  const pending = await req.states.peek(redirect.state);
  if (!pending) return unknown;
  if (pending.environment !== req.expect.environment) {
    return failed(`this sign-in was started in environment ${pending.environment}, not ${req.expect.environment}.`);
  }
  if (pending.user !== req.expect.user) return failed('this sign-in was started by another user; run Get Authorization yourself.');
  // Single use: whoever takes it first redeems it.
  if (!(await req.states.take(redirect.state))) return unknown;

  let refreshToken: string;
  try {
    refreshToken = await redeemCode(req.http, req.instance, pending, redirect.code);
  } catch (err) {
    if (err instanceof UpstreamError && err.status >= 400 && err.status < 500) return { ok: false, message: CODE_REFUSED };
    return failed(reasonOf(err));
  }
  await req.saveRefreshToken(refreshToken);
  return { ok: true, message: fill(SIGNED_IN, { ENV: pending.environment }) };
}

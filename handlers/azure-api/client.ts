/** Azure API authentication (behaviour.md 27): refresh-token grant when the instance has one, else client credentials. */
import { createHash } from 'node:crypto';
import type { ActionContext } from '../kit/context';
import { requestToken } from '../kit/oauth';

export function scopesOf(instance: Record<string, unknown>): string[] {
  const raw = instance.scopes;
  return (Array.isArray(raw) ? raw.map(String) : String(raw ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
}

/** The instance's login settings, as the token requests need them. */
export function loginOf(instance: Record<string, unknown>): { loginRoot: string; tenant: string; clientId: string; clientSecret: string; verifySsl: boolean } {
  return {
    loginRoot: String(instance['microsoft-login-api-root'] ?? ''),
    tenant: String(instance['tenant-id'] ?? ''),
    clientId: String(instance['client-id'] ?? ''),
    clientSecret: String(instance['client-secret'] ?? ''),
    verifySsl: instance['verify-ssl'] !== false,
  };
}

/**
 * Access tokens from the refresh-token grant, keyed by the refresh token they came with (the one
 * now stored): the next action reuses the access token instead of rotating the refresh token again.
 */
const delegated = new Map<string, { accessToken: string; expiresAt: number }>();

function delegatedKey(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** `fresh`: always run the grant (the renewal job must rotate the refresh token, not reuse a cached access token). */
export async function azureToken(
  ctx: Pick<ActionContext, 'environment' | 'instance' | 'http' | 'saveInstanceParam'>,
  opts: { fresh?: boolean } = {},
): Promise<string> {
  const inst = ctx.instance;
  const refreshToken = inst['refresh-token'] ? String(inst['refresh-token']) : undefined;
  const login = loginOf(inst);
  const scope = (refreshToken ? [...scopesOf(inst), 'offline_access'] : scopesOf(inst)).join(' ');
  const keyFor = (rt: string) => delegatedKey([ctx.environment, login.loginRoot, login.tenant, login.clientId, scope, rt]);
  if (refreshToken && !opts.fresh) {
    const hit = delegated.get(keyFor(refreshToken));
    if (hit && hit.expiresAt - 60_000 > Date.now()) return hit.accessToken;
  }
  const token = await requestToken(ctx.http, { environment: ctx.environment, ...login, scope, refreshToken });
  if (refreshToken) {
    // A rotated refresh token is stored at once, before anything else (behaviour.md 36).
    if (token.refreshToken && token.refreshToken !== refreshToken) await ctx.saveInstanceParam('refresh-token', token.refreshToken);
    for (const [k, v] of delegated) if (v.expiresAt < Date.now()) delegated.delete(k);
    delegated.set(keyFor(token.refreshToken ?? refreshToken), { accessToken: token.accessToken, expiresAt: token.expiresAt });
  }
  return token.accessToken;
}

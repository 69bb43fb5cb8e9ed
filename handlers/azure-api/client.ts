/** Azure API authentication (DECISIONS 27): refresh-token grant when the instance has one, else client credentials. */
import type { ActionContext } from '../kit/context';
import { requestToken } from '../kit/oauth';

export function scopesOf(instance: Record<string, unknown>): string[] {
  const raw = instance.scopes;
  return (Array.isArray(raw) ? raw.map(String) : String(raw ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
}

export async function azureToken(ctx: ActionContext): Promise<string> {
  const inst = ctx.instance;
  const refreshToken = inst['refresh-token'] ? String(inst['refresh-token']) : undefined;
  const scopes = scopesOf(inst);
  const token = await requestToken(ctx.http, {
    loginRoot: String(inst['microsoft-login-api-root']),
    tenant: String(inst['tenant-id'] ?? ''),
    clientId: String(inst['client-id'] ?? ''),
    clientSecret: String(inst['client-secret'] ?? ''),
    scope: (refreshToken ? [...scopes, 'offline_access'] : scopes).join(' '),
    refreshToken,
    verifySsl: inst['verify-ssl'] !== false,
  });
  // A rotated refresh token is stored at once, before anything else (DECISIONS 36).
  if (refreshToken && token.refreshToken && token.refreshToken !== refreshToken) await ctx.saveInstanceParam('refresh-token', token.refreshToken);
  return token.accessToken;
}

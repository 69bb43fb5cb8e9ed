/**
 * Azure API — Refresh Token Renewal Job (seed: azure-api 1.0; behaviour.md 29, 36).
 * Renews the refresh token of the listed environments (empty: every environment with an Azure
 * API refresh token); warnings go to the environment's admin channel.
 */
import { metrics } from '../../../lib/metrics';
import { listParam } from '../../kit/alert-fields';
import { reasonOf } from '../../kit/errors';
import type { JobContext } from '../../kit/schedule';
import { param, slug, type JobSpec } from '../../kit/spec';
import { azureToken } from '../client';

const NAME = 'Refresh Token Renewal Job';

export const spec: JobSpec = {
  integration: 'azure-api',
  id: slug(NAME),
  name: NAME,
  description: 'Periodically update the refresh token configured for the integration (recommended every 7 or 14 days).',
  params: [
    param('Integration Environments', {
      type: 'list',
      required: false,
      description:
        'A comma-separated list of integration environment names, each enclosed in double quotes, for which the job updates refresh tokens; empty: every environment with a refresh token.',
    }),
  ],
  run: renewRefreshTokens,
};

/** `"prod", "staging"` → ['prod', 'staging'] (behaviour.md 29: double-quoted names). */
export function environmentNames(value: unknown): string[] {
  return listParam(value)
    .map((n) => n.replace(/^["']|["']$/g, '').trim())
    .filter(Boolean);
}

const INTEGRATION = 'azure-api';

async function renewRefreshTokens(ctx: JobContext, params: Record<string, unknown>): Promise<{ note: string }> {
  const named = environmentNames(params['integration-environments']);
  const existing = await ctx.environments.list();
  const renewed: string[] = [];
  const failed: string[] = [];
  for (const env of named.length ? named : existing) {
    if (!existing.includes(env)) {
      await ctx.warnAdmin(`${NAME}: environment ${env} does not exist; its refresh token was not renewed.`);
      failed.push(env);
      continue;
    }
    const instance = await ctx.environments.instance(env, INTEGRATION);
    const current = instance['refresh-token'] ? String(instance['refresh-token']) : '';
    if (!current) {
      // Empty list: only environments that use delegated access (behaviour.md 29).
      if (named.length)
        await ctx.environments.warnAdmin(
          env,
          `${NAME}: environment ${env} has no Azure API refresh token to renew. Run soar azure get-authorization and soar azure generate-token first.`,
        );
      continue;
    }
    try {
      let stored = current;
      // The rotated token is stored at once, before anything else (behaviour.md 36).
      await azureToken(
        {
          environment: env,
          instance,
          http: ctx.http,
          saveInstanceParam: async (id, value) => {
            stored = value;
            await ctx.environments.saveInstanceParam(env, INTEGRATION, id, value);
          },
        },
        { fresh: true },
      );
      if (stored === current) ctx.log.info({ environment: env }, 'the identity platform kept the refresh token (not rotated)');
      renewed.push(env);
      metrics.tokenRenewals.inc({ environment: env, outcome: 'renewed' });
    } catch (err) {
      // A failed renewal keeps the old token (behaviour.md 36) and tells the admins.
      await ctx.environments.warnAdmin(
        env,
        `${NAME} could not renew the Azure API refresh token of environment ${env}: ${reasonOf(err)} The current token is kept; renew it with soar azure get-authorization and soar azure generate-token before it expires.`,
      );
      failed.push(env);
      metrics.tokenRenewals.inc({ environment: env, outcome: 'failed' });
    }
  }
  return { note: `renewed: ${renewed.join(', ') || 'none'}; failed: ${failed.join(', ') || 'none'}` };
}

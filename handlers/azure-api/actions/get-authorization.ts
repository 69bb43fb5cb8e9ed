/** Azure API — Get Authorization (seed: azure-api 1.0; behaviour.md 25, 36). */
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { param, slug, type ActionSpec, type OutputMessages } from '../../kit/spec';
import { authorizationUrl, delegatedScopes, pkcePair } from '../delegated';
import { newState, oauthStatesFor, STATE_TTL_SECONDS } from '../oauth-states';

const NAME = 'Get Authorization';

function scopeList(value: unknown): string[] {
  return (Array.isArray(value) ? value.map(String) : String(value ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
}

const messages = {
  // behaviour.md 25: the authorization link is given with this message.
  success: { urlGenerated: 'Authorization URL generated successfully.' },
  failure: { failed: 'Failed to generate the authorization URL! Error is ERROR_REASON' },
} satisfies OutputMessages;

export const spec: ActionSpec = {
  integration: 'azure-api',
  id: slug(NAME),
  name: NAME,
  description: 'Initiate the OAuth flow and obtain a link that contains the required access code for delegated authentication.',
  params: [
    param('Oauth Scopes', {
      type: 'list',
      required: true,
      default: ['https://graph.microsoft.com/.default'],
      // behaviour.md 36: the authorization asks for the instance's Scopes unless others are typed.
      defaultFromInstance: 'scopes',
      description: 'A comma-separated list of permissions (scopes) that define the level of access for the access and refresh tokens.',
    }),
  ],
  changesMail: false,
  // The sign-in replaces the environment's token, and whoever holds the link can finish it.
  adminOnly: true,
  privateResult: true,
  messages,
  jsonResult: false,
  async run(ctx, params) {
    try {
      for (const [id, name] of [
        ['client-id', 'Client ID'],
        ['tenant-id', 'Tenant ID'],
        ['microsoft-login-api-root', 'Microsoft Login API Root'],
      ] as const) {
        if (!String(ctx.instance[id] ?? '').trim()) throw new Error(`${name} is not configured. An admin can run soar admin set azure-api --${id} <value>.`);
      }
      const scopes = delegatedScopes(scopeList(params['oauth-scopes']));
      const redirectUri = String(ctx.instance['redirect-url'] ?? `${ctx.publicUrl}/oauth/callback`);
      const state = newState();
      const { verifier, challenge } = pkcePair();
      await oauthStatesFor(ctx).put(state, {
        environment: ctx.environment,
        user: ctx.job.requestedBy,
        channel: ctx.job.conversationId,
        codeVerifier: verifier,
        redirectUri,
        scopes,
        createdAt: Date.now(),
      });
      const url = authorizationUrl(ctx.instance, { state, challenge, scopes, redirectUri });
      const minutes = Math.round(STATE_TTL_SECONDS / 60);
      const oneClick = redirectUri.replace(/\/+$/, '') === `${ctx.publicUrl.replace(/\/+$/, '')}/oauth/callback`;
      const next = oneClick
        ? `Open it and sign in within ${minutes} minutes: the sign-in returns to chatsoar, which saves the refresh token to environment ${ctx.environment}. If that page cannot be reached, run soar azure generate-token and paste the address it shows into its Authorization URL field.`
        : `Open it and sign in within ${minutes} minutes, then run soar azure generate-token and paste the address you were redirected to into its Authorization URL field.`;
      return success([messages.success.urlGenerated, url, next].join('\n'));
    } catch (err) {
      return failure(fill(messages.failure.failed, { ERROR_REASON: reasonOf(err) }));
    }
  },
};

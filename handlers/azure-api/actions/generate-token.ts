/**
 * Azure API — Generate Token (seed: azure-api 1.0; behaviour.md 26, 36).
 * The refresh token is never shown: it is stored encrypted in the environment.
 */
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { param, slug, type ActionSpec, type OutputMessages } from '../../kit/spec';
import { CODE_MISSING, CODE_REFUSED, completeSignIn, redirectParams, SIGNED_IN, SIGN_IN_FAILED } from '../delegated';
import { oauthStatesFor } from '../oauth-states';

const NAME = 'Generate Token';

const messages = {
  success: { signedIn: SIGNED_IN },
  failure: {
    codeMissing: CODE_MISSING,
    codeRefused: CODE_REFUSED,
    signInFailed: SIGN_IN_FAILED,
  },
} satisfies OutputMessages;

export const spec: ActionSpec = {
  integration: 'azure-api',
  id: slug(NAME),
  name: NAME,
  description: 'Obtain a persistent refresh token for delegated authentication from the authorization URL of Get Authorization.',
  params: [
    param('Authorization URL', {
      type: 'url',
      required: true,
      // It carries a one-time authorization code that can be redeemed for a refresh token.
      secret: true,
      description: 'The full redirected URL containing the authorization code received from the Get Authorization action.',
    }),
  ],
  changesMail: false,
  // It replaces the environment's refresh token.
  adminOnly: true,
  messages,
  jsonResult: false,
  async run(ctx, params) {
    try {
      const redirect = redirectParams(String(params['authorization-url'] ?? ''));
      if (!redirect) return failure(fill(messages.failure.signInFailed, { ERROR_REASON: 'the authorization URL is not a valid URL.' }));
      const outcome = await completeSignIn({
        http: ctx.http,
        states: oauthStatesFor(ctx),
        redirect,
        expect: { environment: ctx.environment, user: ctx.job.requestedBy },
        instance: ctx.instance,
        saveRefreshToken: (token) => ctx.saveInstanceParam('refresh-token', token),
      });
      return outcome.ok ? success(outcome.message) : failure(outcome.message);
    } catch (err) {
      return failure(fill(messages.failure.signInFailed, { ERROR_REASON: reasonOf(err) }));
    }
  },
};

/**
 * Azure API — Generate Token (seed: azure-api 1.0; DECISIONS 26, 36).
 * The refresh token is never shown: it is stored encrypted in the environment.
 */
import { param, slug, type ActionSpec } from '../../kit/spec';

const NAME = 'Generate Token';

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
  messages: {
    success: ['Successfully fetched the refresh token and saved it to environment ENV.'],
    failure: [
      "Failed to generate a token because the authorization URL that you provided is incorrect. The 'code' parameter is missing.",
      'Unable to generate the refresh token with the provided authorization URL.',
      'Failed to get the refresh token! Error is ERROR_REASON',
    ],
  },
  jsonResult: false,
};

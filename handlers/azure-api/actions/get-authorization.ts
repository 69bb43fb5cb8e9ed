/** Azure API — Get Authorization (seed: azure-api 1.0; DECISIONS 25, 36). */
import { param, slug, type ActionSpec } from '../../kit/spec';

const NAME = 'Get Authorization';

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
      description: 'A comma-separated list of permissions (scopes) that define the level of access for the access and refresh tokens.',
    }),
  ],
  changesMail: false,
  messages: {
    // DECISIONS 25: the authorization link is given with this message.
    success: ['Authorization URL generated successfully.'],
    failure: ['Failed to generate the authorization URL! Error is ERROR_REASON'],
  },
  jsonResult: false,
};

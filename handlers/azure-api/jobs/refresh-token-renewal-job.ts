/**
 * Azure API — Refresh Token Renewal Job (seed: azure-api 1.0; DECISIONS 29, 36).
 * Renews the refresh token of the listed environments (empty: every environment with an Azure
 * API refresh token); warnings go to the environment's admin channel.
 */
import { param, slug, type JobSpec } from '../../kit/spec';

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
};

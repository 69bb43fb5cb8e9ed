/**
 * Azure API 1.0 (seed: azure-api) — the integration instance's parameters and its catalogue.
 * Platform-only parameters (Instance Name, Description, Run Remotely) are left out (behaviour.md 4).
 */
import { param, type IntegrationSpec, type ParamSpec } from '../kit/spec';
import { spec as executeHttpRequest } from './actions/execute-http-request';
import { spec as getAuthorization } from './actions/get-authorization';
import { spec as generateToken } from './actions/generate-token';
import { spec as ping } from './actions/ping';
import { spec as refreshTokenRenewalJob } from './jobs/refresh-token-renewal-job';

/** Placeholders in defaults, filled at run time. */
export const PUBLIC_URL_PLACEHOLDER = '$PUBLIC_URL';
export const GRAPH_ROOT_PLACEHOLDER = '<Microsoft Graph API Root>';

export const instanceParams: ParamSpec[] = [
  param('Microsoft Login API Root', {
    type: 'url',
    required: true,
    default: 'https://login.microsoftonline.com',
    description: 'The API root of the Microsoft identity platform login service used for Azure API authentication.',
  }),
  param('Microsoft Graph API Root', {
    type: 'url',
    required: true,
    default: 'https://graph.microsoft.com',
    description: 'The API root of the Microsoft Graph service used for Azure API operations.',
  }),
  param('Client ID', {
    type: 'string',
    required: true,
    description: 'The client ID for the Azure API account.',
  }),
  param('Client Secret', {
    type: 'password',
    required: true,
    secret: true,
    description: 'The client secret for the Azure API account.',
  }),
  param('Tenant ID', {
    type: 'string',
    required: true,
    description: 'The tenant ID for the Azure API account.',
  }),
  param('Refresh Token', {
    type: 'password',
    required: false,
    secret: true,
    description: 'The refresh token used for delegated access to the Azure API account (valid for 90 days; set by Generate Token).',
  }),
  param('Verify SSL', {
    type: 'boolean',
    required: false,
    default: true,
    description: 'If selected, the integration validates the SSL certificate when connecting to the Azure API server.',
  }),
  param('Redirect URL', {
    type: 'url',
    required: false,
    // contract.md §4: `$PUBLIC_URL` is replaced by the PUBLIC_URL of contract.md §2 at run time.
    default: `${PUBLIC_URL_PLACEHOLDER}/oauth/callback`,
    description: 'The redirect URI associated with the Microsoft Entra ID application.',
  }),
  param('Test URL', {
    type: 'url',
    required: true,
    // behaviour.md 28: `<Microsoft Graph API Root>` is replaced by the instance's Microsoft Graph API Root.
    default: `${GRAPH_ROOT_PLACEHOLDER}/v1.0/organization`,
    description: 'The URL used to validate the authentication to Azure API using a GET request.',
  }),
  param('Scopes', {
    type: 'list',
    required: true,
    default: ['https://graph.microsoft.com/.default'],
    description: 'A comma-separated list of the scopes for the Azure API authentication.',
  }),
  // behaviour.md 30: origins Execute HTTP Request may reach beyond the configured roots (not in the seed).
  param('HTTP Allow List', {
    type: 'list',
    required: false,
    description: 'Origins (scheme://host[:port]) that Execute HTTP Request may reach beyond the configured roots and endpoints.',
  }),
];

export const integration: IntegrationSpec = {
  id: 'azure-api',
  name: 'Azure API',
  version: '1.0',
  alias: 'azure',
  description: 'Custom HTTP requests to Microsoft Graph and Azure services, with application or delegated OAuth 2.0 authentication.',
  params: instanceParams,
  actions: [executeHttpRequest, getAuthorization, generateToken, ping],
  connectors: [],
  jobs: [refreshTokenRenewalJob],
};

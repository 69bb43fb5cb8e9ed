/**
 * O365 Management API 7.0 (seed: o365-management-api) — the integration instance's parameters
 * and its catalogue. Platform-only parameters (Instance Name, Description, Run Remotely) are
 * left out (behaviour.md 4).
 */
import { param, type IntegrationSpec, type ParamSpec } from '../kit/spec';
import { spec as ping } from './actions/ping';
import { spec as startASubscription } from './actions/start-a-subscription';
import { spec as stopASubscription } from './actions/stop-a-subscription';
import { spec as dlpEventsConnector } from './connectors/office-365-management-api-dlp-events-connector';
import { spec as auditGeneralEventsConnector } from './connectors/office-365-management-api-audit-general-events-connector';
import { apiRootParam, certificatePasswordParam, clientSecretParam, verifySslParam } from './common-params';

export const instanceParams: ParamSpec[] = [
  apiRootParam,
  param('Azure Active Directory ID', {
    type: 'string',
    required: true,
    description: 'Azure Active Directory Tenant ID, the Directory (tenant) ID of the app registration.',
  }),
  param('Client ID', {
    type: 'string',
    required: true,
    description: 'Client (Application) ID that was added for the app registration in Azure Active Directory for this integration.',
  }),
  clientSecretParam,
  verifySslParam,
  param('Certificate Path', {
    type: 'string',
    required: false,
    description: 'If authentication based on certificates is used instead of client secret, specify path to the certificate (PFX).',
  }),
  certificatePasswordParam,
  param('OAUTH2 Login Endpoint Url', {
    type: 'url',
    required: true,
    default: 'https://login.microsoftonline.com',
    description: 'Specify the URL connector that should be used for OAUTH2 Login Endpoint Url.',
  }),
];

export const integration: IntegrationSpec = {
  id: 'o365-management-api',
  name: 'O365 Management API',
  version: '7.0',
  alias: 'o365',
  description: 'Get activity events from Microsoft 365: subscriptions to the Office 365 Management Activity API and DLP / Audit.General event connectors.',
  params: instanceParams,
  actions: [ping, startASubscription, stopASubscription],
  connectors: [dlpEventsConnector, auditGeneralEventsConnector],
  jobs: [],
};

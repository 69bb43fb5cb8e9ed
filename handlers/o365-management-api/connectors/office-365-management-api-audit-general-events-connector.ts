/**
 * O365 Management API — Office 365 Management API Audit General Events Connector
 * (seed: o365-management-api 7.0; DECISIONS 4, 17, 19, 22, 24).
 * Needs an Audit.General subscription (Start a Subscription). Connection parameters default to
 * the environment's o365-management-api instance (instanceParamMap).
 */
import { param, slug, type ConnectorSpec } from '../../kit/spec';
import { auditAlertBuilder } from '../feed/audit-alert';
import { httpForProxy } from '../../kit/proxy';
import { runFeedCycle } from '../feed/cycle';
import { windowProblem } from '../feed/windows';

const NAME = 'Office 365 Management API Audit General Events Connector';

export const spec: ConnectorSpec = {
  integration: 'o365-management-api',
  id: slug(NAME),
  name: NAME,
  description: 'Fetch Audit.General events from Office 365 Management API (start an Audit.General subscription first).',
  params: [
    param('Product Field Name', {
      type: 'string',
      required: true,
      default: 'Product Name',
      description: 'Enter the source field name in order to retrieve the Product Field name.',
    }),
    param('Event Field Name', {
      type: 'string',
      required: true,
      default: 'Operation',
      description: 'Enter the source field name in order to retrieve the Event Field name.',
    }),
    param('Environment Field Name', {
      type: 'string',
      required: false,
      default: '',
      description: 'Describes the name of the field where the environment name is stored.',
    }),
    param('Environment Regex Pattern', {
      type: 'string',
      required: false,
      default: '.*',
      description: 'A regex pattern to run on the value found in the "Environment Field Name" field.',
    }),
    param('Script Timeout (Seconds)', {
      type: 'integer',
      required: true,
      default: 180,
      description: 'Time bound of one connector cycle; when reached the cycle stops cleanly and keeps its checkpoint (DECISIONS 4).',
    }),
    param('Api Root', {
      type: 'url',
      required: true,
      default: 'https://manage.office.com',
      description: 'Api root url to use with integration.',
    }),
    param('Azure Active Directory ID', {
      type: 'string',
      required: true,
      description: 'Azure Active Directory Tenant ID (Directory (tenant) ID of the app registration).',
    }),
    param('Client ID', {
      type: 'string',
      required: true,
      description: 'Client (Application) ID that was added for the app registration in Azure Active Directory for this integration.',
    }),
    param('Client Secret', {
      type: 'password',
      required: false,
      secret: true,
      description: 'Secret that was entered for Azure AD app registration.',
    }),
    param('Certificate Path', {
      type: 'string',
      required: false,
      description: 'If authentication based on certificates is used instead of client secret, the path to the certificate.',
    }),
    param('Certificate Password', {
      // The seed's type reads "Pasword".
      type: 'password',
      required: false,
      secret: true,
      description: 'Optional, if certificate is password-protected, specify the password to open the certificate file.',
    }),
    param('OAUTH2 Login Endpoint Url', {
      type: 'url',
      required: false,
      default: 'https://login.microsoftonline.com',
      description: 'Specify the url connector should use for OAUTH2 Login Endpoint Url.',
    }),
    param('Verify SSL', {
      type: 'boolean',
      required: true,
      default: true,
      description: 'Specify whether remote API endpoint SSL certificate should be validated.',
    }),
    param('Type of Operation Filter', {
      type: 'list',
      required: false,
      description: 'Audit.General operation types (e.g. SearchAirBatch, SearchCustomTag) whose events are not ingested (a blacklist unless used as whitelist).',
    }),
    param('Status Filter', {
      type: 'list',
      required: false,
      // DECISIONS 22 calls it "Type of Status Filter".
      aliases: ['type-of-status-filter'],
      description: 'Statuses that, if present in an event, keep the event from being ingested (a blacklist unless used as whitelist).',
    }),
    param('Use operation and status filters as whitelist', {
      type: 'boolean',
      required: true,
      default: false,
      description: "If enabled, operation and status filters will work as a whitelist, by default it's a blacklist.",
    }),
    param('Entity Keys to Create Additional Events', {
      type: 'list',
      required: false,
      description: 'Keys that, if seen in the Audit.General entities section of data, make the related subsection an additional event.',
    }),
    param('Max events to fetch', {
      type: 'integer',
      required: true,
      default: 50,
      description: 'How many events to process per one connector iteration.',
    }),
    param('Fetch Max Hours Backwards', {
      type: 'integer',
      required: true,
      default: 8,
      description: 'Amount of hours from where to fetch events (the O365 Management API returns at most the last 7 days).',
    }),
    param('Fetch Backwards Time Interval (minutes)', {
      type: 'integer',
      required: true,
      default: 240,
      description: 'Time interval used to split max hours backwards into smaller segments processed individually (at most 24 hours).',
    }),
    param('Events Padding Period (minutes)', {
      type: 'integer',
      required: true,
      default: 60,
      description: 'A minimum time interval that will be used by connector to check new events.',
    }),
    param('Use whitelist as a blacklist', {
      type: 'boolean',
      required: true,
      default: false,
      description: 'If enabled, whitelist will be used as a blacklist.',
    }),
    param('Proxy Server Address', {
      type: 'string',
      required: false,
      description: 'The address of the proxy server to use.',
    }),
    param('Proxy Username', {
      type: 'string',
      required: false,
      description: 'The proxy username to authenticate with.',
    }),
    param('Proxy Password', {
      type: 'password',
      required: false,
      secret: true,
      description: 'The proxy password to authenticate with.',
    }),
  ],
  instanceParamMap: {
    'api-root': 'api-root',
    'azure-active-directory-id': 'azure-active-directory-id',
    'client-id': 'client-id',
    'client-secret': 'client-secret',
    'certificate-path': 'certificate-path',
    'certificate-password': 'certificate-password',
    'oauth2-login-endpoint-url': 'oauth2-login-endpoint-url',
    'verify-ssl': 'verify-ssl',
  },
  validate: windowProblem,
  run(ctx, params) {
    const toAlert = auditAlertBuilder({ params, rules: ctx.rules, environment: ctx.environment });
    return runFeedCycle({ ...ctx, http: httpForProxy(ctx.http, params) }, params, { contentType: 'Audit.General', toAlert });
  },
};

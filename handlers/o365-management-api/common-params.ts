/**
 * The parameters both O365 Management API connectors declare with the same seed text
 * (seed: o365-management-api 7.0); four of them (Api Root, Client Secret, Verify SSL, Certificate
 * Password) read the same in the Integration parameters too. Each list spreads these at the
 * places its seed table gives them and keeps its own parameters (and its own order) in between.
 * (Not under connectors/: that folder holds one spec file per connector.)
 */
import { param, type ParamSpec } from '../kit/spec';
export { proxyParams } from '../kit/connector-params';

/** Product Field Name … Script Timeout (Seconds): the first rows of both connector tables. */
export const eventFieldParams: ParamSpec[] = [
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
    description: 'Time bound of one connector cycle; when reached the cycle stops cleanly and keeps its checkpoint (behaviour.md 4).',
  }),
];

/** Api Root, as the seed's Integration parameters and both connector tables give it. */
export const apiRootParam: ParamSpec = param('Api Root', {
  type: 'url',
  required: true,
  default: 'https://manage.office.com',
  description: 'Api root url to use with integration.',
});

/** Client Secret, as the seed's Integration parameters and both connector tables give it. */
export const clientSecretParam: ParamSpec = param('Client Secret', {
  type: 'password',
  required: false,
  secret: true,
  description: 'Secret that was entered for Azure AD app registration.',
});

/** Verify SSL, as the seed's Integration parameters and both connector tables give it. */
export const verifySslParam: ParamSpec = param('Verify SSL', {
  type: 'boolean',
  required: true,
  default: true,
  description: 'Specify whether remote API endpoint SSL certificate should be validated.',
});

/** Certificate Password, as the seed's Integration parameters and both connector tables give it. */
export const certificatePasswordParam: ParamSpec = param('Certificate Password', {
  // The Audit General connector's seed type reads "Pasword".
  type: 'password',
  required: false,
  secret: true,
  description: 'Optional, if certificate is password-protected, specify the password to open the certificate file.',
});

/** Api Root, Azure Active Directory ID, Client ID, Client Secret: the connectors' wording. */
export const connectionParams: ParamSpec[] = [
  apiRootParam,
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
  clientSecretParam,
];

/**
 * Certificate Path, Certificate Password, OAUTH2 Login Endpoint Url. The seeds differ only in
 * whether the login endpoint is mandatory (DLP: Yes, Audit General: No).
 */
export function certificateParams(loginEndpointRequired: boolean): ParamSpec[] {
  return [
    param('Certificate Path', {
      type: 'string',
      required: false,
      description: 'If authentication based on certificates is used instead of client secret, the path to the certificate.',
    }),
    certificatePasswordParam,
    param('OAUTH2 Login Endpoint Url', {
      type: 'url',
      required: loginEndpointRequired,
      default: 'https://login.microsoftonline.com',
      description: 'Specify the url connector should use for OAUTH2 Login Endpoint Url.',
    }),
  ];
}

/** Max events to fetch … Use whitelist as a blacklist: how far back and how much one cycle fetches. */
export const fetchWindowParams: ParamSpec[] = [
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
];

/** Ids of the connection parameters, each the same id in the integration instance. */
const CONNECTION_IDS = new Set([...connectionParams, verifySslParam, ...certificateParams(false)].map((p) => p.id));

/**
 * The instanceParamMap of a connector (behaviour.md 17): each of its connection params defaults to
 * the instance param of the same id, in the order the connector lists them.
 */
export function instanceParamMapOf(params: ParamSpec[]): Record<string, string> {
  return Object.fromEntries(params.filter((p) => CONNECTION_IDS.has(p.id)).map((p) => [p.id, p.id]));
}

import { type ConnectorSpec, param } from '../../kit/spec';
import { proxyParams } from '../../kit/connector-params';
import { runMailCycle } from './mail/mail-cycle';

/**
 * Seed: Microsoft Graph Mail Connector. Its connection parameters default to the environment's
 * integration instance (contract.md §5, behaviour.md 17); Script Timeout bounds one cycle (behaviour.md 4);
 * dynamic list / whitelist / blacklist are connector config keys, not params (behaviour.md 19).
 */
export const spec: ConnectorSpec = {
  integration: 'microsoft-graph-mail',
  id: 'microsoft-graph-mail-connector',
  name: 'Microsoft Graph Mail Connector',
  description: 'Fetch emails from the Microsoft Graph mail service and post them as alerts.',
  params: [
    param('Product Field Name', {
      type: 'string',
      required: true,
      default: 'device_product',
      description: 'The name of the field where the product name is stored.',
    }),
    param('Event Field Name', {
      type: 'string',
      required: true,
      default: 'event_name',
      description: 'The field name used to determine the event name (subtype).',
    }),
    param('Environment Field Name', {
      type: 'string',
      required: false,
      default: '',
      description: 'The name of the field where the environment name is stored (an alert label, behaviour.md 18).',
    }),
    param('Environment Regex Pattern', {
      type: 'string',
      required: false,
      default: '.*',
      description: 'A regular expression pattern to run on the value found in the Environment Field Name field.',
    }),
    param('Email exclude pattern', {
      type: 'string',
      required: false,
      description: 'A regular expression on subject and body to exclude specific emails from ingestion, such as spam or news.',
    }),
    param('Script Timeout (Seconds)', {
      type: 'integer',
      required: true,
      default: 300,
      description: 'The time bound of one cycle, in seconds; when reached the cycle stops and keeps its checkpoint.',
    }),
    param('Azure AD endpoint', {
      type: 'url',
      required: false,
      defaultFromInstance: 'azure-ad-endpoint',
      description: "The Microsoft Entra endpoint to connect to; defaults to the instance's.",
    }),
    param('Microsoft Graph Endpoint', {
      type: 'url',
      required: false,
      defaultFromInstance: 'microsoft-graph-endpoint',
      description: "The Microsoft Graph endpoint to connect to; defaults to the instance's.",
    }),
    param('Client ID', {
      type: 'string',
      required: false,
      defaultFromInstance: 'client-id',
      description: "The application (client) ID of the Microsoft Entra app; defaults to the instance's.",
    }),
    param('Client Secret', {
      type: 'password',
      secret: true,
      required: false,
      defaultFromInstance: 'secret-id',
      description: "The client secret of the Microsoft Entra app; defaults to the instance's Secret ID.",
    }),
    param('Tenant (Directory) ID', {
      type: 'string',
      required: false,
      defaultFromInstance: 'tenant',
      description: "The tenant (directory) ID of the Microsoft Entra app; defaults to the instance's Tenant.",
    }),
    param('Mail Address', {
      type: 'email',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: "An email address for the connector to use; defaults to the instance's Default Mailbox.",
    }),
    // Not among the seed's connector parameters; behaviour.md 17 lists Verify SSL with the
    // connection parameters that map to the instance, so a connector may override it.
    param('Verify SSL', {
      type: 'boolean',
      required: false,
      defaultFromInstance: 'verify-ssl',
      description: "If selected, the SSL certificate of the Microsoft Graph server is verified; defaults to the instance's.",
    }),
    param('Folder to check for emails', {
      type: 'list',
      required: true,
      default: ['Inbox'],
      description: 'A comma-separated list of email folders to search for the emails.',
    }),
    param('Offset Time In Hours', {
      type: 'integer',
      required: true,
      default: 24,
      description: 'The number of hours before now to fetch emails from.',
    }),
    param('Max Emails Per Cycle', {
      type: 'integer',
      required: true,
      default: 10,
      description: 'The number of emails to fetch for every connector iteration.',
    }),
    param('Unread Emails Only', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the connector creates alerts only from unread emails.',
    }),
    param('Mark Emails as Read', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the connector marks emails as read after ingesting.',
    }),
    param('Disable Overflow', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the digest is off: every alert is posted one by one (behaviour.md 18).',
    }),
    param('Original Received Mail Prefix', {
      type: 'string',
      required: false,
      default: 'orig',
      description: 'A prefix to add to the extracted event keys from the original email received in the monitored mailbox.',
    }),
    param('Attached Mail File Prefix', {
      type: 'string',
      required: false,
      default: 'attach',
      description: 'A prefix to add to the extracted event keys from the attached email file.',
    }),
    param('Attach Original EML', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the connector attaches the original email to the alert as an EML file.',
    }),
    param('Headers to add to events', {
      type: 'list',
      required: false,
      description: 'A comma-separated list of email headers to add to events: exact names, or a regular expression.',
    }),
    ...proxyParams,
    param('Create a Separate Siemplify Alert per Attached Mail File', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the connector creates one alert for every attached email file.',
    }),
    param('Case Name Template', {
      type: 'string',
      required: false,
      description: 'A custom case name with [field] placeholders, e.g. Phishing - [event_mailbox].',
    }),
    param('Alert Name Template', {
      type: 'string',
      required: false,
      description: 'A custom alert name with [field] placeholders; empty or invalid gives the default name.',
    }),
  ],
  // behaviour.md 17: connector param id → instance param id. The proxy settings have no instance
  // counterpart in the seed, so they stay connector-only.
  instanceParamMap: {
    'azure-ad-endpoint': 'azure-ad-endpoint',
    'microsoft-graph-endpoint': 'microsoft-graph-endpoint',
    'client-id': 'client-id',
    'client-secret': 'secret-id',
    'tenant-directory-id': 'tenant',
    'mail-address': 'default-mailbox',
    'verify-ssl': 'verify-ssl',
  },
  run: runMailCycle,
};

/**
 * Microsoft Graph Mail 17.0: the integration instance's parameters and the assembled catalogue
 * entry. Every action is imported explicitly so that a missing file fails to compile.
 */
import { type IntegrationSpec, type ParamSpec, param } from '../kit/spec';
import { spec as getMailboxAccountOutOfFacilitySettings } from './actions/get-mailbox-account-out-of-facility-settings';
import { spec as deleteEmail } from './actions/delete-email';
import { spec as downloadAttachmentsFromEmail } from './actions/download-attachments-from-email';
import { spec as extractDataFromAttachedEml } from './actions/extract-data-from-attached-eml';
import { spec as forwardEmail } from './actions/forward-email';
import { spec as markEmailAsJunk } from './actions/mark-email-as-junk';
import { spec as markEmailAsNotJunk } from './actions/mark-email-as-not-junk';
import { spec as moveEmailToFolder } from './actions/move-email-to-folder';
import { spec as ping } from './actions/ping';
import { spec as saveEmailToTheCase } from './actions/save-email-to-the-case';
import { spec as searchEmails } from './actions/search-emails';
import { spec as sendEmail } from './actions/send-email';
import { spec as sendEmailHtml } from './actions/send-email-html';
import { spec as sendThreadReply } from './actions/send-thread-reply';
import { spec as sendVoteEmail } from './actions/send-vote-email';
import { spec as waitForEmailFromUser } from './actions/wait-for-email-from-user';
import { spec as waitForVoteEmailResults } from './actions/wait-for-vote-email-results';
import { campaignActions } from './campaign';
import { spec as microsoftGraphMailConnector } from './connectors/microsoft-graph-mail-connector';

/**
 * The seed's integration parameters; ids are the contract.md §5 config keys. Platform-only
 * parameters (Instance Name, Description, Run Remotely) are left out (behaviour.md 4).
 */
export const instanceParams: ParamSpec[] = [
  param('Azure AD endpoint', {
    type: 'url',
    required: true,
    default: 'https://login.microsoftonline.com',
    description: 'The Microsoft Entra endpoint to connect to.',
  }),
  param('Microsoft Graph Endpoint', {
    type: 'url',
    required: true,
    default: 'https://graph.microsoft.com',
    description: 'The Microsoft Graph endpoint to connect to.',
  }),
  param('Client ID', {
    type: 'string',
    required: true,
    description: 'The client (application) ID of the Microsoft Entra app to use in the integration.',
  }),
  param('Secret ID', {
    type: 'password',
    secret: true,
    required: true,
    description: 'The client secret value of the Microsoft Entra app to use in the integration.',
  }),
  param('Tenant', {
    type: 'string',
    required: true,
    description: 'The Microsoft Entra ID (tenant ID) value.',
  }),
  param('Default Mailbox', {
    type: 'email',
    required: true,
    description: 'The default mailbox to use in the integration.',
  }),
  param('Verify SSL', {
    type: 'boolean',
    required: true,
    default: true,
    description: 'If selected, the SSL certificate of the Microsoft Graph server is verified.',
  }),
];

export const integration: IntegrationSpec = {
  id: 'microsoft-graph-mail',
  name: 'Microsoft Graph Mail',
  version: '17.0',
  alias: 'graphmail',
  description:
    'Search, read, send, forward, move, junk and delete Microsoft 365 mail through Microsoft Graph: phishing investigation and remediation, compromised account response.',
  params: instanceParams,
  // The seed's order.
  actions: [
    getMailboxAccountOutOfFacilitySettings,
    deleteEmail,
    downloadAttachmentsFromEmail,
    extractDataFromAttachedEml,
    forwardEmail,
    markEmailAsJunk,
    markEmailAsNotJunk,
    moveEmailToFolder,
    ping,
    saveEmailToTheCase,
    searchEmails,
    sendEmail,
    sendEmailHtml,
    sendThreadReply,
    sendVoteEmail,
    waitForEmailFromUser,
    waitForVoteEmailResults,
    // Beyond the seed (contract.md §8): typed as `soar campaign <verb>`, never `soar graphmail …`.
    ...campaignActions,
  ],
  connectors: [microsoftGraphMailConnector],
  jobs: [],
};

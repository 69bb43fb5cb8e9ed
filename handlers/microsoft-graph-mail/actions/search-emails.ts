import { type ActionSpec, param } from '../../kit/spec';

/** Seed: Search Emails (DECISIONS 9, 10). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'search-emails',
  name: 'Search Emails',
  description: 'Search emails in the default mailbox, or other mailboxes, based on the provided search criteria.',
  params: [
    param('Search In Mailbox', {
      type: 'email-list',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The mailbox(es) to execute the search operation in (comma-separated); defaults to the Default Mailbox.',
    }),
    param('Folder Name', {
      type: 'string',
      required: true,
      default: 'Inbox',
      description: 'A mailbox folder to execute the search in.',
    }),
    // Not in the seed's Search Emails inputs; DECISIONS 9 gives Search Emails a Mail IDs filter
    // (matching `id` or `internetMessageId`) that overrides every other filter.
    param('Mail IDs', {
      type: 'list',
      required: false,
      description: 'Comma-separated email IDs or internetMessageId values; when given, every other filter is ignored.',
    }),
    param('Subject Filter', {
      type: 'string',
      required: false,
      description: 'A filter condition that specifies the email subject to search for (contains logic).',
    }),
    param('Sender Filter', {
      type: 'string',
      required: false,
      description: 'A filter condition that specifies the sender of requested emails (equals logic).',
    }),
    param('Time Frame (minutes)', {
      type: 'integer',
      required: false,
      description: 'A filter condition that specifies the timeframe in minutes to search for emails.',
    }),
    param('Max Emails To Return', {
      type: 'integer',
      required: false,
      description: 'The number of emails to return per mailbox; with no value, the API default (10) is used.',
    }),
    param('Only Unread', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the action searches only for unread emails.',
    }),
    param('Select All Fields For Return', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the action returns all available fields for the obtained email.',
    }),
    param('How many mailboxes to process in a single batch', {
      type: 'integer',
      required: false,
      default: 25,
      description: 'The number of mailboxes to process in a single batch (single connection to the mail server).',
    }),
  ],
  messages: {
    success: [
      'Successfully found emails in the following mailboxes: MAILBOX: FOUND_EMAILS_NUMBER',
      'Mailbox MAILBOX was not found.',
    ],
    failure: [
      'Action was not able to find any emails based on the specified search criteria.',
      'Failed to find any of the provided mailboxes: MAILBOX_LIST',
      'Failed to execute action, the error is: ERROR_REASON',
    ],
  },
  // DECISIONS 9: the found mails are attached as a JSON file (beyond the seed).
  jsonResult: true,
  tables: [{ title: 'Matching Mails', columns: ['Mail ID', 'Subject', 'Sender', 'Receivers', 'Received Date'] }],
};

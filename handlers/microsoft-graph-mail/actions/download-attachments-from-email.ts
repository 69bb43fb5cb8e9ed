import { type ActionSpec, param } from '../../kit/spec';

/** Seed: Download Attachments From Email. Files go under the files root (DECISIONS 6, 32). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'download-attachments-from-email',
  name: 'Download Attachments From Email',
  description: 'Download attachments from emails based on the criteria provided.',
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
    param('Download Destination', {
      type: 'enum',
      required: true,
      options: ['GCP Bucket', 'Local File System'],
      default: 'GCP Bucket',
      description: 'A destination to save the downloaded attachments to (falls back to the local files root, DECISIONS 6).',
    }),
    param('Download Path', {
      type: 'string',
      required: true,
      description: 'A path to download attachments to, in the Unix-like format, such as /tmp/test (inside the files root).',
    }),
    param('Mail IDs', {
      type: 'list',
      required: false,
      description: 'Comma-separated email IDs to search for; when given, Subject Filter and Sender Filter are ignored.',
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
    param('Download Attachments from EML', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the action downloads attachments from EML files.',
    }),
    param('Download Attachments to unique path?', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the action downloads attachments to a unique path to avoid overwriting previously downloaded attachments.',
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
      'Downloaded NUMBER_OF_ATTACHMENTS attachments. Files: PATHS.',
      'Failed to find emails in MAILBOX with the following mail ids: EMAIL_IDS.',
      // DECISIONS 2: the seed ends this one with "LIST_OF_EMAIL_IDS attachments." (a typo).
      'In the mailboxes listed below, emails were found, but there were no attachments to download. Affected mailboxes: MAILBOXES. Mail IDs without attachments to download: LIST_OF_EMAIL_IDS.',
    ],
    failure: [
      'Failed to find any emails using the provided criteria!',
      'Failed to find any of the provided mailboxes: MAILBOXES',
      'Action failed to run because the provided mailbox folder name FOLDER_NAME was not found in the mailbox MAILBOX.',
      'Error executing action. Reason: ERROR_REASON',
    ],
  },
  jsonResult: true,
};

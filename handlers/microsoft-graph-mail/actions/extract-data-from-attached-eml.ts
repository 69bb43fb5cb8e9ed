import { type ActionSpec, param } from '../../kit/spec';

/** Seed: Extract Data From Attached EML (.eml, .msg and .ics attachments). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'extract-data-from-attached-eml',
  name: 'Extract Data From Attached EML',
  description: 'Retrieve data from the EML, MSG and ICS attachments of emails and return it in the action results.',
  params: [
    param('Search In Mailbox', {
      type: 'email-list',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The mailbox(es) to execute the search operation in (comma-separated); defaults to the Default Mailbox.',
    }),
    param('Folder Name', {
      type: 'string',
      required: false,
      default: 'Inbox',
      description: 'A mailbox folder to execute the search in.',
    }),
    param('Mail IDs', {
      type: 'list',
      required: true,
      description: 'A comma-separated list of email IDs to search for.',
    }),
    param('Regex Map JSON', {
      type: 'json',
      required: false,
      description: 'A JSON object of name to regular expression, applied to the attached email file to add keys to the JSON result (DECISIONS 16).',
    }),
  ],
  messages: {
    success: [
      'Extracted data from ATTACHMENT_NAMES attached email files. Files: PATHS',
      'Failed to find emails in MAILBOX with the following mail ids: MAIL_ID_LIST',
    ],
    failure: [
      'Failed to find any emails using the provided criteria!',
      'Failed to find any of the provided mailboxes: MAILBOX_LIST',
      'Action failed to run because the provided mailbox folder name MAILBOX_FOLDER was not found in the mailbox MAILBOX',
      'Failed to execute action, the error is: ERROR_REASON',
    ],
  },
  jsonResult: true,
};

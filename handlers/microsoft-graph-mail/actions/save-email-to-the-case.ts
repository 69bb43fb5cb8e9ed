import { type ActionSpec, param } from '../../kit/spec';

/** Seed: Save Email To The Case. The case wall is the chat thread (files: `<subject>.eml`, DECISIONS 15). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'save-email-to-the-case',
  name: 'Save Email To The Case',
  description: 'Save emails, or only their attachments, to the thread as files.',
  params: [
    param('Search In Mailbox', {
      type: 'email',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The mailbox to execute the search operation in; defaults to the Default Mailbox.',
    }),
    param('Folder Name', {
      type: 'string',
      required: false,
      default: 'Inbox',
      description: 'A mailbox folder to execute the search in.',
    }),
    param('Mail ID', {
      type: 'list',
      required: true,
      description: 'The email ID to search for; accepts a comma-separated list of email IDs.',
    }),
    param('Save Only Email Attachments', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the action saves only attachments from the specified email.',
    }),
    param('Attachment To Save', {
      type: 'list',
      required: false,
      description: 'With Save Only Email Attachments, only the attachments named here (comma-separated) are saved.',
    }),
  ],
  messages: {
    success: [
      'Email successfully saved!',
      'Successfully saved the following attachments: ATTACHMENTS_LIST',
      'The following attachments were not found in email with mail id: EMAIL_ID: ATTACHMENTS_LIST',
    ],
    failure: [
      'Mailbox MAILBOX_NAME was not found.',
      'Action failed to run because the provided mailbox folder name MAILBOX_FOLDER was not found in the mailbox MAILBOX_NAME',
      'Failed to execute action, the error is: ERROR_REASON',
    ],
  },
  // DECISIONS 15: with several Mail IDs, the JSON result is a list.
  jsonResult: true,
  attachments: true,
};

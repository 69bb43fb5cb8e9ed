import { type ActionSpec, param } from '../../kit/spec';

/** Seed: Send Thread Reply. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'send-thread-reply',
  name: 'Send Thread Reply',
  description: 'Send a message as a reply to an email thread.',
  params: [
    param('Send From', {
      type: 'email',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The email address to send the reply from; defaults to the Default Mailbox.',
    }),
    param('Mail ID', {
      type: 'string',
      required: true,
      description: 'The email ID to search for.',
    }),
    param('Folder Name', {
      type: 'string',
      required: false,
      default: 'Inbox',
      description: 'A mailbox folder to execute the search in.',
    }),
    param('Attachments Paths', {
      type: 'list',
      required: false,
      description: 'A comma-separated list of paths of files to attach (inside the files root).',
    }),
    param('Mail Content', {
      type: 'code',
      required: true,
      description: 'The email body.',
    }),
    param('Reply All', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the reply goes to all recipients of the original email; it has priority over Reply To.',
    }),
    param('Reply To', {
      type: 'email-list',
      required: false,
      description: 'A comma-separated list of emails to send the reply to; with none and no Reply All, the original sender.',
    }),
  ],
  changesMail: true,
  messages: {
    success: ['Successfully sent reply to the mail with ID: EMAIL_ID'],
    failure: [
      'Error executing action "Send Thread Reply". Reason: if you want to send a reply only to your own email address, you need to work with "Reply To" parameter.',
      'Error executing action "Send Thread Reply" because the provided mail id EMAIL_ID was not found.',
      'Action failed to run because specified attachments were not found: ATTACHMENTS_LIST',
      'Failed to execute action, the error is: ERROR_REASON',
    ],
  },
};

import { type ActionSpec, param } from '../../kit/spec';

/** Seed: Forward Email. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'forward-email',
  name: 'Forward Email',
  description: 'Forward an email, including its previous thread, optionally from a mailbox other than the default one.',
  params: [
    param('Send From', {
      type: 'email',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The email address to send the email from; defaults to the Default Mailbox.',
    }),
    param('Folder Name', {
      type: 'string',
      required: false,
      default: 'Inbox',
      description: 'A mailbox folder to search an email in.',
    }),
    param('Mail ID', {
      type: 'string',
      required: true,
      description: 'The ID of the email to forward.',
    }),
    param('Subject', {
      type: 'string',
      required: true,
      description: 'The email subject.',
    }),
    param('Send to', {
      type: 'email-list',
      required: true,
      description: 'A comma-separated list of email addresses for the email recipients.',
    }),
    param('CC', {
      type: 'email-list',
      required: false,
      description: 'A comma-separated list of email addresses for the email CC field.',
    }),
    param('BCC', {
      type: 'email-list',
      required: false,
      description: 'A comma-separated list of email addresses for the email BCC field.',
    }),
    param('Attachments Paths', {
      type: 'list',
      required: false,
      description: 'A comma-separated list of paths of files to attach (inside the files root).',
    }),
    param('Mail content', {
      type: 'code',
      required: true,
      description: 'The email body.',
    }),
  ],
  changesMail: true,
  messages: {
    success: ['Email with message ID MAIL_ID was forwarded successfully.'],
    failure: [
      'Error executing action "Forward Email" because the provided mail id EMAIL_ID was not found.',
      // DECISIONS 2: the seed says "Action failed to delete any emails" here (a typo).
      'Action failed to forward the email because the provided mailbox folder name was not found in the mailbox(es): MAILBOX: MAILBOX_FOLDER',
      'Action failed to run because specified attachments were not found: ATTACHMENTS_LIST',
      'Failed to execute action, the error is: ERROR_REASON',
    ],
  },
};

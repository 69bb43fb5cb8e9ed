import { type ActionSpec, param } from '../../kit/spec';

/** Seed: Send Email. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'send-email',
  name: 'Send Email',
  description: 'Send a plain text or HTML email from a mailbox to a list of recipients.',
  params: [
    param('Send From', {
      type: 'email',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The email address to send the email from; defaults to the Default Mailbox.',
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
    param('Mail Content Type', {
      type: 'enum',
      required: false,
      options: ['Text', 'HTML'],
      default: 'Text',
      description: 'The type of the email content.',
    }),
    param('Mail Content', {
      type: 'code',
      required: true,
      description: 'The email body.',
    }),
    param('Reply-To Recipients', {
      type: 'email-list',
      required: false,
      description: 'A comma-separated list of recipients to use in the Reply-To header.',
    }),
  ],
  changesMail: true,
  messages: {
    success: ['Email was sent successfully.'],
    failure: [
      'Action failed to run because specified attachments were not found: ATTACHMENTS_LIST',
      'Failed to execute action, the error is: ERROR_REASON',
    ],
  },
  // DECISIONS 11: beyond the seed, the sent message's `id` and `internetMessageId`.
  jsonResult: true,
};

import { type ActionSpec, param } from '../../kit/spec';

/** Seed: Send Email HTML. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'send-email-html',
  name: 'Send Email HTML',
  description: 'Send an email formatted with an HTML template from a mailbox to a list of recipients.',
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
      description: 'A comma-separated list of paths of files to attach.',
    }),
    param('Email HTML Template', {
      type: 'enum',
      required: true,
      // The seed's other options are "a dynamically generated list of available templates" of the
      // SOAR platform; chatsoar has the built-in one.
      options: ['Email HTML Template'],
      default: 'Email HTML Template',
      description: 'The HTML template to use.',
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
    param('Attachment Location', {
      type: 'enum',
      required: true,
      options: ['GCP Bucket', 'Local File System'],
      default: 'GCP Bucket',
      description: 'A location where the attachments are stored (falls back to the local files root, DECISIONS 6).',
    }),
  ],
  changesMail: true,
  messages: {
    success: ['Email was sent successfully.'],
    failure: [
      'Action failed to run because the HTML template was not specified.',
      'Action failed to run because the following specified attachments were not found: ATTACHMENT_LIST',
      'Failed to execute action, the error is: ERROR_REASON',
    ],
  },
  jsonResult: true,
};

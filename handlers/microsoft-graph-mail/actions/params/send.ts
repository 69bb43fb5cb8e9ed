/**
 * Parameters of the sending actions (Send Email, Send Email HTML, Send Vote Email, Forward Email,
 * Send Thread Reply) whose seed text is the same in each action that uses them. The actions list
 * them in their seed's order; where a seed words a parameter differently, the action keeps it.
 */
import { param, type ParamSpec } from '../../../kit/spec';

/** Send Email, Send Email HTML, Send Vote Email (behaviour.md 7: defaults to the Default Mailbox). */
export const sendFrom: ParamSpec = param('Send From', {
  type: 'email',
  required: false,
  defaultFromInstance: 'default-mailbox',
  description: 'The email address to send the email from; defaults to the Default Mailbox.',
});

/** Subject, Send to, CC, BCC: Send Email, Send Email HTML, Send Vote Email, Forward Email. */
export const subjectAndRecipients: ParamSpec[] = [
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
];

/** Send Email, Forward Email, Send Thread Reply ("a comma-separated list of paths … stored on the server"). */
export const attachmentsPaths: ParamSpec = param('Attachments Paths', {
  type: 'list',
  required: false,
  description: 'A comma-separated list of paths of files to attach (inside the files root), or names of files the bot posted earlier in this thread.',
});

/** Send Email HTML, Send Vote Email ("a full path for the attachment …"). */
export const templatedAttachmentsPaths: ParamSpec = param('Attachments Paths', {
  type: 'list',
  required: false,
  description: 'A comma-separated list of paths of files to attach (inside the files root), or names of files the bot posted earlier in this thread.',
});

/** Send Email, Send Email HTML, Send Vote Email, Send Thread Reply (Forward Email's is "Mail content"). */
export const mailContent: ParamSpec = param('Mail Content', {
  type: 'code',
  required: true,
  description: 'The email body.',
});

/** Send Email, Send Email HTML, Send Vote Email. */
export const replyToRecipients: ParamSpec = param('Reply-To Recipients', {
  type: 'email-list',
  required: false,
  description: 'A comma-separated list of recipients to use in the Reply-To header.',
});

/** Send Email HTML, Send Vote Email. */
export const attachmentLocation: ParamSpec = param('Attachment Location', {
  type: 'enum',
  required: true,
  options: ['GCP Bucket', 'Local File System'],
  default: 'GCP Bucket',
  description: 'A location where the attachments are stored (falls back to the local files root, behaviour.md 6).',
});

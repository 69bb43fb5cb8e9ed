import { type ActionSpec, param } from '../../kit/spec';
import { pollReplies, repliesAtTimeout, type WaitKind } from '../vote/wait';

/** Seed: Wait For Vote Email Results (DECISIONS 12). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'wait-for-vote-email-results',
  name: 'Wait For Vote Email Results',
  description: "Wait for the recipients' votes on an email sent with Send Vote Email.",
  params: [
    param('Vote Mail Sent From', {
      type: 'email',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The mailbox the vote mail was sent from; defaults to the Default Mailbox.',
    }),
    param('Mail ID', {
      type: 'string',
      required: true,
      description: 'The ID of the email (the `id` of the Send Vote Email JSON result).',
    }),
    param('Wait for All Recipients to Reply?', {
      type: 'boolean',
      required: false,
      default: true,
      description: 'If selected, the action waits for replies from all recipients until timeout; otherwise it proceeds with the first reply.',
    }),
    param('Wait Stage Exclude pattern', {
      type: 'string',
      required: false,
      description: 'A regular expression on the email body to exclude specific replies (e.g. automatic out-of-office messages).',
    }),
    param('Folder to Check for Reply', {
      type: 'list',
      required: false,
      default: ['Inbox'],
      description: 'A comma-separated list of mailbox folders to search for the user reply in.',
    }),
    param('Folder to Check for Sent Mail', {
      type: 'list',
      required: false,
      default: ['Sent Items'],
      description: 'A comma-separated list of mailbox folders to search for the sent vote mail in.',
    }),
    param('Fetch Response Attachments', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected and the reply contains attachments, they are posted to the thread.',
    }),
  ],
  async: true,
  messages: {
    success: [
      'Found the user EMAIL_RECIPIENT reply: USER_REPLY.',
      'Exceeded timeout to get a reply from user: EMAIL_RECIPIENT.',
    ],
    failure: [
      'Action failed to receive any replies until timeout.',
      'Failed to execute action, the error is: ERROR_REASON',
    ],
  },
  jsonResult: true,
  tables: [{ title: 'Matching Mails', columns: ['Mail ID', 'Received Date', 'Sender', 'Recipients', 'Subject'] }],
  // Reply attachments, titled `RECIPIENT_EMAIL reply attachment.` (DECISIONS 12).
  attachments: true,
  run: (ctx, params) => pollReplies(ctx, params, kind()),
  onTimeout: (ctx) => repliesAtTimeout(ctx, kind()),
};

function kind(): WaitKind {
  const [found, timeout] = spec.messages.success as [string, string];
  const [none, failed] = spec.messages.failure as [string, string];
  return { found, timeout, none, failed, vote: true };
}

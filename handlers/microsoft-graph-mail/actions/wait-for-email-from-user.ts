import { type ActionSpec, param } from '../../kit/spec';
import { pollReplies, repliesAtTimeout, type WaitKind } from '../vote/wait';

/** Seed: Wait For Email From User (DECISIONS 11, 12). Searches the mailbox the question was sent from. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'wait-for-email-from-user',
  name: 'Wait For Email From User',
  description: "Wait for the recipients' replies to an email sent with Send Email.",
  params: [
    param('Mail ID', {
      type: 'string',
      required: true,
      description: 'The ID of the email (the `id` or `internetMessageId` of the Send Email JSON result).',
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
      'Found the user EMAIL_RECIPIENT reply: USER_REPLY',
      'Timeout getting reply from user: EMAIL_RECIPIENT.',
    ],
    failure: [
      'Action failed to receive any replies until timeout.',
      'Failed to execute action, the error is: ERROR_REASON',
    ],
  },
  tables: [{ title: 'Matching Mails', columns: ['Mail ID', 'Received Date', 'Sender', 'Recipients', 'Subject'] }],
  // Reply attachments, titled `RECIPIENT_EMAIL reply attachment.` (DECISIONS 12).
  attachments: true,
  run: (ctx, params) => pollReplies(ctx, params, kind()),
  onTimeout: (ctx) => repliesAtTimeout(ctx, kind()),
};

function kind(): WaitKind {
  const [found, timeout] = spec.messages.success as [string, string];
  const [none, failed] = spec.messages.failure as [string, string];
  return { found, timeout, none, failed, vote: false };
}

import { type ActionSpec, param } from '../../kit/spec';
import { fetchResponseAttachments, replyWaitParams } from './params/wait';
import { pollReplies, repliesAtTimeout, type WaitKind } from '../vote/wait';

/** Seed: Wait For Email From User (behaviour.md 11, 12). Searches the mailbox the question was sent from. */
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
    ...replyWaitParams,
    fetchResponseAttachments,
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
  // Reply attachments, titled `RECIPIENT_EMAIL reply attachment.` (behaviour.md 12).
  attachments: true,
  run: (ctx, params) => pollReplies(ctx, params, kind()),
  onTimeout: (ctx) => repliesAtTimeout(ctx, kind()),
};

function kind(): WaitKind {
  const [found, timeout] = spec.messages.success as [string, string];
  const [none, failed] = spec.messages.failure as [string, string];
  return { found, timeout, none, failed, vote: false };
}

import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { fetchResponseAttachments, replyWaitParams } from './params/wait';
import { pollReplies, repliesAtTimeout, type WaitKind } from '../vote/wait';

const messages = {
  success: {
    found: 'Found the user EMAIL_RECIPIENT reply: USER_REPLY',
    timeout: 'Timeout getting reply from user: EMAIL_RECIPIENT.',
  },
  failure: {
    none: 'Action failed to receive any replies until timeout.',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

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
  messages,
  tables: [{ title: 'Matching Mails', columns: ['Mail ID', 'Received Date', 'Sender', 'Recipients', 'Subject'] }],
  // Reply attachments, titled `RECIPIENT_EMAIL reply attachment.` (behaviour.md 12).
  attachments: true,
  run: (ctx, params) => pollReplies(ctx, params, kind()),
  onTimeout: (ctx) => repliesAtTimeout(ctx, kind()),
};

function kind(): WaitKind {
  return { ...messages.success, ...messages.failure, vote: false };
}

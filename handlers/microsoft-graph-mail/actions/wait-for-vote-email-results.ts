import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { fetchResponseAttachments, replyWaitParams } from './params/wait';
import { pollReplies, repliesAtTimeout, type WaitKind } from '../vote/wait';

const messages = {
  success: {
    found: 'Found the user EMAIL_RECIPIENT reply: USER_REPLY.',
    timeout: 'Exceeded timeout to get a reply from user: EMAIL_RECIPIENT.',
  },
  failure: {
    none: 'Action failed to receive any replies until timeout.',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Wait For Vote Email Results (behaviour.md 12). */
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
    ...replyWaitParams,
    param('Folder to Check for Sent Mail', {
      type: 'list',
      required: false,
      default: ['Sent Items'],
      description: 'A comma-separated list of mailbox folders to search for the sent vote mail in.',
    }),
    fetchResponseAttachments,
  ],
  async: true,
  messages,
  jsonResult: true,
  tables: [{ title: 'Matching Mails', columns: ['Mail ID', 'Received Date', 'Sender', 'Recipients', 'Subject'] }],
  // Reply attachments, titled `RECIPIENT_EMAIL reply attachment.` (behaviour.md 12).
  attachments: true,
  run: (ctx, params) => pollReplies(ctx, params, kind()),
  onTimeout: (ctx) => repliesAtTimeout(ctx, kind()),
};

function kind(): WaitKind {
  return { ...messages.success, ...messages.failure, vote: true };
}

import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { attachmentsPaths, mailContent, replyToRecipients, sendFrom, subjectAndRecipients } from './params/send';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { GraphClient } from '../client';
import { loadAttachments } from '../attachment-paths';
import { graphMessage, sendingMailbox } from '../compose';
import type { Message } from '../lookup';
import { idempotentMessageId, mailboxPath, sendOnce } from '../send-once';

const messages = {
  success: { sent: 'Email was sent successfully.' },
  failure: {
    attachmentsMissing: 'Action failed to run because specified attachments were not found: ATTACHMENTS_LIST',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Send Email. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'send-email',
  name: 'Send Email',
  description: 'Send a plain text or HTML email from a mailbox to a list of recipients.',
  params: [
    sendFrom,
    ...subjectAndRecipients,
    attachmentsPaths,
    param('Mail Content Type', {
      type: 'enum',
      required: false,
      options: ['Text', 'HTML'],
      default: 'Text',
      description: 'The type of the email content.',
    }),
    mailContent,
    replyToRecipients,
  ],
  changesMail: true,
  messages,
  // behaviour.md 11: beyond the seed, the sent message's `id` and `internetMessageId`.
  jsonResult: true,
  async run(ctx, params) {
    const { sent } = messages.success;
    const { attachmentsMissing, failed } = messages.failure;
    try {
      const graph = new GraphClient(ctx);
      const mailbox = sendingMailbox(params['send-from']);
      const attachments = await loadAttachments(ctx.files, params['attachments-paths']);
      if (attachments.missing.length) return failure(fill(attachmentsMissing, { ATTACHMENTS_LIST: attachments.missing.join(', ') }));
      const message = await sendOnce({
        ctx,
        graph,
        mailbox,
        internetMessageId: idempotentMessageId(ctx, spec.id, mailbox),
        attachments: attachments.files,
        createDraft: (internetMessageId) =>
          // https://learn.microsoft.com/graph/api/user-post-messages
          graph.call<Message>(
            'POST',
            `${mailboxPath(mailbox)}/messages`,
            graphMessage(
              {
                subject: String(params.subject ?? ''),
                content: String(params['mail-content'] ?? ''),
                contentType: params['mail-content-type'] === 'HTML' ? 'html' : 'text',
                to: params['send-to'],
                cc: params.cc ?? [],
                bcc: params.bcc ?? [],
                replyTo: params['reply-to-recipients'] ?? [],
              },
              internetMessageId,
            ),
          ),
      });
      return success(sent, { json: { id: message.id, internetMessageId: message.internetMessageId } });
    } catch (err) {
      return failure(fill(failed, { ERROR_REASON: reasonOf(err) }));
    }
  },
};

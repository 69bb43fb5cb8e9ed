import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { attachmentsPaths, mailContent } from './params/send';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { GraphClient } from '../client';
import { loadAttachments } from '../attachment-paths';
import { graphMessage, sendingMailbox } from '../compose';
import type { Message } from '../lookup';
import { findOriginal } from '../original-message';
import { addressOf, recipients, sameAddress } from '../recipients';
import { idempotentMessageId, mailboxPath, sendOnce } from '../send-once';

/** Who a reply reaches: Reply All (priority), else Reply To, else the original's sender (its Reply-To header first). */
function replyAudience(original: Message, mailbox: string, replyAll: boolean, replyTo: string[]): string[] {
  const sender = (original.replyTo?.length ? original.replyTo.map(addressOf) : [addressOf(original.from ?? original.sender)]).filter(Boolean);
  if (replyAll) {
    const everyone = [...sender, ...(original.toRecipients ?? []).map(addressOf), ...(original.ccRecipients ?? []).map(addressOf)];
    return everyone.filter((a) => a && !sameAddress(a, mailbox));
  }
  if (replyTo.length) return replyTo;
  return sender.filter((a) => !sameAddress(a, mailbox));
}

const messages = {
  success: { replied: 'Successfully sent reply to the mail with ID: EMAIL_ID' },
  failure: {
    onlyOwnAddress:
      'Error executing action "Send Thread Reply". Reason: if you want to send a reply only to your own email address, you need to work with "Reply To" parameter.',
    mailNotFound: 'Error executing action "Send Thread Reply" because the provided mail id EMAIL_ID was not found.',
    attachmentsMissing: 'Action failed to run because specified attachments were not found: ATTACHMENTS_LIST',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Send Thread Reply. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'send-thread-reply',
  name: 'Send Thread Reply',
  description: 'Send a message as a reply to an email thread.',
  params: [
    param('Send From', {
      type: 'email',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The email address to send the reply from; defaults to the Default Mailbox.',
    }),
    param('Mail ID', {
      type: 'string',
      required: true,
      description: 'The email ID to search for.',
    }),
    param('Folder Name', {
      type: 'string',
      required: false,
      default: 'Inbox',
      description: 'A mailbox folder to execute the search in.',
    }),
    attachmentsPaths,
    mailContent,
    param('Reply All', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the reply goes to all recipients of the original email; it has priority over Reply To.',
    }),
    param('Reply To', {
      type: 'email-list',
      required: false,
      description: 'A comma-separated list of emails to send the reply to; with none and no Reply All, the original sender.',
    }),
  ],
  changesMail: true,
  messages,
  async run(ctx, params) {
    const { replied } = messages.success;
    const { onlyOwnAddress, mailNotFound, attachmentsMissing, failed } = messages.failure;
    const mailId = String(params['mail-id'] ?? '').trim();
    try {
      const graph = new GraphClient(ctx);
      const mailbox = sendingMailbox(params['send-from']);
      const attachments = await loadAttachments(ctx.files, params['attachments-paths']);
      if (attachments.missing.length) return failure(fill(attachmentsMissing, { ATTACHMENTS_LIST: attachments.missing.join(', ') }));
      const original = await findOriginal(graph, mailbox, String(params['folder-name']), mailId);
      if (!original) return failure(fill(mailNotFound, { EMAIL_ID: mailId }));
      const replyAll = params['reply-all'] === true;
      const replyTo = recipients(params['reply-to']).map(addressOf);
      if (!replyAudience(original, mailbox, replyAll, replyTo).length) return failure(onlyOwnAddress);
      await sendOnce({
        ctx,
        graph,
        mailbox,
        internetMessageId: idempotentMessageId(ctx, spec.id, mailbox),
        attachments: attachments.files,
        // https://learn.microsoft.com/graph/api/message-createreply and message-createreplyall:
        // a draft in the thread (In-Reply-To, References, the quoted original).
        createDraft: (internetMessageId) => {
          const {
            body: _body,
            subject: _subject,
            ...message
          } = graphMessage({ content: '', contentType: 'text', ...(!replyAll && replyTo.length ? { to: replyTo } : {}) }, internetMessageId);
          const op = replyAll ? 'createReplyAll' : 'createReply';
          return graph.call<Message>('POST', `${mailboxPath(mailbox)}/messages/${encodeURIComponent(original.id)}/${op}`, {
            comment: String(params['mail-content'] ?? ''),
            message,
          });
        },
      });
      return success(fill(replied, { EMAIL_ID: mailId }));
    } catch (err) {
      return failure(fill(failed, { ERROR_REASON: reasonOf(err) }));
    }
  },
};

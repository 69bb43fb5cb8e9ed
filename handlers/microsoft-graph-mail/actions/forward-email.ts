import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { attachmentsPaths, subjectAndRecipients } from './params/send';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { GraphClient } from '../client';
import { loadAttachments } from '../attachment-paths';
import { graphMessage, sendingMailbox } from '../compose';
import { FolderNotFoundError } from '../folders';
import type { Message } from '../lookup';
import { findOriginal } from '../original-message';
import { recipients } from '../recipients';
import { idempotentMessageId, mailboxPath, sendOnce } from '../send-once';

const messages = {
  success: { forwarded: 'Email with message ID MAIL_ID was forwarded successfully.' },
  failure: {
    mailNotFound: 'Error executing action "Forward Email" because the provided mail id EMAIL_ID was not found.',
    // behaviour.md 2: the seed says "Action failed to delete any emails" here (a typo).
    folderMissing: 'Action failed to forward the email because the provided mailbox folder name was not found in the mailbox(es): MAILBOX: MAILBOX_FOLDER',
    attachmentsMissing: 'Action failed to run because specified attachments were not found: ATTACHMENTS_LIST',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Forward Email. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'forward-email',
  name: 'Forward Email',
  description: 'Forward an email, including its previous thread, optionally from a mailbox other than the default one.',
  params: [
    param('Send From', {
      type: 'email',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The email address to send the email from; defaults to the Default Mailbox.',
    }),
    param('Folder Name', {
      type: 'string',
      required: false,
      default: 'Inbox',
      description: 'A mailbox folder to search an email in.',
    }),
    param('Mail ID', {
      type: 'string',
      required: true,
      description: 'The ID of the email to forward.',
    }),
    ...subjectAndRecipients,
    attachmentsPaths,
    param('Mail content', {
      type: 'code',
      required: true,
      description: 'The email body.',
    }),
  ],
  changesMail: true,
  messages,
  async run(ctx, params) {
    const { forwarded } = messages.success;
    const { mailNotFound, folderMissing, attachmentsMissing, failed } = messages.failure;
    const mailId = String(params['mail-id'] ?? '').trim();
    try {
      const graph = new GraphClient(ctx);
      const mailbox = sendingMailbox(params['send-from']);
      const attachments = await loadAttachments(ctx.files, params['attachments-paths']);
      if (attachments.missing.length) return failure(fill(attachmentsMissing, { ATTACHMENTS_LIST: attachments.missing.join(', ') }));
      const original = await findOriginal(graph, mailbox, String(params['folder-name']), mailId);
      if (!original) return failure(fill(mailNotFound, { EMAIL_ID: mailId }));
      await sendOnce({
        ctx,
        graph,
        mailbox,
        internetMessageId: idempotentMessageId(ctx, spec.id, mailbox),
        attachments: attachments.files,
        // https://learn.microsoft.com/graph/api/message-createforward: a draft that quotes the thread
        // and carries the original's attachments.
        createDraft: (internetMessageId) => {
          const { body: _body, ...message } = graphMessage(
            { subject: String(params.subject ?? ''), content: '', contentType: 'text', cc: params.cc ?? [], bcc: params.bcc ?? [] },
            internetMessageId,
          );
          return graph.call<Message>('POST', `${mailboxPath(mailbox)}/messages/${encodeURIComponent(original.id)}/createForward`, {
            toRecipients: recipients(params['send-to']),
            comment: String(params['mail-content'] ?? ''),
            message,
          });
        },
      });
      return success(fill(forwarded, { MAIL_ID: mailId }));
    } catch (err) {
      // MAILBOX_FOLDER first: fill() replaces in order and MAILBOX is a prefix of it.
      if (err instanceof FolderNotFoundError) return failure(fill(folderMissing, { MAILBOX_FOLDER: err.folder, MAILBOX: err.mailbox }));
      return failure(fill(failed, { ERROR_REASON: reasonOf(err) }));
    }
  },
};

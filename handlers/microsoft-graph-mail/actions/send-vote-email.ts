import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { attachmentLocation, mailContent, replyToRecipients, sendFrom, subjectAndRecipients, templatedAttachmentsPaths } from './params/send';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { loadAttachments } from '../attachment-paths';
import { GraphClient } from '../client';
import { graphMessage, sendingMailbox } from '../compose';
import { bucketFallbackNote } from '../destination';
import { loadTemplate } from '../html-templates';
import type { Message } from '../lookup';
import { idempotentMessageId, mailboxPath, sendOnce } from '../send-once';
import { voteOptions, voteRef } from '../vote/options';
import { voteMailHtml } from '../vote/vote-html';

const messages = {
  success: { sent: 'Email was sent successfully.' },
  failure: {
    noTemplate: 'Action failed to run because the HTML template was not specified.',
    attachmentsMissing: 'Action failed to run because the following specified attachments were not found: ATTACHMENT_LIST',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Send Vote Email. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'send-vote-email',
  name: 'Send Vote Email',
  description: 'Send an email with predefined answering options (Yes/No or Approve/Reject), formatted with an HTML template.',
  params: [
    sendFrom,
    ...subjectAndRecipients,
    templatedAttachmentsPaths,
    param('Email HTML Template', {
      type: 'enum',
      required: true,
      // See send-email-html.ts: the SOAR platform's dynamic template list has no counterpart here.
      options: ['Email HTML Template'],
      default: 'Email HTML Template',
      description: 'The HTML template to use.',
    }),
    mailContent,
    replyToRecipients,
    param('Structure of voting options', {
      type: 'enum',
      required: true,
      options: ['Yes/No', 'Approve/Reject'],
      default: 'Yes/No',
      description: 'The structure of the vote to send to recipients.',
    }),
    attachmentLocation,
  ],
  changesMail: true,
  messages,
  jsonResult: true,
  async run(ctx, params) {
    const { sent } = messages.success;
    const { noTemplate, attachmentsMissing, failed } = messages.failure;
    try {
      const templateName = String(params['email-html-template'] ?? '').trim();
      if (!templateName) return failure(noTemplate);
      const template = await loadTemplate(ctx.files.root, templateName);
      const graph = new GraphClient(ctx);
      const mailbox = sendingMailbox(params['send-from']);
      const attachments = await loadAttachments(ctx.files, params['attachments-paths']);
      if (attachments.missing.length) return failure(fill(attachmentsMissing, { ATTACHMENT_LIST: attachments.missing.join(', ') }));
      const subject = String(params.subject ?? '');
      const options = voteOptions(params['structure-of-voting-options']);
      const message = await sendOnce({
        ctx,
        graph,
        mailbox,
        internetMessageId: idempotentMessageId(ctx, spec.id, mailbox),
        attachments: attachments.files,
        // The vote links carry a reference to this very mail, so the id is known before it exists.
        createDraft: (internetMessageId) =>
          // https://learn.microsoft.com/graph/api/user-post-messages
          graph.call<Message>(
            'POST',
            `${mailboxPath(mailbox)}/messages`,
            graphMessage(
              {
                subject,
                content: voteMailHtml(template, subject, String(params['mail-content'] ?? ''), {
                  replyAddress: mailbox,
                  subject,
                  options,
                  ref: voteRef(internetMessageId),
                  internetMessageId,
                }),
                contentType: 'html',
                to: params['send-to'],
                cc: params.cc ?? [],
                bcc: params.bcc ?? [],
                replyTo: params['reply-to-recipients'] ?? [],
              },
              internetMessageId,
            ),
          ),
      });
      const note = attachments.files.length ? bucketFallbackNote(ctx, params['attachment-location'], 'read the attachments from') : null;
      const { '@odata.context': _context, '@odata.etag': _etag, ...json } = message;
      return success([sent, note].filter(Boolean).join('\n'), { json });
    } catch (err) {
      return failure(fill(failed, { ERROR_REASON: reasonOf(err) }));
    }
  },
};

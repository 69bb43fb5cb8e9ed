import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { attachmentLocation, mailContent, replyToRecipients, sendFrom, subjectAndRecipients, templatedAttachmentsPaths } from './params/send';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { GraphClient } from '../client';
import { loadAttachments } from '../attachment-paths';
import { graphMessage, sendingMailbox } from '../compose';
import { BUILT_IN_TEMPLATE, loadTemplate, renderTemplate } from '../html-templates';
import type { Message } from '../lookup';
import { idempotentMessageId, mailboxPath, sendOnce } from '../send-once';
import { bucketFallbackNote } from '../destination';

const messages = {
  success: { sent: 'Email was sent successfully.' },
  failure: {
    noTemplate: 'Action failed to run because the HTML template was not specified.',
    attachmentsMissing: 'Action failed to run because the following specified attachments were not found: ATTACHMENT_LIST',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Send Email HTML. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'send-email-html',
  name: 'Send Email HTML',
  description: 'Send an email formatted with an HTML template from a mailbox to a list of recipients.',
  params: [
    sendFrom,
    ...subjectAndRecipients,
    templatedAttachmentsPaths,
    param('Email HTML Template', {
      // Free text, not an enum: besides the built-in template, the seed's "dynamically generated
      // list of available templates" is every *.html file in the files root's templates/ folder.
      type: 'string',
      required: true,
      default: BUILT_IN_TEMPLATE,
      description: 'The HTML template to use: Email HTML Template (built in) or the name of an .html file in the templates folder of the files root.',
    }),
    mailContent,
    replyToRecipients,
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
                subject,
                content: renderTemplate(template, { subject, content: String(params['mail-content'] ?? '') }),
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

import type { ActionContext } from '../../kit/context';
import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success, type ResultFile } from '../../kit/outcome';
import { safeFileName } from '../../../lib/files';
import { GraphClient } from '../client';
import { findMatching } from '../criteria';
import { DownloadFolder } from '../download-folder';
import { FolderNotFoundError, resolveFolder } from '../folders';
import type { Message } from '../lookup';
import { isMailboxNotFound, listParam } from '../mailboxes';
import { messageAttachments, messageMime, savedNameOf } from '../message-attachments';

const messages = {
  success: {
    emailSaved: 'Email successfully saved!',
    attachmentsSaved: 'Successfully saved the following attachments: ATTACHMENTS_LIST',
    attachmentsMissing: 'The following attachments were not found in email with mail id: EMAIL_ID: ATTACHMENTS_LIST',
  },
  failure: {
    mailboxMissing: 'Mailbox MAILBOX_NAME was not found.',
    folderMissing: 'Action failed to run because the provided mailbox folder name MAILBOX_FOLDER was not found in the mailbox MAILBOX_NAME',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Save Email To The Case. The case wall is the chat thread (files: `<subject>.eml`, behaviour.md 15). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'save-email-to-the-case',
  name: 'Save Email To The Case',
  description: 'Save emails, or only their attachments, to the thread as files.',
  params: [
    param('Search In Mailbox', {
      type: 'email',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The mailbox to execute the search operation in; defaults to the Default Mailbox.',
    }),
    param('Folder Name', {
      type: 'string',
      required: false,
      default: 'Inbox',
      description: 'A mailbox folder to execute the search in.',
    }),
    param('Mail ID', {
      type: 'list',
      required: true,
      description: 'The email ID to search for; accepts a comma-separated list of email IDs.',
    }),
    param('Save Only Email Attachments', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the action saves only attachments from the specified email.',
    }),
    param('Attachment To Save', {
      type: 'list',
      required: false,
      description: 'With Save Only Email Attachments, only the attachments named here (comma-separated) are saved.',
    }),
  ],
  messages,
  // behaviour.md 15: with several Mail IDs, the JSON result is a list.
  jsonResult: true,
  attachments: true,
  run: (ctx, params) => run(ctx, params),
};

/** behaviour.md 15: `<subject>.eml`, sanitised, 100 characters at most. */
export function emlFileName(subject: string | null | undefined): string {
  const stem = (subject ?? '').replace(/[\\/]/g, '_').trim() || 'email';
  return safeFileName(`${stem}.eml`, 100);
}

async function run(ctx: ActionContext, params: Record<string, unknown>) {
  const { emailSaved, attachmentsSaved, attachmentsMissing } = messages.success;
  const { mailboxMissing, folderMissing, failed } = messages.failure;
  const graph = new GraphClient(ctx);
  const mailbox = String(params['search-in-mailbox'] ?? '').trim();
  const ids = listParam(params['mail-id'], /,/);
  const onlyAttachments = params['save-only-email-attachments'] === true;
  const wanted = listParam(params['attachment-to-save'], /,/);
  try {
    if (!mailbox) throw new Error('no mailbox given and the integration has no Default Mailbox.');
    if (!ids.length) throw new Error('Mail ID needs at least one email ID.');
    const folder = await resolveFolder(graph, mailbox, String(params['folder-name']));
    const { messages, missingIds } = await findMatching(graph, mailbox, folder, { mailIds: ids, onlyUnread: false });
    // behaviour.md 38: unknown ids, one line each; none found at all: the seed's search failure.
    const idLines = missingIds.map((id) => `Failed to find email with ID ${id}`);
    if (!messages.length) return failure(['Failed to find any emails based on provided parameters!', ...idLines].join('\n'));

    const dir = `jobs/${safeFileName(ctx.job.id)}`;
    const target = new DownloadFolder(ctx.files.root, ctx.files.resolve(dir), dir);
    const files: ResultFile[] = [];
    const json: Array<Record<string, unknown>> = [];
    const lines: string[] = [];
    if (!onlyAttachments) {
      for (const m of messages) {
        const path = await target.save(emlFileName(m.subject), await messageMime(graph, mailbox, m.id));
        files.push({ name: path.split('/').pop() as string, path, title: m.subject || m.id });
        json.push(emlJson(m, path));
      }
      lines.push(emailSaved);
    } else {
      const saved: string[] = [];
      for (const m of messages) {
        const attachments = await messageAttachments(graph, mailbox, m.id);
        const chosen = wanted.length ? attachments.filter((a) => wanted.some((w) => w.toLowerCase() === a.name.toLowerCase())) : attachments;
        const absent = wanted.filter((w) => !attachments.some((a) => a.name.toLowerCase() === w.toLowerCase()));
        for (const a of chosen) {
          const path = await target.save(savedNameOf(a), a.data);
          files.push({ name: path.split('/').pop() as string, path, title: a.name });
          saved.push(a.name);
        }
        if (absent.length) lines.push(fill(attachmentsMissing, { EMAIL_ID: m.id, ATTACHMENTS_LIST: absent.join(', ') }));
        json.push(emlJson(m, null));
      }
      if (saved.length) lines.unshift(fill(attachmentsSaved, { ATTACHMENTS_LIST: saved.join(', ') }));
      else if (!lines.length) lines.push(fill(failed, { ERROR_REASON: 'the emails have no attachments to save.' }));
    }
    const ok = files.length > 0;
    const text = [...lines, ...idLines].join('\n');
    return ok ? success(text, { json, files }) : failure(text, { json });
  } catch (err) {
    if (err instanceof FolderNotFoundError) return failure(fill(folderMissing, { MAILBOX_FOLDER: err.folder, MAILBOX_NAME: err.mailbox }));
    if (isMailboxNotFound(err)) return failure(fill(mailboxMissing, { MAILBOX_NAME: mailbox }));
    return failure(fill(failed, { ERROR_REASON: reasonOf(err) }));
  }
}

/** The seed's JSON: the mail's properties, `eml_info` the saved file's path in the files root. */
function emlJson(m: Message, path: string | null): Record<string, unknown> {
  const { '@odata.context': _c, '@odata.etag': _e, id, createdDateTime, ...rest } = m;
  // The seed's order: id, createdDateTime, eml_info, then the rest.
  return { id, createdDateTime, eml_info: path, ...rest };
}

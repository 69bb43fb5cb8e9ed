import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { ActionContext } from '../../kit/context';
import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { reasonOf, UserError } from '../../kit/errors';
import { failure, fill, success, type ResultFile } from '../../kit/outcome';
import { GraphClient } from '../client';
import { criteriaFrom, findMatching, type MailCriteria } from '../criteria';
import { bucketFallbackNote } from '../destination';
import { DownloadFolder } from '../download-folder';
import { resolveFolder } from '../folders';
import { batchSizeParam, failureReasons, forEachMailbox, mailboxList } from '../mailboxes';
import { isEmailFile, messageAttachments, savedNameOf } from '../message-attachments';
import { mailboxBatchSize, mailIdsFilter, searchInMailboxes, senderFilter, subjectFilter } from './params/selection';

/** Mails read per mailbox when no Mail IDs are given (newest first). */
const MAX_MAILS_PER_MAILBOX = 100;
/** Mails whose attachments are fetched at once per mailbox (Outlook serves 4 requests per mailbox). */
const MAILS_AT_ONCE = 4;
/** Files posted in the thread; all of them are in the files root. */
const MAX_POSTED_FILES = 25;
/** Attached mails inside attached mails, followed this deep. */
const MAX_EML_DEPTH = 3;

const messages = {
  success: {
    downloaded: 'Downloaded NUMBER_OF_ATTACHMENTS attachments. Files: PATHS.',
    idsMissing: 'Failed to find emails in MAILBOX with the following mail ids: EMAIL_IDS.',
    // behaviour.md 2: the seed ends this one with "LIST_OF_EMAIL_IDS attachments." (a typo).
    noAttachments:
      'In the mailboxes listed below, emails were found, but there were no attachments to download. Affected mailboxes: MAILBOXES. Mail IDs without attachments to download: LIST_OF_EMAIL_IDS.',
  },
  failure: {
    noEmails: 'Failed to find any emails using the provided criteria!',
    noMailboxes: 'Failed to find any of the provided mailboxes: MAILBOXES',
    folderMissing: 'Action failed to run because the provided mailbox folder name FOLDER_NAME was not found in the mailbox MAILBOX.',
    failed: 'Error executing action. Reason: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Download Attachments From Email. Files go under the files root (behaviour.md 6, 32). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'download-attachments-from-email',
  name: 'Download Attachments From Email',
  description: 'Download attachments from emails based on the criteria provided.',
  params: [
    searchInMailboxes,
    param('Folder Name', {
      type: 'string',
      required: true,
      default: 'Inbox',
      description: 'A mailbox folder to execute the search in.',
    }),
    param('Download Destination', {
      type: 'enum',
      required: true,
      options: ['GCP Bucket', 'Local File System'],
      default: 'GCP Bucket',
      description: 'A destination to save the downloaded attachments to (falls back to the local files root, behaviour.md 6).',
    }),
    param('Download Path', {
      type: 'string',
      required: true,
      description: 'A path to download attachments to, in the Unix-like format, such as /tmp/test (inside the files root).',
    }),
    mailIdsFilter,
    subjectFilter,
    senderFilter,
    param('Download Attachments from EML', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the action downloads attachments from EML files.',
    }),
    param('Download Attachments to unique path?', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the action downloads attachments to a unique path to avoid overwriting previously downloaded attachments.',
    }),
    mailboxBatchSize,
  ],
  messages,
  jsonResult: true,
  run: (ctx, params) => run(ctx, params),
};

interface Downloaded {
  attachment_name: string;
  downloaded_path: string;
}

interface MailboxDownload {
  found: number;
  missingIds: string[];
  withoutAttachments: string[];
  files: Downloaded[];
}

interface DownloadRequest {
  folder: string;
  criteria: MailCriteria;
  fromEml: boolean;
  target: DownloadFolder;
}

/** The attachments of an attached mail (and of mails attached to it), as mailparser finds them. */
async function attachmentsInEml(data: Buffer, depth = 1): Promise<Array<{ name: string; data: Buffer }>> {
  const mail = await simpleParser(data, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const out: Array<{ name: string; data: Buffer }> = [];
  for (const a of mail.attachments) {
    const name = a.filename ?? (a.contentType === 'message/rfc822' ? 'attached message.eml' : 'attachment');
    out.push({ name, data: a.content });
    if (depth < MAX_EML_DEPTH && isEmailFile({ name, contentType: a.contentType })) out.push(...(await attachmentsInEml(a.content, depth + 1)));
  }
  return out;
}

async function downloadMailbox(graph: GraphClient, mailbox: string, req: DownloadRequest): Promise<MailboxDownload> {
  const folder = await resolveFolder(graph, mailbox, req.folder);
  const found = await findMatching(graph, mailbox, folder, req.criteria, {
    max: req.criteria.mailIds.length ? undefined : MAX_MAILS_PER_MAILBOX,
    select: ['id', 'subject', 'hasAttachments'],
  });
  const out: MailboxDownload = { found: found.messages.length, missingIds: found.missingIds, withoutAttachments: [], files: [] };
  for (let i = 0; i < found.messages.length; i += MAILS_AT_ONCE) {
    const chunk = found.messages.slice(i, i + MAILS_AT_ONCE);
    const fetched = await Promise.all(chunk.map((m) => (m.hasAttachments === false ? Promise.resolve([]) : messageAttachments(graph, mailbox, m.id))));
    // Saved in mail order, so that names that collide get their (2), (3) the same way every run.
    for (const [k, m] of chunk.entries()) {
      const attachments = fetched[k] ?? [];
      if (!attachments.length) {
        out.withoutAttachments.push(m.id);
        continue;
      }
      for (const a of attachments) {
        out.files.push({ attachment_name: a.name, downloaded_path: await req.target.save(savedNameOf(a), a.data) });
        if (req.fromEml && isEmailFile(a)) {
          for (const inner of await attachmentsInEml(a.data))
            out.files.push({ attachment_name: inner.name, downloaded_path: await req.target.save(inner.name, inner.data) });
        }
      }
    }
  }
  return out;
}

async function run(ctx: ActionContext, params: Record<string, unknown>) {
  const { downloaded, idsMissing, noAttachments } = messages.success;
  const { noEmails, noMailboxes, folderMissing, failed } = messages.failure;
  let req: DownloadRequest;
  try {
    const path = String(params['download-path'] ?? '').trim();
    if (!path) throw new UserError('Download Path needs a value, e.g. downloads/case-42.');
    const unique = params['download-attachments-to-unique-path'] === true;
    // A unique path: a folder of this job's own under the Download Path (the same on a re-run).
    // The path the user typed is checked first, so a refusal names it (not the job's folder under it).
    const base = ctx.files.resolve(path);
    const dir = unique ? ctx.files.resolve(join(path, ctx.job.id)) : base;
    req = {
      folder: String(params['folder-name']),
      criteria: criteriaFrom(params),
      fromEml: params['download-attachments-from-eml'] === true,
      target: new DownloadFolder(ctx.files.root, dir, path),
    };
    await req.target.prepare();
  } catch (err) {
    return failure(fill(failed, { ERROR_REASON: reasonOf(err) }));
  }
  const mailboxes = mailboxList(params['search-in-mailbox']);
  if (!mailboxes.length) return failure(fill(failed, { ERROR_REASON: 'no mailbox given and the integration has no Default Mailbox.' }));
  const graph = new GraphClient(ctx);
  const outcomes = await forEachMailbox(
    ctx,
    mailboxes,
    batchSizeParam(params['how-many-mailboxes-to-process-in-a-single-batch']),
    (mb) => downloadMailbox(graph, mb, req),
    'Searched',
  );

  const files: Downloaded[] = [];
  const idLines: string[] = [];
  const bare: Array<{ mailbox: string; ids: string[] }> = [];
  const notFound: string[] = [];
  const folderLines: string[] = [];
  let found = 0;
  for (const o of outcomes) {
    if (o.kind === 'done') {
      found += o.value.found;
      files.push(...o.value.files);
      if (o.value.missingIds.length) idLines.push(fill(idsMissing, { MAILBOX: o.mailbox, EMAIL_IDS: o.value.missingIds.join(', ') }));
      if (o.value.withoutAttachments.length) bare.push({ mailbox: o.mailbox, ids: o.value.withoutAttachments });
    } else if (o.kind === 'not-found') notFound.push(o.mailbox);
    // FOLDER_NAME first: fill() replaces in order.
    else if (o.kind === 'folder-missing') folderLines.push(fill(folderMissing, { FOLDER_NAME: o.folder, MAILBOX: o.mailbox }));
  }
  if (notFound.length === mailboxes.length) return failure(fill(noMailboxes, { MAILBOXES: notFound.join(', ') }));
  const problems = [
    ...notFound.map((m) => `Mailbox ${m} was not found.`),
    ...folderLines,
    ...failureReasons(outcomes).map((r) => fill(failed, { ERROR_REASON: r })),
  ];
  if (found === 0) {
    const searched = outcomes.some((o) => o.kind === 'done');
    return failure([...(searched ? [noEmails] : []), ...problems].join('\n'));
  }
  const lines: string[] = [];
  if (files.length) {
    lines.push(fill(downloaded, { NUMBER_OF_ATTACHMENTS: files.length, PATHS: files.map((f) => f.downloaded_path).join(', ') }));
    const note = bucketFallbackNote(ctx, params['download-destination'], 'saved the attachments to');
    if (note) lines.push(note);
  }
  lines.push(...idLines);
  if (bare.length) {
    lines.push(fill(noAttachments, { MAILBOXES: bare.map((b) => b.mailbox).join(', '), LIST_OF_EMAIL_IDS: bare.flatMap((b) => b.ids).join(', ') }));
  }
  const posted: ResultFile[] = files
    .slice(0, MAX_POSTED_FILES)
    .map((f) => ({ name: f.downloaded_path.split('/').pop() as string, path: f.downloaded_path, title: f.attachment_name }));
  if (files.length > MAX_POSTED_FILES)
    lines.push(`The first ${MAX_POSTED_FILES} of ${files.length} files are posted in the thread; all of them are in the files root.`);
  return success([...lines, ...problems].join('\n'), { json: files, files: posted });
}

import type { ActionContext } from '../../kit/context';
import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { searchInMailboxes } from './params/selection';
import { reasonOf, UserError } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { safeFileName } from '../../../lib/files';
import { attachedMailType, readEml, readMsg, readIcs, type AttachedMailData } from '../attached-mail';
import { GraphClient } from '../client';
import { findMatching } from '../criteria';
import { DownloadFolder } from '../download-folder';
import { resolveFolder } from '../folders';
import { batchSizeParam, failureReasons, forEachMailbox, listParam, mailboxList } from '../mailboxes';
import { messageAttachments, savedNameOf } from '../message-attachments';
import { compileRegexMap, type RegexMap } from '../regex-map';

const messages = {
  success: {
    extracted: 'Extracted data from ATTACHMENT_NAMES attached email files. Files: PATHS',
    idsMissing: 'Failed to find emails in MAILBOX with the following mail ids: MAIL_ID_LIST',
  },
  failure: {
    noEmails: 'Failed to find any emails using the provided criteria!',
    noMailboxes: 'Failed to find any of the provided mailboxes: MAILBOX_LIST',
    folderMissing: 'Action failed to run because the provided mailbox folder name MAILBOX_FOLDER was not found in the mailbox MAILBOX',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Extract Data From Attached EML (.eml, .msg and .ics attachments). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'extract-data-from-attached-eml',
  name: 'Extract Data From Attached EML',
  description: 'Retrieve data from the EML, MSG and ICS attachments of emails and return it in the action results.',
  params: [
    searchInMailboxes,
    param('Folder Name', {
      type: 'string',
      required: false,
      default: 'Inbox',
      description: 'A mailbox folder to execute the search in.',
    }),
    param('Mail IDs', {
      type: 'list',
      required: true,
      description: 'A comma-separated list of email IDs to search for.',
    }),
    param('Regex Map JSON', {
      type: 'json',
      required: false,
      description: 'A JSON object of name to regular expression, applied to the attached email file to add keys to the JSON result (behaviour.md 16).',
    }),
  ],
  messages,
  jsonResult: true,
  run: (ctx, params) => run(ctx, params),
};

interface Extracted {
  data: AttachedMailData[];
  paths: string[];
  missingIds: string[];
  found: number;
  unreadable: string[];
}

async function extractMailbox(
  graph: GraphClient,
  mailbox: string,
  folderPath: string,
  ids: string[],
  map: RegexMap,
  target: DownloadFolder,
): Promise<Extracted> {
  const folder = await resolveFolder(graph, mailbox, folderPath);
  const found = await findMatching(graph, mailbox, folder, { mailIds: ids, onlyUnread: false }, { select: ['id', 'hasAttachments'] });
  const out: Extracted = { data: [], paths: [], missingIds: found.missingIds, found: found.messages.length, unreadable: [] };
  for (const m of found.messages) {
    if (m.hasAttachments === false) continue;
    for (const a of await messageAttachments(graph, mailbox, m.id)) {
      const type = attachedMailType(a);
      if (!type) continue;
      const base = { id: m.id, name: a.name };
      if (type === 'MSG') {
        try {
          out.data.push(readMsg(a.data, base, map));
        } catch {
          out.unreadable.push(a.name);
          continue;
        }
      } else out.data.push(type === 'EML' ? await readEml(a.data, base, map) : readIcs(a.data, base, map));
      out.paths.push(await target.save(savedNameOf(a), a.data));
    }
  }
  return out;
}

async function run(ctx: ActionContext, params: Record<string, unknown>) {
  const { extracted, idsMissing } = messages.success;
  const { noEmails, noMailboxes, folderMissing, failed } = messages.failure;
  let map: RegexMap;
  let target: DownloadFolder;
  const ids = listParam(params['mail-ids'], /,/);
  try {
    if (!ids.length) throw new UserError('Mail IDs needs at least one email ID.');
    map = compileRegexMap(params['regex-map-json']);
    const dir = `jobs/${safeFileName(ctx.job.id)}/attached-mail`;
    target = new DownloadFolder(ctx.files.root, ctx.files.resolve(dir), dir);
  } catch (err) {
    return failure(fill(failed, { ERROR_REASON: reasonOf(err) }));
  }
  const mailboxes = mailboxList(params['search-in-mailbox']);
  if (!mailboxes.length) return failure(fill(failed, { ERROR_REASON: 'no mailbox given and the integration has no Default Mailbox.' }));
  const graph = new GraphClient(ctx);
  const folder = String(params['folder-name']);
  const outcomes = await forEachMailbox(ctx, mailboxes, batchSizeParam(undefined), (mb) => extractMailbox(graph, mb, folder, ids, map, target), 'Searched');

  const data: AttachedMailData[] = [];
  const paths: string[] = [];
  const unreadable: string[] = [];
  const idLines: string[] = [];
  const notFound: string[] = [];
  const folderLines: string[] = [];
  let found = 0;
  for (const o of outcomes) {
    if (o.kind === 'done') {
      found += o.value.found;
      data.push(...o.value.data);
      paths.push(...o.value.paths);
      unreadable.push(...o.value.unreadable);
      if (o.value.missingIds.length) idLines.push(fill(idsMissing, { MAILBOX: o.mailbox, MAIL_ID_LIST: o.value.missingIds.join(', ') }));
    } else if (o.kind === 'not-found') notFound.push(o.mailbox);
    // MAILBOX_FOLDER first: fill() replaces in order and MAILBOX is a prefix of it.
    else if (o.kind === 'folder-missing') folderLines.push(fill(folderMissing, { MAILBOX_FOLDER: o.folder, MAILBOX: o.mailbox }));
  }
  if (notFound.length === mailboxes.length) return failure(fill(noMailboxes, { MAILBOX_LIST: notFound.join(', ') }));
  const problems = [
    ...notFound.map((m) => `Mailbox ${m} was not found.`),
    ...folderLines,
    ...failureReasons(outcomes).map((r) => fill(failed, { ERROR_REASON: r })),
    ...(unreadable.length ? [fill(failed, { ERROR_REASON: `these attached MSG files could not be read: ${unreadable.join(', ')}` })] : []),
  ];
  if (found === 0) {
    const searched = outcomes.some((o) => o.kind === 'done');
    return failure([...(searched ? [noEmails] : []), ...problems].join('\n'));
  }
  if (!data.length) {
    const none = fill(failed, { ERROR_REASON: 'the emails found have no attached email files (.eml, .msg or .ics).' });
    return failure([...idLines, ...problems, ...(unreadable.length ? [] : [none])].join('\n'));
  }
  const head = fill(extracted, { ATTACHMENT_NAMES: data.map((d) => d.name).join(', '), PATHS: paths.join(', ') });
  return success([head, ...idLines, ...problems].join('\n'), { json: data });
}

import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { mailboxBatchSize, onlyUnread, searchInMailboxes, senderFilter, subjectFilter, timeFrame } from './params/selection';
import type { ActionContext } from '../../kit/context';
import { reasonOf } from '../../kit/errors';
import { failure, fill, type JsonResultFile, success } from '../../kit/outcome';
import { GraphClient } from '../client';
import { criteriaFrom, findMatching, type Found, type MailCriteria, type MatchQuery, matchQuery } from '../criteria';
import { folderParts, type ResolvedFolder, resolveFolder, wellKnownName } from '../folders';
import { batchSizeParam, eachMailbox, failureReasons, type MailboxOutcome, mailboxCounts, mailboxList } from '../mailboxes';
import { JSON_HEAD_CHARS, MatchingMailsFile, matchingMailsRows, TABLE_FIELDS } from '../mail-table';

/** The JSON result's file in the job's folder (behaviour.md 9), posted in the thread. */
const RESULT_FILE = 'matching-mails.json';
/** A mailbox's outcome, as kept for the message (0: not in yet). */
const KIND = { done: 1, 'not-found': 2, 'folder-missing': 3, failed: 4 } as const;

export interface SearchRequest {
  folder: string;
  criteria: MailCriteria;
  /** Per mailbox; undefined → Graph's default page (behaviour.md 9). */
  max?: number;
  allFields: boolean;
}

/** What a search of many mailboxes works out once: the query and, for a lone well-known folder, the folder. */
export interface PreparedSearch {
  query?: MatchQuery;
  folder?: ResolvedFolder;
}

/** Searches one mailbox: resolves the folder, then lists the matches. */
export function searchMailbox(graph: GraphClient, mailbox: string, req: SearchRequest, prepared: PreparedSearch = {}): Promise<Found> {
  // No suspended frame of its own when the folder is known: one of these per mailbox is in flight.
  if (prepared.folder) return findMatching(graph, mailbox, prepared.folder, req.criteria, findOptions(req), prepared.query);
  return resolveFolder(graph, mailbox, req.folder).then((folder) => findMatching(graph, mailbox, folder, req.criteria, findOptions(req), prepared.query));
}

function findOptions(req: SearchRequest) {
  return { max: req.max, select: req.allFields ? undefined : TABLE_FIELDS };
}

/**
 * The parts of every mailbox's search that do not depend on the mailbox. A lone well-known folder
 * (`Inbox`) costs no request (folders.ts), so it is resolved once; a folder path is resolved in
 * each mailbox.
 */
async function prepare(graph: GraphClient, mailboxes: string[], req: SearchRequest): Promise<PreparedSearch> {
  const query = req.criteria.mailIds.length ? undefined : matchQuery(req.criteria, findOptions(req));
  const parts = folderParts(req.folder);
  const lone = parts.length <= 1 && wellKnownName(parts[0] ?? 'Inbox') !== undefined;
  return { query, folder: lone ? await resolveFolder(graph, mailboxes[0] as string, req.folder) : undefined };
}

function maxParam(value: unknown): number | undefined {
  if (value === undefined || value === null || String(value).trim() === '') return undefined;
  const n = Math.floor(Number(value));
  if (!Number.isFinite(n) || n < 1) throw new Error(`Max Emails To Return must be at least 1, got ${String(value)}.`);
  return n;
}

const messages = {
  success: {
    found: 'Successfully found emails in the following mailboxes: MAILBOX: FOUND_EMAILS_NUMBER',
    mailboxMissing: 'Mailbox MAILBOX was not found.',
  },
  failure: {
    noEmails: 'Action was not able to find any emails based on the specified search criteria.',
    noMailboxes: 'Failed to find any of the provided mailboxes: MAILBOX_LIST',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Search Emails (behaviour.md 9, 10). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'search-emails',
  name: 'Search Emails',
  description: 'Search emails in the default mailbox, or other mailboxes, based on the provided search criteria.',
  params: [
    searchInMailboxes,
    param('Folder Name', {
      type: 'string',
      required: true,
      default: 'Inbox',
      description: 'A mailbox folder to execute the search in.',
    }),
    // Not in the seed's Search Emails inputs; behaviour.md 9 gives Search Emails a Mail IDs filter
    // (matching `id` or `internetMessageId`) that overrides every other filter.
    param('Mail IDs', {
      type: 'list',
      required: false,
      description: 'Comma-separated email IDs or internetMessageId values; when given, every other filter is ignored.',
    }),
    subjectFilter,
    senderFilter,
    timeFrame,
    param('Max Emails To Return', {
      type: 'integer',
      required: false,
      description: 'The number of emails to return per mailbox; with no value, the API default (10) is used.',
    }),
    onlyUnread,
    param('Select All Fields For Return', {
      type: 'boolean',
      required: false,
      default: false,
      description: 'If selected, the action returns all available fields for the obtained email.',
    }),
    mailboxBatchSize,
  ],
  messages,
  // behaviour.md 9: the found mails are attached as a JSON file (beyond the seed).
  jsonResult: true,
  tables: [{ title: 'Matching Mails', columns: ['Mail ID', 'Subject', 'Sender', 'Receivers', 'Received Date'] }],
  run: (ctx, params) => run(ctx, params),
};

async function run(ctx: ActionContext, params: Record<string, unknown>) {
  const { mailboxMissing } = messages.success;
  const { noEmails, noMailboxes, failed } = messages.failure;
  let req: SearchRequest;
  try {
    req = {
      folder: String(params['folder-name']),
      criteria: criteriaFrom(params),
      max: maxParam(params['max-emails-to-return']),
      allFields: params['select-all-fields-for-return'] === true,
    };
  } catch (err) {
    return failure(fill(failed, { ERROR_REASON: reasonOf(err) }));
  }
  const mailboxes = mailboxList(params['search-in-mailbox']);
  if (!mailboxes.length) return failure(fill(failed, { ERROR_REASON: 'no mailbox given and the integration has no Default Mailbox.' }));
  const graph = new GraphClient(ctx);
  const prepared = await prepare(graph, mailboxes, req);
  let out: MatchingMailsFile;
  try {
    out = await MatchingMailsFile.create(ctx.files, RESULT_FILE);
  } catch (err) {
    return failure(fill(failed, { ERROR_REASON: reasonOf(err) }));
  }
  // What is kept of each mailbox: its outcome and count (the message names them all); its mails
  // go to the result file as they come.
  const kinds = new Uint8Array(mailboxes.length);
  const counts = new Uint32Array(mailboxes.length);
  const folderMissing = new Map<number, string>();
  const failedOutcomes: Array<{ index: number; outcome: MailboxOutcome<unknown> }> = [];
  const unknownIds = new Set(req.criteria.mailIds);
  try {
    await eachMailbox(
      ctx,
      mailboxes,
      batchSizeParam(params['how-many-mailboxes-to-process-in-a-single-batch']),
      (mb) => searchMailbox(graph, mb, req, prepared),
      (o, i) => {
        kinds[i] = KIND[o.kind];
        if (o.kind === 'done') {
          const { messages: mails, missingIds } = o.value;
          counts[i] = mails.length;
          out.add(i, o.mailbox, mails, req.allFields);
          if (unknownIds.size) for (const id of req.criteria.mailIds) if (!missingIds.includes(id)) unknownIds.delete(id);
          return;
        }
        out.skip(i);
        if (o.kind === 'folder-missing') folderMissing.set(i, fill(failed, { ERROR_REASON: `Folder ${o.folder} was not found in mailbox ${o.mailbox}.` }));
        else if (o.kind === 'failed') failedOutcomes.push({ index: i, outcome: o });
      },
      'Searched',
    );
  } catch (err) {
    await out.abort();
    throw err;
  }

  const found: Array<{ mailbox: string; count: number }> = [];
  const notFound: string[] = [];
  const lines: string[] = [];
  let searched = 0;
  for (let i = 0; i < mailboxes.length; i++) {
    const kind = kinds[i];
    if (kind === KIND.done) {
      searched++;
      if (counts[i]) found.push({ mailbox: mailboxes[i] as string, count: counts[i] as number });
    } else if (kind === KIND['not-found']) notFound.push(mailboxes[i] as string);
    else if (kind === KIND['folder-missing']) lines.push(folderMissing.get(i) as string);
  }
  failedOutcomes.sort((a, b) => a.index - b.index);
  const errors = failureReasons(
    failedOutcomes.map((f) => f.outcome),
    mailboxes.length,
  ).map((r) => fill(failed, { ERROR_REASON: r }));
  const notFoundLines = notFound.map((m) => fill(mailboxMissing, { MAILBOX: m }));
  if (notFound.length === mailboxes.length || !found.length) await out.abort();
  if (notFound.length === mailboxes.length) return failure(fill(noMailboxes, { MAILBOX_LIST: notFound.join(', ') }));
  // behaviour.md 38: ids that matched nothing anywhere, one line each.
  const idLines = found.length ? [...unknownIds].map((id) => `Failed to find email with ID ${id}`) : [];
  const rest = [...notFoundLines, ...lines, ...idLines, ...errors];
  if (!found.length) {
    const head = searched > 0 ? [noEmails] : [];
    return failure([...head, ...rest].join('\n') || noEmails);
  }
  const first = messages.success.found.replace('MAILBOX: FOUND_EMAILS_NUMBER', mailboxCounts(found));
  let file: JsonResultFile | null;
  try {
    file = await out.finish();
  } catch (err) {
    await out.abort();
    return failure([fill(failed, { ERROR_REASON: `the result file could not be written: ${reasonOf(err)}` }), ...rest].join('\n'));
  }
  if (!file) throw new Error('a search with matches wrote no result file');
  const table = matchingMailsRows(out.rows);
  if (out.totalRows > out.rows.length) table.totalRows = out.totalRows;
  return success([first, ...rest].join('\n'), {
    tables: [table],
    // A JSON result the message can show whole is also held as the value; a larger one only as its file.
    ...(file.totalChars <= JSON_HEAD_CHARS ? { json: JSON.parse(file.head) as unknown } : { jsonFile: file }),
    files: [{ name: RESULT_FILE, path: file.path, title: 'Matching Mails (JSON)' }],
  });
}

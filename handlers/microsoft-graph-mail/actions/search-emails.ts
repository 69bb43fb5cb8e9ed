import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { mailboxBatchSize, onlyUnread, searchInMailboxes, senderFilter, subjectFilter, timeFrame } from './params/selection';
import type { ActionContext } from '../../kit/context';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { GraphClient } from '../client';
import { criteriaFrom, findMatching, type Found, type MailCriteria, type MatchQuery, matchQuery } from '../criteria';
import { folderParts, type ResolvedFolder, resolveFolder, wellKnownName } from '../folders';
import type { Message } from '../lookup';
import { batchSizeParam, failureReasons, forEachMailbox, mailboxCounts, mailboxList } from '../mailboxes';
import { mailJson, mailRow, matchingMailsRows, TABLE_FIELDS } from '../mail-table';

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

/**
 * One mailbox's share of the result, made as soon as its answer is in: the table rows and JSON
 * items, not the messages they come from (only what the result holds is kept until the end).
 */
interface MailboxHits {
  count: number;
  rows: string[][];
  json: Array<Record<string, unknown>>;
  missingIds: string[];
}

function mailboxHits(graph: GraphClient, mailbox: string, req: SearchRequest, prepared: PreparedSearch): Promise<MailboxHits> {
  return searchMailbox(graph, mailbox, req, prepared).then(({ messages, missingIds }) => {
    const rows = new Array<string[]>(messages.length);
    const json = new Array<Record<string, unknown>>(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as Message;
      rows[i] = mailRow(m);
      json[i] = mailJson(mailbox, m, req.allFields);
    }
    return { count: messages.length, rows, json, missingIds };
  });
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
  const outcomes = await forEachMailbox(
    ctx,
    mailboxes,
    batchSizeParam(params['how-many-mailboxes-to-process-in-a-single-batch']),
    (mb) => mailboxHits(graph, mb, req, prepared),
    'Searched',
  );

  const found: Array<{ mailbox: string; count: number }> = [];
  const rows: string[][] = [];
  const json: Array<Record<string, unknown>> = [];
  const notFound: string[] = [];
  const lines: string[] = [];
  const unknownIds = new Set(req.criteria.mailIds);
  let searched = 0;
  for (const o of outcomes) {
    if (o.kind === 'done') {
      searched++;
      const hits = o.value;
      if (hits.count) {
        found.push({ mailbox: o.mailbox, count: hits.count });
        for (const r of hits.rows) rows.push(r);
        for (const j of hits.json) json.push(j);
      }
      for (const id of req.criteria.mailIds) if (!hits.missingIds.includes(id)) unknownIds.delete(id);
    } else if (o.kind === 'not-found') notFound.push(o.mailbox);
    else if (o.kind === 'folder-missing') lines.push(fill(failed, { ERROR_REASON: `Folder ${o.folder} was not found in mailbox ${o.mailbox}.` }));
  }
  const errors = failureReasons(outcomes).map((r) => fill(failed, { ERROR_REASON: r }));
  const notFoundLines = notFound.map((m) => fill(mailboxMissing, { MAILBOX: m }));
  if (notFound.length === mailboxes.length) return failure(fill(noMailboxes, { MAILBOX_LIST: notFound.join(', ') }));
  // behaviour.md 38: ids that matched nothing anywhere, one line each.
  const idLines = found.length ? [...unknownIds].map((id) => `Failed to find email with ID ${id}`) : [];
  const rest = [...notFoundLines, ...lines, ...idLines, ...errors];
  if (!found.length) {
    const head = searched > 0 ? [noEmails] : [];
    return failure([...head, ...rest].join('\n') || noEmails);
  }
  const first = messages.success.found.replace('MAILBOX: FOUND_EMAILS_NUMBER', mailboxCounts(found));
  return success([first, ...rest].join('\n'), {
    tables: [matchingMailsRows(rows)],
    json,
  });
}

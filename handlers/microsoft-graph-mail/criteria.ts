/**
 * The seed's search criteria, shared by Search Emails, Delete Email and Move Email To Folder:
 * Mail IDs (`id` or `internetMessageId`; they override the other filters, behaviour.md 9), Subject
 * Filter (contains), Sender Filter (equals), Time Frame (minutes), Only Unread — as one Graph
 * `$filter` on a folder's messages (https://learn.microsoft.com/graph/api/user-list-messages).
 */
import { UserError } from '../kit/errors';
import type { GraphClient } from './client';
import { isFolderMissing, FolderNotFoundError, type ResolvedFolder } from './folders';
import { findMessages, type Message } from './lookup';
import { listParam } from './mailboxes';

export interface MailCriteria {
  mailIds: string[];
  subject?: string;
  sender?: string;
  minutes?: number;
  onlyUnread: boolean;
}

export interface FindOptions {
  /** Per-mailbox cap; undefined → Graph's default page (10) when `allPages` is false. */
  max?: number;
  /** Every match (delete, move); otherwise one page unless `max` asks for more. */
  allPages?: boolean;
  /** `$select`; undefined → every property. */
  select?: string[];
}

export interface Found {
  messages: Message[];
  /** Mail IDs that matched nothing in this mailbox's folder. */
  missingIds: string[];
}

/** Largest `$top` Graph honours for messages. */
const MAX_PAGE = 1000;
/** Page size when every match is wanted. */
const SWEEP_PAGE = 250;

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s ? s : undefined;
}

export function criteriaFrom(params: Record<string, unknown>): MailCriteria {
  const minutesRaw = params['time-frame-minutes'];
  let minutes: number | undefined;
  if (minutesRaw !== undefined && minutesRaw !== null && String(minutesRaw).trim() !== '') {
    minutes = Number(minutesRaw);
    if (!Number.isFinite(minutes) || minutes <= 0) throw new UserError(`Time Frame (minutes) must be a positive number of minutes, got ${String(minutesRaw)}.`);
  }
  return {
    mailIds: listParam(params['mail-ids'], /,/),
    subject: text(params['subject-filter']),
    sender: text(params['sender-filter']),
    minutes,
    onlyUnread: params['only-unread'] === true,
  };
}

function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * The `$filter`. `receivedDateTime` comes first because the query is ordered by it (Graph refuses
 * an `$orderby` property that is not the first in `$filter`: "InefficientFilter").
 */
export function filterOf(c: MailCriteria, now = Date.now()): string {
  const since = c.minutes !== undefined ? new Date(now - c.minutes * 60_000) : new Date(Date.UTC(1900, 0, 1));
  const parts = [`receivedDateTime ge ${since.toISOString().replace(/\.\d{3}Z$/, 'Z')}`];
  if (c.onlyUnread) parts.push('isRead eq false');
  if (c.sender) parts.push(`from/emailAddress/address eq ${odataString(c.sender)}`);
  if (c.subject) parts.push(`contains(subject,${odataString(c.subject)})`);
  return parts.join(' and ');
}

/**
 * The query of a search without Mail IDs, the same for every mailbox: a search of many mailboxes
 * works it out once (one `$filter` and one time cut for all of them).
 */
export interface MatchQuery {
  /** `$filter`, `$orderby`, `$select` and `$top`, encoded. */
  query: string;
  max?: number;
  followNextLink: boolean;
}

export function matchQuery(c: MailCriteria, opts: FindOptions = {}, now = Date.now()): MatchQuery {
  const q: Array<[string, string]> = [
    ['$filter', filterOf(c, now)],
    ['$orderby', 'receivedDateTime desc'],
  ];
  if (opts.select?.length) q.push(['$select', [...new Set(['id', ...opts.select])].join(',')]);
  const want = opts.max;
  if (want !== undefined) q.push(['$top', String(Math.min(want, MAX_PAGE))]);
  else if (opts.allPages) q.push(['$top', String(SWEEP_PAGE)]);
  return { query: q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'), max: want, followNextLink: want !== undefined || opts.allPages === true };
}

function foundAll(messages: Message[]): Found {
  return { messages, missingIds: [] };
}

/**
 * The messages of one mailbox's folder that match; `prepared`: matchQuery(c, opts) worked out
 * before. A chain of promises, not an async function: a search holds one per mailbox in flight.
 */
export function findMatching(
  graph: GraphClient,
  mailbox: string,
  folder: ResolvedFolder,
  c: MailCriteria,
  opts: FindOptions = {},
  prepared?: MatchQuery,
): Promise<Found> {
  const missingFolder = (err: unknown): never => {
    if (isFolderMissing(err)) throw new FolderNotFoundError(mailbox, folder.path);
    throw err;
  };
  try {
    if (c.mailIds.length) {
      return findMessages(graph, mailbox, c.mailIds, { folderId: folder.id, select: opts.select }).then(
        ({ found, missing }) => ({ messages: opts.max !== undefined ? found.slice(0, opts.max) : found, missingIds: missing }),
        missingFolder,
      );
    }
    const m = prepared ?? matchQuery(c, opts);
    const path = `v1.0/users/${encodeURIComponent(mailbox)}/mailFolders/${encodeURIComponent(folder.id)}/messages?${m.query}`;
    return graph.list<Message>(path, { max: m.max, followNextLink: m.followNextLink }).then(foundAll, missingFolder);
  } catch (err) {
    return Promise.reject(err).catch(missingFolder);
  }
}

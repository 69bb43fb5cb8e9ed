/**
 * Finds messages in one mailbox by Graph `id` or by `internetMessageId` (behaviour.md 9, 38).
 * An id that contains `@` or `<` is an internetMessageId (Graph ids are base64url and never do).
 */
import { UpstreamError } from '../kit/errors';
import type { GraphClient } from './client';

export interface EmailAddress {
  name?: string;
  address: string;
}

export interface Recipient {
  emailAddress: EmailAddress;
}

/** A Graph message as the actions read it; every other property is kept as Graph sent it. */
export interface Message {
  id: string;
  internetMessageId?: string;
  subject?: string | null;
  parentFolderId?: string;
  receivedDateTime?: string;
  sentDateTime?: string;
  hasAttachments?: boolean;
  isRead?: boolean;
  from?: Recipient | null;
  sender?: Recipient | null;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  bccRecipients?: Recipient[];
  replyTo?: Recipient[];
  body?: { contentType: string; content: string };
  [key: string]: unknown;
}

export interface FindOptions {
  /** Only messages in this folder (a Graph folder id or well-known name) are found. */
  folderId?: string;
  /** `$select` properties; default: every property. `id` and `parentFolderId` are always added. */
  select?: string[];
  /** Look-ups started at once (default: all; GraphClient keeps each mailbox at Outlook's 4 in flight and packs them in `$batch`). */
  concurrency?: number;
}

export interface FindResult {
  /** In the order of `ids`; one entry per id found (an internetMessageId may match several copies: the first is kept). */
  found: Message[];
  /** The ids as given that matched nothing. */
  missing: string[];
}

export function isInternetMessageId(id: string): boolean {
  return id.includes('@') || id.startsWith('<');
}

/** A 400/404 that means "no such message", not "no such mailbox" or a broken request. */
function isNoSuchMessage(err: unknown): boolean {
  return err instanceof UpstreamError && (err.status === 404 || err.status === 400) && /^(ErrorItemNotFound|ErrorInvalidIdMalformed)\b/.test(err.message);
}

function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function selectQuery(opts: FindOptions): string {
  if (!opts.select?.length) return '';
  const fields = [...new Set(['id', 'parentFolderId', 'internetMessageId', ...opts.select])];
  return `$select=${fields.join(',')}`;
}

async function byId(graph: GraphClient, base: string, id: string, opts: FindOptions, folderKey: string | null): Promise<Message | null> {
  const q = selectQuery(opts);
  try {
    const msg = await graph.call<Message>('GET', `${base}/messages/${encodeURIComponent(id)}${q ? `?${q}` : ''}`);
    if (folderKey && msg.parentFolderId !== folderKey) return null;
    return msg;
  } catch (err) {
    if (isNoSuchMessage(err)) return null;
    throw err;
  }
}

async function byInternetId(graph: GraphClient, base: string, id: string, opts: FindOptions): Promise<Message | null> {
  const where = opts.folderId ? `${base}/mailFolders/${encodeURIComponent(opts.folderId)}/messages` : `${base}/messages`;
  const bare = id.trim();
  const withBrackets = bare.startsWith('<') ? bare : `<${bare}>`;
  const filter = `internetMessageId eq ${odataString(withBrackets)}`;
  const q = [`$filter=${encodeURIComponent(filter)}`, '$top=1', selectQuery(opts)].filter(Boolean).join('&');
  const page = await graph.call<{ value?: Message[] }>('GET', `${where}?${q}`);
  return page.value?.[0] ?? null;
}

/** Resolves a folder id or well-known name to the id Graph puts in `parentFolderId`. */
async function folderKeyOf(graph: GraphClient, base: string, folderId: string): Promise<string> {
  const f = await graph.call<{ id: string }>('GET', `${base}/mailFolders/${encodeURIComponent(folderId)}?$select=id`);
  return f.id;
}

/** Finds each of `ids` in `mailbox`; errors other than "no such message" (e.g. an unknown mailbox) are thrown. */
export async function findMessages(graph: GraphClient, mailbox: string, ids: string[], opts: FindOptions = {}): Promise<FindResult> {
  const base = `v1.0/users/${encodeURIComponent(mailbox)}`;
  const wanted = [...new Set(ids.map((s) => s.trim()).filter(Boolean))];
  const folderKey = opts.folderId && wanted.some((id) => !isInternetMessageId(id)) ? await folderKeyOf(graph, base, opts.folderId) : null;
  const results: (Message | null)[] = new Array(wanted.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < wanted.length) {
      const i = next++;
      const id = wanted[i] as string;
      results[i] = isInternetMessageId(id) ? await byInternetId(graph, base, id, opts) : await byId(graph, base, id, opts, folderKey);
    }
  };
  const lanes = Math.max(1, Math.min(opts.concurrency ?? wanted.length, wanted.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  const found: Message[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  wanted.forEach((id, i) => {
    const m = results[i];
    if (!m) missing.push(id);
    else if (!seen.has(m.id)) {
      seen.add(m.id);
      found.push(m);
    }
  });
  return { found, missing };
}

/**
 * Folder names as users type them (behaviour.md 5): case-insensitive, nested paths `Inbox/sub/subsub`,
 * and well-known names (`Inbox`, `Sent Items`, `Deleted Items`, `Junk Email`, `Drafts`, `Archive`),
 * which Graph takes in place of a folder id (https://learn.microsoft.com/graph/api/resources/mailfolder).
 */
import { UpstreamError } from '../kit/errors';
import type { GraphClient } from './client';

/** Display names (spaces, dashes and case ignored) → Graph's well-known folder names. */
const WELL_KNOWN: Record<string, string> = {
  inbox: 'inbox',
  sentitems: 'sentitems',
  deleteditems: 'deleteditems',
  junkemail: 'junkemail',
  junk: 'junkemail',
  drafts: 'drafts',
  archive: 'archive',
  outbox: 'outbox',
};

export interface ResolvedFolder {
  /** A folder id, or a well-known name Graph accepts where an id goes. */
  id: string;
  /** The path as typed, tidied (`Inbox/Phishing`). */
  path: string;
}

/** The folder path does not exist in the mailbox. */
export class FolderNotFoundError extends Error {
  constructor(
    readonly mailbox: string,
    readonly folder: string,
  ) {
    super(`Folder ${folder} was not found in mailbox ${mailbox}.`);
  }
}

export function wellKnownName(name: string): string | undefined {
  return WELL_KNOWN[name.toLowerCase().replace(/[\s_-]+/g, '')];
}

export function folderParts(path: string): string[] {
  return path
    .split('/')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A 404 on a folder (not on the mailbox): the folder does not exist. */
export function isFolderMissing(err: unknown): boolean {
  return (
    err instanceof UpstreamError &&
    (err.status === 404 || err.status === 400) &&
    /^(ErrorItemNotFound|ErrorInvalidIdMalformed|ErrorFolderNotFound)\b/.test(err.message)
  );
}

interface FolderJson {
  id: string;
  displayName?: string;
}

async function childNamed(graph: GraphClient, base: string, parent: string | null, name: string): Promise<FolderJson | undefined> {
  const where = parent === null ? `${base}/mailFolders` : `${base}/mailFolders/${encodeURIComponent(parent)}/childFolders`;
  const folders = await graph.list<FolderJson>(`${where}?$select=id,displayName&$top=250&includeHiddenFolders=true`);
  const want = name.toLowerCase();
  return folders.find((f) => (f.displayName ?? '').toLowerCase() === want);
}

/**
 * Resolves a folder path in a mailbox. A lone well-known name costs no request unless `verify`
 * (a missing one shows as a 404 on first use: see isFolderMissing); `verify` is for folders only
 * written to, such as a move's destination. Throws FolderNotFoundError when a part does not
 * exist; other errors (an unknown mailbox) pass through.
 */
export async function resolveFolder(graph: GraphClient, mailbox: string, path: string, opts: { verify?: boolean } = {}): Promise<ResolvedFolder> {
  const parts = folderParts(path);
  if (!parts.length) parts.push('Inbox');
  const tidy = parts.join('/');
  const base = `v1.0/users/${encodeURIComponent(mailbox)}`;
  const first = parts[0] as string;
  let id: string | null = wellKnownName(first) ?? null;
  let rest = parts.slice(1);
  if (id === null) rest = parts;
  try {
    if (id !== null && !rest.length && opts.verify) {
      id = (await graph.call<FolderJson>('GET', `${base}/mailFolders/${encodeURIComponent(id)}?$select=id`)).id;
    }
    for (const part of rest) {
      const f = await childNamed(graph, base, id, part);
      if (!f) throw new FolderNotFoundError(mailbox, tidy);
      id = f.id;
    }
  } catch (err) {
    if (isFolderMissing(err)) throw new FolderNotFoundError(mailbox, tidy);
    throw err;
  }
  return { id: id as string, path: tidy };
}

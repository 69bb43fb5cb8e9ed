/** A mailbox: its folders, its messages and its settings, and what can be done to them. */
import type { User } from './directory';
import { folderId, immutableItemId, itemId } from './ids';
import { copiedAttachments, markChanged, type Message } from './message';

export interface Folder {
  id: string;
  displayName: string;
  parentFolderId: string;
  wellKnownName: string | null;
  isHidden: boolean;
}

export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

export interface MailboxSettings {
  timeZone: string;
  language: { locale: string; displayName: string };
  automaticRepliesSetting: {
    status: 'disabled' | 'alwaysEnabled' | 'scheduled';
    externalAudience: 'none' | 'contactsOnly' | 'all';
    internalReplyMessage: string;
    externalReplyMessage: string;
    scheduledStartDateTime: DateTimeTimeZone;
    scheduledEndDateTime: DateTimeTimeZone;
  };
  dateFormat: string;
  timeFormat: string;
  userPurpose: 'user' | 'shared' | 'room' | 'equipment' | 'others';
}

export interface Mailbox {
  address: string;
  userId: string;
  tenantId: string;
  rootFolderId: string;
  folders: Map<string, Folder>;
  messages: Map<string, Message>;
  settings: MailboxSettings;
  /** Senders added by markAsJunk (removed by markAsNotJunk). */
  blockedSenders: Set<string>;
}

/** Well-known folder names Graph accepts in place of a folder id, and their display names. */
export const WELL_KNOWN_FOLDERS: Record<string, string> = {
  inbox: 'Inbox',
  drafts: 'Drafts',
  sentitems: 'Sent Items',
  deleteditems: 'Deleted Items',
  junkemail: 'Junk Email',
  archive: 'Archive',
  outbox: 'Outbox',
};

function defaultMailboxSettings(): MailboxSettings {
  return {
    timeZone: 'UTC',
    language: { locale: 'en-US', displayName: 'English (United States)' },
    automaticRepliesSetting: {
      status: 'disabled',
      externalAudience: 'all',
      internalReplyMessage: '',
      externalReplyMessage: '',
      scheduledStartDateTime: { dateTime: '2024-01-01T00:00:00.0000000', timeZone: 'UTC' },
      scheduledEndDateTime: { dateTime: '2024-01-02T00:00:00.0000000', timeZone: 'UTC' },
    },
    dateFormat: 'M/d/yyyy',
    timeFormat: 'h:mm tt',
    userPurpose: 'user',
  };
}

/**
 * An empty mailbox for a user: the root folder and the well-known folders. `idFor` makes each
 * folder's id from its well-known name (`msgfolderroot` for the root, `root-parent` for its
 * parent); random by default, derived from a seed in generated tenants.
 */
export function newMailbox(user: User, idFor: (wellKnownName: string) => string = () => folderId()): Mailbox {
  const rootId = idFor('msgfolderroot');
  const mb: Mailbox = {
    address: user.userPrincipalName,
    userId: user.id,
    tenantId: user.tenantId,
    rootFolderId: rootId,
    folders: new Map(),
    messages: new Map(),
    settings: defaultMailboxSettings(),
    blockedSenders: new Set(),
  };
  mb.folders.set(rootId, {
    id: rootId,
    displayName: 'Top of Information Store',
    parentFolderId: idFor('root-parent'),
    wellKnownName: 'msgfolderroot',
    isHidden: false,
  });
  for (const [wk, name] of Object.entries(WELL_KNOWN_FOLDERS)) {
    const id = idFor(wk);
    mb.folders.set(id, { id, displayName: name, parentFolderId: rootId, wellKnownName: wk, isHidden: false });
  }
  return mb;
}

/** A folder by id or well-known name (`inbox`, `sentitems`, …): what Graph takes. */
export function folderByIdOrWellKnown(mb: Mailbox, ref: string): Folder | undefined {
  const byId = mb.folders.get(ref);
  if (byId) return byId;
  const r = ref.toLowerCase();
  return [...mb.folders.values()].find((f) => f.wellKnownName === r);
}

/**
 * A folder by id, well-known name, display name of a top-level folder, or path
 * (`Inbox/Phishing/Reported`), case-insensitive.
 */
export function resolveFolder(mb: Mailbox, ref: string): Folder | undefined {
  const direct = folderByIdOrWellKnown(mb, ref);
  if (direct) return direct;
  let parent = mb.rootFolderId;
  let found: Folder | undefined;
  for (const part of ref.split('/').filter(Boolean)) {
    const p = part.toLowerCase();
    found = [...mb.folders.values()].find(
      (f) => f.parentFolderId === parent && (f.displayName.toLowerCase() === p || (found === undefined && f.wellKnownName === p)),
    );
    if (!found) return undefined;
    parent = found.id;
  }
  return found;
}

/** Adds a folder under `parentRef` (id, well-known name or path; '' for the root); returns the existing one if present. */
export function addFolder(mb: Mailbox, parentRef: string, displayName: string): Folder {
  const parent = parentRef === '' ? mb.folders.get(mb.rootFolderId) : resolveFolder(mb, parentRef);
  if (!parent) throw new Error(`emulator: no folder ${parentRef} in ${mb.address}`);
  const existing = [...mb.folders.values()].find((f) => f.parentFolderId === parent.id && f.displayName.toLowerCase() === displayName.toLowerCase());
  if (existing) return existing;
  const f: Folder = { id: folderId(), displayName, parentFolderId: parent.id, wellKnownName: null, isHidden: false };
  mb.folders.set(f.id, f);
  return f;
}

/** By current or immutable id. */
export function findMessage(mb: Mailbox, id: string): Message | undefined {
  const direct = mb.messages.get(id);
  if (direct) return direct;
  for (const m of mb.messages.values()) if (m.immutableId === id) return m;
  return undefined;
}

/** Moves a message; like Exchange, the moved item gets a new id (its immutable id stays). */
export function moveMessage(mb: Mailbox, msg: Message, folder: Folder): Message {
  mb.messages.delete(msg.id);
  msg.id = itemId();
  msg.folderId = folder.id;
  markChanged(msg);
  mb.messages.set(msg.id, msg);
  return msg;
}

/** A copy in another folder, with new ids. */
export function copyMessage(mb: Mailbox, msg: Message, folder: Folder): Message {
  const id = itemId();
  const copy: Message = {
    ...structuredClone({ ...msg, attachments: [] }),
    id,
    immutableId: immutableItemId(),
    folderId: folder.id,
    attachments: copiedAttachments(msg.attachments),
  };
  markChanged(copy);
  mb.messages.set(copy.id, copy);
  return copy;
}

/**
 * Everything the emulator knows: tenants, app registrations, users and their mailboxes (folders,
 * messages, settings), Management Activity API subscriptions and content blobs, issued tokens and
 * the settings knobs. Also the demo seed: one tenant, one app, a few mailboxes with realistic mail.
 *
 * Tests change it directly (`emu.state.addMessage(...)`, `emu.state.settings.tokenLifetimeSeconds = 1`).
 */
import { changeKey, conversationId, folderId, guid, itemId } from './ids';
import { toMime } from './mime';

// ---------------------------------------------------------------- demo constants

/** Demo tenant id (the tenant's domain `demo.onmicrosoft.com` is accepted wherever the id is). */
export const DEMO_TENANT = 'demo-tenant';
export const DEMO_TENANT_DOMAIN = 'demo.onmicrosoft.com';
/** Demo app registration (client credentials, auth code with PKCE, refresh tokens). */
export const DEMO_CLIENT_ID = '00000000-0000-0000-0000-00000000d3m0';
export const DEMO_CLIENT_SECRET = 'demo-secret';
/** Seeded mailboxes. */
export const DEMO_MAILBOXES = {
  soc: 'soc@demo.onmicrosoft.com',
  alice: 'alice@demo.onmicrosoft.com',
  bob: 'bob@demo.onmicrosoft.com',
  phish: 'phish@demo.onmicrosoft.com',
} as const;
/** The demo's default mailbox (the SOC's shared mailbox). */
export const DEMO_MAILBOX = DEMO_MAILBOXES.soc;
/** A seeded user without a mailbox (Graph answers MailboxNotEnabledForRESTAPI). */
export const DEMO_USER_WITHOUT_MAILBOX = 'svc-scanner@demo.onmicrosoft.com';

export const CONTENT_TYPES = ['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General', 'DLP.All'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export function isContentType(v: string): v is ContentType {
  return (CONTENT_TYPES as readonly string[]).includes(v);
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

// ---------------------------------------------------------------- types

export interface Settings {
  /** Access token lifetime (`expires_in`). */
  tokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  authCodeLifetimeSeconds: number;
  /** Graph's default page size for collections. */
  graphPageSize: number;
  /** Largest `$top` Graph honours (bigger values are capped). */
  graphMaxPageSize: number;
  /** Largest `$batch`. */
  batchLimit: number;
  /**
   * Concurrent Graph requests allowed per app and mailbox before 429 ApplicationThrottled
   * (Outlook allows about 4); 0 turns the check off (default). Only bites with latency injected.
   */
  mailboxConcurrencyLimit: number;
  /** Content blobs per page of `subscriptions/content` before a `NextPageUri` is sent. */
  contentPageSize: number;
  /** Generate Management Activity API content as time passes (on when seeded). */
  generateAuditContent: boolean;
  /** Minutes between generated content blobs, per content type. */
  contentIntervalMinutes: Record<ContentType, number>;
  /** Minutes between new mails arriving in the demo mailboxes as time passes (0: none). */
  mailArrivalMinutes: number;
  /** Lifetime of an attachment upload session (its `expirationDateTime`); an expired one answers 404. */
  uploadSessionLifetimeSeconds: number;
}

export function defaultSettings(): Settings {
  return {
    tokenLifetimeSeconds: 3600,
    refreshTokenLifetimeSeconds: 90 * 24 * 3600,
    authCodeLifetimeSeconds: 600,
    graphPageSize: 10,
    graphMaxPageSize: 1000,
    batchLimit: 20,
    mailboxConcurrencyLimit: 0,
    contentPageSize: 100,
    generateAuditContent: false,
    contentIntervalMinutes: { 'Audit.General': 30, 'DLP.All': 60, 'Audit.Exchange': 30, 'Audit.SharePoint': 60, 'Audit.AzureActiveDirectory': 60 },
    mailArrivalMinutes: 0,
    uploadSessionLifetimeSeconds: 900,
  };
}

export interface Tenant {
  id: string;
  displayName: string;
  /** Verified domains; the first is the default. */
  domains: string[];
  createdDateTime: string;
  countryLetterCode: string;
  city: string;
}

export interface AppCertificate {
  /** `x5t`: base64url SHA-1 of the certificate's DER (or `x5t#S256`: base64url SHA-256). */
  thumbprint: string;
  /** PEM public key or certificate used to verify client assertions. */
  publicKey: string;
}

export interface App {
  clientId: string;
  tenantId: string;
  displayName: string;
  secrets: string[];
  certificates: AppCertificate[];
  /** Registered redirect URIs; `*` accepts any. */
  redirectUris: string[];
  /** Public clients (no secret) may redeem codes and refresh tokens without a secret. */
  publicClient: boolean;
}

export interface User {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  officeLocation: string | null;
  hasMailbox: boolean;
  availability: string;
  activity: string;
}

export interface EmailAddressValue {
  name: string;
  address: string;
}

export interface Recipient {
  emailAddress: EmailAddressValue;
}

export interface FileAttachment {
  kind: 'file';
  id: string;
  name: string;
  contentType: string;
  content: Buffer;
  isInline: boolean;
  contentId: string | null;
  lastModifiedDateTime: string;
}

export interface ItemAttachment {
  kind: 'item';
  id: string;
  name: string;
  item: Message;
  lastModifiedDateTime: string;
}

export type Attachment = FileAttachment | ItemAttachment;

export interface Message {
  /** Current id (changes when the message moves, as in Exchange). */
  id: string;
  /** Stable id (Graph's `Prefer: IdType="ImmutableId"`). */
  immutableId: string;
  folderId: string;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  receivedDateTime: string;
  sentDateTime: string;
  subject: string;
  body: { contentType: 'html' | 'text'; content: string };
  from: Recipient | null;
  sender: Recipient | null;
  toRecipients: Recipient[];
  ccRecipients: Recipient[];
  bccRecipients: Recipient[];
  replyTo: Recipient[];
  internetMessageId: string;
  conversationId: string;
  isRead: boolean;
  isDraft: boolean;
  importance: 'low' | 'normal' | 'high';
  categories: string[];
  flag: { flagStatus: 'notFlagged' | 'flagged' | 'complete' };
  inferenceClassification: 'focused' | 'other';
  internetMessageHeaders: { name: string; value: string }[];
  attachments: Attachment[];
  isReadReceiptRequested: boolean;
  isDeliveryReceiptRequested: boolean;
}

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

export interface Subscription {
  tenantId: string;
  contentType: ContentType;
  status: 'enabled' | 'disabled';
  webhook: { address: string; authId: string | null; expiration: string | null; status: string } | null;
  createdAt: string;
}

export interface ContentBlob {
  tenantId: string;
  contentType: ContentType;
  contentId: string;
  contentCreated: string;
  contentExpiration: string;
  events: Record<string, unknown>[];
}

export type Audience = 'graph' | 'management' | 'any';

export interface AccessToken {
  token: string;
  tenantId: string;
  clientId: string;
  audience: Audience;
  /** The resource/scope string the client asked for. */
  resource: string;
  scopes: string[];
  /** Set for delegated tokens (authorization code, refresh token). */
  userId: string | null;
  /** Epoch ms. */
  issuedAt: number;
  /** Epoch ms. */
  expiresAt: number;
}

export interface RefreshToken {
  token: string;
  tenantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  audience: Audience;
  resource: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms when used; a used refresh token is refused (rotation). */
  redeemedAt: number | null;
}

export interface AuthCode {
  code: string;
  tenantId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  resource: string;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms when redeemed (codes are single-use). */
  redeemedAt: number | null;
}

/** An attachment upload session (`createUploadSession`, emulator/upload-session.ts). */
export interface UploadSession {
  id: string;
  /** The `authtoken` of its upload URL. */
  authToken: string;
  tenantId: string;
  userId: string;
  /** Lowercase primary address of the mailbox. */
  mailbox: string;
  /** The message's immutable id (its id may change; the session follows the item). */
  messageId: string;
  name: string;
  size: number;
  contentType: string;
  isInline: boolean;
  contentId: string | null;
  /** Bytes received so far, in order. */
  chunks: Buffer[];
  /** Next byte expected (= bytes received). */
  received: number;
  /** Epoch ms. */
  expiresAt: number;
}

/** One request that reached an upload URL (faulted ones included), in arrival order. */
export interface UploadLogEntry {
  time: string;
  method: string;
  /** The session id from the path, or null when the path names none. */
  sessionId: string | null;
  /** `Content-Range` as sent, or null. */
  contentRange: string | null;
  /** Bytes in the request body. */
  bodyBytes: number;
  /** True when the request carried an `Authorization` header (the upload URL must not get one). */
  authorization: boolean;
  status: number;
}

// ---------------------------------------------------------------- inputs for helpers

export type AddressInput = string | { name?: string; address: string };

export type AttachmentInput =
  | { name: string; contentType?: string; content: string | Buffer; isInline?: boolean; contentId?: string }
  | { name: string; item: MessageInput };

export interface MessageInput {
  subject?: string;
  from?: AddressInput;
  to?: AddressInput[];
  cc?: AddressInput[];
  bcc?: AddressInput[];
  replyTo?: AddressInput[];
  body?: string;
  bodyType?: 'html' | 'text';
  receivedDateTime?: string | Date;
  sentDateTime?: string | Date;
  isRead?: boolean;
  isDraft?: boolean;
  importance?: 'low' | 'normal' | 'high';
  categories?: string[];
  internetMessageId?: string;
  conversationId?: string;
  headers?: Record<string, string>;
  attachments?: AttachmentInput[];
}

export interface UserInput {
  userPrincipalName: string;
  displayName?: string;
  givenName?: string;
  surname?: string;
  jobTitle?: string;
  tenantId?: string;
  id?: string;
  mailbox?: boolean;
}

// ---------------------------------------------------------------- helpers

/** `"Name <a@b>"` or `"a@b"` → `{name, address}`. */
export function parseAddress(input: AddressInput): EmailAddressValue {
  if (typeof input !== 'string') return { name: input.name ?? input.address, address: input.address };
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(input);
  if (m) return { name: (m[1] ?? '').trim() || (m[2] ?? '').trim(), address: (m[2] ?? '').trim() };
  return { name: input.trim(), address: input.trim() };
}

function iso(v: string | Date | undefined, fallback: Date): string {
  if (v === undefined) return fallback.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const d = typeof v === 'string' ? new Date(v) : v;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Plain text of an HTML body (for bodyPreview and `outlook.body-content-type="text"`). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

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

// ---------------------------------------------------------------- the state

export class EmulatorState {
  settings: Settings = defaultSettings();
  readonly tenants = new Map<string, Tenant>();
  /** By client id. */
  readonly apps = new Map<string, App>();
  /** By user id. */
  readonly users = new Map<string, User>();
  /** By lowercase primary address. */
  readonly mailboxes = new Map<string, Mailbox>();
  /** By `${tenantId}|${contentType}`. */
  readonly subscriptions = new Map<string, Subscription>();
  /** By content id. */
  readonly content = new Map<string, ContentBlob>();
  readonly tokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();
  readonly authCodes = new Map<string, AuthCode>();
  /** Per tenant: epoch ms up to which audit content has been generated. */
  readonly contentGeneratedUntil = new Map<string, number>();
  /** Epoch ms up to which new mail has arrived (settings.mailArrivalMinutes); null: from the next request on. */
  mailArrivedUntil: number | null = null;
  /** Attachment upload sessions in progress, by session id. */
  readonly uploadSessions = new Map<string, UploadSession>();
  /** Every request to an upload URL (ranges, sizes, Authorization header, status), in order. */
  readonly uploadLog: UploadLogEntry[] = [];

  /** Empties everything and restores default settings (keeping this object's identity). */
  clear(): void {
    this.settings = defaultSettings();
    for (const m of [this.tenants, this.apps, this.users, this.mailboxes, this.subscriptions, this.content, this.tokens, this.refreshTokens, this.authCodes, this.contentGeneratedUntil, this.uploadSessions]) {
      m.clear();
    }
    this.uploadLog.length = 0;
    this.mailArrivedUntil = null;
  }

  // ------------------------------------------------ tenants, apps, users

  addTenant(t: Partial<Tenant> & { id: string; domains: string[] }): Tenant {
    const tenant: Tenant = {
      displayName: t.displayName ?? t.id,
      createdDateTime: t.createdDateTime ?? '2021-03-04T09:15:00Z',
      countryLetterCode: t.countryLetterCode ?? 'US',
      city: t.city ?? 'Redmond',
      ...t,
    };
    this.tenants.set(tenant.id, tenant);
    return tenant;
  }

  /** By tenant id or any of its domains, case-insensitive. */
  findTenant(ref: string): Tenant | undefined {
    const r = ref.toLowerCase();
    for (const t of this.tenants.values()) {
      if (t.id.toLowerCase() === r || t.domains.some((d) => d.toLowerCase() === r)) return t;
    }
    return undefined;
  }

  addApp(a: Partial<App> & { clientId: string; tenantId: string }): App {
    const app: App = { displayName: a.clientId, secrets: [], certificates: [], redirectUris: ['*'], publicClient: false, ...a };
    this.apps.set(app.clientId, app);
    return app;
  }

  addUser(input: UserInput): User {
    const tenantId = input.tenantId ?? DEMO_TENANT;
    const upn = input.userPrincipalName;
    const local = upn.split('@')[0] ?? upn;
    const user: User = {
      id: input.id ?? guid(),
      tenantId,
      userPrincipalName: upn,
      mail: input.mailbox === false ? null : upn,
      displayName: input.displayName ?? local,
      givenName: input.givenName ?? null,
      surname: input.surname ?? null,
      jobTitle: input.jobTitle ?? null,
      officeLocation: null,
      hasMailbox: input.mailbox !== false,
      availability: 'Available',
      activity: 'Available',
    };
    this.users.set(user.id, user);
    if (user.hasMailbox) this.createMailbox(user);
    return user;
  }

  /** By id, UPN or mail address, case-insensitive; optionally within one tenant. */
  findUser(ref: string, tenantId?: string): User | undefined {
    const r = ref.toLowerCase();
    for (const u of this.users.values()) {
      if (tenantId && u.tenantId !== tenantId) continue;
      if (u.id.toLowerCase() === r || u.userPrincipalName.toLowerCase() === r || (u.mail ?? '').toLowerCase() === r) return u;
    }
    return undefined;
  }

  mailboxOf(user: User): Mailbox | undefined {
    return user.hasMailbox ? this.mailboxes.get(user.userPrincipalName.toLowerCase()) : undefined;
  }

  /** A mailbox by address (or a Mailbox passed through). Throws when unknown. */
  mailbox(ref: string | Mailbox): Mailbox {
    if (typeof ref !== 'string') return ref;
    const mb = this.mailboxes.get(ref.toLowerCase()) ?? (() => {
      const u = this.findUser(ref);
      return u ? this.mailboxOf(u) : undefined;
    })();
    if (!mb) throw new Error(`emulator: no mailbox ${ref}`);
    return mb;
  }

  private createMailbox(user: User): Mailbox {
    const rootId = folderId();
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
    mb.folders.set(rootId, { id: rootId, displayName: 'Top of Information Store', parentFolderId: folderId(), wellKnownName: 'msgfolderroot', isHidden: false });
    for (const [wk, name] of Object.entries(WELL_KNOWN_FOLDERS)) {
      const id = folderId();
      mb.folders.set(id, { id, displayName: name, parentFolderId: rootId, wellKnownName: wk, isHidden: false });
    }
    this.mailboxes.set(user.userPrincipalName.toLowerCase(), mb);
    return mb;
  }

  // ------------------------------------------------ folders

  /**
   * A folder by id, well-known name (`inbox`, `sentitems`, …), display name of a top-level
   * folder, or path (`Inbox/Phishing/Reported`), case-insensitive.
   */
  resolveFolder(mailboxRef: string | Mailbox, ref: string): Folder | undefined {
    const mb = this.mailbox(mailboxRef);
    const byId = mb.folders.get(ref);
    if (byId) return byId;
    const r = ref.toLowerCase();
    for (const f of mb.folders.values()) if (f.wellKnownName === r) return f;
    let parent = mb.rootFolderId;
    let found: Folder | undefined;
    for (const part of ref.split('/').filter(Boolean)) {
      const p = part.toLowerCase();
      found = [...mb.folders.values()].find((f) => f.parentFolderId === parent && (f.displayName.toLowerCase() === p || (found === undefined && f.wellKnownName === p)));
      if (!found) return undefined;
      parent = found.id;
    }
    return found;
  }

  /** Adds a folder under `parentRef` (id, well-known name or path); returns the existing one if present. */
  addFolder(mailboxRef: string | Mailbox, parentRef: string, displayName: string): Folder {
    const mb = this.mailbox(mailboxRef);
    const parent = parentRef === '' ? mb.folders.get(mb.rootFolderId) : this.resolveFolder(mb, parentRef);
    if (!parent) throw new Error(`emulator: no folder ${parentRef} in ${mb.address}`);
    const existing = [...mb.folders.values()].find((f) => f.parentFolderId === parent.id && f.displayName.toLowerCase() === displayName.toLowerCase());
    if (existing) return existing;
    const f: Folder = { id: folderId(), displayName, parentFolderId: parent.id, wellKnownName: null, isHidden: false };
    mb.folders.set(f.id, f);
    return f;
  }

  // ------------------------------------------------ messages

  /** A recipient; a bare address of a user here gets that user's display name, as Exchange resolves it. */
  recipient(input: AddressInput): Recipient {
    const a = parseAddress(input);
    if (a.name === a.address) {
      const u = this.findUser(a.address);
      if (u) a.name = u.displayName;
    }
    return { emailAddress: a };
  }

  /** Builds a message (not stored anywhere). */
  buildMessage(input: MessageInput, owner?: string): Message {
    const now = new Date();
    const received = iso(input.receivedDateTime, now);
    const sent = iso(input.sentDateTime ?? (input.receivedDateTime !== undefined ? new Date(new Date(received).getTime() - 4000) : undefined), new Date(now.getTime() - 4000));
    const from = input.from !== undefined ? this.recipient(input.from) : owner ? this.recipient(owner) : null;
    const id = itemId();
    const headers = Object.entries(input.headers ?? {}).map(([name, value]) => ({ name, value }));
    const domain = from?.emailAddress.address.split('@')[1] ?? 'demo.onmicrosoft.com';
    const msg: Message = {
      id,
      immutableId: id,
      folderId: '',
      changeKey: changeKey(),
      createdDateTime: received,
      lastModifiedDateTime: received,
      receivedDateTime: received,
      sentDateTime: sent,
      subject: input.subject ?? '',
      body: { contentType: input.bodyType ?? (/<[a-z][\s\S]*>/i.test(input.body ?? '') ? 'html' : 'text'), content: input.body ?? '' },
      from,
      sender: from,
      toRecipients: (input.to ?? []).map((r) => this.recipient(r)),
      ccRecipients: (input.cc ?? []).map((r) => this.recipient(r)),
      bccRecipients: (input.bcc ?? []).map((r) => this.recipient(r)),
      replyTo: (input.replyTo ?? []).map((r) => this.recipient(r)),
      internetMessageId: input.internetMessageId ?? `<${guid().replace(/-/g, '').slice(0, 24).toUpperCase()}@${domain}>`,
      conversationId: input.conversationId ?? conversationId(),
      isRead: input.isRead ?? false,
      isDraft: input.isDraft ?? false,
      importance: input.importance ?? 'normal',
      categories: input.categories ?? [],
      flag: { flagStatus: 'notFlagged' },
      inferenceClassification: 'focused',
      internetMessageHeaders: headers,
      attachments: [],
      isReadReceiptRequested: false,
      isDeliveryReceiptRequested: false,
    };
    msg.attachments = (input.attachments ?? []).map((a) => this.buildAttachment(a, received));
    return msg;
  }

  buildAttachment(a: AttachmentInput, when: string): Attachment {
    if ('item' in a) {
      return { kind: 'item', id: itemId(), name: a.name, item: this.buildMessage(a.item), lastModifiedDateTime: when };
    }
    return {
      kind: 'file',
      id: itemId(),
      name: a.name,
      contentType: a.contentType ?? 'application/octet-stream',
      content: Buffer.isBuffer(a.content) ? a.content : Buffer.from(a.content, 'utf8'),
      isInline: a.isInline ?? false,
      contentId: a.contentId ?? null,
      lastModifiedDateTime: when,
    };
  }

  /** Stores a message in a folder (id, well-known name or path) of a mailbox. */
  addMessage(mailboxRef: string | Mailbox, folderRef: string, input: MessageInput): Message {
    const mb = this.mailbox(mailboxRef);
    const folder = this.resolveFolder(mb, folderRef);
    if (!folder) throw new Error(`emulator: no folder ${folderRef} in ${mb.address}`);
    const msg = this.buildMessage(input, mb.address);
    msg.folderId = folder.id;
    mb.messages.set(msg.id, msg);
    return msg;
  }

  /** By current or immutable id. */
  findMessage(mailboxRef: string | Mailbox, id: string): Message | undefined {
    const mb = this.mailbox(mailboxRef);
    const direct = mb.messages.get(id);
    if (direct) return direct;
    for (const m of mb.messages.values()) if (m.immutableId === id) return m;
    return undefined;
  }

  /** Moves a message; like Exchange, the moved item gets a new id (its immutable id stays). */
  moveMessage(mailboxRef: string | Mailbox, msg: Message, folder: Folder): Message {
    const mb = this.mailbox(mailboxRef);
    mb.messages.delete(msg.id);
    msg.id = itemId();
    msg.folderId = folder.id;
    this.touch(msg);
    mb.messages.set(msg.id, msg);
    return msg;
  }

  /** A copy in another folder, with new ids. */
  copyMessage(mailboxRef: string | Mailbox, msg: Message, folder: Folder): Message {
    const mb = this.mailbox(mailboxRef);
    const id = itemId();
    const copy: Message = { ...structuredClone({ ...msg, attachments: [] }), id, immutableId: id, folderId: folder.id, attachments: msg.attachments.map((a) => ({ ...a, id: itemId() })) };
    this.touch(copy);
    mb.messages.set(copy.id, copy);
    return copy;
  }

  touch(msg: Message): void {
    msg.changeKey = changeKey();
    msg.lastModifiedDateTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /**
   * Delivers a message to every recipient that has a mailbox here (their Inbox, or Junk Email
   * when the sender is blocked). Returns the delivered copies.
   */
  deliver(input: MessageInput): Message[] {
    const out: Message[] = [];
    const template = this.buildMessage({ ...input, isRead: false });
    const addresses = [...template.toRecipients, ...template.ccRecipients, ...template.bccRecipients].map((r) => r.emailAddress.address.toLowerCase());
    for (const addr of new Set(addresses)) {
      const user = this.findUser(addr);
      const mb = user && this.mailboxOf(user);
      if (!mb) continue;
      const blocked = template.from && mb.blockedSenders.has(template.from.emailAddress.address.toLowerCase());
      const folder = this.resolveFolder(mb, blocked ? 'junkemail' : 'inbox');
      if (!folder) continue;
      const id = itemId();
      const copy: Message = { ...template, id, immutableId: id, folderId: folder.id, bccRecipients: [], attachments: template.attachments.map((a) => ({ ...a, id: itemId() })) };
      mb.messages.set(id, copy);
      out.push(copy);
    }
    return out;
  }

  // ------------------------------------------------ management activity

  subscriptionKey(tenantId: string, contentType: ContentType): string {
    return `${tenantId}|${contentType}`;
  }

  /** Stores a content blob with the given events (for tests and `/_emulator/audit`). */
  addAuditEvents(tenantId: string, contentType: ContentType, events: Record<string, unknown>[], at: Date = new Date()): ContentBlob {
    const stamp = at.toISOString().replace(/[-:TZ.]/g, '').slice(0, 17);
    const contentId = `${stamp}${String(this.content.size).padStart(6, '0')}$${stamp}$${contentType.toLowerCase().replace('.', '_')}$${contentType.replace('.', '_')}$emu01`;
    const blob: ContentBlob = {
      tenantId,
      contentType,
      contentId,
      contentCreated: at.toISOString(),
      contentExpiration: new Date(at.getTime() + 7 * 24 * 3600 * 1000).toISOString(),
      events,
    };
    this.content.set(contentId, blob);
    return blob;
  }

  // ------------------------------------------------ demo seed

  /** The demo tenant, app, users, mailboxes and mail; times are relative to `now`. */
  seedDemo(now: Date = new Date()): void {
    const ago = (minutes: number): Date => new Date(now.getTime() - minutes * 60000);
    this.settings.generateAuditContent = true;
    this.settings.mailArrivalMinutes = 15;
    this.addTenant({ id: DEMO_TENANT, displayName: 'Demo Corp', domains: [DEMO_TENANT_DOMAIN, 'demo.example'], city: 'Redmond', countryLetterCode: 'US' });
    this.addApp({ clientId: DEMO_CLIENT_ID, tenantId: DEMO_TENANT, displayName: 'chatsoar demo', secrets: [DEMO_CLIENT_SECRET], redirectUris: ['*'] });

    this.addUser({ id: '6e7b7f5e-2c41-4b8e-9a55-0c3f5d6a1a01', userPrincipalName: DEMO_MAILBOXES.soc, displayName: 'SOC Team', jobTitle: 'Security Operations' });
    const alice = this.addUser({ id: '6e7b7f5e-2c41-4b8e-9a55-0c3f5d6a1a02', userPrincipalName: DEMO_MAILBOXES.alice, displayName: 'Alice Martin', givenName: 'Alice', surname: 'Martin', jobTitle: 'Accountant' });
    this.addUser({ id: '6e7b7f5e-2c41-4b8e-9a55-0c3f5d6a1a03', userPrincipalName: DEMO_MAILBOXES.bob, displayName: 'Bob Chen', givenName: 'Bob', surname: 'Chen', jobTitle: 'Sales Manager' });
    this.addUser({ id: '6e7b7f5e-2c41-4b8e-9a55-0c3f5d6a1a04', userPrincipalName: DEMO_MAILBOXES.phish, displayName: 'Phishing Reports' });
    this.addUser({ id: '6e7b7f5e-2c41-4b8e-9a55-0c3f5d6a1a05', userPrincipalName: DEMO_USER_WITHOUT_MAILBOX, displayName: 'Scanner Service', mailbox: false });

    for (const mb of [DEMO_MAILBOXES.soc, DEMO_MAILBOXES.phish]) {
      this.addFolder(mb, 'inbox', 'Phishing');
      this.addFolder(mb, 'Inbox/Phishing', 'Reported');
    }
    this.addFolder(DEMO_MAILBOXES.soc, 'archive', '2024');

    // Alice is out of the office.
    alice.availability = 'Away';
    alice.activity = 'OffWork';
    const aliceBox = this.mailbox(DEMO_MAILBOXES.alice);
    aliceBox.settings.automaticRepliesSetting = {
      ...aliceBox.settings.automaticRepliesSetting,
      status: 'alwaysEnabled',
      internalReplyMessage: '<html><body><p>I am out of the office until Monday. For urgent matters contact bob@demo.onmicrosoft.com.</p></body></html>',
      externalReplyMessage: '<html><body><p>I am out of the office until Monday.</p></body></html>',
    };

    const phishHtml =
      '<html><body><p>Dear user,</p><p>Your mailbox has reached <b>98%</b> of its storage quota. To avoid losing incoming mail, ' +
      'verify your account within 24 hours:</p><p><a href="http://contoso-helpdesk.co/owa/login.php?u=alice">Verify my mailbox</a></p>' +
      '<p>IT Service Desk</p></body></html>';
    const phishHeaders = {
      'Received-SPF': 'Fail (protection.outlook.com: domain of contoso-helpdesk.co does not designate 203.0.113.45 as permitted sender)',
      'Authentication-Results': 'spf=fail (sender IP is 203.0.113.45) smtp.mailfrom=contoso-helpdesk.co; dkim=none (message not signed) header.d=none; dmarc=fail action=none header.from=contoso-helpdesk.co',
      'X-Originating-IP': '[203.0.113.45]',
      'X-MS-Exchange-Organization-SCL': '5',
    };
    const quotaNotice =
      '<html><body><form action="http://contoso-helpdesk.co/owa/collect.php" method="post"><p>Outlook Web App</p>' +
      '<input name="user" placeholder="Email"><input name="pass" type="password" placeholder="Password"><button>Sign in</button></form></body></html>';
    const original = this.addMessage(DEMO_MAILBOXES.alice, 'inbox', {
      subject: 'Action required: your mailbox is almost full',
      from: 'IT Service Desk <it-support@contoso-helpdesk.co>',
      to: [DEMO_MAILBOXES.alice],
      body: phishHtml,
      receivedDateTime: ago(180),
      importance: 'high',
      headers: phishHeaders,
      attachments: [{ name: 'Mailbox_Quota_Notice.html', contentType: 'text/html', content: quotaNotice }],
    });
    this.addMessage(DEMO_MAILBOXES.alice, 'inbox', {
      subject: 'Lunch on Friday?',
      from: 'Bob Chen <bob@demo.onmicrosoft.com>',
      to: [DEMO_MAILBOXES.alice],
      body: 'Hi Alice,\n\nAre you free for lunch on Friday? The new place on 5th street.\n\nBob',
      bodyType: 'text',
      receivedDateTime: ago(300),
      isRead: true,
    });
    this.addMessage(DEMO_MAILBOXES.alice, 'inbox', {
      subject: 'Q3 budget draft',
      from: 'Bob Chen <bob@demo.onmicrosoft.com>',
      to: [DEMO_MAILBOXES.alice],
      cc: [DEMO_MAILBOXES.soc],
      body: '<html><body><p>Alice, the Q3 budget draft is attached. Please review the travel line.</p></body></html>',
      receivedDateTime: ago(26 * 60),
      isRead: true,
      attachments: [{ name: 'budget-q3.csv', contentType: 'text/csv', content: 'line,amount\ntravel,12000\nsoftware,8400\ntraining,3100\n' }],
    });
    this.addMessage(DEMO_MAILBOXES.alice, 'junkemail', {
      subject: 'Congratulations! You have won a $500 gift card',
      from: 'Rewards Center <promo@win-prizes.example>',
      to: [DEMO_MAILBOXES.alice],
      body: '<html><body><p>Claim your prize now: <a href="http://win-prizes.example/claim">claim</a></p></body></html>',
      receivedDateTime: ago(30 * 60),
    });
    this.addMessage(DEMO_MAILBOXES.alice, 'sentitems', {
      subject: 'RE: Lunch on Friday?',
      from: DEMO_MAILBOXES.alice,
      to: ['Bob Chen <bob@demo.onmicrosoft.com>'],
      body: 'Sounds good, see you at noon.',
      bodyType: 'text',
      receivedDateTime: ago(290),
      isRead: true,
    });

    // phish@: user-reported phishing, an .eml file attachment and an Outlook item attachment.
    this.addMessage(DEMO_MAILBOXES.phish, 'inbox', {
      subject: 'Phishing report: Action required: your mailbox is almost full',
      from: 'Alice Martin <alice@demo.onmicrosoft.com>',
      to: [DEMO_MAILBOXES.phish],
      body: 'I think this is phishing. The sender is not our IT department. Original attached.\n\nAlice',
      bodyType: 'text',
      receivedDateTime: ago(170),
      attachments: [{ name: 'Action required your mailbox is almost full.eml', contentType: 'message/rfc822', content: toMime(original) }],
    });
    this.addMessage(DEMO_MAILBOXES.phish, 'inbox', {
      subject: 'FW: Invoice INV-20931 overdue',
      from: 'Bob Chen <bob@demo.onmicrosoft.com>',
      to: [DEMO_MAILBOXES.phish],
      body: '<html><body><p>Got this from a vendor we never worked with. Forwarding as attachment.</p></body></html>',
      receivedDateTime: ago(60),
      attachments: [
        {
          name: 'Invoice INV-20931 overdue',
          item: {
            subject: 'Invoice INV-20931 overdue',
            from: 'Fabrikam Billing <billing@fabrikam-invoices.example>',
            to: [DEMO_MAILBOXES.bob],
            body: '<html><body><p>Your invoice INV-20931 of $4,870.00 is overdue. Open the attached invoice to pay today.</p></body></html>',
            receivedDateTime: ago(75),
            headers: { 'X-Originating-IP': '[198.51.100.23]' },
            attachments: [{ name: 'INV-20931.pdf.html', contentType: 'text/html', content: '<html><body><script>location="http://fabrikam-invoices.example/pay"</script></body></html>' }],
          },
        },
      ],
    });
    this.addMessage(DEMO_MAILBOXES.phish, 'Inbox/Phishing/Reported', {
      subject: 'Phishing report: Password expiry notice',
      from: 'Bob Chen <bob@demo.onmicrosoft.com>',
      to: [DEMO_MAILBOXES.phish],
      body: 'Another one. Triaged already.',
      bodyType: 'text',
      receivedDateTime: ago(2 * 24 * 60),
      isRead: true,
      categories: ['Triaged'],
    });

    // soc@: alerts and reports.
    this.addMessage(DEMO_MAILBOXES.soc, 'inbox', {
      subject: 'Weekly SOC report',
      from: 'SOC Manager <soc-manager@demo.onmicrosoft.com>',
      to: [DEMO_MAILBOXES.soc],
      body: '<html><body><p>Team, this week: 14 phishing reports, 2 confirmed, 0 incidents. Good work.</p></body></html>',
      receivedDateTime: ago(24 * 60),
      isRead: true,
    });
    this.addMessage(DEMO_MAILBOXES.soc, 'inbox', {
      subject: '[Alert] Impossible travel activity for alice@demo.onmicrosoft.com',
      from: 'Microsoft Defender <defender-noreply@microsoft.com>',
      to: [DEMO_MAILBOXES.soc],
      body: '<html><body><p>Severity: <b>Medium</b></p><p>Sign-ins from Amsterdam, NL and Lagos, NG within 40 minutes.</p></body></html>',
      receivedDateTime: ago(240),
      importance: 'high',
    });
    this.addMessage(DEMO_MAILBOXES.soc, 'Inbox/Phishing', {
      subject: 'Escalated: credential phishing campaign (contoso-helpdesk.co)',
      from: 'Phishing Reports <phish@demo.onmicrosoft.com>',
      to: [DEMO_MAILBOXES.soc],
      body: 'Three users reported the same "mailbox almost full" lure today. Sender domain contoso-helpdesk.co.',
      bodyType: 'text',
      receivedDateTime: ago(150),
    });
    this.addMessage(DEMO_MAILBOXES.soc, 'drafts', {
      subject: 'Draft: phishing awareness reminder',
      from: DEMO_MAILBOXES.soc,
      to: ['all-staff@demo.onmicrosoft.com'],
      body: 'Reminder: IT will never ask for your password by mail.',
      bodyType: 'text',
      receivedDateTime: ago(45),
      isDraft: true,
      isRead: true,
    });
  }
}

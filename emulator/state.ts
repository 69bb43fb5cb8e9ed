/**
 * Everything the emulator knows, in one object: the settings, the directory (directory.ts), the
 * mailboxes (mailbox.ts, message.ts), issued tokens (tokens.ts), Management Activity API
 * subscriptions and content (activity-feed.ts) and attachment upload sessions (upload-session.ts).
 *
 * Tests change it directly (`emu.state.addMessage(...)`, `emu.state.settings.tokenLifetimeSeconds = 1`).
 */
import { newContentBlob, type ContentBlob, type ContentType, type Subscription } from './activity-feed';
import { addDemoData } from './demo-seed';
import { newApp, newTenant, newUser, tenantAnswersTo, userAnswersTo, type App, type Tenant, type User, type UserInput } from './directory';
import { immutableItemId, itemId } from './ids';
import * as inMailbox from './mailbox';
import type { Folder, Mailbox } from './mailbox';
import { copiedAttachments, markChanged, type Attachment, type Message, type Recipient } from './message';
import { attachmentFrom, messageFrom, parseAddress, type AddressInput, type AttachmentInput, type MessageInput } from './message-input';
import { defaultSettings, type Settings } from './settings';
import type { AccessToken, AuthCode, RefreshToken } from './tokens';
import type { GeneratedTenant } from './generated-tenant';
import type { UploadLogEntry, UploadSession } from './upload-session';

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
  /**
   * Mailboxes not built yet, by lowercase UPN: a generated tenant (generated-tenant.ts) builds
   * each one the first time it is used (`mailboxOf`), so 10,000 users cost little until searched.
   */
  readonly pendingMailboxes = new Map<string, () => Mailbox>();
  /** The generated tenant (`POST /_emulator/generate`), if any. */
  generated: GeneratedTenant | null = null;
  /** Users by lowercase id, UPN and mail (checked on use; rebuilt when the user count changes). */
  private userRefs = new Map<string, User>();
  private userRefsSize = -1;

  /** Empties everything and restores default settings (keeping this object's identity). */
  clear(): void {
    this.settings = defaultSettings();
    for (const m of [
      this.tenants,
      this.apps,
      this.users,
      this.mailboxes,
      this.subscriptions,
      this.content,
      this.tokens,
      this.refreshTokens,
      this.authCodes,
      this.contentGeneratedUntil,
      this.uploadSessions,
      this.pendingMailboxes,
      this.userRefs,
    ]) {
      m.clear();
    }
    this.userRefsSize = -1;
    this.generated = null;
    this.uploadLog.length = 0;
    this.mailArrivedUntil = null;
  }

  /** The demo tenant, app, users, mailboxes and mail (demo-seed.ts); times are relative to `now`. */
  seedDemo(now: Date = new Date()): void {
    addDemoData(this, now);
  }

  // ------------------------------------------------ directory

  addTenant(t: Partial<Tenant> & { id: string; domains: string[] }): Tenant {
    const tenant = newTenant(t);
    this.tenants.set(tenant.id, tenant);
    return tenant;
  }

  /** By tenant id or any of its domains, case-insensitive. */
  findTenant(ref: string): Tenant | undefined {
    return [...this.tenants.values()].find((t) => tenantAnswersTo(t, ref));
  }

  addApp(a: Partial<App> & { clientId: string; tenantId: string }): App {
    const app = newApp(a);
    this.apps.set(app.clientId, app);
    return app;
  }

  /** A user (in the demo tenant unless told otherwise) and, unless `mailbox: false`, its mailbox. */
  addUser(input: UserInput): User {
    const user = newUser(input);
    this.users.set(user.id, user);
    if (user.hasMailbox) this.mailboxes.set(user.userPrincipalName.toLowerCase(), inMailbox.newMailbox(user));
    return user;
  }

  /** By id, UPN or mail address, case-insensitive; optionally within one tenant. */
  findUser(ref: string, tenantId?: string): User | undefined {
    const r = ref.toLowerCase();
    const valid = (u: User | undefined): u is User =>
      u !== undefined && this.users.get(u.id) === u && (!tenantId || u.tenantId === tenantId) && userAnswersTo(u, r);
    let hit = this.userRefs.get(r);
    // Rebuilt when users were added or removed, or replaced (a new generation of as many users).
    const replaced = hit !== undefined && this.users.get(hit.id) !== hit;
    if (valid(hit)) return hit;
    if (this.userRefsSize !== this.users.size || replaced) {
      this.userRefs.clear();
      for (const u of this.users.values()) {
        for (const k of [u.id, u.userPrincipalName, u.mail]) if (k && !this.userRefs.has(k.toLowerCase())) this.userRefs.set(k.toLowerCase(), u);
      }
      this.userRefsSize = this.users.size;
      hit = this.userRefs.get(r);
      if (valid(hit)) return hit;
    }
    // Not indexed: a user changed in place, or the same name in two tenants.
    for (const u of this.users.values()) {
      if (tenantId && u.tenantId !== tenantId) continue;
      if (userAnswersTo(u, ref)) return u;
    }
    return undefined;
  }

  // ------------------------------------------------ mailboxes

  mailboxOf(user: User): Mailbox | undefined {
    if (!user.hasMailbox) return undefined;
    const key = user.userPrincipalName.toLowerCase();
    const mb = this.mailboxes.get(key);
    if (mb) return mb;
    const build = this.pendingMailboxes.get(key);
    if (!build) return undefined;
    this.pendingMailboxes.delete(key);
    const built = build();
    this.mailboxes.set(key, built);
    return built;
  }

  /** The mailbox of the user with this id, UPN or mail address, if any. */
  findMailbox(ref: string): Mailbox | undefined {
    const u = this.findUser(ref);
    return u ? this.mailboxOf(u) : undefined;
  }

  /** A mailbox by address (or a Mailbox passed through). Throws when unknown. */
  mailbox(ref: string | Mailbox): Mailbox {
    if (typeof ref !== 'string') return ref;
    const mb = this.mailboxes.get(ref.toLowerCase()) ?? this.findMailbox(ref);
    if (!mb) throw new Error(`emulator: no mailbox ${ref}`);
    return mb;
  }

  /** A folder by id, well-known name, display name of a top-level folder, or path (`Inbox/Phishing/Reported`). */
  resolveFolder(mailboxRef: string | Mailbox, ref: string): Folder | undefined {
    return inMailbox.resolveFolder(this.mailbox(mailboxRef), ref);
  }

  /** Adds a folder under `parentRef` (id, well-known name or path); returns the existing one if present. */
  addFolder(mailboxRef: string | Mailbox, parentRef: string, displayName: string): Folder {
    return inMailbox.addFolder(this.mailbox(mailboxRef), parentRef, displayName);
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
    return messageFrom(input, (a) => this.recipient(a), owner);
  }

  buildAttachment(a: AttachmentInput, when: string): Attachment {
    return attachmentFrom(a, when, (r) => this.recipient(r));
  }

  /** Stores a message in a folder (id, well-known name or path) of a mailbox. */
  addMessage(mailboxRef: string | Mailbox, folderRef: string, input: MessageInput): Message {
    const mb = this.mailbox(mailboxRef);
    const folder = inMailbox.resolveFolder(mb, folderRef);
    if (!folder) throw new Error(`emulator: no folder ${folderRef} in ${mb.address}`);
    const msg = this.buildMessage(input, mb.address);
    msg.folderId = folder.id;
    mb.messages.set(msg.id, msg);
    return msg;
  }

  /** By current or immutable id. */
  findMessage(mailboxRef: string | Mailbox, id: string): Message | undefined {
    return inMailbox.findMessage(this.mailbox(mailboxRef), id);
  }

  /** Moves a message; like Exchange, the moved item gets a new id (its immutable id stays). */
  moveMessage(mailboxRef: string | Mailbox, msg: Message, folder: Folder): Message {
    return inMailbox.moveMessage(this.mailbox(mailboxRef), msg, folder);
  }

  /** A copy in another folder, with new ids. */
  copyMessage(mailboxRef: string | Mailbox, msg: Message, folder: Folder): Message {
    return inMailbox.copyMessage(this.mailbox(mailboxRef), msg, folder);
  }

  /** A new change key and modification time. */
  touch(msg: Message): void {
    markChanged(msg);
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
      const mb = this.findMailbox(addr);
      if (!mb) continue;
      const blocked = template.from && mb.blockedSenders.has(template.from.emailAddress.address.toLowerCase());
      const folder = inMailbox.resolveFolder(mb, blocked ? 'junkemail' : 'inbox');
      if (!folder) continue;
      const id = itemId();
      const copy: Message = {
        ...template,
        id,
        immutableId: immutableItemId(),
        folderId: folder.id,
        bccRecipients: [],
        attachments: copiedAttachments(template.attachments),
      };
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
    const blob = newContentBlob(tenantId, contentType, events, at, this.content.size);
    this.content.set(blob.contentId, blob);
    return blob;
  }
}

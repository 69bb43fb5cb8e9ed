/** A stored message and its attachments, as the emulator keeps them (Graph's JSON is built from these). */
import { changeKey, itemId } from './ids';

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

/** ISO time without milliseconds, as Exchange stamps messages. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Records a change: a new change key and modification time. */
export function markChanged(msg: Message): void {
  msg.changeKey = changeKey();
  msg.lastModifiedDateTime = isoSeconds(new Date());
}

/** The attachments of a copy of a message: the same ones under new ids. */
export function copiedAttachments(attachments: Attachment[]): Attachment[] {
  return attachments.map((a) => ({ ...a, id: itemId() }));
}

export function addressesOf(recipients: Recipient[]): EmailAddressValue[] {
  return recipients.map((r) => r.emailAddress);
}

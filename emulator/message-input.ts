/** What tests, the seed and the routes give to make a message (`MessageInput`), and the message it makes. */
import { changeKey, conversationId, guid, immutableItemId, itemId } from './ids';
import { isoSeconds, type Attachment, type EmailAddressValue, type Message, type Recipient } from './message';

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

/** Turns an address into a recipient (the state gives local users their display names). */
export type RecipientOf = (input: AddressInput) => Recipient;

/** `"Name <a@b>"` or `"a@b"` → `{name, address}`. */
export function parseAddress(input: AddressInput): EmailAddressValue {
  if (typeof input !== 'string') return { name: input.name ?? input.address, address: input.address };
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(input);
  if (m) return { name: (m[1] ?? '').trim() || (m[2] ?? '').trim(), address: (m[2] ?? '').trim() };
  return { name: input.trim(), address: input.trim() };
}

/** An Exchange-looking `Message-ID` at `domain`. */
export function newInternetMessageId(domain: string): string {
  return `<${guid().replace(/-/g, '').slice(0, 24).toUpperCase()}@${domain}>`;
}

function iso(v: string | Date | undefined, fallback: Date): string {
  if (v === undefined) return isoSeconds(fallback);
  return isoSeconds(typeof v === 'string' ? new Date(v) : v);
}

/** A message (not stored anywhere); `owner` is the sender when the input names none. */
export function messageFrom(input: MessageInput, recipientOf: RecipientOf, owner?: string): Message {
  const now = new Date();
  const received = iso(input.receivedDateTime, now);
  const sent = iso(
    input.sentDateTime ?? (input.receivedDateTime !== undefined ? new Date(new Date(received).getTime() - 4000) : undefined),
    new Date(now.getTime() - 4000),
  );
  const from = input.from !== undefined ? recipientOf(input.from) : owner ? recipientOf(owner) : null;
  const id = itemId();
  const headers = Object.entries(input.headers ?? {}).map(([name, value]) => ({ name, value }));
  const domain = from?.emailAddress.address.split('@')[1] ?? 'demo.onmicrosoft.com';
  const msg: Message = {
    id,
    immutableId: immutableItemId(),
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
    toRecipients: (input.to ?? []).map(recipientOf),
    ccRecipients: (input.cc ?? []).map(recipientOf),
    bccRecipients: (input.bcc ?? []).map(recipientOf),
    replyTo: (input.replyTo ?? []).map(recipientOf),
    internetMessageId: input.internetMessageId ?? newInternetMessageId(domain),
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
  msg.attachments = (input.attachments ?? []).map((a) => attachmentFrom(a, received, recipientOf));
  return msg;
}

export function attachmentFrom(a: AttachmentInput, when: string, recipientOf: RecipientOf): Attachment {
  if ('item' in a) {
    return { kind: 'item', id: itemId(), name: a.name, item: messageFrom(a.item, recipientOf), lastModifiedDateTime: when };
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

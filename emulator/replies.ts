/**
 * How people answer mail, for tests and the offline demo: a reply in the thread (Outlook: same
 * conversation, `In-Reply-To`/`References`), a reply from another mail system (headers only, so
 * Exchange files it in a new conversation), an Exchange automatic reply (out of office), and a
 * message composed from a `mailto:` link (RFC 6068) as a mail client does when a vote button is
 * clicked. Each is delivered like any mail: to the recipients' Inbox (or a given folder, as an
 * inbox rule would file it), with a copy in the sender's Sent Items when the sender is local.
 *
 * ```ts
 * const sent = findByInternetMessageId(emu.state, id, 'soc@demo.onmicrosoft.com');
 * replyTo(emu.state, sent, { from: 'bob@demo.onmicrosoft.com', body: 'Approve' });
 * automaticReply(emu.state, sent, 'alice@demo.onmicrosoft.com');
 * sendMailto(emu.state, 'bob@demo.onmicrosoft.com', href);
 * ```
 */
import { conversationId as newConversationId } from './ids';
import { addressesOf, type Message } from './message';
import { newInternetMessageId, parseAddress, type AddressInput, type AttachmentInput, type MessageInput } from './message-input';
import { quoteOf } from './message-text';
import type { EmulatorState } from './state';

export interface ReplyInput {
  /** Who answers: a mailbox here or any address (`Name <a@b>` accepted). */
  from: AddressInput;
  body: string;
  bodyType?: 'text' | 'html';
  /** `both` (Outlook, default), `conversation` only, or `headers` only (another mail system). */
  threading?: 'both' | 'conversation' | 'headers';
  subject?: string;
  attachments?: AttachmentInput[];
  headers?: Record<string, string>;
  /** File the recipient's copy in this folder (id, well-known name or path) instead of the Inbox. */
  folder?: string;
  /** Quote the original under the answer, Outlook style (default true). */
  quote?: boolean;
  receivedDateTime?: Date;
}

/** A message by internetMessageId (with or without `<>`), preferring the copy in `mailbox`. */
export function findByInternetMessageId(state: EmulatorState, internetMessageId: string, mailbox?: string): Message | undefined {
  const want = internetMessageId.trim().replace(/^<|>$/g, '').toLowerCase();
  const boxes = [...state.mailboxes.values()].sort(
    (a, b) => Number(b.address.toLowerCase() === mailbox?.toLowerCase()) - Number(a.address.toLowerCase() === mailbox?.toLowerCase()),
  );
  for (const mb of boxes) {
    for (const m of mb.messages.values()) if (m.internetMessageId.replace(/^<|>$/g, '').toLowerCase() === want) return m;
  }
  return undefined;
}

/** Delivers like a mail server: the recipients' copies (Inbox, Junk for blocked senders, or `folder`), and the sender's Sent Items copy. */
function post(state: EmulatorState, message: MessageInput, folder?: string): Message[] {
  const sender = parseAddress(message.from as AddressInput).address;
  // One message: every copy has the same internetMessageId and conversation.
  const input: MessageInput = {
    ...message,
    internetMessageId: message.internetMessageId ?? newInternetMessageId(sender.split('@')[1] ?? 'demo.onmicrosoft.com'),
    conversationId: message.conversationId ?? newConversationId(),
  };
  const senderBox = state.findMailbox(sender);
  if (senderBox) state.addMessage(senderBox, 'sentitems', { ...input, isRead: true });
  if (!folder) return state.deliver(input);
  const out: Message[] = [];
  for (const r of [...(input.to ?? []), ...(input.cc ?? [])]) {
    const mb = state.findMailbox(parseAddress(r).address);
    if (mb) out.push(state.addMessage(mb, folder, { ...input, isRead: false }));
  }
  return out;
}

function resolveOriginal(state: EmulatorState, original: Message | string): Message {
  const m = typeof original === 'string' ? findByInternetMessageId(state, original) : original;
  if (!m) throw new Error(`emulator: no message ${String(original)}`);
  return m;
}

/** A reply to `original` from `input.from`, delivered to the original's Reply-To or sender. */
export function replyTo(state: EmulatorState, original: Message | string, input: ReplyInput): Message[] {
  const m = resolveOriginal(state, original);
  const threading = input.threading ?? 'both';
  const to = addressesOf(m.replyTo.length ? m.replyTo : m.from ? [m.from] : []);
  const text = input.quote === false ? input.body : `${input.body}${quoteOf(m)}`;
  return post(
    state,
    {
      from: input.from,
      to,
      subject: input.subject ?? (/^re:/i.test(m.subject) ? m.subject : `RE: ${m.subject}`),
      body: input.bodyType === 'html' ? input.body : text,
      bodyType: input.bodyType ?? 'text',
      conversationId: threading === 'headers' ? newConversationId() : m.conversationId,
      headers: {
        ...(threading === 'conversation' ? {} : { 'In-Reply-To': m.internetMessageId, References: m.internetMessageId }),
        ...(input.headers ?? {}),
      },
      attachments: input.attachments,
      receivedDateTime: input.receivedDateTime,
    },
    input.folder,
  );
}

/**
 * Exchange's automatic reply of `mailbox` (its out-of-office message, or `body`), as sent when
 * `original` reached it: `Automatic reply:` subject, `Auto-Submitted: auto-replied`, same thread.
 */
export function automaticReply(state: EmulatorState, original: Message | string, mailbox: string, body?: string): Message[] {
  const settings = state.mailbox(mailbox).settings.automaticRepliesSetting;
  const message = body ?? (settings.internalReplyMessage || '<html><body><p>I am out of the office.</p></body></html>');
  const m = resolveOriginal(state, original);
  return replyTo(state, m, {
    from: mailbox,
    body: message,
    bodyType: /<[a-z][\s\S]*>/i.test(message) ? 'html' : 'text',
    subject: `Automatic reply: ${m.subject}`,
    quote: false,
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  });
}

/** RFC 6068 fields of a `mailto:` URL (`+` is a plus sign there, not a space). */
export function parseMailto(href: string): { to: string[]; fields: Record<string, string> } {
  const raw = href.replace(/&amp;/g, '&').trim();
  if (!/^mailto:/i.test(raw)) throw new Error(`emulator: not a mailto link: ${href}`);
  const rest = raw.slice('mailto:'.length);
  const q = rest.indexOf('?');
  const to = decodeURIComponent(q < 0 ? rest : rest.slice(0, q))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const fields: Record<string, string> = {};
  for (const pair of q < 0 ? [] : rest.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    fields[decodeURIComponent(pair.slice(0, eq)).toLowerCase()] = decodeURIComponent(pair.slice(eq + 1));
  }
  if (fields.to)
    to.push(
      ...fields.to
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  return { to, fields };
}

/**
 * What a mail client sends when `from` clicks a `mailto:` link and presses Send: a new message
 * with the link's subject and body. Outlook ignores `In-Reply-To` in a link (the default here),
 * so the message starts a new conversation; `honourInReplyTo` behaves like clients that keep it.
 */
export function sendMailto(state: EmulatorState, from: AddressInput, href: string, opts: { honourInReplyTo?: boolean; comment?: string } = {}): Message[] {
  const { to, fields } = parseMailto(href);
  const inReplyTo = opts.honourInReplyTo ? fields['in-reply-to'] : undefined;
  const original = inReplyTo ? findByInternetMessageId(state, inReplyTo) : undefined;
  return post(state, {
    from,
    to,
    cc: fields.cc ? fields.cc.split(',').map((s) => s.trim()) : [],
    subject: fields.subject ?? '',
    body: `${fields.body ?? ''}${opts.comment ? `\n\n${opts.comment}` : ''}`,
    bodyType: 'text',
    conversationId: original?.conversationId,
    headers: inReplyTo ? { 'In-Reply-To': inReplyTo, References: inReplyTo } : {},
  });
}

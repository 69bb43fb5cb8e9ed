/** The Graph message JSON of an outgoing mail, from the send actions' parameters. */
import { UserError } from '../kit/errors';
import { recipients } from './recipients';

export interface Outgoing {
  subject?: string;
  content: string;
  contentType: 'text' | 'html';
  to?: unknown;
  cc?: unknown;
  bcc?: unknown;
  replyTo?: unknown;
}

export function graphMessage(o: Outgoing, internetMessageId: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    body: { contentType: o.contentType, content: o.content },
    internetMessageId,
  };
  if (o.subject !== undefined) out.subject = o.subject;
  if (o.to !== undefined) out.toRecipients = recipients(o.to);
  if (o.cc !== undefined) out.ccRecipients = recipients(o.cc);
  if (o.bcc !== undefined) out.bccRecipients = recipients(o.bcc);
  if (o.replyTo !== undefined) out.replyTo = recipients(o.replyTo);
  return out;
}

/** The mailbox to send from: Send From, which defaults to the instance's Default Mailbox (behaviour.md 7). */
export function sendingMailbox(value: unknown): string {
  const mailbox = (typeof value === 'string' ? value : '').trim();
  if (!mailbox) throw new UserError('No mailbox to send from: give --send-from or set the Default Mailbox of the integration.');
  return mailbox;
}

/**
 * The mail the wait actions wait on: found by Graph `id` or `internetMessageId` (lookup.ts), in
 * the given folders or anywhere in the mailbox, and reduced to what matching replies needs.
 */
import { UserError } from '../../kit/errors';
import type { GraphClient } from '../client';
import { findMessages, type Message, type Recipient } from '../lookup';
import { sameAddress } from '../recipients';
import type { WatchedFolder, WatchedMail } from './wait-state';

const SELECT = [
  'id',
  'internetMessageId',
  'conversationId',
  'subject',
  'sentDateTime',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'body',
  'isDraft',
];

/** The sent mail, or a UserError naming where it was looked for. */
export async function findSentMail(graph: GraphClient, mailbox: string, mailId: string, folders?: WatchedFolder[]): Promise<Message> {
  const id = mailId.trim();
  if (!id) throw new UserError('Mail ID is empty.');
  for (const folder of folders ?? [undefined]) {
    const { found } = await findMessages(graph, mailbox, [id], { folderId: folder?.id, select: SELECT });
    const mail = found.find((m) => m.isDraft !== true);
    if (mail) return mail;
  }
  const where = folders?.length ? ` in folder(s) ${folders.map((f) => f.path).join(', ')}` : '';
  throw new UserError(`Failed to find email with ID ${id}${where} of mailbox ${mailbox}.`);
}

function addresses(list: Recipient[] | undefined): string[] {
  return (list ?? []).map((r) => r?.emailAddress?.address?.trim() ?? '').filter(Boolean);
}

export function watchedMail(mailbox: string, m: Message): WatchedMail {
  const recipients: string[] = [];
  for (const a of [...addresses(m.toRecipients), ...addresses(m.ccRecipients), ...addresses(m.bccRecipients)]) {
    if (sameAddress(a, mailbox) || recipients.some((r) => sameAddress(r, a))) continue;
    recipients.push(a);
  }
  return {
    mailbox,
    id: m.id,
    internetMessageId: m.internetMessageId ?? '',
    conversationId: String(m.conversationId ?? ''),
    subject: m.subject ?? '',
    sentDateTime: m.sentDateTime ?? new Date().toISOString(),
    recipients,
  };
}

/**
 * One look for replies in the watched folders. A reply is a message in the same conversation, or
 * one whose In-Reply-To/References name the sent mail, or (vote mails) one carrying the vote
 * link's reference: never a message that merely has the same subject. Two queries per folder:
 * the conversation (wherever in time its messages were filed) and the mail that arrived since
 * the last look (https://learn.microsoft.com/graph/api/mailfolder-list-messages); one `$batch`
 * request carries them all.
 */
import type { GraphClient } from '../client';
import type { Message } from '../lookup';
import { mailboxPath } from '../send-once';
import { carriesVoteRef } from './parse-vote';
import { bodyText, newPart } from './reply-text';
import type { WatchedFolder, WatchedMail, WaitState } from './wait-state';

const SELECT =
  'id,receivedDateTime,from,sender,toRecipients,ccRecipients,subject,body,conversationId,internetMessageId,internetMessageHeaders,hasAttachments,isDraft';
const PAGE = 50;
/** Pages of new mail read per folder and look; the cursor carries on from there next time. */
const MAX_PAGES = 20;
/** New mail is read from this long before the newest mail seen (late filing, clock skew). */
const OVERLAP_MS = 2 * 60_000;

function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** OData DateTimeOffset literal, whole seconds. */
function odataDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function header(m: Message, name: string): string {
  const headers = (m.internetMessageHeaders as { name?: string; value?: string }[] | undefined) ?? [];
  return headers
    .filter((h) => (h.name ?? '').toLowerCase() === name)
    .map((h) => h.value ?? '')
    .join(' ');
}

function sameMessageId(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/^<|>$/g, '').toLowerCase();
  return norm(a) === norm(b);
}

/** Whether `m` answers the watched mail (and is not that mail itself). */
export function isReplyTo(m: Message, mail: WatchedMail): boolean {
  if (m.isDraft === true) return false;
  if (m.internetMessageId && sameMessageId(m.internetMessageId, mail.internetMessageId)) return false;
  if (mail.conversationId && m.conversationId === mail.conversationId) return true;
  const wanted = mail.internetMessageId.trim().replace(/^<|>$/g, '').toLowerCase();
  if (wanted) {
    const referenced = `${header(m, 'in-reply-to')} ${header(m, 'references')}`.toLowerCase();
    if (referenced.includes(`<${wanted}>`) || referenced.split(/\s+/).includes(wanted)) return true;
  }
  return !!mail.ref && carriesVoteRef({ subject: m.subject ?? '', text: newPart(bodyText(m.body)) }, mail.ref);
}

async function conversation(graph: GraphClient, mail: WatchedMail, folder: WatchedFolder): Promise<Message[]> {
  if (!mail.conversationId) return [];
  const filter = encodeURIComponent(`conversationId eq ${odataString(mail.conversationId)}`);
  return graph.list<Message>(
    `${mailboxPath(mail.mailbox)}/mailFolders/${encodeURIComponent(folder.id)}/messages?$filter=${filter}&$select=${SELECT}&$top=${PAGE}`,
    { max: PAGE * MAX_PAGES },
  );
}

/** Mail filed in `folder` since the last look, and the newest receivedDateTime among it. */
async function arrivals(graph: GraphClient, state: WaitState, folder: WatchedFolder): Promise<{ messages: Message[]; cursor: string }> {
  const cursor = state.cursors[folder.id] ?? state.mail.sentDateTime;
  const since = odataDate(Date.parse(cursor) - OVERLAP_MS);
  const filter = encodeURIComponent(`receivedDateTime ge ${since}`);
  const messages = await graph.list<Message>(
    `${mailboxPath(state.mail.mailbox)}/mailFolders/${encodeURIComponent(folder.id)}/messages?$filter=${filter}&$orderby=receivedDateTime asc&$select=${SELECT}&$top=${PAGE}`,
    { max: PAGE * MAX_PAGES },
  );
  return { messages, cursor: messages.reduce((max, m) => (m.receivedDateTime && m.receivedDateTime > max ? m.receivedDateTime : max), cursor) };
}

export interface Look {
  /** Replies to the watched mail, oldest first (each message once). */
  replies: Message[];
  /** Where the next look at each folder starts: commit once the replies are taken in. */
  cursors: Record<string, string>;
}

export async function lookForReplies(graph: GraphClient, state: WaitState): Promise<Look> {
  // Asked together, the queries of every folder share one `$batch` request.
  const [inThread, recent] = await Promise.all([
    Promise.all(state.folders.map((folder) => conversation(graph, state.mail, folder))),
    Promise.all(state.folders.map((folder) => arrivals(graph, state, folder))),
  ]);
  const byId = new Map<string, Message>();
  for (const m of [...inThread.flat(), ...recent.flatMap((r) => r.messages)]) if (isReplyTo(m, state.mail)) byId.set(m.id, m);
  const cursors: Record<string, string> = {};
  for (const [i, folder] of state.folders.entries()) cursors[folder.id] = (recent[i] as { cursor: string }).cursor;
  return {
    replies: [...byId.values()].sort((a, b) => String(a.receivedDateTime ?? '').localeCompare(String(b.receivedDateTime ?? ''))),
    cursors,
  };
}

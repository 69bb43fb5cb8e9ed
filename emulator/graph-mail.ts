/**
 * Microsoft Graph mail below `/users/{id}`: folders (graph-mail-folders.ts), messages
 * (graph-mail-messages.ts) with their attachments (graph-mail-attachments.ts), sending and
 * replies (graph-mail-send.ts), mailbox settings (graph-mailbox-settings.ts) and presence (OOF,
 * graph-presence.ts).
 */
import type { User } from './directory';
import { byMethod, segmentNotFound, type GraphCall } from './graph-call';
import { mailFoldersRoute } from './graph-mail-folders';
import { messagesRoute } from './graph-mail-messages';
import { sendMail } from './graph-mail-send';
import { mailboxSettingsRoute } from './graph-mailbox-settings';
import { presenceJson } from './graph-presence';
import { json, type EmuResponse } from './http';
import type { Mailbox } from './mailbox';

/** Routes `/users/{id}/<rest>` for a user with a mailbox. */
export function mailRoute(g: GraphCall, user: User, mb: Mailbox, rest: string[]): EmuResponse {
  const [head, ...tail] = rest;
  switch (head) {
    case 'mailFolders':
      return mailFoldersRoute(g, mb, tail);
    case 'messages':
      return messagesRoute(g, mb, null, tail);
    case 'sendMail':
      if (tail.length) return segmentNotFound(tail[0] as string);
      return byMethod(g, { POST: () => sendMail(g, mb) });
    case 'mailboxSettings':
      return mailboxSettingsRoute(g, mb, tail);
    case 'presence':
      if (tail.length) return segmentNotFound(tail[0] as string);
      return byMethod(g, { GET: () => json(200, presenceJson(g, user)) });
    default:
      return segmentNotFound(head ?? '');
  }
}

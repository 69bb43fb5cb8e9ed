/**
 * The message a Forward or a Thread Reply answers: looked up by `id` or `internetMessageId` in a
 * folder of the sending mailbox (behaviour.md 5: folder names case-insensitive, nested, well-known).
 */
import type { GraphClient } from './client';
import { FolderNotFoundError, isFolderMissing, resolveFolder } from './folders';
import { findMessages, type Message } from './lookup';

/** The message, or null when no message of that id is in the folder; FolderNotFoundError when the folder is missing. */
export async function findOriginal(graph: GraphClient, mailbox: string, folderPath: string, mailId: string): Promise<Message | null> {
  const folder = await resolveFolder(graph, mailbox, folderPath);
  try {
    const { found } = await findMessages(graph, mailbox, [mailId], {
      folderId: folder.id,
      select: ['subject', 'from', 'sender', 'replyTo', 'toRecipients', 'ccRecipients'],
    });
    return found[0] ?? null;
  } catch (err) {
    if (isFolderMissing(err)) throw new FolderNotFoundError(mailbox, folder.path);
    throw err;
  }
}

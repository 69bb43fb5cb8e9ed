import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { mailboxBatchSize, mailIdsFilter, onlyUnread, senderFilter, subjectFilter, timeFrame } from './params/selection';
import { runCleanup } from '../cleanup';
import { GraphClient } from '../client';
import { FolderNotFoundError, resolveFolder } from '../folders';
import { RoleFolderNotFoundError } from '../mailboxes';

const messages = {
  success: {
    moved: 'Successfully moved emails in the following mailboxes: MAILBOX: MOVED_EMAILS_NUMBER',
    mailboxMissing: 'Mailbox MAILBOX was not found.',
  },
  failure: {
    noEmails: 'Action was not able to find any emails based on the specified search criteria.',
    sourceMissing: 'Action failed to move any emails because the provided source folder was not found in the mailbox(es): MAILBOX_NAME, MAILBOX_FOLDER',
    destinationMissing:
      'Action failed to move any emails because the provided destination folder was not found in the mailbox(es): MAILBOX_NAME, MAILBOX_FOLDER',
    noMailboxes: 'Failed to find any of the provided mailboxes: MAILBOX_LIST',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Move Email To Folder. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'move-email-to-folder',
  name: 'Move Email To Folder',
  description: 'Move one or more emails from a source folder to another folder of the mailbox.',
  params: [
    param('Move In Mailbox', {
      type: 'email-list',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The mailbox(es) to execute the move operation in (comma-separated); defaults to the Default Mailbox.',
    }),
    param('Source Folder Name', {
      type: 'string',
      required: true,
      description: 'A source folder to move the email from.',
    }),
    param('Destination Folder Name', {
      type: 'string',
      required: true,
      description: 'A destination folder to move the email to, e.g. inbox/folder_name/subfolder_name (case insensitive).',
    }),
    mailIdsFilter,
    subjectFilter,
    senderFilter,
    timeFrame,
    onlyUnread,
    mailboxBatchSize,
  ],
  changesMail: true,
  dryRun: true,
  messages,
  async run(ctx, params) {
    const { moved, mailboxMissing } = messages.success;
    const { noEmails, sourceMissing, destinationMissing, noMailboxes, failed } = messages.failure;
    const graph = new GraphClient(ctx);
    const sourceName = String(params['source-folder-name'] ?? '');
    const destinationName = String(params['destination-folder-name'] ?? '');
    /** The folder of one role, or RoleFolderNotFoundError naming that role. */
    const folderAs = async (mailbox: string, name: string, role: string) => {
      try {
        return await resolveFolder(graph, mailbox, name, { verify: role === 'destination' });
      } catch (err) {
        if (err instanceof FolderNotFoundError) throw new RoleFolderNotFoundError(mailbox, err.folder, role);
        throw err;
      }
    };
    return runCleanup({
      ctx,
      graph,
      params,
      mailboxParam: 'move-in-mailbox',
      verb: 'Searched',
      texts: {
        done: moved,
        donePairs: 'MAILBOX: MOVED_EMAILS_NUMBER',
        mailboxMissing,
        noEmails,
        noMailboxes,
        failed,
        folderMissing: (role) => (role === 'destination' ? destinationMissing : sourceMissing),
        dryRunWhat: 'move {n}',
      },
      folders: async (mailbox) => {
        const source = await folderAs(mailbox, sourceName, 'source');
        const destination = await folderAs(mailbox, destinationName, 'destination');
        return { source, destination, tail: ` to ${destination.path}` };
      },
      // https://learn.microsoft.com/graph/api/message-move
      act: async (mailbox, mail, folders) => {
        await graph.call('POST', `v1.0/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(mail.id)}/move`, {
          destinationId: folders.destination!.id,
        });
      },
    });
  },
};

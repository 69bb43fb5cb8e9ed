import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { mailboxBatchSize, mailIdsFilter, onlyUnread, timeFrame } from './params/selection';
import { runCleanup } from '../cleanup';
import { GraphClient } from '../client';
import { resolveFolder } from '../folders';

const messages = {
  success: {
    deleted: 'Successfully deleted emails in the following mailboxes: MAILBOX_NAME: DELETED_EMAILS_NUMBER',
    mailboxMissing: 'Mailbox MAILBOX was not found.',
  },
  failure: {
    noEmails: 'Action was not able to find any emails based on the specified search criteria.',
    folderMissing: 'Action failed to delete any emails because the provided mailbox folder name was not found in the mailbox(es): MAILBOX_NAME, MAILBOX_FOLDER',
    noMailboxes: 'Failed to find any of the provided mailboxes: MAILBOX_LIST',
    failed: 'Failed to execute action, the error is: ERROR_REASON',
  },
} satisfies OutputMessages;

/** Seed: Delete Email. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'delete-email',
  name: 'Delete Email',
  description: 'Delete one or more emails from a mailbox based on your search criteria.',
  params: [
    param('Delete In Mailbox', {
      type: 'email-list',
      required: false,
      defaultFromInstance: 'default-mailbox',
      description: 'The mailbox(es) to execute the delete operation in (comma-separated); defaults to the Default Mailbox.',
    }),
    param('Folder Name', {
      type: 'string',
      required: true,
      default: 'Inbox',
      description: 'A mailbox folder to search an email in.',
    }),
    mailIdsFilter,
    param('Subject Filter', {
      type: 'string',
      required: false,
      description: 'A filter condition that specifies the email subject to search for.',
    }),
    param('Sender Filter', {
      type: 'string',
      required: false,
      description: 'A filter condition that specifies the sender of requested emails.',
    }),
    timeFrame,
    onlyUnread,
    mailboxBatchSize,
  ],
  changesMail: true,
  dryRun: true,
  messages,
  async run(ctx, params) {
    const { deleted, mailboxMissing } = messages.success;
    const { noEmails, folderMissing, noMailboxes, failed } = messages.failure;
    const graph = new GraphClient(ctx);
    const folderName = String(params['folder-name']);
    return runCleanup({
      ctx,
      graph,
      params,
      mailboxParam: 'delete-in-mailbox',
      verb: 'Searched',
      texts: {
        done: deleted,
        donePairs: 'MAILBOX_NAME: DELETED_EMAILS_NUMBER',
        mailboxMissing,
        noEmails,
        noMailboxes,
        failed,
        folderMissing: () => folderMissing,
        dryRunWhat: 'delete {n}',
      },
      folders: async (mailbox) => ({ source: await resolveFolder(graph, mailbox, folderName) }),
      // https://learn.microsoft.com/graph/api/message-delete: moves the mail to Deleted Items.
      act: async (mailbox, mail) => {
        await graph.call('DELETE', `v1.0/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(mail.id)}`);
      },
    });
  },
};

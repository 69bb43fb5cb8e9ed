import { type ActionSpec, param } from '../../kit/spec';
import { junkSearchInMailbox } from './params/selection';
import { runJunk, type JunkMessages } from '../junk';

const messages = {
  success: {
    ok: 'Successfully marked the email as junk.',
    idMissing: 'Failed to find email with ID ID in MAILBOX.',
    mailboxMissing: 'Mailbox MAILBOX was not found.',
  },
  failure: {
    failed: 'Error executing action "Mark Email as Junk". Reason: ERROR_REASON',
    noEmails: 'Failed to find any emails based on provided parameters!',
    folderMissing: 'Action failed to run because the provided mailbox folder name MAILBOX_FOLDER was not found in the mailbox MAILBOX.',
  },
} satisfies JunkMessages;

/** Seed: Mark Email as Junk (beta `markAsJunk`, behaviour.md 13). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'mark-email-as-junk',
  name: 'Mark Email as Junk',
  description: 'Mark emails as junk: block their sender and move them to the Junk Email folder.',
  params: [
    junkSearchInMailbox,
    param('Folder Name', {
      type: 'string',
      required: true,
      default: 'Inbox',
      description: 'A mailbox folder to execute search in.',
    }),
    param('Mail IDs', {
      type: 'list',
      required: true,
      description: 'The IDs or internetMessageId values of the mails to mark as junk (comma-separated).',
    }),
  ],
  changesMail: true,
  dryRun: true,
  messages,
  run: (ctx, params) => runJunk(ctx, params, messages, 'markAsJunk'),
};

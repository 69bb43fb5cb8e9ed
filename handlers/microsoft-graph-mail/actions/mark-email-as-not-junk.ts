import { type ActionSpec, param } from '../../kit/spec';
import { junkSearchInMailbox } from './params/selection';
import { runJunk, type JunkMessages } from '../junk';

const messages = {
  success: {
    ok: 'Successfully marked the email as not junk.',
    idMissing: 'Failed to find email with ID ID in MAILBOX.',
    mailboxMissing: 'Mailbox MAILBOX was not found.',
  },
  failure: {
    failed: 'Error executing action "Mark Email as Not Junk". Reason: ERROR_REASON',
    noEmails: 'Failed to find any emails based on provided parameters!',
    folderMissing: 'Action failed to run because the provided mailbox folder name MAILBOX_FOLDER was not found in the mailbox MAILBOX.',
  },
} satisfies JunkMessages;

/** Seed: Mark Email as Not Junk (beta `markAsNotJunk`, behaviour.md 13). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'mark-email-as-not-junk',
  name: 'Mark Email as Not Junk',
  description: 'Mark emails as not junk: unblock their sender and move them to the Inbox folder.',
  params: [
    junkSearchInMailbox,
    param('Folder Name', {
      type: 'string',
      required: true,
      // behaviour.md 8: Mark Email as Not Junk searches `Junk Email` by default.
      default: 'Junk Email',
      description: 'A mailbox folder to execute search in.',
    }),
    param('Mail IDs', {
      type: 'list',
      required: true,
      description: 'The IDs or internetMessageId values of the mails to mark as not junk (comma-separated).',
    }),
  ],
  changesMail: true,
  dryRun: true,
  messages,
  run: (ctx, params) => runJunk(ctx, params, messages, 'markAsNotJunk'),
};

import { type ActionSpec, param } from '../../kit/spec';
import { junkSearchInMailbox } from './params/selection';
import { runJunk } from '../junk';

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
  messages: {
    success: [
      'Successfully marked the email as junk.',
      'Failed to find email with ID ID in MAILBOX.',
      'Mailbox MAILBOX was not found.',
    ],
    failure: [
      'Error executing action "Mark Email as Junk". Reason: ERROR_REASON',
      'Failed to find any emails based on provided parameters!',
      'Action failed to run because the provided mailbox folder name MAILBOX_FOLDER was not found in the mailbox MAILBOX.',
    ],
  },
  run: (ctx, params) => runJunk(ctx, params, spec, 'markAsJunk'),
};

/**
 * Parameters that select mails (mailboxes, filters, batching) whose seed text is the same in each
 * action that uses them. The actions list them in their seed's order; where a seed words a
 * parameter differently (Delete Email's Subject/Sender Filter, the Folder Name variants, Search
 * Emails' Mail IDs), the action keeps it.
 */
import { param, type ParamSpec } from '../../../kit/spec';

/** Search Emails, Extract Data From Attached EML (behaviour.md 7: defaults to the Default Mailbox). */
export const searchInMailboxes: ParamSpec = param('Search In Mailbox', {
  type: 'email-list',
  required: false,
  defaultFromInstance: 'default-mailbox',
  description: 'The mailbox(es) to execute the search operation in (comma-separated); defaults to the Default Mailbox.',
});

/** Mark Email as Junk, Mark Email as Not Junk ("a mailbox to search for an email in"). */
export const junkSearchInMailbox: ParamSpec = param('Search In Mailbox', {
  type: 'email-list',
  required: false,
  defaultFromInstance: 'default-mailbox',
  description: 'The mailbox(es) to search for the email in (comma-separated); defaults to the Default Mailbox.',
});

/** Delete Email, Move Email To Folder: Mail IDs as a filter that overrides Subject and Sender Filter. */
export const mailIdsFilter: ParamSpec = param('Mail IDs', {
  type: 'list',
  required: false,
  description: 'Comma-separated email IDs to search for; when given, Subject Filter and Sender Filter are ignored.',
});

/** Move Email To Folder, Search Emails (contains logic). */
export const subjectFilter: ParamSpec = param('Subject Filter', {
  type: 'string',
  required: false,
  description: 'A filter condition that specifies the email subject to search for (contains logic).',
});

/** Move Email To Folder, Search Emails (equals logic). */
export const senderFilter: ParamSpec = param('Sender Filter', {
  type: 'string',
  required: false,
  description: 'A filter condition that specifies the sender of requested emails (equals logic).',
});

/** Delete Email, Move Email To Folder, Search Emails. */
export const timeFrame: ParamSpec = param('Time Frame (minutes)', {
  type: 'integer',
  required: false,
  description: 'A filter condition that specifies the timeframe in minutes to search for emails.',
});

/** Delete Email, Move Email To Folder, Search Emails. */
export const onlyUnread: ParamSpec = param('Only Unread', {
  type: 'boolean',
  required: false,
  default: false,
  description: 'If selected, the action searches only for unread emails.',
});

/** Delete Email, Move Email To Folder, Search Emails (read with mailboxes.ts batchSizeParam). */
export const mailboxBatchSize: ParamSpec = param('How many mailboxes to process in a single batch', {
  type: 'integer',
  required: false,
  default: 25,
  description: 'The number of mailboxes to process in a single batch (single connection to the mail server).',
});

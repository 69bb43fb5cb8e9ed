/**
 * Parameters of Wait For Email From User and Wait For Vote Email Results whose seed text is the
 * same in both. The actions list them in their seed's order.
 */
import { param, type ParamSpec } from '../../../kit/spec';

/** Wait for All Recipients to Reply?, Wait Stage Exclude pattern, Folder to Check for Reply. */
export const replyWaitParams: ParamSpec[] = [
  param('Wait for All Recipients to Reply?', {
    type: 'boolean',
    required: false,
    default: true,
    description: 'If selected, the action waits for replies from all recipients until timeout; otherwise it proceeds with the first reply.',
  }),
  param('Wait Stage Exclude pattern', {
    type: 'string',
    required: false,
    description: 'A regular expression on the email body to exclude specific replies (e.g. automatic out-of-office messages).',
  }),
  param('Folder to Check for Reply', {
    type: 'list',
    required: false,
    default: ['Inbox'],
    description: 'A comma-separated list of mailbox folders to search for the user reply in.',
  }),
];

export const fetchResponseAttachments: ParamSpec = param('Fetch Response Attachments', {
  type: 'boolean',
  required: false,
  default: false,
  description: 'If selected and the reply contains attachments, they are posted to the thread.',
});

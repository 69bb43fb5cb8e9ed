/**
 * The voting block of Send Vote Email: one button per option, each a `mailto:` link back to the
 * sending mailbox with the vote in the subject and body (RFC 6068; `In-Reply-To` added for the
 * clients that honour it). One click opens a filled-in message in any mail client; Send votes.
 * The block uses tables and inline styles only, as mail clients require.
 */
import { escapeHtml } from '../../kit/html';
import { renderTemplate } from '../html-templates';
import { voteTag } from './options';

export interface VoteBlock {
  /** The mailbox the votes go to: the one the vote mail is sent from (the wait action reads it). */
  replyAddress: string;
  subject: string;
  options: string[];
  ref: string;
  /** The vote mail's own internetMessageId. */
  internetMessageId: string;
}

/** Longest subject carried in a link (mail clients cap mailto URLs at about 2,000 characters). */
const MAX_LINK_SUBJECT = 150;
const COLOURS = ['#1a7f37', '#cf222e', '#0b5cad', '#6e7781'];

/** RFC 6068: the address as is where it is plain, every other character percent-encoded. */
function mailtoAddress(address: string): string {
  return address.trim().replace(/[^A-Za-z0-9@._+-]/g, (c) => encodeURIComponent(c));
}

export function voteMailto(block: VoteBlock, option: string): string {
  const tag = voteTag(option, block.ref);
  const subject = block.subject.length > MAX_LINK_SUBJECT ? `${block.subject.slice(0, MAX_LINK_SUBJECT - 1)}…` : block.subject;
  const fields = [
    ['subject', `RE: ${subject} ${tag}`],
    ['body', `${option}\r\n\r\n${tag}`],
    ['In-Reply-To', block.internetMessageId],
  ];
  return `mailto:${mailtoAddress(block.replyAddress)}?${fields.map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`).join('&')}`;
}

export function voteBlockHtml(block: VoteBlock): string {
  const buttons = block.options
    .map((option, i) => {
      const colour = COLOURS[i % COLOURS.length];
      return (
        `<td style="padding:0 12px 0 0;"><a href="${escapeHtml(voteMailto(block, option))}" ` +
        `style="display:inline-block;padding:10px 26px;background:${colour};color:#ffffff;text-decoration:none;border-radius:4px;font-weight:600;font-size:14px;">` +
        `${escapeHtml(option)}</a></td>`
      );
    })
    // Whitespace between the cells keeps the options apart in plain-text renderings.
    .join('\n');
  const listed = block.options.map((o) => escapeHtml(o)).join(' or ');
  return (
    `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:24px 0 8px 0;"><tr>${buttons}</tr></table>` +
    `<p style="margin:8px 0 0 0;font-size:12px;color:#6a737d;">Click an option to vote: your mail app opens a message with your vote filled in; press Send. ` +
    `You can also reply to this email with ${listed} as the first word.</p>`
  );
}

/** The whole vote mail: the template around the Mail Content and the voting block. */
export function voteMailHtml(template: string, subject: string, content: string, block: VoteBlock): string {
  return renderTemplate(template, { subject, content: `<div>${content}</div>${voteBlockHtml(block)}` });
}

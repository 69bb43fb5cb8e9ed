/**
 * The vote in a reply: the tag of a vote link (subject or text) carrying this vote mail's
 * reference and one of its options, else the reply's first word when it is one of the options
 * (`Approve`, `approved`, `NO`). The quoted original is not read, so the buttons quoted from the
 * vote mail never count.
 */
import { taggedVotes } from './options';

export interface ReplyForVote {
  subject: string;
  /** The reply's own text (quoted original cut off). */
  text: string;
}

function sameOption(word: string, option: string): boolean {
  const w = word.toLowerCase();
  const o = option.toLowerCase();
  return w === o || w === `${o}d` || w === `${o}ed`;
}

/** The option voted for, as the vote mail writes it; null when the reply names none. */
export function voteOf(reply: ReplyForVote, ref: string | undefined, options: string[]): string | null {
  if (ref) {
    for (const tagged of [...taggedVotes(reply.subject, ref), ...taggedVotes(reply.text, ref)]) {
      const option = options.find((o) => sameOption(tagged, o));
      if (option) return option;
    }
  }
  const first = /[\p{L}\p{N}]+/u.exec(reply.text)?.[0];
  if (!first) return null;
  return options.find((o) => sameOption(first, o)) ?? null;
}

/** Whether the subject or text carries a vote tag of this vote mail. */
export function carriesVoteRef(reply: ReplyForVote, ref: string): boolean {
  return taggedVotes(reply.subject, ref).length > 0 || taggedVotes(reply.text, ref).length > 0;
}

/** The options of a sent vote mail, read back from its vote links (those carrying `ref`). */
export function optionsInVoteMail(html: string, ref: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/href\s*=\s*"(mailto:[^"]*)"/gi)) {
    const href = (m[1] as string).replace(/&amp;/g, '&').replace(/&quot;/g, '"');
    const query = href.slice(href.indexOf('?') + 1);
    let subject = '';
    try {
      subject = new URLSearchParams(query.replace(/\+/g, '%2B')).get('subject') ?? '';
    } catch {
      continue;
    }
    for (const option of taggedVotes(subject, ref)) if (!out.includes(option)) out.push(option);
  }
  return out;
}

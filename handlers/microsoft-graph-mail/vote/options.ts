/**
 * The voting structures of Send Vote Email and the tag a vote carries back. Every vote link of a
 * mail carries a reference derived from that mail's internetMessageId, so a vote sent from any
 * mail client (a new message, not a reply in the thread) is still tied to the one vote mail it
 * answers — never matched by subject alone.
 */
import { createHash } from 'node:crypto';

export const VOTE_STRUCTURES = ['Yes/No', 'Approve/Reject'] as const;

/** `Yes/No` → [`Yes`, `No`]. */
export function voteOptions(structure: unknown): string[] {
  const text = typeof structure === 'string' && structure.trim() ? structure : VOTE_STRUCTURES[0];
  return text
    .split('/')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Every option chatsoar offers, for replies to a mail whose own options cannot be read back. */
export const ALL_OPTIONS = VOTE_STRUCTURES.flatMap((s) => voteOptions(s));

/** Ten hex digits of the mail's internetMessageId: the same for every copy of that mail. */
export function voteRef(internetMessageId: string): string {
  return createHash('sha256').update(internetMessageId.trim().toLowerCase()).digest('hex').slice(0, 10);
}

/** `[Vote: Approve, ref 0123456789]`: put in the subject and body of a vote sent by a link. */
export function voteTag(option: string, ref: string): string {
  return `[Vote: ${option}, ref ${ref}]`;
}

const TAG = /\[\s*vote:\s*([^,\]\r\n]{1,40}?)\s*,\s*ref\s+([0-9a-f]{10})\s*\]/gi;

/** The options of every vote tag in `text` that carries `ref`, in order. */
export function taggedVotes(text: string, ref: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TAG)) if ((m[2] as string).toLowerCase() === ref) out.push((m[1] as string).trim());
  return out;
}

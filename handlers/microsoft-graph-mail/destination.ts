/**
 * "GCP Bucket" as a destination or source (Download Destination, Attachment Location). chatsoar's
 * actions see no object store yet, so they use the local files root, as the seed's fallback says,
 * and say so in one line (behaviour.md 6).
 */
import type { ActionContext } from '../kit/context';

export const GCP_BUCKET = 'GCP Bucket';

/** The one-line note for a GCP Bucket choice, or null for Local File System. */
export function bucketFallbackNote(ctx: ActionContext, choice: unknown, doing: string): string | null {
  if (String(choice ?? GCP_BUCKET) !== GCP_BUCKET) return null;
  return `No GCP bucket is configured for environment ${ctx.environment}: ${doing} the local files root instead.`;
}

import { createHash, randomBytes } from 'node:crypto';

/**
 * A short, typable job id that contains digits (behaviour.md 35), e.g. `j-4821kx3z`. Derived from
 * the platform's request id, so a webhook retried by Slack or Teams maps to the same job.
 */
export function jobIdFor(requestId: string): string {
  const h = createHash('sha256').update(requestId).digest();
  const digits = 1000 + (h.readUInt32BE(0) % 9000);
  const tail = (h.readUInt32BE(4) % 36 ** 4).toString(36).padStart(4, '0');
  return `j-${digits}${tail}`;
}

export function randomId(prefix: string, bytes = 9): string {
  return `${prefix}-${randomBytes(bytes).toString('base64url')}`;
}

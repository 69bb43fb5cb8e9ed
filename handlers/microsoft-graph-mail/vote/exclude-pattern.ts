/**
 * "Wait Stage Exclude pattern": a user regex run by RE2 (DECISIONS 16), which cannot hang. A
 * pattern RE2 cannot take (back-references, look-arounds) is refused with a one-line message.
 */
import RE2 from 're2';
import { UserError } from '../../kit/errors';
import { bodyText } from './reply-text';

export type ExcludePattern = RE2;

export function compileExcludePattern(value: unknown): ExcludePattern | null {
  const source = typeof value === 'string' ? value : '';
  if (!source.trim()) return null;
  try {
    return new RE2(source);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UserError(`Wait Stage Exclude pattern ${JSON.stringify(source)} is not a regular expression RE2 accepts (${reason}).`);
  }
}

/** Checked against the body as plain text and as sent (HTML), so either kind of pattern works. */
export function isExcluded(pattern: ExcludePattern | null, body: { contentType?: string; content?: string } | undefined): boolean {
  if (!pattern) return false;
  return pattern.test(bodyText(body)) || pattern.test(body?.content ?? '');
}

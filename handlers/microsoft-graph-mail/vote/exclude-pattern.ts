/**
 * "Wait Stage Exclude pattern": a user regex run by RE2 (behaviour.md 16), which cannot hang. A
 * pattern RE2 cannot take (back-references, look-arounds) is refused with a one-line message.
 */
import type RE2 from 're2';
import { compileUserRegex } from '../../kit/user-regex';
import { bodyText } from './reply-text';

export type ExcludePattern = RE2;

export function compileExcludePattern(value: unknown): ExcludePattern | null {
  const source = typeof value === 'string' ? value : '';
  return source.trim() ? compileUserRegex(source, 'Wait Stage Exclude pattern') : null;
}

/** Checked against the body as plain text and as sent (HTML), so either kind of pattern works. */
export function isExcluded(pattern: ExcludePattern | null, body: { contentType?: string; content?: string } | undefined): boolean {
  if (!pattern) return false;
  return pattern.test(bodyText(body)) || pattern.test(body?.content ?? '');
}

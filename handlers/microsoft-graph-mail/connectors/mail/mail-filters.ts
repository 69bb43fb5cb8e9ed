/**
 * Which mails a cycle skips: Email exclude pattern (RE2 on subject and body, behaviour.md 16), and
 * the connector's whitelist / blacklist (behaviour.md 19) on the sender's address or domain.
 */
import type RE2 from 're2';
import { compileUserRegex } from '../../../kit/user-regex';

export function compileExclude(value: unknown): RE2 | null {
  const source = typeof value === 'string' ? value : '';
  return source.trim() ? compileUserRegex(source, 'Email exclude pattern') : null;
}

export function excluded(pattern: RE2 | null, subject: string, body: string): boolean {
  return !!pattern && (pattern.test(subject) || pattern.test(body));
}

/** An entry is an address (`a@b.example`) or a domain (`b.example`, `@b.example`). */
function matches(entry: string, sender: string): boolean {
  const e = entry.trim().toLowerCase();
  const s = sender.toLowerCase();
  if (!e) return false;
  if (e.includes('@') && !e.startsWith('@')) return e === s;
  const domain = e.replace(/^@/, '');
  return s.endsWith(`@${domain}`);
}

export function senderAllowed(rules: { whitelist: string[]; blacklist: string[] }, sender: string): boolean {
  if (rules.whitelist.length && !rules.whitelist.some((w) => matches(w, sender))) return false;
  return !rules.blacklist.some((b) => matches(b, sender));
}

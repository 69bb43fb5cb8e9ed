/** Graph recipient JSON from the comma-separated address lists of the actions. */
import type { Recipient } from './lookup';

export function recipients(list: unknown): Recipient[] {
  const items = Array.isArray(list) ? list : typeof list === 'string' ? list.split(/[,;]/) : [];
  const seen = new Set<string>();
  const out: Recipient[] = [];
  for (const raw of items) {
    const address = String(raw).trim();
    if (!address || seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    out.push({ emailAddress: { address } });
  }
  return out;
}

export function addressOf(r: Recipient | null | undefined): string {
  return r?.emailAddress?.address?.trim() ?? '';
}

export function sameAddress(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

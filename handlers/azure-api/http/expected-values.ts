/**
 * Expected Response Values (seed: "Condition logic" and "JSON parsing behavior"): each key is
 * searched through the whole response; every occurrence must equal the expected value, or one
 * of the expected values when a list is given (OR); all keys must hold at once (AND).
 */
import { jsonObjectParam } from './build-request';

export interface Mismatch {
  key: string;
  expected: unknown[];
  /** What the response held under this key (every occurrence); empty when the key is absent. */
  found: unknown[];
}

export function expectedValuesParam(value: unknown): Record<string, unknown> | undefined {
  const parsed = jsonObjectParam(value, 'Expected Response Values');
  return parsed && Object.keys(parsed).length ? parsed : undefined;
}

/** Every value stored under `key`, at any depth, in objects and arrays alike. */
export function occurrences(data: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(data)) {
    for (const item of data) occurrences(item, key, out);
  } else if (data && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) {
      if (k === key) out.push(v);
      occurrences(v, key, out);
    }
  }
  return out;
}

/** Values compare as the text a user types: `"100"` matches 100, `"true"` matches true. */
function canonical(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function valueMatches(actual: unknown, expected: unknown[]): boolean {
  const a = canonical(actual);
  return expected.some((e) => canonical(e) === a || (typeof actual === 'boolean' && canonical(e).toLowerCase() === a));
}

export function checkExpected(data: unknown, expected: Record<string, unknown>): Mismatch[] {
  const mismatches: Mismatch[] = [];
  for (const [key, want] of Object.entries(expected)) {
    const options = Array.isArray(want) ? want : [want];
    const found = occurrences(data, key);
    if (!found.length || !found.every((v) => valueMatches(v, options))) mismatches.push({ key, expected: options, found });
  }
  return mismatches;
}

/** One line for the wait status or the timeout: `state is "running" (expected "finished" or "error")`. */
export function describeMismatches(mismatches: Mismatch[]): string {
  const q = (v: unknown) => JSON.stringify(canonical(v)).slice(0, 80);
  return mismatches
    .map((m) => {
      const want = m.expected.map(q).join(' or ');
      if (!m.found.length) return `${m.key} not in the response (expected ${want})`;
      return `${m.key} is ${m.found.slice(0, 5).map(q).join(', ')}${m.found.length > 5 ? ', …' : ''} (expected ${want})`;
    })
    .join('; ');
}

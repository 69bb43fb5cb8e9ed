/** A parameter's value as typed in chat, converted to its param's type (ParamType in handlers/kit/spec.ts). */
import { type ParamSpec, slug } from '../../handlers/kit/spec';
import { didYouMean } from './command-error';
import { suggest } from './suggest';
import { clip, show, type Token } from './tokenize';

const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off', '0']);

const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+$/;
const WHOLE_NUMBER = /^[+-]?\d+$/;
const LIST_SEPARATORS = /,/;
const EMAIL_LIST_SEPARATORS = /[,;\s]+/;

/** One typed value, in its three forms. */
export type RawValue = Pick<Token, 'value' | 'literal' | 'source' | 'quoted'>;

type Converted = { ok: true; value: unknown } | { ok: false; message: string; suggestions?: string[] };

export function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  return undefined;
}

export function splitList(text: string, separators: RegExp): string[] {
  return text
    .split(separators)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function jsonStringArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.map((x: string) => x.trim()).filter((x) => x.length > 0) : undefined;
  } catch {
    return undefined;
  }
}

export function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
}

function cleanEmail(text: string): string {
  let t = text.trim();
  if (/^mailto:/i.test(t)) t = t.slice(7);
  if (t.startsWith('<') && t.endsWith('>')) t = t.slice(1, -1).trim();
  return t;
}

function smartToAscii(text: string): string {
  return text.replace(/[“”„]/g, '"').replace(/[‘’‚]/g, "'");
}

function parseJson(raw: RawValue): { ok: true; value: unknown } | { ok: false; reason: string } {
  // The text between the quotes as typed first, so that `'{"re": "\\d+"}'` (behaviour.md 16) means
  // what it says; then with escapes applied; then the token as typed; each also with smart
  // quotes made straight.
  const tries = [raw.literal, raw.value, raw.source];
  for (const t of [...tries]) tries.push(smartToAscii(t));
  let reason = '';
  const seen = new Set<string>();
  for (const t of tries) {
    if (seen.has(t)) continue;
    seen.add(t);
    try {
      return { ok: true, value: JSON.parse(t) };
    } catch (err) {
      if (!reason) reason = err instanceof Error ? err.message : String(err);
    }
  }
  return { ok: false, reason };
}

/** Converts one typed value to its param's type. */
export function convertValue(param: ParamSpec, raw: RawValue): Converted {
  const name = `--${param.id}`;
  const text = raw.value;
  const trimmed = text.trim();
  const needsValue = (): Converted => ({ ok: false, message: `Parameter ${name} needs a value.` });
  switch (param.type) {
    case 'string':
    case 'password':
    case 'code':
      return { ok: true, value: text };
    case 'boolean': {
      const b = parseBoolean(trimmed);
      if (b === undefined) return { ok: false, message: `Parameter ${name}: expected true or false, got ${show(text)}.` };
      return { ok: true, value: b };
    }
    case 'integer': {
      if (!trimmed) return needsValue();
      if (!WHOLE_NUMBER.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) {
        return { ok: false, message: `Parameter ${name}: expected a whole number, got ${show(text)}.` };
      }
      return { ok: true, value: Number(trimmed) };
    }
    case 'list':
      // A JSON array of strings keeps items that contain commas (e.g. `["Invoice, March.eml"]`).
      return { ok: true, value: jsonStringArray(trimmed) ?? splitList(text, LIST_SEPARATORS) };
    case 'email-list': {
      const items = splitList(text, EMAIL_LIST_SEPARATORS).map(cleanEmail);
      const bad = items.find((e) => !EMAIL.test(e));
      if (bad !== undefined) return { ok: false, message: `Parameter ${name}: ${show(bad)} is not an email address.` };
      return { ok: true, value: items };
    }
    case 'email': {
      if (!trimmed) return needsValue();
      const e = cleanEmail(text);
      if (!EMAIL.test(e)) return { ok: false, message: `Parameter ${name}: ${show(text)} is not an email address.` };
      return { ok: true, value: e };
    }
    case 'url': {
      if (!trimmed) return needsValue();
      let ok = false;
      try {
        const u = new URL(trimmed);
        ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
      } catch {
        ok = false;
      }
      if (!ok) return { ok: false, message: `Parameter ${name}: expected an http:// or https:// URL, got ${show(text)}.` };
      return { ok: true, value: trimmed };
    }
    case 'enum': {
      if (!trimmed) return needsValue();
      const options = param.options ?? [];
      const hit =
        options.find((o) => o === trimmed) ??
        options.find((o) => o.toLowerCase() === trimmed.toLowerCase()) ??
        options.find((o) => slug(o) !== '' && slug(o) === slug(trimmed));
      if (hit !== undefined) return { ok: true, value: hit };
      const suggestions = suggest(trimmed, options, 3);
      const tail = suggestions.length ? didYouMean(suggestions) : '';
      return { ok: false, message: `Parameter ${name}: ${show(text)} is not one of ${clip(options.join(', '), 300)}.${tail}`, suggestions };
    }
    case 'json': {
      if (!trimmed) return needsValue();
      const parsed = parseJson(raw);
      if (parsed.ok) return parsed;
      const hint = raw.quoted ? '' : ` Put JSON in single quotes: ${name} '{"key": "value"}'.`;
      return { ok: false, message: `Parameter ${name}: invalid JSON (${clip(parsed.reason, 120)}).${hint}` };
    }
    default:
      return { ok: true, value: text };
  }
}

/** A param's `default` typed as the parser would type it. */
export function typedDefault(param: ParamSpec): unknown {
  const d = param.default;
  if (d === undefined) return undefined;
  if (Array.isArray(d)) return [...d];
  if (typeof d === 'string') {
    if (param.type === 'json') {
      try {
        return JSON.parse(d);
      } catch {
        return d;
      }
    }
    if (param.type === 'list' || param.type === 'email-list') return splitList(d, param.type === 'list' ? LIST_SEPARATORS : EMAIL_LIST_SEPARATORS);
    if (param.type === 'integer' && WHOLE_NUMBER.test(d.trim())) return Number(d.trim());
    if (param.type === 'boolean') return parseBoolean(d) ?? d;
  }
  return d;
}

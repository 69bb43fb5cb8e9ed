/**
 * A parameter's value typed by its ParamSpec: the one rule for chat text, dialog fields, CONFIG_FILE
 * values (YAML gives lists, booleans and numbers natively) and stored schedule parameters. Callers
 * word a refusal their own way (chat names `--<id>`, CONFIG_FILE its key path) from the problem.
 */
import { type ParamSpec, slug } from './spec';

/** Why a value cannot be its param's type; `got` is the value as given. */
export type ParamProblem =
  | { kind: 'needs-value' }
  | { kind: 'boolean' | 'integer' | 'email' | 'url'; got: string }
  | { kind: 'enum'; got: string; options: readonly string[] }
  | { kind: 'json'; reason: string }
  | { kind: 'list' }
  | { kind: 'text'; got: 'a map' | 'a list' };

export type Coerced = { ok: true; value: unknown } | { ok: false; problem: ParamProblem };

export interface CoerceOptions {
  /** For `json`: the texts to try in order (chat passes the token with and without its escapes). */
  jsonTexts?: readonly string[];
  /**
   * For `url`: accept a value that starts with a run-time placeholder (`$PUBLIC_URL/…`,
   * `<Microsoft Graph API Root>/…`), as CONFIG_FILE and the seed defaults may; the instance
   * resolves it (kit/instance).
   */
  placeholders?: boolean;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off', '0']);
const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+$/;
const WHOLE_NUMBER = /^[+-]?\d+$/;
const LIST_SEPARATORS = /,/;
const EMAIL_LIST_SEPARATORS = /[,;\s]+/;
const PLACEHOLDER = /^(\$[A-Z_]+|<[^>]+>)/;

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

/** Nothing given: undefined, null, blank text or an empty list. */
export function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
}

export function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
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

/** A JSON array of strings (items may contain commas, e.g. `["Invoice, March.eml"]`), or undefined. */
function jsonStringArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

type Scalar = string | number | boolean;
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** The items of a list value: a list as is, else a JSON array of strings, else the text split. */
function listItems(value: unknown, separators: RegExp): string[] | undefined {
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (isScalar(value)) {
    const text = String(value);
    const json = jsonStringArray(text.trim());
    if (!json) return splitList(text, separators);
    items = json;
  } else return undefined;
  if (!items.every(isScalar)) return undefined;
  return items.map((x) => String(x).trim()).filter((x) => x.length > 0);
}

function parseJsonText(texts: readonly string[]): Coerced {
  const tries = [...texts, ...texts.map(smartToAscii)];
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
  return { ok: false, problem: { kind: 'json', reason } };
}

/** Types one value (text or a YAML-native value) as its param. */
export function coerceParam(p: ParamSpec, value: unknown, opts: CoerceOptions = {}): Coerced {
  const ok = (v: unknown): Coerced => ({ ok: true, value: v });
  const no = (problem: ParamProblem): Coerced => ({ ok: false, problem });
  if (value === undefined || value === null) return no({ kind: 'needs-value' });

  if (p.type === 'list' || p.type === 'email-list') {
    const items = listItems(value, p.type === 'list' ? LIST_SEPARATORS : EMAIL_LIST_SEPARATORS);
    if (!items) return no({ kind: 'list' });
    if (p.type === 'list') return ok(items);
    const emails = items.map(cleanEmail);
    const bad = emails.find((e) => !EMAIL.test(e));
    return bad === undefined ? ok(emails) : no({ kind: 'email', got: bad });
  }
  if (p.type === 'json') {
    if (typeof value !== 'string') return ok(value);
    if (!value.trim()) return no({ kind: 'needs-value' });
    return parseJsonText(opts.jsonTexts ?? [value]);
  }
  if (!isScalar(value)) return no({ kind: 'text', got: Array.isArray(value) ? 'a list' : 'a map' });

  const text = String(value);
  const trimmed = text.trim();
  switch (p.type) {
    case 'boolean': {
      if (typeof value === 'boolean') return ok(value);
      const b = parseBoolean(trimmed);
      return b === undefined ? no({ kind: 'boolean', got: text }) : ok(b);
    }
    case 'integer': {
      if (typeof value === 'number') return Number.isSafeInteger(value) ? ok(value) : no({ kind: 'integer', got: text });
      if (!trimmed) return no({ kind: 'needs-value' });
      if (!WHOLE_NUMBER.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) return no({ kind: 'integer', got: text });
      return ok(Number(trimmed));
    }
    case 'email': {
      if (!trimmed) return no({ kind: 'needs-value' });
      const e = cleanEmail(text);
      return EMAIL.test(e) ? ok(e) : no({ kind: 'email', got: text });
    }
    case 'url': {
      if (!trimmed) return no({ kind: 'needs-value' });
      if (opts.placeholders && PLACEHOLDER.test(trimmed)) return ok(trimmed);
      return isHttpUrl(trimmed) ? ok(trimmed) : no({ kind: 'url', got: text });
    }
    case 'enum': {
      if (!trimmed) return no({ kind: 'needs-value' });
      const options = p.options ?? [];
      const hit =
        options.find((o) => o === trimmed) ??
        options.find((o) => o.toLowerCase() === trimmed.toLowerCase()) ??
        options.find((o) => slug(o) !== '' && slug(o) === slug(trimmed));
      return hit !== undefined ? ok(hit) : no({ kind: 'enum', got: text, options });
    }
    default:
      // string, password, code: the text as given.
      return ok(text);
  }
}

/**
 * A typed value written back as text that types to the same value (a dialog field, `admin show`):
 * a list joined by commas, or as a JSON array when an item holds a comma; a map as JSON.
 */
export function valueText(value: unknown): string {
  if (Array.isArray(value)) return value.some((x) => String(x).includes(',')) ? JSON.stringify(value) : value.map(String).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const shown = (text: string): string => JSON.stringify(text.slice(0, 80));

/** A problem in a few words, without the parameter's name (the caller adds where it is). */
export function problemText(problem: ParamProblem): string {
  switch (problem.kind) {
    case 'needs-value':
      return 'needs a value';
    case 'boolean':
      return 'expected true or false';
    case 'integer':
      return 'expected a whole number';
    case 'email':
      return `${shown(problem.got)} is not an email address`;
    case 'url':
      return `${shown(problem.got)} is not an http(s) URL`;
    case 'enum':
      return `expected one of ${problem.options.join(', ')}`;
    case 'json':
      return `invalid JSON (${problem.reason.split('\n')[0]})`;
    case 'list':
      return 'expected a list';
    case 'text':
      return `expected text, not ${problem.got}`;
  }
}

/** A param's `default` typed as a given value would be (placeholders kept for the instance to resolve). */
export function typedDefault(p: ParamSpec): unknown {
  const d = p.default;
  if (d === undefined) return undefined;
  const r = coerceParam(p, d, { placeholders: true });
  return r.ok ? r.value : Array.isArray(d) ? [...d] : d;
}

/** Where a param not given takes its value from, besides its default. */
export interface DefaultSources {
  /** The environment's integration instance (its defaults already filled, kit/instance). */
  instance?: Record<string, unknown>;
  /** Param id → instance param id, for params that do not name one themselves (a connector's). */
  instanceParamMap?: Record<string, string>;
  publicUrl?: string;
}

/**
 * Fills what was not given, once, where a run's params are built: the instance's value for a param
 * that takes it (behaviour.md 7), typed as the param, else the typed default with `$PUBLIC_URL`
 * resolved. So `run` can rely on every param that has a default.
 */
export function applyDefaults(specParams: readonly ParamSpec[], params: Record<string, unknown>, from: DefaultSources = {}): Record<string, unknown> {
  const { instance = {}, instanceParamMap = {}, publicUrl = '' } = from;
  const out: Record<string, unknown> = { ...params };
  for (const p of specParams) {
    if (out[p.id] !== undefined) continue;
    const instanceId = p.defaultFromInstance ?? instanceParamMap[p.id];
    const fromInstance = instanceId ? instance[instanceId] : undefined;
    if (fromInstance !== undefined && fromInstance !== '') {
      // Typed as this param (Default Mailbox, one address, fills a list of mailboxes).
      const typed = coerceParam(p, fromInstance, { placeholders: true });
      out[p.id] = typed.ok ? typed.value : fromInstance;
    } else if (p.default !== undefined) {
      const d = typedDefault(p);
      out[p.id] = typeof d === 'string' ? d.replace('$PUBLIC_URL', publicUrl.replace(/\/$/, '')) : d;
    }
  }
  return out;
}

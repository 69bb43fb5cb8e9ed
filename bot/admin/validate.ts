/**
 * Values typed for instance, connector and job parameters, checked by the one parameter rule
 * (handlers/kit/params, worded for chat by bot/commands convertValue), so that text commands,
 * dialogs and CONFIG_FILE accept and refuse exactly the same things.
 */
import { lookup } from 'node:dns/promises';
import { convertValue, suggest } from '../commands';
import { valueText } from '../../handlers/kit/params';
import { slug, type ParamSpec } from '../../handlers/kit/spec';
import { NonPublicAddressError, SsrfGuard, type Resolver } from '../../handlers/kit/ssrf';
import { entryOrigin, namesTarget, targetEntries, type OperatorTrust } from '../../store/allow-list';

export type Typed = { ok: true; value: unknown } | { ok: false; message: string };

export function findParamIn(params: readonly ParamSpec[], name: string): ParamSpec | undefined {
  const key = slug(name);
  if (!key) return undefined;
  return params.find((p) => p.id === key) ?? params.find((p) => (p.aliases ?? []).includes(key)) ?? params.find((p) => slug(p.displayName) === key);
}

/** `Parameter --x: "y" is not …` → `"y" is not …` (the field already names the parameter). */
export function fieldMessage(message: string): string {
  const m = /^Parameter --[a-z0-9-]+:?\s*(.*)$/.exec(message);
  if (!m?.[1]) return message;
  return m[1].charAt(0).toUpperCase() + m[1].slice(1);
}

/** A typed or submitted value to the param's type; `true` is a bare `--flag`. */
export function typedValue(p: ParamSpec, raw: string | true): Typed {
  if (raw === true) return p.type === 'boolean' ? { ok: true, value: true } : { ok: false, message: `Parameter --${p.id} needs a value.` };
  const text = p.secret ? raw.trim() : raw;
  const r = convertValue(p, { value: text, literal: text, source: text, quoted: true });
  return r.ok ? { ok: true, value: r.value } : { ok: false, message: r.message };
}

export function isBlank(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

export function needsValue(p: ParamSpec): boolean {
  return p.required && p.default === undefined && p.defaultFromInstance === undefined;
}

export interface Checked {
  values: Record<string, unknown>;
  /** Params to clear (back to their defaults). */
  unset: string[];
  /** By param id (or the unknown name as typed). */
  errors: Record<string, string>;
}

/** `--flag value` pairs of a text command (partial update: only what is given). */
export function checkFlags(params: readonly ParamSpec[], flags: Record<string, string | true>, owner: string): Checked {
  const out: Checked = { values: {}, unset: [], errors: {} };
  for (const [name, raw] of Object.entries(flags)) {
    const p = findParamIn(params, name);
    if (!p) {
      const near = suggest(
        name,
        params.map((x) => x.id),
        3,
      ).map((n) => `--${n}`);
      out.errors[name] =
        `Unknown parameter --${name} for ${owner}.${near.length ? ` Did you mean ${near.join(' or ')}?` : ` Parameters: ${params.map((x) => `--${x.id}`).join(', ')}.`}`;
      continue;
    }
    if (raw !== true && isBlank(raw)) {
      if (needsValue(p)) out.errors[p.id] = `Parameter --${p.id} is required; it cannot be emptied.`;
      else out.unset.push(p.id);
      continue;
    }
    const t = typedValue(p, raw);
    if (t.ok) out.values[p.id] = t.value;
    else out.errors[p.id] = t.message;
  }
  return out;
}

/**
 * A submitted form (every field present). Empty secret: keep the saved one (or the one typed
 * earlier in this dialog, `drafts`). Empty other field: back to its default. `stored` are the
 * ids that hold a value now.
 */
export function checkForm(
  params: readonly ParamSpec[],
  submitted: Record<string, unknown>,
  stored: ReadonlySet<string>,
  drafts: Record<string, string> = {},
): Checked {
  const out: Checked = { values: {}, unset: [], errors: {} };
  for (const p of params) {
    const raw = submitted[p.id];
    if (p.secret) {
      if (!isBlank(raw)) out.values[p.id] = String(raw).trim();
      else if (drafts[p.id]) out.values[p.id] = drafts[p.id];
      continue;
    }
    if (p.type === 'boolean') {
      if (raw === undefined || raw === null || raw === '') continue;
      const t = typedValue(p, typeof raw === 'boolean' ? String(raw) : String(raw));
      if (t.ok) out.values[p.id] = t.value;
      else out.errors[p.id] = fieldMessage(t.message);
      continue;
    }
    if (isBlank(raw)) {
      if (stored.has(p.id)) out.unset.push(p.id);
      continue;
    }
    const t = typedValue(p, String(raw));
    if (t.ok) out.values[p.id] = t.value;
    else out.errors[p.id] = fieldMessage(t.message);
  }
  for (const p of params) {
    if (out.errors[p.id] || !needsValue(p)) continue;
    const has = out.values[p.id] !== undefined || (stored.has(p.id) && !out.unset.includes(p.id));
    if (!has) out.errors[p.id] = `${p.displayName} is required.`;
  }
  return out;
}

/** A value as shown back (never a secret's). */
export function display(p: ParamSpec, value: unknown): string {
  return p.secret ? '••••••' : valueText(value);
}

/** How long a typed host name may take to resolve before it is left to the guard at request time. */
const RESOLVE_MS = 2000;

const resolveWithin: Resolver = async (host) => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'EAI_AGAIN' })), RESOLVE_MS);
  });
  try {
    const found = await Promise.race([lookup(host, { all: true, verbatim: true }), late]);
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? (6 as const) : (4 as const) }));
  } finally {
    clearTimeout(timer);
  }
};

/**
 * URLs, allow-list entries and proxies typed in chat: public addresses only, unless the operator
 * trusts the origin (CONFIG_FILE, TRUSTED_ORIGINS). By param id, one line each. A name that does
 * not resolve now is left to the guard, which checks every request again.
 */
export async function checkTargets(
  trust: OperatorTrust,
  environment: string,
  params: readonly ParamSpec[],
  values: Record<string, unknown>,
  resolver: Resolver = resolveWithin,
): Promise<Record<string, string>> {
  const errors: Record<string, string> = {};
  const guard = new SsrfGuard({ allowList: [], resolver });
  for (const p of params) {
    if (!namesTarget(p) || values[p.id] === undefined) continue;
    for (const entry of targetEntries(p, values[p.id])) {
      const origin = entryOrigin(p, entry);
      if (!origin) {
        errors[p.id] = `--${p.id} ${JSON.stringify(entry.slice(0, 80))} is not an origin: write scheme://host[:port].`;
        break;
      }
      if (await trust.has(origin, environment)) continue;
      try {
        await guard.check(`${origin}/`);
      } catch (err) {
        if (!(err instanceof NonPublicAddressError)) continue;
        const host = new URL(origin).hostname.replace(/^\[|\]$/g, '');
        const where = err.address && err.address !== host ? ` ${err.address}` : '';
        errors[p.id] =
          `--${p.id} ${entry.slice(0, 120)} refused: ${err.kind} address${where}. Chat may set public addresses only; the operator can trust this origin in CONFIG_FILE or TRUSTED_ORIGINS.`;
        break;
      }
    }
  }
  return errors;
}

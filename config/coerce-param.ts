/**
 * Typing a configured value (YAML or a stored schedule parameter) as its catalogue parameter.
 * Kept apart from config/apply.ts so that queue code can use it without importing the config loader.
 */
import type { ParamSpec } from '../handlers/kit/spec';

export class ConfigError extends Error {}

export type Coerced = { ok: true; value: unknown } | { ok: false; why: string };

/** Coerces a value to the param's type, or says in a few words why it cannot be. */
export function coerceValue(p: ParamSpec, value: unknown): Coerced {
  const fail = (why: string): Coerced => ({ ok: false, why });
  switch (p.type) {
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (typeof value === 'string' && /^(true|false|yes|no)$/i.test(value)) return { ok: true, value: /^(true|yes)$/i.test(value) };
      return fail('expected true or false');
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return { ok: true, value };
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return { ok: true, value: Number(value) };
      return fail('expected a whole number');
    case 'list':
    case 'email-list':
      if (Array.isArray(value)) return { ok: true, value: value.map(String) };
      if (typeof value === 'string') return { ok: true, value: value.split(',').map((s) => s.trim()).filter(Boolean) };
      return fail('expected a list');
    case 'enum': {
      const match = p.options?.find((o) => o.toLowerCase() === String(value).toLowerCase());
      if (!match) return fail(`expected one of ${p.options?.join(', ')}`);
      return { ok: true, value: match };
    }
    case 'json':
      return { ok: true, value: typeof value === 'string' ? value : JSON.stringify(value) };
    default:
      if (value === null || value === undefined) return fail('no value');
      if (typeof value === 'object' && !Array.isArray(value)) return fail('expected text, not a map');
      return { ok: true, value: String(value) };
  }
}

/** Coerces a value to the param's type; refuses what cannot be with `<where>: <why>`. */
export function coerceParam(p: ParamSpec, value: unknown, where: string): unknown {
  const r = coerceValue(p, value);
  if (!r.ok) throw new ConfigError(`${where}: ${r.why}`);
  return r.value;
}

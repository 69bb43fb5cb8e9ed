/**
 * What every connector does with its events' fields (behaviour.md 16, 18): read a field by name,
 * the environment label (Environment Field Name + Environment Regex Pattern, on RE2), `[field]`
 * name templates.
 */
import { compileUserRegex } from './user-regex';

/** A top-level field, or a dotted path (`ExchangeMetaData.From`) when no such top-level key exists. */
export function fieldValue(event: Record<string, unknown>, name: string): unknown {
  return fieldReader(name)(event);
}

/** fieldValue of one name for many events (the path split once). */
export function fieldReader(name: string): (event: Record<string, unknown>) => unknown {
  if (!name) return () => undefined;
  const parts = name.split('.');
  return (event) => {
    if (Object.hasOwn(event, name)) return event[name];
    let cur: unknown = event;
    for (const part of parts) {
      if (!cur || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
      cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
  };
}

/**
 * The environment label: the field's value run through the pattern (its first match; `.*`
 * keeps the value). No field, an empty pattern or no match → `fallback` (the seeds' "default
 * environment").
 */
export function environmentLabel(event: Record<string, unknown>, fieldName: unknown, pattern: unknown, fallback: string): string {
  return environmentLabeler(fieldName, pattern, fallback)(event);
}

/**
 * environmentLabel for many events of one connector: the pattern is compiled once, when the
 * first event needs it (a pattern RE2 refuses fails there, as it did per event).
 */
export function environmentLabeler(fieldName: unknown, pattern: unknown, fallback: string): (event: Record<string, unknown>) => string {
  const field = typeof fieldName === 'string' ? fieldName.trim().replace(/^"(.*)"$/, '$1') : '';
  const source = typeof pattern === 'string' ? pattern : '';
  if (!field) return () => fallback;
  const read = fieldReader(field);
  let re: ReturnType<typeof compileUserRegex> | undefined;
  return (event) => {
    const value = read(event);
    if (value === undefined || value === null || typeof value === 'object') return fallback;
    if (!source) return fallback;
    re ??= compileUserRegex(source, 'Environment Regex Pattern');
    const m = re.exec(String(value));
    return m?.[0] ? m[0] : fallback;
  };
}

/**
 * Fills `[field]` placeholders from the event. Only string values are used (the seed: "the
 * connector only handles keys containing the string value"); a template naming a missing or
 * non-string field, or with no placeholder text left, is invalid → null (use the default name).
 */
export function fillTemplate(template: unknown, event: Record<string, unknown>): string | null {
  if (typeof template !== 'string' || !template.trim()) return null;
  let invalid = false;
  const out = template.replace(/\[([^[\]]+)\]/g, (_m, name: string) => {
    const v = fieldValue(event, name.trim());
    if (typeof v !== 'string') {
      invalid = true;
      return '';
    }
    return v;
  });
  return invalid || !out.trim() ? null : out.trim();
}

/** Case-insensitive membership for the seeds' comma-separated filters and the rule lists. */
export function inList(list: string[], value: unknown): boolean {
  if (value === undefined || value === null) return false;
  const v = String(value).trim().toLowerCase();
  return list.some((x) => x.trim().toLowerCase() === v);
}

/** A list parameter as given (list, or comma-separated text), trimmed, empties dropped. */
export function listParam(value: unknown): string[] {
  const raw = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  return raw.map((s) => s.trim()).filter(Boolean);
}

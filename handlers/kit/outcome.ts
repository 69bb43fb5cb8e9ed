/** What an action's `run` returns: a finished result, or `pending` to be polled again. */

export interface ResultTable {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface ResultFile {
  /** Display name in the thread (sanitised before it touches the disk). */
  name: string;
  /** Path relative to the files root (behaviour.md 6). */
  path: string;
  title?: string;
}

export interface ActionResult {
  kind: 'result';
  isSuccess: boolean;
  /** The seed's output message(s), placeholders filled; several lines joined by "\n" (behaviour.md 3). */
  message: string;
  json?: unknown;
  tables?: ResultTable[];
  files?: ResultFile[];
}

export interface ActionPending {
  kind: 'pending';
  /** Serializable state handed back to the next poll. No secrets. */
  state: unknown;
  /** Shown in the message while waiting. */
  status?: string;
}

export type ActionOutcome = ActionResult | ActionPending;

export function success(message: string, extra: Partial<Omit<ActionResult, 'kind' | 'isSuccess' | 'message'>> = {}): ActionResult {
  return { kind: 'result', isSuccess: true, message, ...extra };
}

export function failure(message: string, extra: Partial<Omit<ActionResult, 'kind' | 'isSuccess' | 'message'>> = {}): ActionResult {
  return { kind: 'result', isSuccess: false, message, ...extra };
}

export function pending(state: unknown, status?: string): ActionPending {
  return { kind: 'pending', state, status };
}

/** Fills the seed's placeholders: `{0}`, `{1}` positional, or UPPER_CASE names. */
export function fill(template: string, values: Record<string, string | number> | Array<string | number>): string {
  if (Array.isArray(values)) {
    return template.replace(/\{(\d+)\}/g, (m, i: string) => (values[Number(i)] !== undefined ? String(values[Number(i)]) : m));
  }
  let out = template;
  for (const [key, value] of Object.entries(values)) {
    out = out.split(key).join(String(value));
  }
  return out;
}

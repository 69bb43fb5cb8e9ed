/** What an action's `run` returns: a finished result, or `pending` to be polled again. */

export interface ResultTable {
  title: string;
  columns: string[];
  rows: string[][];
  /**
   * Rows of the whole table when `rows` holds only its first ones (a result too large to hold: every
   * row is in the result's attached file); undefined when `rows` is the whole table.
   */
  totalRows?: number;
}

/**
 * A JSON result kept in a file instead of memory (a result as large as thousands of mailboxes'):
 * the message shows the start of its text, and the file (also among the result's `files`) holds it
 * all (contract.md §7.4).
 */
export interface JsonResultFile {
  /** Path relative to the files root; the same file is posted as one of the result's `files`. */
  path: string;
  /** The start of the file's text, as the message shows it. */
  head: string;
  /** Characters in the whole text (`head` is all of it when they are as many). */
  totalChars: number;
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
  /** The JSON result as a file, when it is too large to hold (in place of `json`). */
  jsonFile?: JsonResultFile;
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

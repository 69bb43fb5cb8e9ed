/**
 * `soar admin audit`: the environment's own audit entries (no other environment's) as a table,
 * a CSV file for spreadsheets and a JSON-lines file for a SIEM.
 */
import { parseDuration } from '../../commands';
import type { AuditEntry } from '../../../store/audit';
import type { ResultTable } from '../../../handlers/kit/outcome';
import { checkAdminOf } from '../access';
import type { AdminDeps } from '../deps';

const DEFAULT_SINCE_MS = 7 * 86_400_000;
/** Rows shown in the card; the file has them all (up to FILE_LIMIT). */
const TABLE_ROWS = 25;
const FILE_LIMIT = 10_000;

export const AUDIT_COLUMNS = ['When', 'Who', 'What', 'Detail'];

/** `--since 7d` or a date (`2026-01-31`, ISO time). */
export function parseSince(text: string | undefined, now = Date.now()): number | null {
  if (text === undefined || !text.trim()) return now - DEFAULT_SINCE_MS;
  const ms = parseDuration(text);
  if (ms !== null) return now - ms;
  const t = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  return Number.isFinite(t) ? t : null;
}

/** A CSV cell: always quoted; one a spreadsheet would read as a formula gets a leading `'`. */
export function csvCell(v: string): string {
  const safe = /^[=+\-@;\t\r]/.test(v) ? `'${v}` : v;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function auditCsv(entries: AuditEntry[]): string {
  const head = ['at', 'environment', 'actor', 'event', 'detail'];
  const lines = entries.map((e) => [e.at, e.environment ?? '', e.actor, e.event, e.detail ?? ''].map(csvCell).join(','));
  return [head.join(','), ...lines].join('\r\n') + '\r\n';
}

/** One JSON object per line (the fields as stored), for a SIEM. */
export function auditJsonLines(entries: AuditEntry[]): string {
  return (
    entries.map((e) => JSON.stringify({ id: e.id, at: e.at, environment: e.environment, actor: e.actor, event: e.event, detail: e.detail })).join('\n') +
    (entries.length ? '\n' : '')
  );
}

type Link = { name: string; url: string };

export type AuditView =
  /** `file`: the CSV; `files`: the CSV and the JSON lines. */
  { ok: true; entries: number; since: string; table: ResultTable; file?: Link; files: Link[] } | { ok: false; message: string };

export async function auditView(deps: AdminDeps, user: string, env: string, sinceText?: string): Promise<AuditView> {
  const allowed = await checkAdminOf(deps.environments, env, user);
  if (!allowed.ok) return allowed;
  const since = parseSince(sinceText);
  if (since === null)
    return {
      ok: false,
      message: `--since takes a duration such as 24h or 7d, or a date such as 2026-01-31 (got ${JSON.stringify(String(sinceText).slice(0, 40))}).`,
    };
  const entries = await deps.audit.since(since, env, FILE_LIMIT);
  const table: ResultTable = {
    title: `Audit log of ${env}`,
    columns: AUDIT_COLUMNS,
    rows: entries.slice(0, TABLE_ROWS).map((e) => [e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), e.actor, e.event, e.detail ?? '']),
  };
  const files: Link[] = [];
  if (deps.files && entries.length) {
    // In the environment's own files root, like everything else of it.
    const root = deps.files.forEnvironment(env);
    const store = root.forJob('admin-audit');
    const stem = `audit-${env}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    for (const [name, text] of [
      [`${stem}.csv`, auditCsv(entries)],
      [`${stem}.jsonl`, auditJsonLines(entries)],
    ] as const) {
      files.push({ name, url: root.signedUrl(await store.write(name, text), 86_400_000) });
    }
  }
  return { ok: true, entries: entries.length, since: new Date(since).toISOString(), table, file: files[0], files };
}

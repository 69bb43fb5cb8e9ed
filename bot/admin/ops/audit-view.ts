/** `soar admin audit`: the environment's audit entries as a table and as a CSV file. */
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

function csvCell(v: string): string {
  // A leading = + - @ would be a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function auditCsv(entries: AuditEntry[]): string {
  const head = ['at', 'environment', 'actor', 'event', 'detail'];
  const lines = entries.map((e) => [e.at, e.environment ?? '', e.actor, e.event, e.detail ?? ''].map(csvCell).join(','));
  return [head.join(','), ...lines].join('\r\n') + '\r\n';
}

export type AuditView =
  | { ok: true; entries: number; since: string; table: ResultTable; file?: { name: string; url: string } }
  | { ok: false; message: string };

export async function auditView(deps: AdminDeps, user: string, env: string, sinceText?: string): Promise<AuditView> {
  const allowed = await checkAdminOf(deps.environments, env, user);
  if (!allowed.ok) return allowed;
  const since = parseSince(sinceText);
  if (since === null) return { ok: false, message: `--since takes a duration such as 24h or 7d, or a date such as 2026-01-31 (got ${JSON.stringify(String(sinceText).slice(0, 40))}).` };
  const entries = await deps.audit.since(since, env, FILE_LIMIT);
  const table: ResultTable = {
    title: `Audit log of ${env}`,
    columns: AUDIT_COLUMNS,
    rows: entries.slice(0, TABLE_ROWS).map((e) => [e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), e.actor, e.event, e.detail ?? '']),
  };
  let file: { name: string; url: string } | undefined;
  if (deps.files && entries.length) {
    const name = `audit-${env}-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`;
    const path = await deps.files.forJob(`admin-audit-${env}`).write(name, auditCsv(entries));
    file = { name, url: deps.files.signedUrl(path, 86_400_000) };
  }
  return { ok: true, entries: entries.length, since: new Date(since).toISOString(), table, file };
}

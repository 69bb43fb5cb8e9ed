/**
 * The operations views (issue 19 item 5): the Grafana dashboard and the Prometheus alerting rules
 * parse, and every metric they name is one lib/metrics.ts exports, with the labels it has; they
 * show what operators need (ack latency, queue depth and age, job outcomes, outbox retries,
 * connector lag per environment) and page on what needs a person.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { registry } from '../../lib/metrics';

const root = resolve(__dirname, '..', '..');
const dashboard = JSON.parse(readFileSync(join(root, 'ops/grafana/chatsoar.json'), 'utf8')) as { panels: unknown[]; templating: { list: unknown[] } };
const rules = parse(readFileSync(join(root, 'ops/prometheus/alerts.yml'), 'utf8')) as {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; for?: string; labels: { severity: string }; annotations: { summary: string } }> }>;
};

/** Every `expr` / `definition` string in the dashboard, wherever it is nested. */
function dashboardQueries(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) dashboardQueries(n, out);
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'expr' || k === 'definition') && typeof v === 'string') out.push(v);
      else dashboardQueries(v, out);
    }
  return out;
}

const alertExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
const queries = [...dashboardQueries(dashboard), ...alertExprs];

interface Exported {
  labels: Set<string>;
}

/** The series names /metrics exposes (histograms as _bucket/_sum/_count) with their labels. */
async function exported(): Promise<Map<string, Exported>> {
  const out = new Map<string, Exported>();
  for (const m of await registry.getMetricsAsJSON()) {
    const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] };
    const labels = new Set(metric.labelNames ?? []);
    if (String(m.type) === 'histogram') {
      out.set(`${m.name}_bucket`, { labels: new Set([...labels, 'le']) });
      out.set(`${m.name}_sum`, { labels });
      out.set(`${m.name}_count`, { labels });
    } else out.set(m.name, { labels });
  }
  return out;
}

const metricNames = (expr: string): string[] => [...expr.matchAll(/\bchatsoar_[a-z0-9_]+/g)].map((m) => m[0]);
/** Labels every series has once scraped. */
const TARGET_LABELS = new Set(['instance', 'job']);

describe('ops views', () => {
  it('parse, and name queries', () => {
    expect(dashboard.panels.length).toBeGreaterThan(5);
    expect(rules.groups.length).toBeGreaterThan(0);
    expect(queries.length).toBeGreaterThan(10);
  });

  it('name only metrics lib/metrics.ts exports', async () => {
    const names = await exported();
    const used = new Set(queries.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(8);
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
  });

  it('select and group by labels those metrics have', async () => {
    const names = await exported();
    const problems: string[] = [];
    for (const expr of queries) {
      const inExpr = metricNames(expr);
      const known = new Set([...TARGET_LABELS, ...inExpr.flatMap((n) => [...(names.get(n)?.labels ?? [])])]);
      for (const m of expr.matchAll(/\b(chatsoar_[a-z0-9_]+)\{([^}]*)\}/g))
        for (const sel of m[2]!.matchAll(/([a-zA-Z_]+)\s*(=~|!~|!=|=)/g))
          if (!names.get(m[1]!)?.labels.has(sel[1]!) && !TARGET_LABELS.has(sel[1]!)) problems.push(`${m[1]} has no label ${sel[1]}`);
      for (const m of expr.matchAll(/\b(?:by|on|without)\s*\(([^)]*)\)/g))
        for (const label of m[1]!.split(',').map((l) => l.trim()))
          if (label && !known.has(label)) problems.push(`"${label}" is a label of none of ${inExpr.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('the dashboard shows ack latency, queue depth and age, job outcomes, outbox retries and connector lag per environment', () => {
    const shown = dashboardQueries(dashboard).join('\n');
    for (const name of [
      'chatsoar_ack_latency_seconds_bucket',
      'chatsoar_queue_depth',
      'chatsoar_queue_oldest_waiting_seconds',
      'chatsoar_job_duration_seconds_count',
      'chatsoar_outbox_retries_total',
      'chatsoar_outbox_failed_total',
      'chatsoar_schedule_runs_total',
      'chatsoar_connector_lag_seconds',
    ])
      expect(shown).toContain(name);
    expect(shown).toMatch(/chatsoar_connector_lag_seconds\{environment=~"\$environment"\}/);
  });

  it('the rules alert on queue age, outbox failures, renewal failures and connector lag, each with a severity and a summary', () => {
    const all = rules.groups.flatMap((g) => g.rules);
    expect(new Set(all.map((r) => r.alert)).size).toBe(all.length);
    for (const r of all) {
      expect(r.labels.severity).toMatch(/^(page|ticket)$/);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
    }
    const paging = all.filter((r) => r.labels.severity === 'page').map((r) => r.expr);
    for (const name of [
      'chatsoar_queue_oldest_waiting_seconds',
      'chatsoar_outbox_failed_total',
      'chatsoar_token_renewals_total',
      'chatsoar_connector_last_success_timestamp_seconds',
    ])
      expect(paging.some((e) => e.includes(name))).toBe(true);
    expect(alertExprs.some((e) => e.includes('chatsoar_connector_lag_seconds'))).toBe(true);
  });
});

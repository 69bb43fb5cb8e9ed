/**
 * Prometheus metrics (GET /metrics): queue depths and ages, job durations and outcomes, ack latency,
 * outbox retries and failures, connector cycles and lag per environment, token renewals.
 * ops/grafana/chatsoar.json and ops/prometheus/alerts.yml use these names.
 */
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'chatsoar_process_' });

export const metrics = {
  ackLatency: new Histogram({
    name: 'chatsoar_ack_latency_seconds',
    help: 'Time from receiving a chat request to acknowledging it',
    labelNames: ['platform'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3],
    registers: [registry],
  }),
  jobDuration: new Histogram({
    name: 'chatsoar_job_duration_seconds',
    help: 'Duration of one run of an action job',
    labelNames: ['integration', 'action', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [registry],
  }),
  commands: new Counter({ name: 'chatsoar_commands_total', help: 'Commands received', labelNames: ['platform', 'outcome'], registers: [registry] }),
  outboxDelivered: new Counter({ name: 'chatsoar_outbox_delivered_total', help: 'Outbox deliveries', labelNames: ['platform'], registers: [registry] }),
  outboxRetries: new Counter({
    name: 'chatsoar_outbox_retries_total',
    help: 'Outbox deliveries retried',
    labelNames: ['platform', 'reason'],
    registers: [registry],
  }),
  queueDepth: new Gauge({ name: 'chatsoar_queue_depth', help: 'Jobs per queue and state', labelNames: ['queue', 'state'], registers: [registry] }),
  queueOldestWaiting: new Gauge({
    name: 'chatsoar_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting for a worker, per queue (0: none waiting)',
    labelNames: ['queue'],
    registers: [registry],
  }),
  outboxFailed: new Counter({
    name: 'chatsoar_outbox_failed_total',
    help: 'Outbox deliveries given up (attempts exhausted or refused for good)',
    labelNames: ['platform'],
    registers: [registry],
  }),
  scheduleRuns: new Counter({
    name: 'chatsoar_schedule_runs_total',
    help: 'Connector cycles and job runs, by kind (connectors, jobs), type and outcome (ok, failed, skipped)',
    labelNames: ['kind', 'type', 'outcome'],
    registers: [registry],
  }),
  connectorLag: new Gauge({
    name: 'chatsoar_connector_lag_seconds',
    help: 'How late the last cycle of a connector started after the time its schedule set, per environment',
    labelNames: ['environment', 'connector'],
    registers: [registry],
  }),
  connectorLastRun: new Gauge({
    name: 'chatsoar_connector_last_run_timestamp_seconds',
    help: 'When the last cycle of a connector that ran (good or failed) ended (Unix time), per environment',
    labelNames: ['environment', 'connector'],
    registers: [registry],
  }),
  connectorLastSuccess: new Gauge({
    name: 'chatsoar_connector_last_success_timestamp_seconds',
    help: 'When the last good cycle of a connector ended (Unix time; the process start while it has only failed), per environment',
    labelNames: ['environment', 'connector'],
    registers: [registry],
  }),
  tokenRenewals: new Counter({
    name: 'chatsoar_token_renewals_total',
    help: 'Refresh token renewals of the refresh token renewal job, per environment and outcome (renewed, failed)',
    labelNames: ['environment', 'outcome'],
    registers: [registry],
  }),
};

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Other threads of this process (the workers' thread of `main`, lib/runtime.ts): their metrics join /metrics. */
const sources = new Set<() => Promise<unknown[]>>();

export function addMetricsSource(source: () => Promise<unknown[]>): () => void {
  sources.add(source);
  return () => void sources.delete(source);
}

/** What a thread sends for /metrics: its own series, less the process ones (the main thread's cover the process). */
export async function threadMetrics(): Promise<MetricsJson> {
  return (await registry.getMetricsAsJSON()).filter((m) => !m.name.startsWith('chatsoar_process_'));
}

/** The /metrics text: this thread's series, summed with those of the other threads of the process. */
export async function metricsText(): Promise<string> {
  if (!sources.size) return registry.metrics();
  const parts = await Promise.all([registry.getMetricsAsJSON(), ...[...sources].map((s) => s().catch(() => []))]);
  return AggregatorRegistry.aggregate(parts as MetricsJson[]).metrics();
}

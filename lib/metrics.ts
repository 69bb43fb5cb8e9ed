/** Prometheus metrics (GET /metrics): queue depths, job durations, ack latency, outbox retries. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
};

/** The BullMQ queues: actions, outbox, connectors, maintenance. */
import { Queue, type ConnectionOptions } from 'bullmq';
import { Keys } from '../store/keys';
import type { ActionJobData, OutboxJobData } from './types';

export const QUEUE_NAMES = { actions: 'actions', outbox: 'outbox', connectors: 'connectors', maintenance: 'maintenance', approvals: 'approvals' } as const;

/** How many times a job may lose its worker (killed, crashed) before BullMQ gives it up. */
export const MAX_STALLED = 5;

/**
 * Jobs at once per worker process. Both kinds mostly wait on a remote round trip (Graph, the
 * Management API; Slack and the Bot Connector answer in 100–300 ms), not on CPU: at 16 actions
 * and 8 sends a worker process spent a third of its time idle while commands queued behind them
 * (bench/load: 340 vs 590 commands/s on 2 cores with 32 and 32).
 */
export const ACTION_CONCURRENCY = 32;
export const OUTBOX_CONCURRENCY = 32;

export interface Queues {
  actions: Queue<ActionJobData>;
  outbox: Queue<OutboxJobData>;
  connectors: Queue;
  maintenance: Queue;
  /** Delayed expiry of approvals and votes. */
  approvals: Queue<{ approvalId: string }>;
  close(): Promise<void>;
}

export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const opts = { connection, prefix: new Keys(prefix).bull() };
  const actions = new Queue<ActionJobData>(QUEUE_NAMES.actions, {
    ...opts,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 86400, count: 10000 },
      removeOnFail: { age: 7 * 86400 },
    },
  });
  const outbox = new Queue<OutboxJobData>(QUEUE_NAMES.outbox, {
    ...opts,
    defaultJobOptions: {
      attempts: 12,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 3600, count: 10000 },
      removeOnFail: { age: 7 * 86400 },
    },
  });
  const connectors = new Queue(QUEUE_NAMES.connectors, { ...opts, defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 } });
  const maintenance = new Queue(QUEUE_NAMES.maintenance, { ...opts, defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 } });
  const approvals = new Queue<{ approvalId: string }>(QUEUE_NAMES.approvals, {
    ...opts,
    defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 5000 },
  });
  return {
    actions,
    approvals,
    outbox,
    connectors,
    maintenance,
    async close() {
      await Promise.all([actions.close(), outbox.close(), connectors.close(), maintenance.close(), approvals.close()]);
    },
  };
}

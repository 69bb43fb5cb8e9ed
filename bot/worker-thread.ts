/**
 * The workers' thread of `npm start` (role `main`, lib/runtime.ts `workersInThread`): a worker
 * role's runtime (actions, outbox, schedules, approval expiry) on its own event loop, so that job
 * and outbox CPU never holds up the thread that acknowledges chat requests. It logs to the same
 * stdout, sends its metrics to the main thread's /metrics, and on `close` drains like
 * runtime.close (running jobs finish or go back to the queue) before it ends.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { rootLogger } from '../lib/log';
import { threadMetrics } from '../lib/metrics';
import { startRuntime, type FromWorkerThread, type Runtime, type ToWorkerThread, type WorkerThreadData } from '../lib/runtime';

const port = parentPort;
if (!port) throw new Error('bot/worker-thread runs as a worker thread of bot/main (role main)');
const send = (m: FromWorkerThread): void => port.postMessage(m);
const data = workerData as WorkerThreadData;
const log = rootLogger.child({ thread: 'workers' });

let runtime: Runtime | undefined;
let closing = false;

/**
 * This thread's nice value (Linux keeps one per thread): when the cores are busy, the thread that
 * acknowledges chat requests within Slack's 3 s goes first; jobs use whatever CPU is left, all of
 * it on an idle machine.
 */
const WORKERS_NICE = 5;
try {
  setPriority(WORKERS_NICE);
} catch (err) {
  log.debug({ err }, 'the workers thread keeps its priority');
}

async function close(): Promise<void> {
  if (closing) return;
  closing = true;
  await runtime?.close().catch((err: Error) => log.warn({ err }, 'the workers did not stop cleanly'));
  send({ type: 'closed' });
  // Ends this thread only, also when a library left a timer or socket behind.
  process.exit(0);
}

port.on('message', (m: ToWorkerThread) => {
  if (m.type === 'close') void close();
  else if (m.type === 'metrics')
    void threadMetrics().then(
      (metrics) => send({ type: 'metrics', id: m.id, metrics }),
      () => send({ type: 'metrics', id: m.id, metrics: [] }),
    );
});

startRuntime({ role: 'worker', settings: data.settings, redisUrl: data.redisUrl, secretsKey: data.secretsKey, cycleLockMs: data.cycleLockMs, log }).then(
  (started) => {
    runtime = started;
    if (closing) void started.close();
    else send({ type: 'ready' });
  },
  (err: Error) => {
    log.error({ err }, 'the workers thread did not start');
    send({ type: 'failed', message: err.message });
    process.exit(1);
  },
);

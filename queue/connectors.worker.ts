/**
 * Runs connector cycles (`connectors` queue) and jobs (`maintenance` queue) that the job
 * schedulers of queue/schedules.ts produce. A run: one at a time per instance (Redis lock);
 * first it finishes a commit that a crash interrupted; then the connector reads from its
 * checkpoint and hands alerts over; at the end, or when Script Timeout is reached (behaviour.md 4)
 * or the worker shuts down, what it handed over is queued to the outbox and only then are its
 * dedup marks and checkpoint stored (queue/alert-delivery.ts). A connector posts only into a
 * channel bound to its own environment, checked when the run starts and again before it commits.
 */
import { createHash } from 'node:crypto';
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { connectorWarningMessage, jobWarningMessage } from '../cards/alert-messages';
import { catalog as defaultCatalog } from '../handlers/catalog';
import { reasonOf } from '../handlers/kit/errors';
import type { HttpClient } from '../handlers/kit/http';
import { instanceWithDefaults } from '../handlers/kit/instance';
import type { JobContext, ScheduleRunSummary } from '../handlers/kit/schedule';
import type { ConnectorSpec, IntegrationId, IntegrationSpec, JobSpec } from '../handlers/kit/spec';
import type { FilesRoot } from '../lib/files';
import { metrics } from '../lib/metrics';
import type { EnvironmentStore } from '../store/environments';
import { AlertStore } from '../store/alerts';
import type { ReplicaBarrier } from '../store/redis';
import { Keys } from '../store/keys';
import { AlertSink, channelCapacity, conversationOf, finishPendingCommit } from './alert-delivery';
import { ConnectorState } from './connector-state';
import type { Outbox } from './outbox';
import { QUEUE_NAMES } from './queues';
import { scheduleParams } from './schedule-params';
import { everyMs, type ScheduleJobData, type ScheduleKind } from './schedules';

export interface ScheduleWorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  /** The state Redis (not BullMQ's connection). */
  redis: Redis;
  environments: EnvironmentStore;
  outbox: Outbox;
  files: FilesRoot;
  http: HttpClient;
  log: Logger;
  publicUrl: string;
  catalog?: IntegrationSpec[];
  /** Connector cycles run at once across all connectors (each connector runs one at a time). */
  concurrency?: number;
  /** How long a dead process's cycle lock blocks the next cycle (refreshed while alive; default 30 s). */
  cycleLockMs?: number;
  /** Sentinel mode: a cycle's lock release is known to be on a replica, or done again (docs/reliability.md). */
  barrier?: ReplicaBarrier;
}

/** What a run came to, for /metrics: `ok` (ran; it may have stopped at its time bound), `failed`, `skipped` (not run). */
interface RunReport {
  outcome: 'ok' | 'failed' | 'skipped';
  type?: string;
}

/** Script Timeout of a connector without one; a job's time bound. */
const DEFAULT_TIMEOUT_S = 180;
const JOB_TIMEOUT_S = 300;
const CYCLE_LOCK_MS = 30_000;

/**
 * A Redis outage or failover as a run ends must not leave its lock to skip every run until it
 * expires: the release is tried again while the lock would still be held, also when a failover
 * took it back (the old master acknowledged it, the promoted replica never had it).
 */
async function releaseLock(lock: { release(): Promise<void> }, lockMs: number, barrier?: ReplicaBarrier): Promise<void> {
  const until = Date.now() + lockMs;
  for (;;) {
    try {
      const since = await barrier?.mark();
      await lock.release();
      return await barrier?.sync(since);
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export function startScheduleWorker(deps: ScheduleWorkerDeps): Worker[] {
  const { environments, outbox, log } = deps;
  const catalog = deps.catalog ?? defaultCatalog;
  const running = new Set<AbortController>();
  const alerts = new AlertStore(deps.redis, deps.prefix);

  const integrationOf = (id: IntegrationId): IntegrationSpec | undefined => catalog.find((i) => i.id === id);
  const specOf = (kind: ScheduleKind, type: string): ConnectorSpec | JobSpec | undefined =>
    catalog.flatMap((i): Array<ConnectorSpec | JobSpec> => (kind === 'connectors' ? i.connectors : i.jobs)).find((s) => s.id === type);

  async function instanceOf(env: string, integration: IntegrationId): Promise<Record<string, unknown>> {
    return instanceWithDefaults(integrationOf(integration)?.params ?? [], await environments.getInstance(env, integration), deps.publicUrl);
  }

  /** Whether `channel` is bound to `env` now (a channel bound elsewhere belongs to another tenant). */
  async function boundTo(env: string, channel: string): Promise<boolean> {
    return (await environments.environmentOf(channel)) === env;
  }

  /** The environment's admin channel if it is bound to the environment, else its first bound channel. */
  async function adminChannel(env: string): Promise<string | undefined> {
    const meta = await environments.getMeta(env);
    if (meta.adminChannel && (await boundTo(env, meta.adminChannel))) return meta.adminChannel;
    if (meta.adminChannel)
      log.warn({ environment: env, channel: meta.adminChannel }, 'the admin channel is not bound to its environment; warnings go to its first bound channel');
    return (await environments.channelsOf(env))[0];
  }

  async function warnAdmin(env: string, text: string, kind: ScheduleKind, name: string): Promise<void> {
    const channel = await adminChannel(env);
    if (!channel) {
      log.warn({ environment: env, name, warning: text }, 'no admin channel for a warning');
      return;
    }
    const message = kind === 'connectors' ? connectorWarningMessage(text, { connector: name, environment: env }) : jobWarningMessage(text, name, env);
    await outbox.post(conversationOf(channel), message);
  }

  async function run(kind: ScheduleKind, data: ScheduleJobData, report: RunReport = { outcome: 'skipped' }): Promise<void> {
    const { environment: env, name } = data;
    const config = (await environments.schedules(env, kind)).find((c) => c.name === name);
    if (!config || (config.paused && !data.requestedBy)) return;
    report.type = config.type;
    const what = kind === 'connectors' ? 'Connector' : 'Job';
    const runLog = log.child({ [kind === 'connectors' ? 'connector' : 'job']: name, environment: env, type: config.type });
    const state = new ConnectorState(deps.redis, deps.prefix, env, kind === 'connectors' ? 'connector' : 'job', name);
    const warn = (text: string): Promise<void> => warnAdmin(env, text, kind, name);

    const spec = specOf(kind, config.type);
    if (!spec?.run) {
      if (await state.flagOnce('config')) await warn(`${what} ${name}: type ${config.type} ${spec ? 'is not available yet in chatsoar' : 'is unknown'}.`);
      return;
    }
    const instance = await instanceOf(env, spec.integration);
    const paramMap = 'instanceParamMap' in spec ? spec.instanceParamMap : undefined;
    let params: Record<string, unknown>;
    try {
      params = scheduleParams(spec.params, config.params, instance, paramMap, environments.scheduleOpener(env, kind, name));
      const problem = 'validate' in spec && spec.validate ? spec.validate(params) : null;
      if (problem) throw new Error(problem);
    } catch (err) {
      if (await state.flagOnce('config')) await warn(`${what} ${name} is not run: ${reasonOf(err)}`);
      return;
    }
    await state.clearFlag('config');

    const channel = kind === 'connectors' ? (config.channel ?? (await environments.channelsOf(env))[0]) : await adminChannel(env);
    if (!channel) {
      runLog.warn('no channel to post to: the environment has no bound channel');
      return;
    }
    const rebound = `${what} ${name} posts nothing: its channel ${channel} is not bound to environment ${env}. Bind it there with soar admin bind ${env}, or give the ${what.toLowerCase()} a channel of ${env}.`;
    if (!(await boundTo(env, channel))) {
      runLog.warn({ channel }, "the channel is not bound to the connector's environment: nothing posted");
      if (await state.flagOnce('binding')) await warn(rebound);
      return;
    }
    await state.clearFlag('binding');
    const timeoutS =
      kind === 'jobs' ? JOB_TIMEOUT_S : Number(params['script-timeout-seconds']) > 0 ? Number(params['script-timeout-seconds']) : DEFAULT_TIMEOUT_S;
    const lockMs = deps.cycleLockMs ?? CYCLE_LOCK_MS;
    const lock = await state.lock(lockMs);
    if (!lock) {
      runLog.info('the previous run is still going; this one is skipped');
      return;
    }
    const keepLock = setInterval(() => void lock.refresh().catch(() => undefined), Math.max(200, Math.floor(lockMs / 3)));
    keepLock.unref();
    const deadline = Date.now() + timeoutS * 1000;
    const controller = new AbortController();
    running.add(controller);
    const timer = setTimeout(() => controller.abort(new Error('Script Timeout reached')), timeoutS * 1000);
    timer.unref();
    const source = { connector: name, environment: env };
    // Short folder names keep download links short (see AlertSink.writeAlertFiles).
    const files = deps.files.forEnvironment(env);
    const store = files.forJob(`${kind === 'connectors' ? 'c' : 'j'}-${createHash('sha256').update(`${env}\n${name}`).digest('hex').slice(0, 12)}`);
    const sink = new AlertSink({
      state,
      outbox,
      files,
      store,
      channel,
      source,
      capacity: params['disable-overflow'] === true ? Infinity : channelCapacity(conversationOf(channel).platform, everyMs(config) ?? 60_000),
      log: runLog,
      alerts,
    });
    const started = Date.now();
    try {
      await finishPendingCommit(state, outbox, runLog);
      await state.trim();
      const connection = { ...instance };
      for (const [from, to] of Object.entries(paramMap ?? {})) if (params[from] !== undefined) connection[to] = params[from];
      const ctx: JobContext = {
        environment: env,
        name,
        instance: connection,
        http: deps.http,
        log: runLog,
        signal: controller.signal,
        deadline,
        files: store,
        publicUrl: deps.publicUrl,
        channel,
        rules: { whitelist: config.whitelist ?? [], blacklist: config.blacklist ?? [], dynamicList: config.dynamicList ?? [] },
        checkpoint: { get: () => state.getCheckpoint(), set: (v) => sink.setCheckpoint(v) },
        dedup: { has: (keys, set) => state.has(set, keys), add: (keys, set) => sink.mark(set, keys) },
        post: (alerts, from) => sink.post(alerts, from),
        afterCommit: (fn) => sink.afterCommit(fn),
        warnAdmin: warn,
        warnChannelOnce: async (key, text) => {
          if (await state.flagOnce(`channel:${key}`)) await outbox.post(conversationOf(channel), connectorWarningMessage(text, source));
        },
        clearWarning: (key) => state.clearFlag(`channel:${key}`),
        environments: {
          list: () => environments.list(),
          instance: (e, integration) => instanceOf(e, integration as IntegrationId),
          saveInstanceParam: (e, integration, id, value) => environments.setInstance(e, integration as IntegrationId, { [id]: value }),
          warnAdmin: (e, text) => warnAdmin(e, text, kind, name),
        },
      };
      let failure: unknown;
      let summary: ScheduleRunSummary | undefined;
      try {
        summary = await spec.run(ctx, params);
      } catch (err) {
        failure = err;
      }
      // The channel was re-bound during the run: nothing goes out, nothing is marked delivered
      // (the next run, once the binding is right, delivers it).
      if (!(await boundTo(env, channel))) {
        await sink.discard();
        runLog.warn({ channel }, 'the channel was bound to another environment during the run: nothing posted');
        if (await state.flagOnce('binding')) await warn(rebound);
        return;
      }
      // What was handed over before a failure or the time bound is delivered and committed.
      const committed = await sink.commit();
      report.outcome = failure && !controller.signal.aborted ? 'failed' : 'ok';
      if (failure && !controller.signal.aborted) {
        runLog.warn({ err: failure }, `${kind === 'connectors' ? 'connector cycle' : 'job'} failed`);
        if (await state.flagOnce('error')) await warn(`${what} ${name} failed: ${reasonOf(failure)}`);
      } else {
        await state.clearFlag('error');
      }
      runLog.info(
        {
          ...summary,
          ...committed,
          accepted: sink.acceptedCount,
          stopped: controller.signal.aborted ? reasonOf(controller.signal.reason) : undefined,
          ms: Date.now() - started,
        },
        `${kind === 'connectors' ? 'connector cycle' : 'job'} done`,
      );
    } catch (err) {
      await sink.discard();
      runLog.error({ err }, 'run could not commit; the next run repeats it');
      throw err;
    } finally {
      clearTimeout(timer);
      clearInterval(keepLock);
      running.delete(controller);
      await releaseLock(lock, lockMs, deps.barrier);
    }
  }

  /** Connectors this process has run (their last-success series exists). */
  const observedConnectors = new Set<string>();

  /** One run, measured for /metrics: how late a scheduled cycle started, its outcome, a connector's last success. */
  async function observed(kind: ScheduleKind, job: Job<ScheduleJobData>): Promise<void> {
    const { environment, name } = job.data;
    if (kind === 'connectors' && job.processedOn && !job.data.requestedBy)
      metrics.connectorLag.set({ environment, connector: name }, Math.max(0, (job.processedOn - job.timestamp - (job.opts.delay ?? 0)) / 1000));
    const report: RunReport = { outcome: 'skipped' };
    try {
      await run(kind, job.data, report);
    } catch (err) {
      report.outcome = 'failed';
      throw err;
    } finally {
      metrics.scheduleRuns.inc({ kind, type: report.type ?? job.name, outcome: report.outcome });
      if (kind === 'connectors' && report.outcome !== 'skipped') {
        const labels = { environment, connector: name };
        const now = Date.now() / 1000;
        metrics.connectorLastRun.set(labels, now);
        // Failing since this process started: its last good cycle is no later than the start.
        if (report.outcome === 'ok') metrics.connectorLastSuccess.set(labels, now);
        else if (!observedConnectors.has(`${environment}\n${name}`)) metrics.connectorLastSuccess.set(labels, now - process.uptime());
        observedConnectors.add(`${environment}\n${name}`);
      }
    }
  }

  const opts = { connection: deps.connection, prefix: new Keys(deps.prefix).bull() };
  const workers = [
    new Worker<ScheduleJobData>(QUEUE_NAMES.connectors, (job: Job<ScheduleJobData>) => observed('connectors', job), {
      ...opts,
      concurrency: deps.concurrency ?? 4,
    }),
    new Worker<ScheduleJobData>(QUEUE_NAMES.maintenance, (job: Job<ScheduleJobData>) => observed('jobs', job), { ...opts, concurrency: 1 }),
  ];
  for (const w of workers) {
    // Shutting down: running cycles stop reading and commit what they have (behaviour.md 4).
    w.on('closing', () => {
      for (const c of running) c.abort(new Error('worker shutting down'));
    });
    w.on('failed', (job, err) => log.warn({ job: job?.id, err }, 'schedule run failed'));
  }
  return workers;
}

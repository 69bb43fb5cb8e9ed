/**
 * Runs action jobs: looks the action up in the catalogue, gives its `run` a context with the
 * environment's instance, and reports through the outbox. Async actions are re-queued with a
 * delay (ASYNC_POLL_MS) until done, cancelled or past their --timeout. A running job's signal
 * aborts on `soar cancel` and when the worker closes, stopping its in-flight requests.
 */
import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { catalog as defaultCatalog } from '../handlers/catalog';
import { createActionContext } from '../handlers/kit/create-context';
import { reasonOf } from '../handlers/kit/errors';
import type { HttpClient } from '../handlers/kit/http';
import { instanceWithDefaults } from '../handlers/kit/instance';
import { applyDefaults } from '../handlers/kit/params';
import { failure, type ActionOutcome, type ActionResult } from '../handlers/kit/outcome';
import type { IntegrationSpec } from '../handlers/kit/spec';
import type { ChatMessage } from '../cards/message';
import { cancelledMessage, resultMessage, runningMessage, type JobHeader } from '../cards/job-messages';
import { environmentAllowList } from '../store/allow-list';
import { AuditLog } from '../store/audit';
import type { EnvironmentStore } from '../store/environments';
import type { JobIndex } from '../store/jobs';
import type { ReplicaBarrier } from '../store/redis';
import { Keys } from '../store/keys';
import { bareNamesIn, commandScope, type ThreadFiles } from '../store/thread-files';
import type { FilesRoot, PostedFiles } from '../lib/files';
import { metrics } from '../lib/metrics';
import type { Outbox } from './outbox';
import { JobCancelled, RunningJobs } from './running-jobs';
import { ACTION_CONCURRENCY, MAX_STALLED, QUEUE_NAMES } from './queues';
import type { ActionJobData } from './types';

export interface ActionWorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  environments: EnvironmentStore;
  jobs: JobIndex;
  outbox: Outbox;
  /** FILES_DIR; each job uses its environment's folder of it. */
  files: FilesRoot;
  /** Files posted in threads, by name (behaviour.md 6); without it, bare names are only paths in the root. */
  threadFiles?: ThreadFiles;
  http: HttpClient;
  log: Logger;
  publicUrl: string;
  pollMs: number;
  concurrency?: number;
  /** Receives the result of an approval's dry-run preview (the approval card shows it). */
  onPreview?: (approvalId: string, result: ActionResult) => Promise<void>;
  /** The catalogue to run from (tests add fixture actions that poll, fail or hang). */
  catalog?: IntegrationSpec[];
  /** Sentinel mode: a job completes only once what it wrote is on a replica (docs/reliability.md). */
  barrier?: ReplicaBarrier;
}

/** Progress updates go out at most every 2 s per message (behaviour.md 40). */
const PROGRESS_INTERVAL_MS = 2000;
/**
 * "Running" is shown once a job has run this long: a faster job goes from queued straight to its
 * result (behaviour.md 43), which is also not held up by the conversation's pacing behind "Running".
 */
const RUNNING_SHOWN_AFTER_MS = 500;

/**
 * Whether an outcome is the abort's doing: a failure after the signal aborted, or a poll still
 * pending when the job was cancelled. A run that succeeded anyway keeps its result, and a pending
 * poll of a stopping worker is re-queued as usual.
 */
function stoppedBySignal(outcome: ActionOutcome, signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  if (outcome.kind === 'result') return !outcome.isSuccess;
  return signal.reason instanceof JobCancelled;
}

export function startActionWorker(deps: ActionWorkerDeps): Worker<ActionJobData> {
  const { environments, jobs, outbox, log } = deps;
  const catalog = deps.catalog ?? defaultCatalog;
  const findIntegration = (id: string) => catalog.find((i) => i.id === id);
  const findAction = (integration: string, action: string) => findIntegration(integration)?.actions.find((a) => a.id === action);

  function header(data: ActionJobData): JobHeader {
    return {
      jobId: data.jobId,
      actionName: data.actionName,
      integrationName: findIntegration(data.integration)?.name ?? data.integration,
      requestedBy: data.requestedBy,
      environment: data.environment,
      ...(data.approvedBy ? { approvedBy: data.approvedBy } : {}),
    };
  }

  /**
   * The job's own message. A preview (an approval's dry run) has none: its result goes onto the
   * card, so it never leaves a "Running" message behind (behaviour.md 43).
   */
  async function show(data: ActionJobData, message: ChatMessage): Promise<void> {
    if (data.previewFor) return;
    await runningShown(data.jobId);
    await outbox.upsert(data.messageKey, data.conversation, message);
  }

  /** Jobs whose "Running" is still to be shown (a timer), or being shown. */
  const running = new Map<string, { timer: NodeJS.Timeout; shown?: Promise<void> }>();
  function showRunningSoon(data: ActionJobData, jobLog: Logger): void {
    if (data.previewFor) return;
    const entry: { timer: NodeJS.Timeout; shown?: Promise<void> } = {
      timer: setTimeout(() => {
        entry.shown = outbox
          .upsert(data.messageKey, data.conversation, runningMessage(header(data)))
          .catch((err: Error) => jobLog.warn({ err }, '"Running" not shown'));
      }, RUNNING_SHOWN_AFTER_MS),
    };
    running.set(data.jobId, entry);
  }
  /** No "Running" from now on; one on its way is out before anything that follows it. */
  async function runningShown(jobId: string): Promise<void> {
    const entry = running.get(jobId);
    if (!entry) return;
    running.delete(jobId);
    clearTimeout(entry.timer);
    await entry.shown;
  }

  const audit = new AuditLog(environments.redis, environments.keys.prefix);
  /** contract.md §8: every step of a campaign (a grouped action) is in the audit log, started and ended. */
  async function auditStep(data: ActionJobData, event: 'started' | 'succeeded' | 'failed', detail?: string): Promise<void> {
    if (data.previewFor || data.dryRun || !findAction(data.integration, data.action)?.group) return;
    const who = data.approvedBy ? ` (approved by ${data.approvedBy})` : '';
    await audit
      .write({
        environment: data.environment,
        actor: data.requestedBy,
        event: `${data.action}.${event}`,
        detail: `job ${data.jobId}${who}${detail ? `: ${detail}` : ''}`,
      })
      .catch((err) => log.warn({ err, job: data.jobId }, 'audit entry not written'));
  }

  async function finish(data: ActionJobData, result: ActionResult): Promise<void> {
    if (data.previewFor) return deps.onPreview?.(data.previewFor, result);
    await runningShown(data.jobId);
    await auditStep(data, result.isSuccess ? 'succeeded' : 'failed', result.message.split('\n')[0]);
    const root = deps.files.forEnvironment(data.environment);
    const files = (result.files ?? []).map((f) => ({ name: f.name, url: root.signedUrl(f.path) }));
    const shown = async (): Promise<void> => {
      await outbox.upsert(data.messageKey, data.conversation, resultMessage(header(data), result, files));
      for (const f of result.files ?? []) await outbox.file(data.environment, data.conversation, f, data.messageKey);
    };
    await Promise.all([shown(), jobs.update(data.jobId, { state: result.isSuccess ? 'succeeded' : 'failed', progress: undefined })]);
  }

  /**
   * The files posted in the command's thread (or channel) that the job's parameters may name,
   * read once before the run (resolving a path is synchronous). The index is a convenience: when
   * Redis cannot answer, names are only paths in the root.
   */
  async function postedFiles(data: ActionJobData, params: Record<string, unknown>, jobLog: Logger): Promise<PostedFiles | undefined> {
    if (!deps.threadFiles) return undefined;
    const names = bareNamesIn(Object.values(params));
    if (!names.length) return undefined;
    try {
      const found = await deps.threadFiles.lookup(data.environment, commandScope(data.conversation, data.commandThread), names);
      return found.size ? (name) => found.get(name) : undefined;
    } catch (err) {
      jobLog.warn({ err }, 'files posted in the thread could not be looked up');
      return undefined;
    }
  }

  /**
   * A job stopped before it ran or by its signal: a cancelled job says who cancelled it; a job
   * whose worker is stopping is handed back and runs again.
   */
  async function stopped(job: Job<ActionJobData>, token: string | undefined, reason: unknown): Promise<void> {
    const data = job.data;
    if (reason instanceof JobCancelled) {
      await show(data, cancelledMessage(header(data), reason.by));
      await jobs.update(data.jobId, { state: 'cancelled' });
      return;
    }
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  }

  const runningJobs = new RunningJobs(jobs, log);

  async function process(job: Job<ActionJobData>, token?: string): Promise<void> {
    const since = await deps.barrier?.mark();
    const { signal, done } = runningJobs.start(job.data.jobId);
    try {
      await runJob(job, token, signal);
    } finally {
      done();
      await runningShown(job.data.jobId);
    }
    await replicated(job, token, since);
  }

  /**
   * Sentinel mode: the job's completion must not outlive its result. When the master failed over
   * while the job ran (its result may have gone with the old master) or no replica confirmed the
   * writes, the job is handed back and runs again rather than completing.
   */
  async function replicated(job: Job<ActionJobData>, token: string | undefined, since: string | undefined): Promise<void> {
    try {
      await deps.barrier?.sync(since);
    } catch (err) {
      log.warn({ err, job: job.data.jobId }, 'job not known to be on a Redis replica; it runs again');
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
  }

  async function runJob(job: Job<ActionJobData>, token: string | undefined, signal: AbortSignal): Promise<void> {
    const data = job.data;
    const started = Date.now();
    const jobLog = log.child({ job: data.jobId, action: `${data.integration}/${data.action}`, environment: data.environment });

    // The instance and the allow-list (reads only) are read side by side with the cancel check.
    const reads = Promise.all([
      environments.getInstance(data.environment, data.integration),
      environmentAllowList(environments, data.environment, catalog, deps.publicUrl),
    ]);
    reads.catch(() => undefined); // a job stopped before it waits for them drops them
    const cancelledBy = await jobs.cancelledBy(data.jobId);
    if (cancelledBy) return stopped(job, token, new JobCancelled(cancelledBy));

    const spec = findAction(data.integration, data.action);
    if (!spec) return finish(data, failure(`Unknown action ${data.integration} ${data.action}.`));
    if (!spec.run) return finish(data, failure(`${spec.name} is not available yet in chatsoar.`));

    // The job's state is written while the instance and the allow-list are read; any later
    // message waits for a "Running" on its way, so none can overtake it.
    if (data.attempt === 0) showRunningSoon(data, jobLog);
    const [shown, read] = await Promise.allSettled([
      data.attempt === 0 ? jobs.update(data.jobId, { state: 'running' }).then(() => auditStep(data, 'started')) : undefined,
      reads,
    ]);
    if (shown.status === 'rejected') throw shown.reason;
    if (read.status === 'rejected') throw read.reason;
    const [stored, allowList] = read.value;
    const instance = instanceWithDefaults(findIntegration(data.integration)?.params ?? [], stored, deps.publicUrl);
    const params = applyDefaults(spec.params, data.params, { instance, publicUrl: deps.publicUrl });
    let lastProgress = 0;
    const ctx = createActionContext({
      environment: data.environment,
      instance,
      http: deps.http,
      log: jobLog,
      files: deps.files.forEnvironment(data.environment).forJob(data.jobId, await postedFiles(data, params, jobLog)),
      state: data.state,
      attempt: data.attempt,
      signal,
      publicUrl: deps.publicUrl,
      allowList,
      job: {
        id: data.jobId,
        requestedBy: data.requestedBy,
        conversationId: data.conversation.channel,
        dryRun: data.dryRun,
        timeoutAt: data.timeoutAt,
        ...(data.approvedBy ? { approvedBy: data.approvedBy } : {}),
      },
      saveInstanceParam: (id, value) => environments.setInstance(data.environment, data.integration, { [id]: value }),
      progress: async (done, total, text) => {
        const now = Date.now();
        if (now - lastProgress < PROGRESS_INTERVAL_MS && done < total) return;
        lastProgress = now;
        const line = text ?? `${done}/${total}`;
        await jobs.update(data.jobId, { progress: line });
        await show(data, runningMessage(header(data), undefined, { done, total, text }));
      },
    });

    const timedOut = async (): Promise<void> => {
      let result: ActionResult;
      try {
        result = spec.onTimeout ? await spec.onTimeout(ctx, params) : failure(`${spec.name} timed out.`);
      } catch (err) {
        result = failure(`${spec.name} timed out: ${reasonOf(err)}`);
      }
      return finish(data, result);
    };
    if (Date.now() > data.timeoutAt) return timedOut();

    let outcome;
    try {
      outcome = await spec.run(ctx, params);
    } catch (err) {
      if (!signal.aborted) jobLog.warn({ err }, 'action failed');
      outcome = failure(`Action "${spec.name}" failed: ${reasonOf(err)}`);
    }
    if (stoppedBySignal(outcome, signal)) return stopped(job, token, signal.reason);
    metrics.jobDuration.observe(
      { integration: data.integration, action: data.action, outcome: outcome.kind === 'result' ? String(outcome.isSuccess) : 'pending' },
      (Date.now() - started) / 1000,
    );

    if (outcome.kind === 'result') return finish(data, outcome);

    const nextAt = Date.now() + deps.pollMs;
    if (nextAt > data.timeoutAt) {
      ctx.state = outcome.state;
      return timedOut();
    }
    await job.updateData({ ...data, state: outcome.state, attempt: data.attempt + 1 });
    await jobs.update(data.jobId, { state: 'waiting', progress: outcome.status });
    // A job that waits is shown running (behaviour.md 40), whether or not its first run was short.
    if (outcome.status || data.attempt === 0) await show(data, runningMessage(header(data), outcome.status));
    await job.moveToDelayed(nextAt, token);
    throw new DelayedError();
  }

  const worker = new Worker<ActionJobData>(QUEUE_NAMES.actions, process, {
    connection: deps.connection,
    prefix: new Keys(deps.prefix).bull(),
    concurrency: deps.concurrency ?? ACTION_CONCURRENCY,
    // A job taken back from a dead worker runs again (its steps are idempotent or send-once);
    // only a job that keeps killing workers is given up.
    maxStalledCount: MAX_STALLED,
  });
  worker.on('closing', () => runningJobs.stopAll());
  worker.on('failed', async (job, err) => {
    // BullMQ gives up a job that stalled too often with an UnrecoverableError whatever attempts are left.
    if (!job || (job.attemptsMade < (job.opts.attempts ?? 1) && !(err instanceof UnrecoverableError || err.name === 'UnrecoverableError'))) return;
    log.error({ job: job.data.jobId, err }, 'action job gave up');
    // The failure is the job's result: a Redis outage or failover right now is waited out (up to 2 minutes).
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const since = await deps.barrier?.mark();
        await finish(job.data, failure(`Action failed: ${reasonOf(err)}`));
        return await deps.barrier?.sync(since);
      } catch (again) {
        if (Date.now() > deadline) return log.error({ job: job.data.jobId, err: again }, 'failure of a job given up not reported');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  });
  return worker;
}

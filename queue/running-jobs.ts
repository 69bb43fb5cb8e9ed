/**
 * The jobs one action worker is running, each with its own AbortController. `soar cancel` (taken
 * by whichever process, seen here by polling the cancel requests) and the worker stopping abort
 * it, so that an action's in-flight HTTP request stops at once rather than at its next poll.
 */
import type { Logger } from 'pino';
import type { JobIndex } from '../store/jobs';

/** The abort reason of a job cancelled with `soar cancel`. */
export class JobCancelled extends Error {
  constructor(readonly by: string) {
    super(`Cancelled by ${by}.`);
    this.name = 'JobCancelled';
  }
}

/** The abort reason of a job whose worker is stopping: it is handed back and runs again. */
export class WorkerStopping extends Error {
  constructor() {
    super('The worker is stopping.');
    this.name = 'WorkerStopping';
  }
}

/** How often the cancel requests of running jobs are read (one round trip for all of them). */
export const CANCEL_POLL_MS = 250;

export class RunningJobs {
  private readonly running = new Map<string, AbortController>();
  private readonly timer: NodeJS.Timeout;
  private checking = false;
  private stopping = false;

  constructor(
    private readonly jobs: JobIndex,
    private readonly log: Logger,
    everyMs = CANCEL_POLL_MS,
  ) {
    this.timer = setInterval(() => void this.check(), everyMs);
    this.timer.unref();
  }

  /** The signal of a job starting now; `done` when it ends (whatever the outcome). */
  start(jobId: string): { signal: AbortSignal; done(): void } {
    const abort = new AbortController();
    if (this.stopping) abort.abort(new WorkerStopping());
    this.running.set(jobId, abort);
    const done = (): void => {
      if (this.running.get(jobId) === abort) this.running.delete(jobId);
    };
    return { signal: abort.signal, done };
  }

  /** The worker is closing: every running job's signal aborts and no more cancel requests are read. */
  stopAll(): void {
    this.stopping = true;
    clearInterval(this.timer);
    for (const abort of this.running.values()) abort.abort(new WorkerStopping());
  }

  private async check(): Promise<void> {
    if (this.checking || !this.running.size) return;
    this.checking = true;
    try {
      const ids = [...this.running.keys()];
      const by = await this.jobs.cancelRequests(ids);
      ids.forEach((id, i) => {
        const who = by[i];
        if (who) this.running.get(id)?.abort(new JobCancelled(who));
      });
    } catch (err) {
      // Redis unavailable: the job is cancelled when it next starts or polls instead.
      this.log.debug({ err }, 'cancel requests not read');
    } finally {
      this.checking = false;
    }
  }
}

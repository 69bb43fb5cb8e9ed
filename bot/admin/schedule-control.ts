/**
 * How admin changes reach the running schedules: through queue/schedules.ts (one BullMQ job
 * scheduler per connector or job instance, synced from the environment store; "run now" as one
 * manual job). An interface, so that the runtime can pass its own.
 */
import type { Logger } from 'pino';
import type { Queues } from '../../queue/queues';
import type { IntegrationSpec } from '../../handlers/kit/spec';
import { runScheduleNow, syncSchedules } from '../../queue/schedules';
import type { EnvironmentStore, ScheduleConfig } from '../../store/environments';

export type ScheduleKind = 'connectors' | 'jobs';

export interface ScheduleControl {
  /** Makes the running schedules match the store after a change to `name` (config null: removed). */
  sync(environment: string, kind: ScheduleKind, name: string, config: ScheduleConfig | null): Promise<void>;
  /** Queues one run at once. */
  runNow(environment: string, kind: ScheduleKind, config: ScheduleConfig, requestedBy: string): Promise<void>;
}

export class QueueScheduleControl implements ScheduleControl {
  constructor(private readonly deps: { queues: Queues; environments: EnvironmentStore; log: Logger; catalog?: IntegrationSpec[] }) {}

  async sync(): Promise<void> {
    await syncSchedules(this.deps);
  }

  async runNow(environment: string, kind: ScheduleKind, config: ScheduleConfig, requestedBy: string): Promise<void> {
    await runScheduleNow(this.deps.queues, kind, environment, config.name, requestedBy);
  }
}

/**
 * What `soar admin` works with. The Dispatcher owns most of it; `adminDepsOf` derives the rest,
 * taking the runtime's own objects when lib/runtime.ts passes them as `admin` in DispatchDeps.
 */
import type { Logger } from 'pino';
import type { Dispatcher, DispatchDeps } from '../dispatch';
import { http as defaultHttp, type HttpClient } from '../../handlers/kit/http';
import type { IntegrationSpec } from '../../handlers/kit/spec';
import type { FilesRoot } from '../../lib/files';
import type { Queues } from '../../queue/queues';
import { AuditLog } from '../../store/audit';
import type { EnvironmentStore } from '../../store/environments';
import { QueueScheduleControl, type ScheduleControl } from './schedule-control';

export interface AdminDeps {
  environments: EnvironmentStore;
  audit: AuditLog;
  queues: Queues;
  /** `soar admin test` queues the integration's Ping through it, like any typed action. */
  dispatcher: Dispatcher;
  log: Logger;
  catalog: IntegrationSpec[];
  /** The HTTP layer the dialogs' Ping-before-saving runs on. */
  http: HttpClient;
  publicUrl: string;
  /** Where `soar admin audit` writes its downloadable file; without it the audit is a table only. */
  files?: FilesRoot;
  schedules: ScheduleControl;
}

/** What lib/runtime.ts hands over beside the Dispatcher's own deps (DispatchDeps.admin). */
export type AdminExtras = Pick<AdminDeps, 'publicUrl'> & Partial<Pick<AdminDeps, 'audit' | 'files' | 'http' | 'schedules'>>;

/**
 * The admin deps of a Dispatcher: its own deps plus what the runtime handed over as `admin`.
 */
export function adminDepsOf(dispatcher: Dispatcher): AdminDeps {
  const d: DispatchDeps = dispatcher.deps;
  const extra = d.admin;
  const log = d.log.child({ part: 'admin' });
  return {
    environments: d.environments,
    queues: d.queues,
    dispatcher,
    log,
    catalog: dispatcher.catalog,
    audit: extra.audit ?? new AuditLog(d.environments.redis, d.environments.keys.prefix),
    http: extra.http ?? defaultHttp,
    publicUrl: extra.publicUrl.replace(/\/$/, ''),
    files: extra.files,
    schedules: extra.schedules ?? new QueueScheduleControl({ queues: d.queues, environments: d.environments, log, catalog: dispatcher.catalog }),
  };
}

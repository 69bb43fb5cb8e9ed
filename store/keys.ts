/** `text` matched literally by a SCAN pattern. */
const glob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Every Redis key chatsoar writes, under one prefix (tests use a unique prefix each). The strings
 * are the data's names: changing one orphans what is stored under it.
 */
export class Keys {
  constructor(readonly prefix: string) {}
  /** BullMQ's own prefix for its queues' keys. */
  bull = (): string => `${this.prefix}bull`;
  envNames = (): string => `${this.prefix}env:names`;
  envMeta = (env: string): string => `${this.prefix}env:${env}:meta`;
  instance = (env: string, integration: string): string => `${this.prefix}env:${env}:inst:${integration}`;
  roles = (env: string): string => `${this.prefix}env:${env}:roles`;
  channels = (env: string): string => `${this.prefix}env:${env}:channels`;
  binding = (channel: string): string => `${this.prefix}bind:${channel}`;
  /** The environment's configured connectors and scheduled jobs, by name. */
  connectors = (env: string): string => `${this.prefix}env:${env}:connectors`;
  jobs = (env: string): string => `${this.prefix}env:${env}:jobs`;
  conversation = (id: string): string => `${this.prefix}conv:${id}`;
  message = (key: string): string => `${this.prefix}msg:${key}`;
  /** Held while one outbox job sends the message `key`. */
  messageLock = (key: string): string => `${this.message(key)}:lock`;
  /** A channel's jobs, per environment: a channel bound to another environment later lists none of them. */
  channelJobs = (env: string, channel: string): string => `${this.prefix}env:${env}:chjobs:${channel}`;
  jobInfo = (jobId: string): string => `${this.prefix}job:${jobId}`;
  cancel = (jobId: string): string => `${this.prefix}cancel:${jobId}`;
  rate = (conversation: string): string => `${this.prefix}rate:${conversation}`;
  /** Written before each WAIT of the Sentinel-mode replica barrier (store/redis.ts). */
  replicaMarker = (): string => `${this.prefix}replicated`;
  /** One environment's audit log; entries of no environment (global) in their own key. */
  audit = (env?: string): string => (env === undefined ? `${this.prefix}audit:global` : `${this.prefix}env:${env}:audit`);
  /** A deleted environment's audit log, kept for the operator. */
  deletedAudit = (env: string, at: number): string => `${this.prefix}audit:deleted:${env}:${at}`;
  /** The single audit list of before audit was kept per environment (read once, at start). */
  legacyAudit = (): string => `${this.prefix}audit`;
  /** The legacy list renamed aside while one process moves it (`id`: that process's claim). */
  legacyAuditClaim = (id: string): string => `${this.legacyAudit()}:migrating:${id}`;
  /** SCAN pattern: every environment's audit log. */
  environmentAudits = (): string => `${glob(this.prefix)}env:*:audit`;
  /** SCAN pattern: every key of one environment's settings. */
  environmentAll = (env: string): string => `${glob(`${this.prefix}env:${env}:`)}*`;
  /** A delegated sign-in under way, by its OAuth state. */
  oauthState = (state: string): string => `${this.prefix}oauth:${state}`;
  /** The Generate Token job a sign-in's redirect started (a reloaded page shows its result). */
  oauthStateJob = (state: string): string => `${this.oauthState(state)}:job`;
  /** Origins the operator named (CONFIG_FILE, demo, set-up): per environment, and all of them together. */
  trustedOrigins = (env?: string): string => (env === undefined ? `${this.prefix}trusted-origins` : `${this.prefix}env:${env}:trusted-origins`);
  /** Per secret parameter of an instance: the endpoints it was saved with (a fingerprint). */
  secretEndpoints = (env: string, integration: string): string => `${this.prefix}env:${env}:inst:${integration}:secret-endpoints`;
  /** An approval request; its votes, decision and dry-run preview beside it. */
  approval = (id: string, part?: 'votes' | 'decided' | 'preview'): string => `${this.prefix}approval:${id}${part ? `:${part}` : ''}`;
  /** A connector alert card (store/alerts.ts): what it shows, its triage state, a lock while one click changes it. */
  alert = (env: string, id: string, part?: 'state' | 'lock'): string => `${this.prefix}env:${env}:alert:${id}${part ? `:${part}` : ''}`;
  /** Secrets typed in an admin dialog that did not save, sealed, under a random id. */
  adminDraft = (id: string): string => `${this.prefix}admin:draft:${id}`;
  /** A web chat room: revision counter, activities, change order and creation order (one hash tag: one cluster slot). */
  webchatRoom = (room: string): [rev: string, data: string, changes: string, order: string] => {
    const base = `${this.prefix}webchat:{${room}}:`;
    return [`${base}rev`, `${base}data`, `${base}changes`, `${base}order`];
  };
  /** Where the connectors and jobs of an environment keep their state (every key starts with this). */
  scheduleStates = (env: string): string => `${this.prefix}sched:${env}:`;
  /** SCAN pattern: all of an environment's connector and job state. */
  scheduleStatesAll = (env: string): string => `${glob(this.scheduleStates(env))}*`;
  /** One connector's or job's state (queue/connector-state.ts). */
  scheduleState = (env: string, kind: 'connector' | 'job', name: string): ScheduleStateKeys => {
    const base = `${this.scheduleStates(env)}${kind}:${encodeURIComponent(name)}:`;
    return {
      checkpoint: `${base}checkpoint`,
      pending: `${base}pending`,
      lock: `${base}lock`,
      seen: (set) => `${base}seen:${set}`,
      seenAll: `${glob(base)}seen:*`,
      staging: (id) => `${base}staging:${id}`,
      warned: (key) => `${base}warned:${key}`,
    };
  };
  /**
   * Files the bot posted (behaviour.md 6): name → path, per environment and channel (no thread) or
   * thread of a channel; `…:at` ranks the names by when they were posted (pruning). JSON keeps
   * any environment, channel id or thread id from running into the other.
   */
  threadFiles = (env: string, channel: string, thread?: string): string =>
    `${this.prefix}tfiles:${JSON.stringify(thread === undefined ? [env, channel] : [env, channel, thread])}`;
  threadFilesAt = (env: string, channel: string, thread?: string): string => `${this.threadFiles(env, channel, thread)}:at`;
}

export interface ScheduleStateKeys {
  checkpoint: string;
  /** A digest commit under way (finished by the next cycle after a crash). */
  pending: string;
  /** One cycle at a time. */
  lock: string;
  /** A dedup set of committed ids. */
  seen(set: string): string;
  /** SCAN pattern: every dedup set. */
  seenAll: string;
  /** A digest's alert ids before they are committed. */
  staging(id: string): string;
  /** A warn-once flag. */
  warned(key: string): string;
}

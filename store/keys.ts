/** Every Redis key of the state store, under one prefix (tests use a unique prefix each). */
export class Keys {
  constructor(readonly prefix: string) {}
  envNames = (): string => `${this.prefix}env:names`;
  envMeta = (env: string): string => `${this.prefix}env:${env}:meta`;
  instance = (env: string, integration: string): string => `${this.prefix}env:${env}:inst:${integration}`;
  roles = (env: string): string => `${this.prefix}env:${env}:roles`;
  channels = (env: string): string => `${this.prefix}env:${env}:channels`;
  binding = (channel: string): string => `${this.prefix}bind:${channel}`;
  connectors = (env: string): string => `${this.prefix}env:${env}:connectors`;
  jobs = (env: string): string => `${this.prefix}env:${env}:jobs`;
  conversation = (id: string): string => `${this.prefix}conv:${id}`;
  message = (key: string): string => `${this.prefix}msg:${key}`;
  messageLatest = (key: string): string => `${this.prefix}msg:${key}:latest`;
  /** A channel's jobs, per environment: a channel bound to another environment later lists none of them. */
  channelJobs = (env: string, channel: string): string => `${this.prefix}env:${env}:chjobs:${channel}`;
  jobInfo = (jobId: string): string => `${this.prefix}job:${jobId}`;
  cancel = (jobId: string): string => `${this.prefix}cancel:${jobId}`;
  rate = (conversation: string): string => `${this.prefix}rate:${conversation}`;
  /** One environment's audit log; entries of no environment (global) in their own key. */
  audit = (env?: string): string => (env === undefined ? `${this.prefix}audit:global` : `${this.prefix}env:${env}:audit`);
  /** A deleted environment's audit log, kept for the operator. */
  deletedAudit = (env: string, at: number): string => `${this.prefix}audit:deleted:${env}:${at}`;
  /** The single audit list of before audit was kept per environment (read once, at start). */
  legacyAudit = (): string => `${this.prefix}audit`;
  oauthState = (state: string): string => `${this.prefix}oauth:${state}`;
  /** Origins the operator named (CONFIG_FILE, demo, set-up): per environment, and all of them together. */
  trustedOrigins = (env?: string): string => (env === undefined ? `${this.prefix}trusted-origins` : `${this.prefix}env:${env}:trusted-origins`);
  /** Per secret parameter of an instance: the endpoints it was saved with (a fingerprint). */
  secretEndpoints = (env: string, integration: string): string => `${this.prefix}env:${env}:inst:${integration}:secret-endpoints`;
  seen = (id: string): string => `${this.prefix}seen:${id}`;
  /**
   * Files the bot posted (behaviour.md 6): name → path, per environment and channel (no thread) or
   * thread of a channel; `…:at` ranks the names by when they were posted (pruning). JSON keeps
   * any environment, channel id or thread id from running into the other.
   */
  threadFiles = (env: string, channel: string, thread?: string): string => `${this.prefix}tfiles:${JSON.stringify(thread === undefined ? [env, channel] : [env, channel, thread])}`;
  threadFilesAt = (env: string, channel: string, thread?: string): string => `${this.threadFiles(env, channel, thread)}:at`;
}

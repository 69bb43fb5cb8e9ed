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
  channelJobs = (channel: string): string => `${this.prefix}chjobs:${channel}`;
  jobInfo = (jobId: string): string => `${this.prefix}job:${jobId}`;
  cancel = (jobId: string): string => `${this.prefix}cancel:${jobId}`;
  rate = (conversation: string): string => `${this.prefix}rate:${conversation}`;
  audit = (): string => `${this.prefix}audit`;
  oauthState = (state: string): string => `${this.prefix}oauth:${state}`;
  seen = (id: string): string => `${this.prefix}seen:${id}`;
  /**
   * Files the bot posted (DECISIONS 6): name → path, per channel (no thread) or per thread of a
   * channel; `…:at` ranks the names by when they were posted (pruning). JSON keeps any channel
   * id or thread id from running into the other.
   */
  threadFiles = (channel: string, thread?: string): string => `${this.prefix}tfiles:${JSON.stringify(thread === undefined ? [channel] : [channel, thread])}`;
  threadFilesAt = (channel: string, thread?: string): string => `${this.threadFiles(channel, thread)}:at`;
}

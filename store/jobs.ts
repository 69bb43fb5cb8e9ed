/**
 * The channel's job index for `soar jobs` and `soar cancel` (behaviour.md 35), per environment: a
 * channel re-bound to another environment neither lists nor cancels the jobs of the one before.
 */
import type { Redis } from 'ioredis';
import { Keys } from './keys';
import { defineScript, type Script } from './scripts';

export type JobState = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' | 'awaiting-approval';

export interface JobInfo {
  jobId: string;
  actionName: string;
  requestedBy: string;
  /** The environment the job runs in. */
  environment: string;
  channel: string;
  state: JobState;
  createdAt: number;
  progress?: string;
}

const TTL_SECONDS = 7 * 86400;
const FINISHED: JobState[] = ['succeeded', 'failed', 'cancelled'];

/**
 * update in one round trip: KEYS[1] the entry; ARGV the patch (JSON, null removes a field), the
 * TTL, the finished states (JSON), then the channel index's key around its environment and
 * channel (Keys.channelJobs cut at both: the key is known once the entry is read). A finished job
 * leaves its channel's index.
 */
const UPDATE = `local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local info = cjson.decode(raw)
for k, v in pairs(cjson.decode(ARGV[1])) do
  if v == cjson.null then info[k] = nil else info[k] = v end
end
redis.call('SET', KEYS[1], cjson.encode(info), 'EX', ARGV[2])
for _, s in ipairs(cjson.decode(ARGV[3])) do
  if info.state == s and info.environment then
    redis.call('ZREM', ARGV[4] .. info.environment .. ARGV[5] .. info.channel .. ARGV[6], info.jobId)
  end
end
return 1`;

/** add in one command: KEYS the entry and its channel's index; ARGV the entry (JSON), the TTL, its time and id. */
const ADD = `redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1`;

export class JobIndex {
  private readonly keys: Keys;
  /** Keys.channelJobs as the text before, between and after its environment and channel (for UPDATE). */
  private readonly channelJobsParts: string[];
  private readonly addScript: Script;
  private readonly updateScript: Script;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new Keys(prefix);
    this.channelJobsParts = this.keys.channelJobs('\n', '\n').split('\n');
    this.addScript = defineScript(redis, 'chatsoarJobAdd', ADD, 2);
    this.updateScript = defineScript(redis, 'chatsoarJobUpdate', UPDATE, 1);
  }

  async add(info: JobInfo): Promise<void> {
    await this.addScript(
      this.keys.jobInfo(info.jobId),
      this.keys.channelJobs(info.environment, info.channel),
      JSON.stringify(info),
      TTL_SECONDS,
      info.createdAt,
      info.jobId,
    );
  }

  /** The Redis key of a job's entry (a command checks it exists in its one read before the ack). */
  infoKey(jobId: string): string {
    return this.keys.jobInfo(jobId);
  }

  async get(jobId: string): Promise<JobInfo | null> {
    const raw = await this.redis.get(this.keys.jobInfo(jobId));
    return raw ? (JSON.parse(raw) as JobInfo) : null;
  }

  async update(jobId: string, patch: Partial<JobInfo>): Promise<void> {
    // A field set to undefined is removed (JSON null, which the script drops).
    const json = JSON.stringify(patch, (_k, v: unknown) => (v === undefined ? null : v));
    await this.updateScript(this.keys.jobInfo(jobId), json, TTL_SECONDS, JSON.stringify(FINISHED), ...this.channelJobsParts);
  }

  /** The job, if it was started from `channel` in `environment` (what `soar cancel` there may act on). */
  async getIn(environment: string, channel: string, jobId: string): Promise<JobInfo | null> {
    const info = await this.get(jobId);
    return info && info.environment === environment && info.channel === channel ? info : null;
  }

  /** Queued and running jobs started from a channel in an environment, oldest first. */
  async active(environment: string, channel: string): Promise<JobInfo[]> {
    const ids = await this.redis.zrange(this.keys.channelJobs(environment, channel), 0, 199);
    const infos = await Promise.all(ids.map((id) => this.get(id)));
    return infos.filter((i): i is JobInfo => !!i && i.environment === environment && !FINISHED.includes(i.state));
  }

  async requestCancel(jobId: string, by: string): Promise<void> {
    await this.redis.set(this.keys.cancel(jobId), by, 'EX', TTL_SECONDS);
  }

  async cancelledBy(jobId: string): Promise<string | null> {
    return this.redis.get(this.keys.cancel(jobId));
  }

  /** Who asked to cancel each of `jobIds` (null where nobody did), in one round trip. */
  async cancelRequests(jobIds: string[]): Promise<Array<string | null>> {
    return jobIds.length ? this.redis.mget(jobIds.map((id) => this.keys.cancel(id))) : [];
  }
}

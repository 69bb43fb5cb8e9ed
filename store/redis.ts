/**
 * Redis connections: one for state, and BullMQ's (which needs maxRetriesPerRequest: null).
 * Both reach the same Redis (contract.md §2): one server by REDIS_URL (`rediss://` for TLS, with a
 * password or an ACL user), or the master that Sentinel names (REDIS_SENTINELS, REDIS_SENTINEL_NAME).
 */
import { readFileSync } from 'node:fs';
import Redis, { type RedisOptions } from 'ioredis';
import { rootLogger } from '../lib/log';
import { Keys } from './keys';

/** Where Redis is: a URL, or Sentinels and the master's name (the URL then only gives user, password, db and TLS). */
export interface RedisTarget {
  url?: string;
  sentinels?: Array<{ host: string; port: number }>;
  sentinelName?: string;
  /** PEM CA certificates trusted for TLS instead of the system's (REDIS_TLS_CA). */
  tlsCa?: string;
}

/** The target of the settings: reads the REDIS_TLS_CA file once. */
export function redisTarget(opts: { url?: string; sentinels?: Array<{ host: string; port: number }>; sentinelName?: string; tlsCaFile?: string }): RedisTarget {
  return {
    url: opts.url,
    sentinels: opts.sentinels?.length ? opts.sentinels : undefined,
    sentinelName: opts.sentinelName,
    tlsCa: opts.tlsCaFile ? readFileSync(opts.tlsCaFile, 'utf8') : undefined,
  };
}

export function redisOptions(target: string | RedisTarget): RedisOptions {
  const t: RedisTarget = typeof target === 'string' ? { url: target } : target;
  const u = t.url ? new URL(t.url) : undefined;
  const tls = u?.protocol === 'rediss:' ? (t.tlsCa ? { ca: t.tlsCa } : {}) : undefined;
  const auth = {
    username: u?.username ? decodeURIComponent(u.username) : undefined,
    password: u?.password ? decodeURIComponent(u.password) : undefined,
    db: u?.pathname && u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls,
  };
  if (t.sentinels?.length) {
    return {
      sentinels: t.sentinels,
      name: t.sentinelName ?? 'mymaster',
      ...auth,
      // The master's address comes from a Sentinel, so TLS (when asked for) is for the master only.
      enableTLSForSentinelMode: !!tls,
      // No failoverDetector: its +switch-master disconnect, landing while a reconnect is asking the
      // Sentinels, ends the connection for good ("Connection is closed" ever after; ioredis 5.11).
      // A killed master closes the connections anyway; a demoted one answers READONLY:
      // reconnect to the new master and resend.
      reconnectOnError: (err) => (/READONLY/.test(err.message) ? 2 : false),
    };
  }
  return { host: u?.hostname ?? '127.0.0.1', port: Number(u?.port || 6379), ...auth };
}

export function connectRedis(target: string | RedisTarget, forBullmq = false): Redis {
  const client = new Redis({
    ...redisOptions(target),
    maxRetriesPerRequest: forBullmq ? null : 3,
    enableReadyCheck: true,
    // Commands sent in the same tick (reads done side by side) go out in one write.
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // ioredis reconnects by itself; without a listener every refused attempt would print a stack.
  client.on('error', (err: Error) => rootLogger.warn({ err }, 'redis connection error'));
  return client;
}

/** The master changed between `mark` and `sync`: what was written in between may be gone. */
export class FailedOverError extends Error {
  override name = 'FailedOverError';
}

/**
 * Sentinel mode (docs/reliability.md, "Redis failover"): Redis replicates asynchronously, so a
 * write the master acknowledged in its last moments may be missing on the replica promoted in its
 * place, while the processes carry on as if it happened (a job completed on the new master whose
 * result was written to the old one). A barrier closes that gap where it matters: before a command
 * is acknowledged to the chat, before a job's completion, before anything is sent to a chat.
 */
export interface ReplicaBarrier {
  /** The current master's replication id (changes with every failover); undefined without Sentinel. */
  mark(): Promise<string | undefined>;
  /**
   * Resolves once everything written so far (by any connection) is on a replica, when one is
   * online; throws FailedOverError when the master is no longer the one of `since`, and an Error
   * when no replica confirmed in time.
   */
  sync(since: string | undefined): Promise<void>;
  close(): void;
}

/** A single Redis (no Sentinel): no barrier, no extra round trip. */
export const noBarrier: ReplicaBarrier = {
  mark: async () => undefined,
  sync: async () => undefined,
  close: () => undefined,
};

interface Round {
  replid: string;
  online: number;
  acked: number;
}

/** role, master_replid and the replicas online, from INFO replication. */
function replicationOf(info: string): { role: string; replid: string; online: number } {
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
  return { role: field('role'), replid: field('master_replid'), online: (info.match(/^slave\d+:.*state=online/gm) ?? []).length };
}

/**
 * WAIT on a connection of its own (it blocks the connection until a replica answers). One round
 * serves every caller that asked before it began (group commit): a marker written on this
 * connection, then WAIT 1, which covers every write the master ran before the marker. No replica
 * online (the one left after a failover): nothing to wait for, nothing a promotion could lose.
 */
class SentinelBarrier implements ReplicaBarrier {
  private replid?: string;
  private running?: Promise<Round>;
  private queued?: Promise<Round>;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly timeoutMs: number,
  ) {
    // Reconnected (perhaps to a new master): read the id again rather than trust the old one.
    redis.on('ready', () => {
      this.replid = undefined;
    });
  }

  async mark(): Promise<string> {
    if (this.replid) return this.replid;
    const { replid } = replicationOf(await this.redis.info('replication'));
    this.replid = replid;
    return replid;
  }

  async sync(since: string | undefined): Promise<void> {
    const round = await this.round();
    if (since && round.replid !== since) throw new FailedOverError('Redis failed over while this was being written; it is done again.');
    if (round.online > 0 && round.acked < 1) throw new Error(`no Redis replica confirmed the writes within ${this.timeoutMs} ms`);
  }

  /** The next round not begun yet (a round already running may have begun before the caller's writes ended). */
  private round(): Promise<Round> {
    if (this.queued) return this.queued;
    const before = this.running?.then(
      () => undefined,
      () => undefined,
    );
    const next: Promise<Round> = (before ?? Promise.resolve()).then(() => {
      this.queued = undefined;
      this.running = next;
      return this.bounded();
    });
    this.queued = next;
    return next;
  }

  /**
   * A round that never ends (a command waiting while the connection looks for a master) would hold
   * every later one: past its time it fails (the connection goes on reconnecting by itself).
   */
  private bounded(): Promise<Round> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Redis to the replica barrier within ${this.timeoutMs + 3000} ms`)), this.timeoutMs + 3000);
    });
    return Promise.race([this.run(), late]).finally(() => clearTimeout(timer));
  }

  private async run(): Promise<Round> {
    const replies = await this.redis.pipeline().set(this.key, String(Date.now()), 'PX', 60_000).info('replication').exec();
    const [[setErr], [infoErr, info]] = (replies ?? [[new Error('no reply from Redis')], [null, '']]) as Array<[Error | null, unknown]>;
    if (setErr) throw setErr;
    if (infoErr) throw infoErr;
    const r = replicationOf(String(info));
    if (r.role !== 'master') throw new Error(`Redis answered as ${r.role || 'unknown'}, not master`);
    this.replid = r.replid;
    const acked = r.online > 0 ? Number(await this.redis.wait(1, this.timeoutMs)) : 0;
    return { replid: r.replid, online: r.online, acked };
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** The barrier for `target`: a real one in Sentinel mode only (a single Redis has no replica to fail over to). */
export function replicaBarrier(target: string | RedisTarget, prefix: string, timeoutMs = 2000): ReplicaBarrier {
  if (typeof target === 'string' || !target.sentinels?.length) return noBarrier;
  return new SentinelBarrier(connectRedis(target), new Keys(prefix).replicaMarker(), timeoutMs);
}

export type { Redis };

/**
 * Redis connections: one for state, and BullMQ's (which needs maxRetriesPerRequest: null).
 * Both reach the same Redis (contract.md §2): one server by REDIS_URL (`rediss://` for TLS, with a
 * password or an ACL user), or the master that Sentinel names (REDIS_SENTINELS, REDIS_SENTINEL_NAME).
 */
import { readFileSync } from 'node:fs';
import Redis, { type RedisOptions } from 'ioredis';
import { rootLogger } from '../lib/log';

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
      // A Sentinel's +switch-master reconnects at once rather than on the next refused command.
      failoverDetector: true,
      // An old master that comes back as a replica refuses writes: reconnect to the new one and resend.
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

export type { Redis };

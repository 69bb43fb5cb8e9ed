/** Redis connections: one for state, and BullMQ's (which needs maxRetriesPerRequest: null). */
import Redis, { type RedisOptions } from 'ioredis';
import { rootLogger } from '../lib/log';

export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname && u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

export function connectRedis(url: string, forBullmq = false): Redis {
  const client = new Redis({
    ...redisOptions(url),
    maxRetriesPerRequest: forBullmq ? null : 3,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // ioredis reconnects by itself; without a listener every refused attempt would print a stack.
  client.on('error', (err: Error) => rootLogger.warn({ err }, 'redis connection error'));
  return client;
}

export type { Redis };

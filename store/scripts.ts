import type { Redis } from 'ioredis';

export type Script = (...args: Array<string | number>) => Promise<unknown>;

/**
 * A Lua script as one command of `redis` (ioredis `defineCommand`): sent by its SHA, the body only
 * when Redis does not know it yet (after a restart, say). One command instead of a MULTI block:
 * no pipeline object per call, one reply to read. Without `numberOfKeys`, the first argument is
 * the number of keys.
 */
export function defineScript(redis: Redis, name: string, lua: string, numberOfKeys?: number): Script {
  const client = redis as unknown as Record<string, Script | undefined>;
  if (typeof client[name] !== 'function') redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
  return (...args) => (client[name] as Script).apply(redis, args);
}

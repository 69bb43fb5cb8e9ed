import type { PrivateRedis } from '../../lib/redis-server';

export default async function globalTeardown(): Promise<void> {
  await ((globalThis as Record<string, unknown>).__REDIS__ as PrivateRedis | undefined)?.stop();
}

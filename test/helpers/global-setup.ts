/** Starts one private redis-server for the whole run; tests use a unique key prefix each. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateRedis } from '../../lib/redis-server';

export default async function globalSetup(): Promise<void> {
  const redis = await startPrivateRedis(mkdtempSync(join(tmpdir(), 'chatsoar-test-redis-')), (line) => process.stdout.write(`${line}\n`));
  (globalThis as Record<string, unknown>).__REDIS__ = redis;
  process.env.TEST_REDIS_URL = redis.url;
}

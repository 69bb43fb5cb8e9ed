/**
 * A start that fails after it started its private redis-server stops it again, and a
 * redis-server left by a killed start is stopped by the next one. Before: `npm start` in a
 * folder whose ./.data held a configured environment said "SECRETS_KEY is required" and left
 * redis-server running; each retry left one more.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateRedis } from '../../lib/redis-server';
import { SecretBox } from '../../store/crypto';
import { EnvironmentStore } from '../../store/environments';
import { connectRedis } from '../../store/redis';
import { freePort } from '../helpers/harness';
import { spawnMain, type MainProcess } from '../helpers/main-process';

const hasProc = existsSync('/proc/self/cwd');
const describeProc = hasProc ? describe : describe.skip;

/** Pids of the redis-servers whose working folder is `dir` (redis-server changes into its --dir). */
function redisServersIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('redis-server')) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

const procs: MainProcess[] = [];
const left: number[] = [];
afterAll(() => {
  for (const p of procs) p.kill();
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describeProc('the private redis-server does not outlive a start', () => {
  it('a start refused for a missing SECRETS_KEY (./.data holds an environment) stops the redis-server it started', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'chatsoar-failed-start-'));
    const redisDir = join(cwd, '.data', 'redis');
    // A folder that already holds a configured environment, as a previous deployment left it.
    const seed = await startPrivateRedis(redisDir, () => undefined);
    const client = connectRedis(seed.url);
    await new EnvironmentStore(client, new SecretBox(randomBytes(32).toString('base64')), 'chatsoar:').create('prod');
    client.disconnect();
    await seed.stop();
    expect(redisServersIn(redisDir)).toEqual([]);

    const proc = spawnMain({ PORT: String(await freePort()) }, { cwd });
    procs.push(proc);
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('Starting a private redis-server');
    expect(proc.output()).toMatch(/chatsoar: SECRETS_KEY is required/);
    const gone = await eventually(() => redisServersIn(redisDir).length === 0);
    left.push(...redisServersIn(redisDir));
    expect(gone).toBe(true);
  }, 60_000);

  it('a redis-server left by a killed start is stopped by the next start', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'chatsoar-killed-start-'));
    const redisDir = join(cwd, '.data', 'redis');
    const killed = spawnMain({ PORT: String(await freePort()) }, { cwd });
    procs.push(killed);
    await killed.waitForLine(/chatsoar is running/);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const orphans = redisServersIn(redisDir);
    left.push(...orphans);
    expect(orphans).toHaveLength(1);

    const next = spawnMain({ PORT: String(await freePort()) }, { cwd });
    procs.push(next);
    await next.waitForLine(/chatsoar is running/);
    expect(await eventually(() => !redisServersIn(redisDir).includes(orphans[0]!))).toBe(true);
    expect(redisServersIn(redisDir)).toHaveLength(1);

    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    expect(await eventually(() => redisServersIn(redisDir).length === 0)).toBe(true);
  }, 90_000);
});

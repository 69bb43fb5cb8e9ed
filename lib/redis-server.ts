/**
 * The private redis-server of `npm start` with no REDIS_URL (CONTRACT §1): data in
 * ./.data/redis, AOF on; Debian's redis-server is installed first when missing and we are root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import Redis from 'ioredis';

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function ensureRedisServerInstalled(say: (line: string) => void): void {
  if (has('redis-server')) return;
  if (process.getuid?.() !== 0) {
    throw new Error('redis-server is missing: install it (sudo apt-get install -y redis-server) or set REDIS_URL.');
  }
  say('Installing Debian redis-server (apt-get)…');
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (update.status !== 0 || install.status !== 0 || !has('redis-server')) throw new Error('Could not install redis-server with apt-get; set REDIS_URL instead.');
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolvePort(typeof addr === 'object' && addr ? addr.port : 0));
    });
    srv.on('error', reject);
  });
}

/** Resolves once the redis-server `child` at `url` answers PING (while loading its AOF it answers LOADING); at most 15 s. */
export async function waitForRedis(url: string, child: ChildProcess, pollMs: number): Promise<void> {
  const deadline = Date.now() + 15000;
  for (;;) {
    // A bare client: refusals are expected until redis-server listens.
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch (err) {
      client.disconnect();
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}

export interface PrivateRedis {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startPrivateRedis(dataDir: string, say: (line: string) => void, port?: number): Promise<PrivateRedis> {
  ensureRedisServerInstalled(say);
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const p = port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--daemonize', 'no', '--protected-mode', 'yes'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${p}`;
  await waitForRedis(url, child, 100);
  return {
    url,
    child,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

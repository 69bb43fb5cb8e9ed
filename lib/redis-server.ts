/**
 * The private redis-server of `npm start` with no REDIS_URL (contract.md §1): data in
 * ./.data/redis, AOF on; Debian's redis-server is installed first when missing and we are root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
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
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (update.status !== 0 || install.status !== 0 || !has('redis-server'))
    throw new Error('Could not install redis-server with apt-get; set REDIS_URL instead.');
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
  /** SIGTERM (redis-server flushes its AOF), SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Which redis-server serves a data folder, and for which process: a later start finds what a killed one left. */
const OWNER_FILE = 'chatsoar-owner.json';

interface ProcessInfo {
  ppid: number;
  command: string;
}

function processInfo(pid: number): ProcessInfo | undefined {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  if (existsSync(`/proc/${pid}/status`)) {
    try {
      const ppid = Number(/^PPid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      return { ppid, command: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') };
    } catch {
      return undefined;
    }
  }
  const ps = spawnSync('ps', ['-o', 'ppid=,command=', '-p', String(pid)], { encoding: 'utf8' });
  const m = /^\s*(\d+)\s+(.*)$/m.exec(ps.stdout ?? '');
  return m ? { ppid: Number(m[1]), command: m[2] } : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A redis-server that a previous start left on this folder (its process was killed before it
 * could stop it) is stopped; one still run by a live process is not ours to take.
 */
async function stopLeftover(dir: string, say: (line: string) => void): Promise<void> {
  const file = join(dir, OWNER_FILE);
  let owner: { redis?: number; owner?: number };
  try {
    owner = JSON.parse(readFileSync(file, 'utf8')) as typeof owner;
  } catch {
    return;
  }
  const redisPid = Number(owner.redis);
  const info = Number.isSafeInteger(redisPid) && redisPid > 1 ? processInfo(redisPid) : undefined;
  if (info?.command.includes('redis-server')) {
    if (info.ppid === owner.owner) {
      throw new Error(`${dir} is in use by another chatsoar (pid ${info.ppid}): stop it first, or set REDIS_URL.`);
    }
    say(`Stopping the redis-server (pid ${redisPid}) a previous start left running on ${dir}…`);
    // A stopped one may linger as a zombie (no command line) until its new parent reaps it.
    const running = () => processInfo(redisPid)?.command.includes('redis-server') ?? false;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(redisPid, sig);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    for (let waited = 0; running() && waited < 12_000; waited += 100) {
      if (waited === 10_000) signal('SIGKILL');
      await sleep(100);
    }
  }
  rmSync(file, { force: true });
}

export async function startPrivateRedis(dataDir: string, say: (line: string) => void, port?: number): Promise<PrivateRedis> {
  ensureRedisServerInstalled(say);
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  await stopLeftover(dir, say);
  const p = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(p), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--daemonize', 'no', '--protected-mode', 'yes'],
    {
      stdio: 'ignore',
    },
  );
  const ownerFile = join(dir, OWNER_FILE);
  if (child.pid) writeFileSync(ownerFile, JSON.stringify({ redis: child.pid, owner: process.pid, port: p }));
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    rmSync(ownerFile, { force: true });
  };
  const url = `redis://127.0.0.1:${p}`;
  try {
    await waitForRedis(url, child, 100);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, child, stop };
}

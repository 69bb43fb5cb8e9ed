/**
 * Redis as operators run it beside one machine, started for real on loopback: a master, a replica
 * and three Sentinels (failover by SIGKILL of the master), and a TLS-only redis-server with an ACL
 * user and a throwaway CA made here with openssl (contract.md §2: REDIS_SENTINELS, REDIS_SENTINEL_NAME,
 * `rediss://`, REDIS_TLS_CA).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis, { type RedisOptions } from 'ioredis';
import { freePort } from '../helpers/harness';
import { startRedis, stopChild, type RedisProc } from './system';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it is true or `timeoutMs` passes. */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** One command on a fresh connection that gives up at once (no retries). */
async function once<T>(opts: RedisOptions, run: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({ ...opts, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  // The connection's own error (a certificate refused, a wrong password) rather than "Connection is closed".
  let first: Error | undefined;
  c.on('error', (err: Error) => {
    first ??= err;
  });
  try {
    await c.connect();
    return await run(c);
  } catch (err) {
    throw first ?? err;
  } finally {
    c.disconnect();
  }
}

export interface SentinelSet {
  name: string;
  master: RedisProc;
  replica: RedisProc;
  sentinels: Array<{ port: number; child: ChildProcess }>;
  /** REDIS_SENTINELS and REDIS_SENTINEL_NAME for the bot and worker processes. */
  env: { REDIS_URL: string; REDIS_SENTINELS: string; REDIS_SENTINEL_NAME: string };
  /** The master's port as the Sentinels say it now. */
  masterPort(): Promise<number>;
  /** How many failovers the Sentinels made (the master's config epoch). */
  failovers(): Promise<number>;
  /**
   * SIGKILL the master; resolves with how long the Sentinels took to promote the replica.
   * `replicaBehindMs`: the replica is paused (SIGSTOP) that long before the kill, so that the
   * master's last acknowledged writes never reach it (asynchronous replication at its worst).
   */
  killMaster(opts?: { replicaBehindMs?: number }): Promise<number>;
  /** Starts the killed master again on its port and data; the Sentinels make it a replica of the new master. Resolves once it is in sync. */
  restartOldMaster(): Promise<void>;
  close(): Promise<void>;
}

export async function startSentinelSet(dir: string, name = 'chatsoar-master'): Promise<SentinelSet> {
  const master = await startRedis(join(dir, 'master'));
  const replicaPort = await freePort();
  const replicaDir = join(dir, 'replica');
  mkdirSync(replicaDir, { recursive: true });
  const replicaChild = spawn(
    'redis-server',
    [
      ...['--port', String(replicaPort), '--bind', '127.0.0.1', '--dir', replicaDir, '--daemonize', 'no'],
      ...['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
      ...['--replicaof', '127.0.0.1', String(master.port)],
    ],
    { stdio: 'ignore' },
  );
  const replica: RedisProc = { url: `redis://127.0.0.1:${replicaPort}`, port: replicaPort, dir: replicaDir, child: replicaChild };
  await until('the replica to sync', 15000, () => once({ port: replicaPort }, async (c) => /master_link_status:up/.test(await c.info('replication'))));

  const sentinels: SentinelSet['sentinels'] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const sdir = join(dir, `sentinel-${i}`);
    mkdirSync(sdir, { recursive: true });
    const conf = join(sdir, 'sentinel.conf');
    // Sentinel rewrites its file (what it learns). Down after 3 s: quick, yet a master slowed by a
    // busy machine is not failed over by mistake (a second failover loses the first one's writes).
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${sdir}`,
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${name} 3000`,
        `sentinel failover-timeout ${name} 10000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    sentinels.push({ port, child: spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }) });
  }
  // Each Sentinel knows the replica and the two others before anything may fail over.
  for (const s of sentinels) {
    await until(`sentinel ${s.port} to see the replica and its peers`, 20000, () =>
      once({ port: s.port }, async (c) => {
        const replicas = (await c.call('SENTINEL', 'REPLICAS', name)) as unknown[];
        const peers = (await c.call('SENTINEL', 'SENTINELS', name)) as unknown[];
        return replicas.length === 1 && peers.length === 2;
      }),
    );
  }

  const masterPort = async (): Promise<number> => {
    for (const s of sentinels) {
      if (s.child.exitCode !== null) continue;
      const addr = await once({ port: s.port }, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name) as Promise<[string, string]>).catch(() => undefined);
      if (addr) return Number(addr[1]);
    }
    throw new Error('no Sentinel answers');
  };

  let killed: RedisProc | undefined;
  return {
    name,
    master,
    replica,
    sentinels,
    env: { REDIS_URL: '', REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','), REDIS_SENTINEL_NAME: name },
    masterPort,
    async failovers() {
      const info = (await once({ port: sentinels[0]!.port }, (c) => c.call('SENTINEL', 'MASTER', name))) as string[];
      return Number(info[info.indexOf('config-epoch') + 1] ?? 0);
    },
    async killMaster(opts) {
      const from = await masterPort();
      const victim = from === master.port ? master : replica;
      const other = victim === master ? replica : master;
      const behind = opts?.replicaBehindMs ?? 0;
      if (behind) {
        other.child.kill('SIGSTOP');
        await sleep(behind);
      }
      const at = Date.now();
      await stopChild(victim.child, 'SIGKILL');
      if (behind) other.child.kill('SIGCONT');
      killed = victim;
      // Promoted: the Sentinels name the other one, and it answers as a master.
      await until('the failover', 30000, async () => {
        const now = await masterPort();
        return now !== from && /role:master/.test(await once({ port: now }, (c) => c.info('replication')));
      });
      return Date.now() - at;
    },
    async restartOldMaster() {
      const old = killed;
      if (!old) throw new Error('no master was killed');
      const again = await startRedis(old.dir, old.port);
      old.child = again.child;
      await until('the old master to come back as a replica', 30000, () =>
        once({ port: old.port }, async (c) => {
          const info = await c.info('replication');
          return /role:slave/.test(info) && /master_link_status:up/.test(info);
        }),
      );
    },
    async close() {
      await Promise.all([...sentinels.map((s) => stopChild(s.child, 'SIGKILL')), stopChild(master.child, 'SIGKILL'), stopChild(replica.child, 'SIGKILL')]);
    },
  };
}

export interface TlsRedis {
  /** rediss:// with the ACL user and its password. */
  url: string;
  port: number;
  /** The throwaway CA's certificate (REDIS_TLS_CA). */
  caFile: string;
  user: string;
  password: string;
  child: ChildProcess;
  close(): Promise<void>;
}

/** A CA and a server certificate for 127.0.0.1 (EC P-256: made in milliseconds), valid one day. */
export function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=chatsoar test CA');
  ssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '1',
    '-extfile',
    f('ext.cnf'),
  );
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
}

/** redis-server on a TLS port only (no plain port), the default user off and one ACL user with a password. */
export async function startTlsRedis(dir: string): Promise<TlsRedis> {
  const certs = makeCertificates(join(dir, 'tls'));
  const port = await freePort();
  const user = 'chatsoar';
  const password = `pw-${Date.now().toString(36)}`;
  const child = spawn(
    'redis-server',
    [
      ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--save', ''],
      ...['--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no'],
      ...['--user', 'default', 'off'],
      ...['--user', user, 'on', `>${password}`, '~*', '&*', '+@all'],
    ],
    { stdio: 'ignore' },
  );
  const ca = readFileSync(certs.ca, 'utf8');
  await until('the TLS redis-server', 15000, async () => {
    if (child.exitCode !== null) throw new Error('redis-server (TLS) exited');
    return (await once({ port, tls: { ca }, username: user, password }, (c) => c.ping())) === 'PONG';
  });
  return {
    url: `rediss://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/0`,
    port,
    caFile: certs.ca,
    user,
    password,
    child,
    close: () => stopChild(child, 'SIGKILL'),
  };
}

export { once as redisOnce };

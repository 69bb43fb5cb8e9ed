/** contract.md §2: REDIS_SENTINELS, REDIS_SENTINEL_NAME, `rediss://` with a user and REDIS_TLS_CA, SHUTDOWN_GRACE_MS. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSettings } from '../../lib/settings';
import { noBarrier, redisOptions, redisTarget, replicaBarrier } from '../../store/redis';

describe('Redis settings', () => {
  it('reads Sentinels as host:port, 26379 when the port is left out', () => {
    const s = readSettings({ REDIS_SENTINELS: 'a.example:26380, 10.0.0.2 ,[::1]:5000', REDIS_SENTINEL_NAME: 'prod' });
    expect(s.redisSentinels).toEqual([
      { host: 'a.example', port: 26380 },
      { host: '10.0.0.2', port: 26379 },
      { host: '::1', port: 5000 },
    ]);
    expect(s.redisSentinelName).toBe('prod');
    expect(readSettings({}).redisSentinels).toEqual([]);
  });

  it('refuses a Sentinel entry that is not host:port, naming it', () => {
    expect(() => readSettings({ REDIS_SENTINELS: 'a:1,b:notaport' })).toThrow(/REDIS_SENTINELS: "b:notaport"/);
    expect(() => readSettings({ REDIS_SENTINELS: 'a:70000' })).toThrow(/REDIS_SENTINELS/);
  });

  it('reads SHUTDOWN_GRACE_MS and refuses what is not a number of milliseconds', () => {
    expect(readSettings({ SHUTDOWN_GRACE_MS: '2500' }).shutdownGraceMs).toBe(2500);
    expect(readSettings({}).shutdownGraceMs).toBeUndefined();
    expect(() => readSettings({ SHUTDOWN_GRACE_MS: '5s' })).toThrow(/SHUTDOWN_GRACE_MS/);
  });

  it('rediss:// gives TLS with the ACL user, its password and the CA of REDIS_TLS_CA', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-ca-'));
    writeFileSync(join(dir, 'ca.pem'), 'PEM TEXT');
    const o = redisOptions(redisTarget({ url: 'rediss://ops:p%40ss@cache.example:6380/2', tlsCaFile: join(dir, 'ca.pem') }));
    expect(o).toMatchObject({ host: 'cache.example', port: 6380, username: 'ops', password: 'p@ss', db: 2, tls: { ca: 'PEM TEXT' } });
    expect(redisOptions('redis://:secret@127.0.0.1:7000')).toMatchObject({ port: 7000, password: 'secret', tls: undefined });
    expect(redisOptions('rediss://h:1').tls).toEqual({});
  });

  it('with Sentinels the master is found by name; the URL still gives password, db and TLS', () => {
    const sentinels = [{ host: '127.0.0.1', port: 26379 }];
    const o = redisOptions({ url: 'rediss://:pw@ignored:1/3', sentinels, sentinelName: 'prod' });
    expect(o).toMatchObject({ sentinels, name: 'prod', password: 'pw', db: 3, tls: {}, enableTLSForSentinelMode: true });
    expect(o.host).toBeUndefined();
    expect(redisOptions({ sentinels })).toMatchObject({ sentinels, name: 'mymaster', enableTLSForSentinelMode: false, db: 0 });
    // Not ioredis's failoverDetector (it can end a reconnecting connection for good); READONLY reconnects.
    expect(o.failoverDetector).toBeFalsy();
    expect((o.reconnectOnError as (err: Error) => unknown)(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect((o.reconnectOnError as (err: Error) => unknown)(new Error('ERR wrong number of arguments'))).toBe(false);
  });

  it('a single Redis has no replica barrier: no extra round trip before an acknowledgement', async () => {
    const barrier = replicaBarrier('redis://127.0.0.1:1', 'cs:');
    expect(barrier).toBe(noBarrier);
    expect(replicaBarrier({ url: 'rediss://:pw@host:6380' }, 'cs:')).toBe(noBarrier);
    expect(await barrier.mark()).toBeUndefined();
    await expect(barrier.sync(undefined)).resolves.toBeUndefined();
  });
});

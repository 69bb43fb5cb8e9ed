/**
 * Scenario 7: managed Redis as the cloud offers it (contract.md §2): a redis-server on a TLS port
 * only, with a certificate from a throwaway CA made here (REDIS_TLS_CA) and an ACL user with a
 * password in a `rediss://` REDIS_URL, the default user off. A bot and a worker run the suite's
 * smoke path over it: pings and a search from Slack, a ping from Teams, each answered once.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisOnce, startTlsRedis, type TlsRedis } from './redis-ha';
import { MAILBOX, startSystem, type System } from './system';
import { send, tally, type Sent } from './tally';

describe('resilience: Redis over TLS with an ACL user', () => {
  let tls: TlsRedis;
  let sys: System;
  beforeAll(async () => {
    tls = await startTlsRedis(mkdtempSync(join(tmpdir(), 'chatsoar-tls-')));
    sys = await startSystem({ channels: 20, env: { REDIS_URL: tls.url, REDIS_TLS_CA: tls.caFile } });
    await Promise.all([sys.startBot(), sys.startWorker()]);
  }, 120000);
  afterAll(async () => {
    await sys?.close();
    await tls?.close();
  });

  it('refuses a client without the CA, the password or TLS', async () => {
    const { port, user, password } = tls;
    await expect(redisOnce({ port, tls: {}, username: user, password }, (c) => c.ping())).rejects.toThrow(/certificate/i);
    await expect(redisOnce({ port, tls: { ca: readFileSync(tls.caFile) }, username: user, password: 'wrong' }, (c) => c.ping())).rejects.toThrow(
      /WRONGPASS|invalid/i,
    );
    await expect(redisOnce({ port, username: user, password }, (c) => c.ping())).rejects.toThrow();
  });

  it('the smoke path runs end to end over TLS', async () => {
    const sent: Sent[] = [];
    for (let i = 0; i < 20; i++) {
      const text = i % 5 === 0 ? `graphmail search-emails --search-in-mailbox ${MAILBOX} --subject-filter "quarterly invoice"` : 'graphmail ping';
      sent.push(await send(sys, text, sys.channels[i]!));
    }
    const teams = await sys.teams('graphmail ping', 'tls-teams-1');
    const t = await tally('Redis over TLS (rediss://, ACL user, throwaway CA)', sys.slack, sent, 60000);
    // The Teams ping's result reaches the fake Bot Connector.
    const deadline = Date.now() + 30000;
    const teamsResults = () => [...sys.connector.activities.values()].filter((a) => /is_success: true/.test(JSON.stringify(a))).length;
    while (teamsResults() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // Nothing of ours went to a plain port: there is none.
    const keys = await redisOnce({ port: tls.port, tls: { ca: readFileSync(tls.caFile) }, username: tls.user, password: tls.password }, (c) =>
      c.keys(`${sys.prefix}bull:actions:*`),
    );
    process.stdout.write(`[resilience] Redis over TLS: teams ${teams.status}, teams results ${teamsResults()}, action keys ${keys.length}\n`);

    expect(t.accepted).toBe(20);
    expect(t.completed).toBe(20);
    expect(t.failures).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(t.lost).toBe(0);
    expect(teams.status).toBeLessThan(300);
    expect(teamsResults()).toBe(1);
    expect(keys.length).toBeGreaterThan(0);
  }, 120000);
});

/**
 * Scenario 6: Redis through Sentinel (contract.md §2: REDIS_SENTINELS, REDIS_SENTINEL_NAME). A
 * master, a replica and three Sentinels (`redis-server --sentinel`); two bots and two workers reach Redis only
 * through the Sentinels. While commands come in and a connector runs every second, the replica is
 * paused for 700 ms (so the master acknowledges writes it never replicates: asynchronous
 * replication at its worst), then the master is killed (SIGKILL) and the Sentinels promote the
 * replica; later the old master starts again and rejoins as a replica. Every acknowledged command
 * completes once, every new mail is alerted once (before and after the failover), nothing is lost
 * (docs/reliability.md, "Redis failover").
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRedis } from '../../store/redis';
import { startSentinelSet, type SentinelSet } from './redis-ha';
import { MAILBOX, startSystem, type System } from './system';
import { send, tally, unescape, type Sent } from './tally';

const COMMANDS = 300;
const PHISH = 'phish@demo.onmicrosoft.com';
const ALERTS = 'C199';

/** How long the replica lags behind when the master is killed: the writes of that time are lost with it. */
const REPLICA_BEHIND_MS = 700;

describe('resilience: Redis master killed, Sentinel fails over', () => {
  let ha: SentinelSet;
  let sys: System;
  beforeAll(async () => {
    ha = await startSentinelSet(mkdtempSync(join(tmpdir(), 'chatsoar-sentinel-')));
    sys = await startSystem({
      channels: 100,
      env: ha.env,
      envExtra: {
        connectors: [
          {
            name: 'phishing-inbox',
            type: 'microsoft-graph-mail-connector',
            channel: `slack:${ALERTS}`,
            every: '1s',
            params: {
              'mail-address': PHISH,
              'folder-to-check-for-emails': 'Inbox',
              'alert-name-template': 'Phishing - [orig_subject]',
              'disable-overflow': true,
            },
          },
        ],
      },
    });
    await Promise.all([sys.startBot(), sys.startBot(), sys.startWorker(), sys.startWorker()]);
  }, 120000);
  afterAll(async () => {
    await sys?.close();
    await ha?.close();
  });

  it('every acknowledged command completes once and every new mail is alerted once through the failover', async () => {
    const masterBefore = await ha.masterPort();
    const scheduleStart = Date.now();
    const sent: Sent[] = [];
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < COMMANDS) {
        const i = next++;
        const text = i % 4 === 0 ? `graphmail search-emails --search-in-mailbox ${MAILBOX} --subject-filter "quarterly invoice"` : 'graphmail ping';
        sent.push(await send(sys, text, sys.channels[i % 90]!, i));
      }
    };
    // New mail for the connector every 2.5 s, before, during and after the failover.
    const subjects: string[] = [];
    let mailing = true;
    const mail = (async () => {
      for (let i = 0; mailing; i++) {
        const subject = `Sentinel parcel notice ${i} ${Date.now()}`;
        await sys.emulator('deliver', { method: 'POST', body: JSON.stringify({ mailbox: PHISH, folder: 'inbox', subject, from: 'courier@evil.example' }) });
        subjects.push(subject);
        await new Promise((r) => setTimeout(r, 2500));
      }
    })();
    const senders = Promise.all(Array.from({ length: 10 }, sender));
    while (next < COMMANDS / 3) await new Promise((r) => setTimeout(r, 20));
    const killAt = Date.now();
    const failoverMs = await ha.killMaster({ replicaBehindMs: REPLICA_BEHIND_MS });
    const masterAfter = await ha.masterPort();
    const afterFailover = subjects.length;
    // Two thirds through, the old master comes back: the Sentinels make it a replica of the new one.
    while (next < (COMMANDS * 2) / 3) await new Promise((r) => setTimeout(r, 20));
    const rejoinFrom = Date.now();
    await ha.restartOldMaster();
    const rejoinMs = Date.now() - rejoinFrom;
    await senders;
    // At least four mails after the failover, then time for the connector to alert them.
    while (subjects.length - afterFailover < 4) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 3000));
    mailing = false;
    await mail;
    const t = await tally('Sentinel failover (master SIGKILL) during 300 commands', sys.slack, sent, 120000);
    // Alerts go out paced (one a second per channel): a backlog after the failover takes a while.
    const alerted = (subject: string) => [...sys.slack.messages.values()].some((m) => m.channel === ALERTS && unescape(JSON.stringify(m)).includes(subject));
    for (const until = Date.now() + 30000; Date.now() < until && !subjects.every(alerted); ) await new Promise((r) => setTimeout(r, 250));
    // Then time for a second alert of a mail (a duplicate) to show.
    await new Promise((r) => setTimeout(r, 3000));

    // The connector's runs, read through the Sentinels from the new master: one per second, not one per process.
    const seconds = (Date.now() - scheduleStart) / 1000;
    const redis = connectRedis({ sentinels: ha.sentinels.map((x) => ({ host: '127.0.0.1', port: x.port })), sentinelName: ha.name });
    const runIds = new Set<string>();
    for (const state of ['completed', 'failed']) for (const id of await redis.zrange(`${sys.prefix}bull:connectors:${state}`, 0, -1)) runIds.add(id);
    if (t.lost) {
      const errors = [...sys.workers, ...sys.bots].flatMap((w) => w.output.join('').split('\n')).filter((l) => /"level":(50|60)/.test(l));
      const kinds = new Map<string, number>();
      for (const l of errors) {
        const k = `${/"part":"(\w+)"/.exec(l)?.[1] ?? '-'} ${/"msg":"([^"]{0,80})/.exec(l)?.[1] ?? ''} ${/"message":"([^"]{0,120})/.exec(l)?.[1] ?? ''}`;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      for (const [k, n] of [...kinds].slice(0, 10)) process.stdout.write(`[resilience]   error x${n}: ${k}\n`);
    }
    // What became of a command that was acknowledged and never answered (none, when all is well).
    for (const f of t.failures.slice(0, 3)) {
      const id = f.split(' ')[0]!;
      const h = await redis.hgetall(`${sys.prefix}bull:actions:${id}`);
      process.stdout.write(
        `[resilience]   ${id} on the new master: ${h.name ? `attempts ${h.ats ?? '-'}, stalled ${h.stc ?? '-'}, finished ${Number(h.finishedOn) - killAt} ms, processed ${Number(h.processedOn) - killAt} ms, ts ${Number(h.timestamp) - killAt}` : 'no job'}\n`,
      );
      for (const c of sys.slack.calls.filter((c) => JSON.stringify(c.body).includes(id)))
        process.stdout.write(
          `[resilience]     slack ${c.at - killAt} ms ${c.method} ts ${(c.body as { ts?: string }).ts} ${unescape(JSON.stringify(c.body.text)).slice(0, 60)}\n`,
        );
      const m = await redis.hgetall(`${sys.prefix}msg:job:${id}`);
      process.stdout.write(
        `[resilience]   message: version ${m.version}, sent ${m.sent}, posting ${Number(m.posting) - killAt}, ref ${m.ref}, lock ${await redis.pttl(`${sys.prefix}msg:job:${id}:lock`)}\n`,
      );
      // Its delivery jobs (ids upsert_<message key>_<version>_<random>).
      const outboxKey = `${sys.prefix}bull:outbox:`;
      const ids = (await redis.keys(`${outboxKey}upsert_job_${id}_*`)).map((k) => k.slice(outboxKey.length)).filter((k) => !k.includes(':'));
      for (const oid of ids.sort()) {
        const o = await redis.hgetall(`${sys.prefix}bull:outbox:${oid}`);
        const states: string[] = [];
        for (const st of ['wait', 'active', 'delayed', 'completed', 'failed', 'prioritized']) {
          const inList =
            st === 'wait' || st === 'active'
              ? (await redis.lpos(`${sys.prefix}bull:outbox:${st}`, oid)) !== null
              : (await redis.zscore(`${sys.prefix}bull:outbox:${st}`, oid)) !== null;
          if (inList) states.push(st);
        }
        process.stdout.write(
          `[resilience]     ${oid}: ${o.name ? `${states.join(',')} atm ${o.atm} ats ${o.ats} stc ${o.stc} finished ${Number(o.finishedOn) - killAt} ms failed ${o.failedReason ?? ''}` : 'none'}\n`,
        );
      }
    }
    redis.disconnect();
    const failovers = await ha.failovers();
    const logLines = [...sys.workers, ...sys.bots].flatMap((w) => w.output.join('').split('\n'));
    const handedBack = logLines.filter((l) => l.includes('it runs again')).length;
    const heldBack = logLines.filter((l) => l.includes('outbox delivery waits')).length;
    const rescheduled = logLines.filter((l) => l.includes('every schedule was set again')).length;
    const alertTexts = [...sys.slack.messages.values()].filter((m) => m.channel === ALERTS).map((m) => unescape(JSON.stringify(m)));
    const alertsPerMail = subjects.map((s) => alertTexts.filter((x) => x.includes(s)).length);
    process.stdout.write(
      `[resilience] Sentinel failover: master ${masterBefore} -> ${masterAfter} in ${failoverMs} ms (failovers ${failovers}), refused while failing over ${sent.length - t.accepted}, ` +
        `mails ${subjects.length} (${subjects.length - afterFailover} after the failover), alerts per mail ${JSON.stringify(alertsPerMail)}, ` +
        `connector runs ${runIds.size} in ${seconds.toFixed(0)} s at every 1s; replica ${REPLICA_BEHIND_MS} ms behind at the kill: ${handedBack} jobs ` +
        `handed back and run again, ${heldBack} chat deliveries held back until replicated; old master back as a replica in ${rejoinMs} ms; schedules set again by ${rescheduled} bots\n`,
    );

    const missing = subjects.filter((_, i) => alertsPerMail[i] !== 1);
    if (missing.length) {
      const calls = sys.slack.calls.filter((c) => c.body.channel === ALERTS);
      process.stdout.write(
        `[resilience]   alert channel: ${calls.length} calls (${calls
          .map((c) => c.method)
          .join(',')
          .slice(0, 300)})\n`,
      );
      const logs = sys.workers.flatMap((w) => w.output.join('').split('\n')).filter((l) => /schedule|connector|alert/i.test(l));
      for (const l of logs.slice(0, 8)) process.stdout.write(`[resilience]   worker: ${l.slice(0, 400)}\n`);
      for (const m of missing)
        process.stdout.write(
          `[resilience]   ${m}: calls naming it ${calls.filter((c) => unescape(JSON.stringify(c.body)).includes(m)).map((c) => c.method)}\n`,
        );
    }
    expect(masterAfter).not.toBe(masterBefore);
    expect(sent.length).toBe(COMMANDS);
    expect(t.accepted).toBeGreaterThan(COMMANDS * 0.6);
    expect(t.failures).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(t.lost).toBe(0);
    expect(subjects.length - afterFailover).toBeGreaterThanOrEqual(4);
    expect(alertsPerMail).toEqual(subjects.map(() => 1));
    expect(runIds.size).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    expect(runIds.size).toBeGreaterThan(seconds / 3);
  }, 300000);
});

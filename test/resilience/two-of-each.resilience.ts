/**
 * Scenario 5: two bot processes and two worker processes at once. No job runs twice (BullMQ's
 * per-job attempt counters, the emulator's ledger of sends), every command has one result, and a
 * connector scheduled every second fires once per interval, not once per process: each new mail
 * is alerted once.
 */
import Redis from 'ioredis';
import { MAILBOX, startSystem, type System } from './system';
import { send, tally, unescape, type Sent } from './tally';

const PHISH = 'phish@demo.onmicrosoft.com';
const ALERTS = 'C199';

describe('resilience: two bots and two workers', () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({
      channels: 100,
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
  });

  it('no job runs twice, every command has one result, the schedule fires once per interval', async () => {
    await sys.emulator('ledger', { method: 'DELETE' });
    const scheduleStart = Date.now();
    const commands: string[] = [];
    for (let i = 0; i < 200; i++) {
      if (i % 10 === 0) commands.push(`graphmail send-email --subject "two-${i}" --send-to bob@demo.onmicrosoft.com --mail-content "two of each ${i}"`);
      else if (i % 2) commands.push('graphmail ping');
      else commands.push(`graphmail search-emails --search-in-mailbox ${MAILBOX} --subject-filter "quarterly invoice"`);
    }
    const subjects = Array.from({ length: 10 }, (_, i) => `Suspicious parcel notice ${i} ${Date.now()}`);
    const sent: Sent[] = [];
    for (let i = 0; i < commands.length; i += 20) {
      const wave = commands.slice(i, i + 20);
      sent.push(...(await Promise.all(wave.map((c, k) => send(sys, c, sys.channels[(i + k) % 90]!, i + k)))));
      const subject = subjects[i / 20];
      if (subject)
        await sys.emulator('deliver', { method: 'POST', body: JSON.stringify({ mailbox: PHISH, folder: 'inbox', subject, from: 'courier@evil.example' }) });
    }
    const t = await tally('two bots + two workers', sys.slack, sent, 90000);

    const redis = new Redis(sys.redis.url);
    let ranTwice = 0;
    for (const s of sent) {
      const [ats, atm, stc] = await redis.hmget(`${sys.prefix}bull:actions:${s.jobId}`, 'ats', 'atm', 'stc');
      if (Number(ats ?? atm ?? 0) > 1 || Number(stc ?? 0) > 0) ranTwice++;
    }
    // Give the connector a few more ticks to alert the last mail, then count its runs.
    await new Promise((r) => setTimeout(r, 4000));
    const seconds = (Date.now() - scheduleStart) / 1000;
    const runIds = new Set<string>();
    for (const state of ['completed', 'failed']) {
      for (const id of await redis.zrange(`${sys.prefix}bull:connectors:${state}`, 0, -1)) runIds.add(id);
    }
    redis.disconnect();

    const alertTexts = [...sys.slack.messages.values()].filter((m) => m.channel === ALERTS).map((m) => unescape(JSON.stringify(m)));
    const alertsPerMail = subjects.map((s) => alertTexts.filter((x) => x.includes(s)).length);
    const ledger = (await sys.emulator('ledger')) as Array<{ method: string; path: string; status: number }>;
    const sends = ledger.filter((e) => e.status < 300 && e.method === 'POST' && (/\/send$/.test(e.path) || /\/sendMail$/.test(e.path)));
    process.stdout.write(
      `[resilience] two bots + two workers: jobs run twice ${ranTwice}, sends ${sends.length} for ${commands.filter((c) => c.includes('send-email')).length} send commands, ` +
        `connector runs ${runIds.size} in ${seconds.toFixed(0)} s at every 1s, alerts per new mail ${JSON.stringify(alertsPerMail)}\n`,
    );

    if (alertsPerMail.some((n) => n !== 1)) {
      const calls = sys.slack.calls.filter((c) => c.body.channel === ALERTS);
      process.stdout.write(`[resilience]   alert channel: ${calls.length} calls; last: ${JSON.stringify(calls.at(-1)?.body ?? null).slice(0, 600)}\n`);
    }
    expect(t.accepted).toBe(commands.length);
    expect(t.failures).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(t.lost).toBe(0);
    expect(ranTwice).toBe(0);
    expect(sends.length).toBe(20);
    // One scheduler for both bots and both workers: at most one run per second (plus the edges).
    expect(runIds.size).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    expect(runIds.size).toBeGreaterThan(seconds / 3);
    expect(alertsPerMail).toEqual(subjects.map(() => 1));
  }, 300000);
});

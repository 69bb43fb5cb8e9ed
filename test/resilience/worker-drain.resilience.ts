/**
 * Scenario 9: workers stopped gracefully (SIGTERM) in the middle of a run of mixed actions, as a
 * rolling deployment or a scale-in does, each replaced by a new one. A stopping worker finishes its
 * jobs or hands them back to the queue (its running requests abort) and exits 0: no job is left
 * for BullMQ's stalled check, none runs twice (the emulator's ledger shows every mail sent,
 * deleted or moved once), every accepted command ends with one result.
 */
import Redis from 'ioredis';
import { MAILBOX, startSystem, stopChild, type System } from './system';
import { send, tally, type Sent } from './tally';

interface LedgerEntry {
  method: string;
  path: string;
  status: number;
}

const STOPS = 4;

describe('resilience: workers drained with SIGTERM mid-job', () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({ channels: 60 });
    await Promise.all([sys.startBot(), sys.startWorker(), sys.startWorker()]);
  }, 120000);
  afterAll(async () => {
    await sys?.close();
  });

  it('a stopping worker finishes or hands back its jobs, exits 0, and nothing runs twice', async () => {
    const N = 8;
    for (let i = 0; i < N; i++) {
      for (const kind of ['del', 'mov']) {
        await sys.emulator('deliver', {
          method: 'POST',
          body: JSON.stringify({ mailbox: MAILBOX, folder: 'inbox', subject: `drain-${kind}-${i} notice`, from: 'attacker@evil.example' }),
        });
      }
    }
    await sys.emulator('ledger', { method: 'DELETE' });
    // Graph answers slowly so that every SIGTERM lands on jobs in flight.
    await sys.emulator('faults', { method: 'POST', body: JSON.stringify({ prefix: '/v1.0', latencyMs: 300 }) });

    const commands: string[] = [];
    for (let i = 0; i < N; i++) {
      commands.push(
        'graphmail ping',
        `graphmail search-emails --search-in-mailbox ${MAILBOX} --subject-filter notice`,
        `graphmail delete-email --delete-in-mailbox ${MAILBOX} --subject-filter "drain-del-${i} notice"`,
        `graphmail move-email-to-folder --move-in-mailbox ${MAILBOX} --source-folder-name Inbox --destination-folder-name Archive --subject-filter "drain-mov-${i} notice"`,
        `graphmail send-email --subject "drain-send-${i}" --send-to bob@demo.onmicrosoft.com --mail-content "drain ${i}"`,
      );
    }

    const sent: Sent[] = [];
    let next = 0;
    const feeding = (async () => {
      while (next < commands.length) {
        const wave = commands.slice(next, next + 4);
        const base = next;
        next += wave.length;
        sent.push(...(await Promise.all(wave.map((c, k) => send(sys, c, sys.channels[(base + k) % sys.channels.length]!)))));
        await new Promise((r) => setTimeout(r, 600));
      }
    })();
    // A replacement starts first, then the oldest live worker gets SIGTERM, as a rolling deployment does.
    const exits: Array<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> = [];
    for (let i = 0; i < STOPS; i++) {
      await new Promise((r) => setTimeout(r, 800));
      const victim = sys.workers.find((w) => w.child.exitCode === null && w.child.signalCode === null)!;
      const replacement = sys.startWorker();
      const at = Date.now();
      await stopChild(victim.child, 'SIGTERM');
      exits.push({ code: victim.child.exitCode, signal: victim.child.signalCode, ms: Date.now() - at });
      await replacement;
    }
    await feeding;
    const t = await tally('worker SIGTERM x4 (drain)', sys.slack, sent, 90000);

    const redis = new Redis(sys.redis.url);
    let stalled = 0;
    let handedBack = 0;
    for (const s of sent) {
      const [stc, ats] = await redis.hmget(`${sys.prefix}bull:actions:${s.jobId}`, 'stc', 'ats');
      if (Number(stc ?? 0) > 0) stalled++;
      if (Number(ats ?? 0) > 1) handedBack++;
    }
    redis.disconnect();
    const ledger = (await sys.emulator('ledger')) as LedgerEntry[];
    const ok = ledger.filter((e) => e.status >= 200 && e.status < 300);
    const twice = (pred: (e: LedgerEntry) => boolean): string[] => {
      const counts = new Map<string, number>();
      for (const e of ok.filter(pred)) counts.set(e.path, (counts.get(e.path) ?? 0) + 1);
      return [...counts].filter(([, n]) => n > 1).map(([p]) => p);
    };
    const deletedTwice = twice((e) => e.method === 'DELETE' && /\/messages\/[^/]+$/.test(e.path));
    const movedTwice = twice((e) => e.method === 'POST' && /\/messages\/[^/]+\/move$/.test(e.path));
    const sends = ok.filter((e) => e.method === 'POST' && (/\/messages\/[^/]+\/send$/.test(e.path) || /\/sendMail$/.test(e.path)));
    const sendJobs = sent.filter((s) => s.accepted && /send-email/.test(s.text));
    process.stdout.write(
      `[resilience] worker SIGTERM x${STOPS}: exits ${JSON.stringify(exits.map((e) => e.code ?? e.signal))} after ${exits.map((e) => e.ms).join('/')} ms, ` +
        `stalled ${stalled}, started more than once ${handedBack}, ledger sends ${sends.length} for ${sendJobs.length} send commands, deleted twice ${deletedTwice.length}, moved twice ${movedTwice.length}\n`,
    );

    expect(exits.map((e) => e.code)).toEqual(Array.from({ length: STOPS }, () => 0));
    expect(t.accepted).toBe(commands.length);
    expect(t.failures).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(t.lost).toBe(0);
    // Nothing was left for the stalled check: each stopping worker finished or handed back.
    expect(stalled).toBe(0);
    expect(deletedTwice).toEqual([]);
    expect(movedTwice).toEqual([]);
    expect(sends.length).toBe(sendJobs.length);
  }, 300000);
});

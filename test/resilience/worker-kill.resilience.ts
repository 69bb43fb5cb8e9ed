/**
 * Scenario 1: workers killed with SIGKILL 20 times in the middle of a run of mixed actions (pings,
 * searches, deletes, moves, sends; approvals off). Every accepted command ends with exactly one
 * result, and the emulator's ledger shows no mail sent, deleted or moved twice.
 */
import Redis from 'ioredis';
import { MAILBOX, startSystem, stopChild, type System } from './system';
import { send, tally, type Sent } from './tally';

interface LedgerEntry {
  method: string;
  path: string;
  status: number;
}

const KILLS = 20;

/** Jobs that a kill interrupted: BullMQ counted them stalled (taken back from a dead worker). */
async function interruptedJobs(sys: System, sent: Sent[]): Promise<number> {
  const redis = new Redis(sys.redis.url);
  try {
    let n = 0;
    for (const s of sent) if (Number(await redis.hget(`${sys.prefix}bull:actions:${s.jobId}`, 'stc')) > 0) n++;
    return n;
  } finally {
    redis.disconnect();
  }
}

describe('resilience: workers killed with SIGKILL mid-job', () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({ channels: 60 });
    await Promise.all([sys.startBot(), sys.startWorker(), sys.startWorker()]);
  }, 120000);
  afterAll(async () => {
    await sys?.close();
  });

  it('every accepted command ends with one result; nothing sent, deleted or moved twice', async () => {
    const N = 12;
    for (let i = 0; i < N; i++) {
      for (const kind of ['del', 'mov']) {
        await sys.emulator('deliver', {
          method: 'POST',
          body: JSON.stringify({ mailbox: MAILBOX, folder: 'inbox', subject: `res-${kind}-${i} notice`, from: 'attacker@evil.example' }),
        });
      }
    }
    await sys.emulator('ledger', { method: 'DELETE' });
    // Graph answers slowly so that every kill lands on jobs in flight.
    await sys.emulator('faults', { method: 'POST', body: JSON.stringify({ prefix: '/v1.0', latencyMs: 300 }) });

    const commands: string[] = [];
    for (let i = 0; i < N; i++) {
      commands.push(
        'graphmail ping',
        `graphmail search-emails --search-in-mailbox ${MAILBOX} --subject-filter notice`,
        `graphmail delete-email --delete-in-mailbox ${MAILBOX} --subject-filter "res-del-${i} notice"`,
        `graphmail move-email-to-folder --move-in-mailbox ${MAILBOX} --source-folder-name Inbox --destination-folder-name Archive --subject-filter "res-mov-${i} notice"`,
        `graphmail send-email --subject "res-send-${i}" --send-to bob@demo.onmicrosoft.com --mail-content "resilience ${i}"`,
      );
    }

    // Commands go out in waves while a killer SIGKILLs a busy worker and starts a new one.
    const sent: Sent[] = [];
    let next = 0;
    let kills = 0;
    const feeding = (async () => {
      while (next < commands.length) {
        const wave = commands.slice(next, next + 3);
        const base = next;
        next += wave.length;
        sent.push(...(await Promise.all(wave.map((c, k) => send(sys, c, sys.channels[(base + k) % sys.channels.length]!)))));
        await new Promise((r) => setTimeout(r, 900));
      }
    })();
    while (kills < KILLS) {
      await new Promise((r) => setTimeout(r, 700 + Math.floor(Math.random() * 600)));
      const live = sys.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
      const victim = live[kills % live.length]!;
      await stopChild(victim.child, 'SIGKILL');
      kills++;
      // Keep one worker alive while the replacement starts, as a deployment would.
      void sys.startWorker();
      if (sys.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).length === 0) await sys.startWorker();
    }
    await feeding;
    // Jobs held by a killed worker come back once their lock expires (BullMQ's stalled check, 30 s).
    const t = await tally('worker SIGKILL x20', sys.slack, sent, 150000);

    const interrupted = await interruptedJobs(sys, sent);
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
      `[resilience] worker SIGKILL x20: kills ${kills}, jobs interrupted and re-run ${interrupted}, ledger sends ${sends.length} for ${sendJobs.length} send commands, deleted twice ${deletedTwice.length}, moved twice ${movedTwice.length}\n`,
    );

    expect(kills).toBe(KILLS);
    expect(interrupted).toBeGreaterThan(0);
    expect(t.accepted).toBe(commands.length);
    expect(t.failures).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(t.lost).toBe(0);
    expect(deletedTwice).toEqual([]);
    expect(movedTwice).toEqual([]);
    expect(sends.length).toBe(sendJobs.length);
  }, 400000);
});

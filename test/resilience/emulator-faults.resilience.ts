/**
 * Scenario 3: the Microsoft 365 emulator fails 30 % of requests (429 with Retry-After or 503) for
 * a minute, with commands arriving all through it. Every action completes correctly, and no mail
 * is sent, deleted or moved twice.
 */
import { MAILBOX, startSystem, type System } from './system';
import { send, tally, type Sent } from './tally';

const FAULT_MS = 60_000;

describe('resilience: Microsoft 365 failing 30 % of requests', () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({ channels: 60 });
    await Promise.all([sys.startBot(), sys.startWorker()]);
  }, 120000);
  afterAll(async () => {
    await sys?.close();
  });

  it('every action completes correctly', async () => {
    const N = 8;
    for (let i = 0; i < N; i++) {
      for (const kind of ['del', 'mov']) {
        await sys.emulator('deliver', {
          method: 'POST',
          body: JSON.stringify({ mailbox: MAILBOX, folder: 'inbox', subject: `flt-${kind}-${i} notice`, from: 'attacker@evil.example' }),
        });
      }
    }
    // One that no command removes: the last searches can come after the last deletes and moves
    // (a search retried through a few 429s outlasts the next commands).
    await sys.emulator('deliver', {
      method: 'POST',
      body: JSON.stringify({ mailbox: MAILBOX, folder: 'inbox', subject: 'flt-kept notice', from: 'attacker@evil.example' }),
    });
    await sys.emulator('ledger', { method: 'DELETE' });
    await sys.emulator('faults', {
      method: 'POST',
      body: JSON.stringify({ seed: 5, rules: [{ prefix: '/', rate429: 0.15, rate503: 0.15, retryAfterSeconds: 1 }] }),
    });
    const faultsOn = Date.now();

    const commands: string[] = [];
    for (let i = 0; i < N; i++) {
      commands.push(
        'graphmail ping',
        `graphmail search-emails --search-in-mailbox ${MAILBOX} --subject-filter notice`,
        `graphmail delete-email --delete-in-mailbox ${MAILBOX} --subject-filter "flt-del-${i} notice"`,
        `graphmail move-email-to-folder --move-in-mailbox ${MAILBOX} --source-folder-name Inbox --destination-folder-name Archive --subject-filter "flt-mov-${i} notice"`,
        `graphmail send-email --subject "flt-send-${i}" --send-to bob@demo.onmicrosoft.com --mail-content "faults ${i}"`,
        'o365 ping',
      );
    }
    // Spread over most of the fault window.
    const sent: Sent[] = [];
    const gap = (FAULT_MS * 0.8) / commands.length;
    for (let i = 0; i < commands.length; i++) {
      sent.push(await send(sys, commands[i]!, sys.channels[i % sys.channels.length]!));
      await new Promise((r) => setTimeout(r, gap));
    }
    await new Promise((r) => setTimeout(r, Math.max(0, faultsOn + FAULT_MS - Date.now())));
    const ledgerDuring = (await sys.emulator('ledger')) as Array<{ method: string; path: string; status: number }>;
    await sys.emulator('faults', { method: 'DELETE' });
    const t = await tally('Microsoft 365 failing 30 % for 60 s', sys.slack, sent, 120000);

    const ledger = (await sys.emulator('ledger')) as Array<{ method: string; path: string; status: number }>;
    const faulted = ledgerDuring.filter((e) => e.status === 429 || e.status === 503).length;
    const ok = ledger.filter((e) => e.status >= 200 && e.status < 300);
    const perPath = (pred: (e: { method: string; path: string }) => boolean): number => {
      const counts = new Map<string, number>();
      for (const e of ok.filter(pred)) counts.set(e.path, (counts.get(e.path) ?? 0) + 1);
      return [...counts.values()].filter((n) => n > 1).length;
    };
    const deletedTwice = perPath((e) => e.method === 'DELETE' && /\/messages\/[^/]+$/.test(e.path));
    const movedTwice = perPath((e) => e.method === 'POST' && /\/move$/.test(e.path));
    const sends = ok.filter((e) => e.method === 'POST' && (/\/send$/.test(e.path) || /\/sendMail$/.test(e.path))).length;
    process.stdout.write(
      `[resilience] Microsoft 365 faults: mutating requests answered 429/503 ${faulted} of ${ledgerDuring.length}, sends ${sends} for ${N}, deleted twice ${deletedTwice}, moved twice ${movedTwice}\n`,
    );

    expect(faulted).toBeGreaterThan(0);
    expect(t.accepted).toBe(commands.length);
    expect(t.failures).toEqual([]);
    expect(t.succeeded).toBe(commands.length);
    expect(t.duplicates).toBe(0);
    expect(t.lost).toBe(0);
    expect(deletedTwice).toBe(0);
    expect(movedTwice).toBe(0);
    expect(sends).toBe(N);
  }, 400000);
});

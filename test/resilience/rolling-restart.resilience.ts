/**
 * Scenario 8: a rolling restart of the bots behind a load balancer. Two bots take signed Slack
 * commands round-robin from a balancer that polls /readyz every 200 ms and skips a bot that says
 * 503, as a cloud load balancer does. Each bot in turn is replaced: a new one starts, the old one
 * gets SIGTERM. The stopping bot says 503 on /readyz at once, still serves what reaches it for
 * SHUTDOWN_GRACE_MS (contract.md §2), then closes its port and exits 0. No command is refused or lost.
 */
import { jobIdFor } from '../../lib/ids';
import { slackSignature } from '../helpers/fake-slack';
import { SLACK_SECRET, USER, startSystem, stopChild, type Proc, type System } from './system';
import { tally, type Sent } from './tally';

const COMMANDS = 300;
const GRACE_MS = 2000;

interface Backend {
  proc: Proc;
  ready: boolean;
  sigtermAt?: number;
  /** The first /readyz 503 after SIGTERM, and the first refused connection. */
  notReadyAt?: number;
  refusedAt?: number;
  /** Requests this bot acknowledged after its /readyz said 503. */
  servedWhileDraining: number;
}

let seq = 0;

/** A signed slash command to one bot (tally.ts's send, to a port the balancer chose). */
async function sendTo(sys: System, b: Backend, text: string, channel: string): Promise<Sent> {
  const triggerId = `roll-${Date.now().toString(36)}-${seq++}`;
  const body = new URLSearchParams({
    token: 'legacy',
    team_id: 'T1',
    channel_id: channel,
    user_id: USER,
    command: '/soar',
    text,
    response_url: `${sys.slack.url.replace(/\/api\/$/, '')}/response`,
    trigger_id: triggerId,
  }).toString();
  const sentAt = Date.now();
  let accepted = false;
  let ack = '';
  try {
    const res = await fetch(`http://127.0.0.1:${b.proc.port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SLACK_SECRET, body) },
      body,
    });
    const resText = await res.text();
    ack = `${res.status} ${resText}`;
    accepted = res.status === 200 && !resText.includes('"text"');
    if (accepted && b.notReadyAt !== undefined) b.servedWhileDraining++;
  } catch (err) {
    ack = `${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`;
  }
  return { jobId: jobIdFor(`slack:${triggerId}`), text, channel, accepted, ack, ackAt: Date.now(), sentAt };
}

describe('resilience: rolling restart of the bots behind a load balancer', () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({ channels: 60, env: { SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
    await Promise.all([sys.startBot(), sys.startBot(), sys.startWorker()]);
  }, 120000);
  afterAll(async () => {
    await sys?.close();
  });

  it('readiness drops first, the port closes after the grace, no command is refused or lost', async () => {
    const backends: Backend[] = sys.bots.map((proc) => ({ proc, ready: true, servedWhileDraining: 0 }));
    // The balancer's health probe.
    let probing = true;
    const probe = (async () => {
      while (probing) {
        await Promise.all(
          backends.map(async (b) => {
            try {
              const res = await fetch(`http://127.0.0.1:${b.proc.port}/readyz`, { signal: AbortSignal.timeout(1000) });
              b.ready = res.status === 200;
              if (!b.ready && b.sigtermAt !== undefined) b.notReadyAt ??= Date.now();
            } catch {
              b.ready = false;
              if (b.sigtermAt !== undefined) b.refusedAt ??= Date.now();
            }
          }),
        );
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const sent: Sent[] = [];
    let next = 0;
    let rr = 0;
    const sender = async (): Promise<void> => {
      while (next < COMMANDS) {
        const i = next++;
        const ready = backends.filter((b) => b.ready);
        const b = ready[rr++ % ready.length]!;
        const text = i % 5 === 0 ? 'graphmail search-emails --subject-filter "quarterly invoice"' : 'graphmail ping';
        sent.push(await sendTo(sys, b, text, sys.channels[i % sys.channels.length]!));
        await new Promise((r) => setTimeout(r, 30));
      }
    };
    const senders = Promise.all(Array.from({ length: 6 }, sender));

    // Replace each of the two bots in turn, as a rolling deployment does.
    const exits: Array<number | null> = [];
    const stopped: Backend[] = [];
    for (const old of backends.slice(0, 2)) {
      while (next < (COMMANDS / 4) * (stopped.length + 1)) await new Promise((r) => setTimeout(r, 20));
      const fresh = await sys.startBot();
      backends.push({ proc: fresh, ready: false, servedWhileDraining: 0 });
      while (!backends.at(-1)!.ready) await new Promise((r) => setTimeout(r, 50));
      old.sigtermAt = Date.now();
      const exited = stopChild(old.proc.child, 'SIGTERM');
      // A balancer that has not noticed yet still sends here: served during the grace.
      while (old.notReadyAt === undefined && old.refusedAt === undefined) await new Promise((r) => setTimeout(r, 20));
      sent.push(await sendTo(sys, old, 'graphmail ping', sys.channels[0]!));
      await exited;
      // The balancer's probe sees the closed port (it is not ready again).
      for (let w = 0; old.refusedAt === undefined && w < 50; w++) await new Promise((r) => setTimeout(r, 100));
      exits.push(old.proc.child.exitCode);
      stopped.push(old);
    }
    await senders;
    probing = false;
    await probe;
    const t = await tally('rolling restart of 2 bots (SIGTERM, grace 2 s) during 300 commands', sys.slack, sent, 90000);
    const refused = sent.filter((s) => !s.accepted);
    process.stdout.write(
      `[resilience] rolling restart: refused ${refused.length}, exits ${JSON.stringify(exits)}, ` +
        stopped
          .map(
            (b, i) =>
              `bot ${i + 1}: 503 after ${b.notReadyAt! - b.sigtermAt!} ms, port closed after ${(b.refusedAt ?? Number.NaN) - b.sigtermAt!} ms, acknowledged while draining ${b.servedWhileDraining}`,
          )
          .join('; ') +
        '\n',
    );
    for (const r of refused.slice(0, 3)) process.stdout.write(`[resilience]   refused: ${r.ack.slice(0, 200)}\n`);

    expect(sent.length).toBe(COMMANDS + 2);
    expect(refused).toEqual([]);
    expect(t.accepted).toBe(COMMANDS + 2);
    expect(t.failures).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(t.lost).toBe(0);
    expect(exits).toEqual([0, 0]);
    for (const b of stopped) {
      // Readiness dropped first, the port closed only after it (and after the grace), and it served while draining.
      expect(b.refusedAt).toBeDefined();
      expect(b.notReadyAt!).toBeLessThan(b.refusedAt!);
      expect(b.refusedAt! - b.sigtermAt!).toBeGreaterThanOrEqual(GRACE_MS);
      expect(b.servedWhileDraining).toBeGreaterThan(0);
    }
  }, 300000);
});

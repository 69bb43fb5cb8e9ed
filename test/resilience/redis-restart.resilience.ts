/**
 * Scenario 2: redis-server killed (SIGKILL), left down 3 s and restarted on its port, AOF with fsync always,
 * while 1,000 commands come in. No command that was acknowledged is lost; those refused while
 * Redis was down were answered with an error, never acknowledged and dropped.
 */
import { startSystem, type System } from './system';
import { send, tally, type Sent } from './tally';

const COMMANDS = 1000;

describe('resilience: redis-server restarted under load', () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({ channels: 200 });
    await Promise.all([sys.startBot(), sys.startWorker()]);
  }, 120000);
  afterAll(async () => {
    await sys?.close();
  });

  it('no acknowledged command is lost', async () => {
    const sent: Sent[] = [];
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < COMMANDS) {
        const i = next++;
        const text = i % 4 === 0 ? 'graphmail search-emails --subject-filter "quarterly invoice"' : 'graphmail ping';
        sent.push(await send(sys, text, sys.channels[i % sys.channels.length]!));
      }
    };
    const senders = Promise.all(Array.from({ length: 20 }, sender));
    // Restart Redis once a third of the commands are in.
    while (next < COMMANDS / 3) await new Promise((r) => setTimeout(r, 20));
    const downAt = Date.now();
    await sys.restartRedis('SIGKILL', 3000);
    const downMs = Date.now() - downAt;
    await senders;
    const t = await tally('redis-server SIGKILL + restart during 1,000 commands', sys.slack, sent, 180000);
    process.stdout.write(`[resilience] redis restart: down ${downMs} ms, refused while down ${sent.length - t.accepted}\n`);

    expect(sent.length).toBe(COMMANDS);
    expect(t.accepted).toBeGreaterThan(COMMANDS * 0.8);
    expect(t.failures).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(t.lost).toBe(0);
  }, 400000);
});

/**
 * Scenario 4: Slack's Web API and the Bot Connector fail or throttle 30 % of deliveries (429 with
 * Retry-After, 500/503, dropped connections; a proxy in front of the fakes fails them before they
 * arrive). Every result is delivered once, late but not lost.
 */
import { jobIdFor } from '../../lib/ids';
import { MAILBOX, startSystem, type System } from './system';
import { send, tally, unescape, type Sent } from './tally';

describe('resilience: Slack and Bot Connector failing deliveries', () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({ channels: 40, chatFaults: 0.3 });
    await Promise.all([sys.startBot(), sys.startWorker()]);
  }, 120000);
  afterAll(async () => {
    await sys?.close();
  });

  it('every result is delivered once, in Slack and in Teams', async () => {
    const slackCommands = Array.from({ length: 60 }, (_, i) =>
      i % 3 ? 'graphmail ping' : `graphmail search-emails --search-in-mailbox ${MAILBOX} --subject-filter "quarterly invoice"`,
    );
    const slackSent: Sent[] = await Promise.all(slackCommands.map((c, i) => send(sys, c, sys.channels[i % sys.channels.length]!)));

    // Teams resends an activity the bot did not answer with 2xx; the bot runs it once.
    const teamsJobs: string[] = [];
    let teamsResent = 0;
    for (let i = 0; i < 20; i++) {
      const id = `act-res-${Date.now().toString(36)}-${i}`;
      for (let tries = 0; tries < 10; tries++) {
        const res = await sys.teams('graphmail ping', id);
        if (res.status >= 200 && res.status < 300) break;
        teamsResent++;
      }
      teamsJobs.push(jobIdFor(`teams:${id}`));
    }

    const t = await tally('Slack deliveries failing 30 %', sys.slack, slackSent, 120000);

    const connector = sys.connector;
    const teamsFinal = (jobId: string): boolean =>
      [...connector.activities.values()].some((a) => JSON.stringify(a).includes(jobId) && /is_success: true/.test(unescape(a.text)));
    const deadline = Date.now() + 120000;
    while (teamsJobs.some((j) => !teamsFinal(j)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1500));
    const teamsLost = teamsJobs.filter((j) => !teamsFinal(j)).length;
    const teamsDuplicates = teamsJobs.reduce(
      (n, j) => n + Math.max(0, connector.calls.filter((c) => c.method === 'POST' && JSON.stringify(c.activity).includes(j)).length - 1),
      0,
    );
    const p = sys.chatProxies!;
    process.stdout.write(
      `[resilience] Teams deliveries failing 30 %: accepted ${teamsJobs.length} (activities resent ${teamsResent}), completed ${teamsJobs.length - teamsLost}, duplicates ${teamsDuplicates}, lost ${teamsLost}\n` +
        `[resilience] chat faults injected: Slack ${JSON.stringify(p.slack.failed)}, Bot Connector ${JSON.stringify(p.connector.failed)}\n`,
    );

    for (const s of slackSent.filter((x) => !x.accepted).slice(0, 3)) process.stdout.write(`[resilience]   not accepted: ${s.ack.slice(0, 300)}\n`);
    expect(p.slack.failed.status429 + p.slack.failed.status5xx + p.slack.failed.dropped).toBeGreaterThan(10);
    expect(t.accepted).toBe(slackCommands.length);
    expect(t.failures).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(t.lost).toBe(0);
    expect(teamsLost).toBe(0);
    expect(teamsDuplicates).toBe(0);
  }, 400000);
});

/**
 * Slack authorization does not depend on the Slack Web API answering auth.test: the bot token is
 * enough to acknowledge and queue commands, and who the bot is (auth.test) is looked up once per
 * process, not once per request.
 */
import { slackSignature } from '../helpers/fake-slack';
import { SLACK_SECRET, SLACK_TOKEN, startHarness, type Harness } from '../helpers/harness';
import { pool } from '../security/security-helpers';

async function jobCount(h: Harness): Promise<number> {
  const counts = await h.runtime.queues.actions.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

const authTests = (h: Harness) => h.slack.calls.filter((c) => c.method === 'auth.test').length;

/** Sends `n` slash commands `/soar graphmail ping`, 10 at a time; returns statuses and the slowest answer. */
async function pings(h: Harness, n: number, tag: string): Promise<{ statuses: Record<string, number>; maxMs: number }> {
  const statuses = new Map<number, number>();
  let maxMs = 0;
  await pool(
    Array.from({ length: n }, (_, i) => i),
    10,
    async (i) => {
      const started = Date.now();
      const res = await h.slash('graphmail ping', { triggerId: `${tag}-${i}` });
      await res.arrayBuffer();
      maxMs = Math.max(maxMs, Date.now() - started);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    },
  );
  return { statuses: Object.fromEntries(statuses), maxMs };
}

async function waitForJobs(h: Harness, n: number): Promise<number> {
  const deadline = Date.now() + 5000;
  let count = await jobCount(h);
  while (count < n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    count = await jobCount(h);
  }
  return count;
}

describe('Slack authorize: auth.test failing after its first call', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('50 slash commands are all acknowledged and queued; auth.test is called once', async () => {
    const first = await h.slash('graphmail ping', { triggerId: 'auth-first' });
    expect(first.status).toBe(200);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'auth.test'), 5000);
    h.slack.fail('auth.test', Infinity, 500);
    const run = await pings(h, 50, 'auth-after');
    const jobs = await waitForJobs(h, 51);
    console.log(
      `[slack authorize] auth.test failing after the first call: statuses ${JSON.stringify(run.statuses)}; slowest ack ${run.maxMs} ms; jobs ${jobs}; auth.test calls ${authTests(h)}`,
    );
    expect(run.statuses).toEqual({ 200: 50 });
    expect(run.maxMs).toBeLessThan(3000);
    expect(jobs).toBe(51);
    expect(authTests(h)).toBe(1);
  }, 60000);
});

describe('Slack authorize: auth.test failing from the start', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.slack.fail('auth.test', Infinity, 500);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('commands are still acknowledged and queued (bot token only); auth.test is not retried per request', async () => {
    const run = await pings(h, 20, 'auth-down');
    const jobs = await waitForJobs(h, 20);
    console.log(
      `[slack authorize] auth.test failing from the start: statuses ${JSON.stringify(run.statuses)}; slowest ack ${run.maxMs} ms; jobs ${jobs}; auth.test calls ${authTests(h)}`,
    );
    expect(run.statuses).toEqual({ 200: 20 });
    expect(run.maxMs).toBeLessThan(3000);
    expect(jobs).toBe(20);
    expect(authTests(h)).toBe(1);
  }, 60000);

  it('listeners and app.client still call Slack with the bot token', async () => {
    const res = await h.interact({
      type: 'block_actions',
      user: { id: 'U1' },
      channel: { id: 'C1' },
      team: { id: 'T1' },
      trigger_id: 't-auth-form',
      actions: [
        {
          type: 'button',
          action_id: 'run-form:0',
          block_id: 'b1',
          value: JSON.stringify({ verb: 'run-form', command: 'o365 start-a-subscription', fields: ['start-a-subscription-for'] }),
        },
      ],
    });
    expect(res.status).toBe(200);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
    expect(h.slack.calls.find((c) => c.method === 'views.open')!.token).toBe(SLACK_TOKEN);
    // An @mention (an event) answers with an ephemeral message through the listener's client.
    const event = JSON.stringify({
      type: 'event_callback',
      team_id: 'T1',
      api_app_id: 'A1',
      event_id: 'Ev-auth-1',
      event_time: 1,
      event: { type: 'app_mention', user: 'U1', text: '<@UBOT> soar jobs', channel: 'C1', ts: '1700000000.000100' },
    });
    const started = Date.now();
    const mention = await fetch(`${h.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...slackSignature(SLACK_SECRET, event) },
      body: event,
    });
    expect(mention.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    expect(h.slack.calls.find((c) => c.method === 'chat.postEphemeral')!.token).toBe(SLACK_TOKEN);
    await h.runtime.slack!.client.chat.postMessage({ channel: 'C1', text: 'direct' });
    expect(h.slack.calls.find((c) => c.method === 'chat.postMessage' && c.body.text === 'direct')!.token).toBe(SLACK_TOKEN);
    expect(authTests(h)).toBe(1);
  });
});

/**
 * The queue mechanics on real parts: async polling until done or --timeout, soar jobs, soar
 * cancel, graceful shutdown, operations routes, and no secret in any log line. Fixture actions
 * (a poller and a slow one) stand in for the seeds' async actions, which land in later issues.
 */
import { catalog } from '../../handlers/catalog';
import { pending, success } from '../../handlers/kit/outcome';
import { param, type ActionSpec, type IntegrationSpec } from '../../handlers/kit/spec';
import { jobIdFor } from '../../lib/ids';
import { DEMO_CLIENT_SECRET } from '../../emulator';
import { SLACK_SECRET, SLACK_TOKEN, startHarness, type Harness } from '../helpers/harness';

const pollFixture: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'poll-fixture',
  name: 'Poll Fixture',
  description: 'Polls until the given number of polls has passed.',
  async: true,
  params: [param('Polls', { type: 'integer', required: false, default: 3, description: 'polls before done' })],
  messages: { success: { done: 'Done after POLLS polls.' }, failure: {} },
  async run(ctx, params) {
    const polls = Number(params.polls);
    if (ctx.attempt < polls) return pending({ seen: ctx.attempt }, `Waiting: poll ${ctx.attempt + 1} of ${polls}`);
    return success(`Done after ${polls} polls.`);
  },
};

const slowFixture: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'slow-fixture',
  name: 'Slow Fixture',
  description: 'Takes a while.',
  params: [param('Millis', { type: 'integer', required: false, default: 800, description: 'how long' })],
  messages: { success: { done: 'Slow done.' }, failure: {} },
  async run(_ctx, params) {
    await new Promise((r) => setTimeout(r, Number(params.millis)));
    return success('Slow done.');
  },
};

const laterFixture: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'later-fixture',
  name: 'Later Fixture',
  description: 'In the catalogue, run not written yet.',
  params: [],
  messages: { success: {}, failure: {} },
};

const withFixtures: IntegrationSpec[] = catalog.map((i) =>
  i.id === 'microsoft-graph-mail' ? { ...i, actions: [...i.actions, pollFixture, slowFixture, laterFixture] } : i,
);

const unescape = (t: unknown) =>
  String(t ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

async function messageOf(h: Harness, jobId: string, pattern: RegExp, timeoutMs = 15000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = [...h.slack.messages.values()].find((x) => JSON.stringify(x).includes(jobId));
    if (m && pattern.test(unescape(m.text))) return unescape(m.text);
    if (Date.now() > deadline) throw new Error(`job ${jobId}: ${pattern} not seen; last: ${unescape(m?.text)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('queue mechanics', () => {
  let h: Harness;
  const logLines: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ catalog: withFixtures, asyncPollMs: 150, logLines });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('an async action is re-queued with a delay until done, showing its state while it waits', async () => {
    const jobId = jobIdFor('slack:t-poll');
    const statuses = new Set<string>();
    const seen = setInterval(() => {
      for (const m of h.slack.messages.values()) if (JSON.stringify(m).includes(jobId)) statuses.add(unescape(m.text));
    }, 10);
    // Slack takes about one message a second per channel: 12 polls of 150 ms leave room for a visible update.
    await h.slash('graphmail poll-fixture --polls 12', { triggerId: 't-poll' });
    const text = await messageOf(h, jobId, /is_success: true/);
    clearInterval(seen);
    expect(text).toContain('Done after 12 polls.');
    expect([...statuses].some((s) => /Waiting: poll \d+ of 12/.test(s))).toBe(true);
    const job = await h.runtime.queues.actions.getJob(jobId);
    expect(await job?.getState()).toBe('completed');
    expect(job?.data.attempt).toBe(12);
  });

  it('an action whose run comes later answers "not available yet" clearly', async () => {
    const jobId = jobIdFor('slack:t-later');
    await h.slash('graphmail later-fixture', { triggerId: 't-later' });
    const text = await messageOf(h, jobId, /is_success: false/);
    expect(text).toContain('Later Fixture is not available yet in chatsoar.');
  });

  it('--timeout ends a polling action', async () => {
    const jobId = jobIdFor('slack:t-timeout');
    await h.slash('graphmail poll-fixture --polls 1000 --timeout 1s', { triggerId: 't-timeout' });
    const text = await messageOf(h, jobId, /is_success: false/);
    expect(text).toContain('Poll Fixture timed out.');
  });

  it('soar jobs lists a waiting job; soar cancel stops it within one poll and says who', async () => {
    const jobId = jobIdFor('slack:t-cancel');
    await h.slash('graphmail poll-fixture --polls 1000', { triggerId: 't-cancel' });
    await messageOf(h, jobId, /Waiting: poll/);
    const jobs = (await (await h.slash('jobs')).json()) as { text: string };
    expect(unescape(jobs.text)).toMatch(new RegExp(`${jobId} · Poll Fixture · slack:U1 · waiting`));
    const other = (await (await h.slash(`cancel ${jobId}`, { user: 'U3' })).json()) as { text: string };
    expect(other.text).toContain('needs the analyst role');
    const res = (await (await h.slash(`cancel ${jobId}`)).json()) as { text: string };
    expect(res.text).toContain(`Cancelling job ${jobId}`);
    const text = await messageOf(h, jobId, /Cancelled by/, 2000);
    expect(text).toBe('Cancelled by slack:U1.');
    const after = (await (await h.slash('jobs')).json()) as { text: string };
    expect(after.text).not.toContain(jobId);
  });

  it('a missing required parameter gets an error naming it and a form; nothing queued', async () => {
    const before = await h.runtime.queues.actions.count();
    const res = (await (await h.slash('o365 start-a-subscription')).json()) as { text: string; blocks: unknown[] };
    expect(res.text).toContain('Missing required parameter(s) for Start a Subscription: --start-a-subscription-for');
    expect(JSON.stringify(res.blocks)).toContain('run-form');
    expect(await h.runtime.queues.actions.count()).toBe(before);
  });

  it('/healthz, /readyz and /metrics answer', async () => {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    for (const name of ['chatsoar_queue_depth', 'chatsoar_job_duration_seconds', 'chatsoar_ack_latency_seconds', 'chatsoar_outbox_retries_total'])
      expect(metrics).toContain(name);
  });

  it('no secret ever reaches a log line, a Slack payload or a job', async () => {
    await h.runtime.environments.setInstance('prod', 'microsoft-graph-mail', { 'secret-id': 'wrong-secret-abc123' });
    const jobId = jobIdFor('slack:t-secret');
    await h.slash('graphmail ping', { triggerId: 't-secret' });
    await messageOf(h, jobId, /is_success: false/);
    await h.runtime.environments.setInstance('prod', 'microsoft-graph-mail', { 'secret-id': DEMO_CLIENT_SECRET });
    const job = await h.runtime.queues.actions.getJob(jobId);
    // What users see in Slack (text and blocks); the API token itself legitimately goes to Slack's API.
    const shown = h.slack.calls.map((c) => JSON.stringify({ text: c.body.text, blocks: c.body.blocks, view: c.body.view }));
    const everything = [logLines.join('\n'), ...shown, JSON.stringify(job?.data)].join('\n');
    expect(logLines.length).toBeGreaterThan(5);
    for (const secret of ['wrong-secret-abc123', DEMO_CLIENT_SECRET, SLACK_SECRET, SLACK_TOKEN]) expect(everything).not.toContain(secret);
  });

  it('SIGTERM-style close lets a running job finish before the worker stops', async () => {
    const jobId = jobIdFor('slack:t-slow');
    await h.slash('graphmail slow-fixture --millis 800', { triggerId: 't-slow' });
    const deadline = Date.now() + 5000;
    while ((await (await h.runtime.queues.actions.getJob(jobId))?.getState()) !== 'active') {
      if (Date.now() > deadline) throw new Error('slow job never started');
      await new Promise((r) => setTimeout(r, 10));
    }
    const runtime = h.runtime;
    await Promise.all(runtime.workers.map((w) => w.close()));
    const job = await runtime.queues.actions.getJob(jobId);
    expect(await job?.getState()).toBe('completed');
  });
});

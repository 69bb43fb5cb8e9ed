/** Slack end to end: signed requests into /slack/events, real redis-server, emulator, fake Slack Web API. */
import { jobIdFor } from '../../lib/ids';
import { slackSignature } from '../helpers/fake-slack';
import { startHarness, type Harness } from '../helpers/harness';
import { startSelfSignedServer } from '../helpers/tls-server';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

async function jobCount(): Promise<number> {
  const counts = await h.runtime.queues.actions.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Slack escapes &, < and > in text; tests compare what a user reads. */
function unescape(text: unknown): string {
  return String(text ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function finalText(ts: string): string {
  return unescape(h.slack.messages.get(ts)?.text);
}

/** Waits until the message posted for the job ends (is_success shown) and returns its text. */
async function resultOf(jobId: string): Promise<string> {
  const mine = (m: Record<string, unknown>) => JSON.stringify(m).includes(jobId);
  await h.slack.waitFor(() => [...h.slack.messages.values()].some(mine));
  const ts = [...h.slack.messages.entries()].find(([, m]) => mine(m))![0];
  const deadline = Date.now() + 15000;
  while (!/is_success/.test(finalText(ts))) {
    if (Date.now() > deadline) throw new Error(`no result; last text: ${finalText(ts)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return finalText(ts);
}

describe('Slack /soar', () => {
  it('acks at once, posts "Queued Ping as job …", then updates it in place with the seed message', async () => {
    // A ping slower than the Queued message's hold (behaviour.md 43): queued first, the result in place.
    h.emulator.faults.set({ prefix: '/v1.0/users', latencyMs: 1200 });
    try {
      const started = Date.now();
      const res = await h.slash('graphmail ping', { triggerId: 'trig-ping-1' });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(3000);
      const jobId = jobIdFor('slack:trig-ping-1');
      const text = await resultOf(jobId);
      const posts = h.slack.calls.filter((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes(jobId));
      expect(posts).toHaveLength(1);
      // Named action and job: queued, or already running when the hold ended.
      expect(JSON.stringify(posts[0]!.body)).toMatch(new RegExp(`(Queued Ping as job|Running Ping \\(job) ${jobId}`));
      expect(text).toContain('Successfully connected to the Microsoft Graph mail service with the provided connection parameters!');
      expect(text).toContain('is_success: true');
      expect(
        h.slack.calls.some((c) => c.method === 'chat.update' && /is_success: true/.test(String(c.body.text)) && JSON.stringify(c.body).includes(jobId)),
      ).toBe(true);
      // One message: the Queued post, updated in place.
      expect([...h.slack.messages.values()].filter((m) => JSON.stringify(m).includes(jobId))).toHaveLength(1);
    } finally {
      h.emulator.faults.clear('/v1.0/users');
    }
  });

  it('a job done before its Queued message went out is posted once, with its result', async () => {
    const jobId = jobIdFor('slack:trig-ping-fast');
    const before = h.slack.calls.length;
    await h.slash('graphmail ping', { triggerId: 'trig-ping-fast' });
    expect(await resultOf(jobId)).toContain('is_success: true');
    const mine = h.slack.calls.slice(before).filter((c) => JSON.stringify(c.body).includes(jobId));
    expect(mine.map((c) => c.method)).toEqual(['chat.postMessage']);
    expect(JSON.stringify(mine[0]!.body)).not.toContain('Queued');
  });

  it('runs the Azure API and O365 Management API pings with their seed messages', async () => {
    await h.slash('azure ping', { triggerId: 'trig-azure-1' });
    await h.slash('o365 ping', { triggerId: 'trig-o365-1' });
    await h.slack.waitFor((calls) => calls.some((c) => /Successfully connected to the Azure API\./.test(String(c.body.text))));
    await h.slack.waitFor((calls) =>
      calls.some((c) => /Successfully connected to the O365 Management API with the provided connection parameters!/.test(String(c.body.text))),
    );
  });

  it('a retried request with the same trigger id queues one job only', async () => {
    const before = await jobCount();
    await h.slash('graphmail ping', { triggerId: 'trig-dup' });
    await h.slash('graphmail ping', { triggerId: 'trig-dup' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await jobCount()) - before).toBe(1);
  });

  it.each([
    ['forged signature', { secret: 'wrong-secret' }],
    ['timestamp older than 5 minutes', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
  ])('%s → 401, nothing queued', async (_name, opts) => {
    const before = await jobCount();
    const calls = h.slack.calls.length;
    const res = await h.slash('graphmail ping', opts);
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(await jobCount()).toBe(before);
    expect(h.slack.calls.length).toBe(calls);
  });

  it('a request without signature headers → 401', async () => {
    const res = await fetch(`${h.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=/soar&text=graphmail+ping',
    });
    expect(res.status).toBe(401);
  });

  it.each([
    ['an unbound channel', { channel: 'C-UNBOUND' }, 'This channel is not bound to an environment. An admin can run soar admin bind <env>.'],
    ['a user with no role', { user: 'U-NOBODY' }, 'You have no role in environment prod.'],
    ['a viewer running an action', { user: 'U3' }, 'Ping needs the analyst role.'],
  ])('refuses %s with a clear line, nothing queued', async (_name, opts, message) => {
    const before = await jobCount();
    const res = await h.slash('graphmail ping', opts);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { text: string; response_type: string };
    expect(body.response_type).toBe('ephemeral');
    expect(unescape(body.text)).toContain(message);
    expect(await jobCount()).toBe(before);
  });

  it('an unknown action gets "did you mean", nothing queued', async () => {
    const res = await h.slash('graphmail pnig');
    const body = (await res.json()) as { text: string };
    expect(body.text).toMatch(/ping/);
    expect(body.text.toLowerCase()).toContain('did you mean');
  });

  it('help is generated from the catalogue', async () => {
    const res = await h.slash('help graphmail');
    const body = (await res.json()) as { text: string };
    expect(body.text).toContain('search-emails');
    expect(body.text).toContain('Microsoft Graph Mail');
  });

  it('a wrong client secret gives the seed failure message with the AAD reason', async () => {
    await h.runtime.environments.setInstance('prod', 'o365-management-api', { 'client-secret': 'wrong-secret' });
    await h.slash('o365 ping', { triggerId: 'trig-wrong-secret' });
    await h.slack.waitFor((calls) => calls.some((c) => /Failed to connect to the O365 Management API! Error is .*AADSTS7000215/.test(String(c.body.text))));
    const all = JSON.stringify(h.slack.calls);
    expect(all).not.toContain('wrong-secret');
  });

  it('an unreachable host gives the seed failure message', async () => {
    await h.runtime.environments.setInstance('prod', 'azure-api', { 'test-url': 'http://127.0.0.1:1/v1.0/organization' });
    await h.slash('azure ping', { triggerId: 'trig-unreachable' });
    await h.slack.waitFor((calls) => calls.some((c) => /Failed to test connectivity\. Connection refused by 127\.0\.0\.1:1/.test(String(c.body.text))));
  });

  it('a post throttled with 429 is delivered after Retry-After, once', async () => {
    const jobId = jobIdFor('slack:trig-throttle');
    await h.runtime.environments.bind('slack:C9', 'prod');
    h.slack.throttle('chat.postMessage', 2, 1, 'C9');
    const before = h.slack.calls.length;
    await h.slash('graphmail ping', { triggerId: 'trig-throttle', channel: 'C9' });
    const text = await resultOf(jobId);
    expect(text).toContain('Successfully connected to the Microsoft Graph mail service');
    const posts = h.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes(jobId));
    expect(posts.length).toBe(3); // two answered 429, one delivered
    expect([...h.slack.messages.values()].filter((m) => JSON.stringify(m).includes(jobId))).toHaveLength(1);
    // Retry-After (1 s) was honoured between the throttled attempts and the delivery.
    expect(posts[2]!.at - posts[0]!.at).toBeGreaterThanOrEqual(2000);
  }, 30000);

  it('a post whose answer was lost is found in the channel history and updated, not posted twice', async () => {
    const jobId = jobIdFor('slack:trig-lost-answer');
    await h.runtime.environments.bind('slack:C8', 'prod');
    h.slack.loseAnswers('chat.postMessage', 1);
    const before = h.slack.calls.length;
    await h.slash('graphmail ping', { triggerId: 'trig-lost-answer', channel: 'C8' });
    expect(await resultOf(jobId)).toContain('Successfully connected to the Microsoft Graph mail service');
    // The retry looks the post up before anything else goes out.
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'conversations.history' && c.body.channel === 'C8'));
    await new Promise((r) => setTimeout(r, 300));
    const calls = h.slack.calls.slice(before);
    expect(calls.filter((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes(jobId))).toHaveLength(1);
    expect([...h.slack.messages.values()].filter((m) => JSON.stringify(m).includes(jobId))).toHaveLength(1);
  }, 30000);

  it('soar jobs and soar cancel answer in the channel', async () => {
    const res = await h.slash('jobs');
    const body = (await res.json()) as { text: string };
    expect(body.text).toMatch(/No queued or running jobs|j-\d{4}/);
    const cancel = await h.slash('cancel j-0000zzzz');
    expect(((await cancel.json()) as { text: string }).text).toContain('No job j-0000zzzz in this channel.');
  });

  it('block_actions: a help button is answered through response_url', async () => {
    const res = await h.interact({
      type: 'block_actions',
      user: { id: 'U1' },
      channel: { id: 'C1' },
      team: { id: 'T1' },
      trigger_id: 't-ba-help',
      response_url: `${h.slack.url.replace(/\/api\/$/, '')}/response`,
      actions: [{ type: 'button', action_id: 'help:0', block_id: 'b1', value: JSON.stringify({ verb: 'help', topic: 'o365' }) }],
    });
    expect(res.status).toBe(200);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'response' && /start-a-subscription/.test(String(c.body.text))));
  });

  it('block_actions: the action_id picks the listener, the value only carries data', async () => {
    const responseUrl = `${h.slack.url.replace(/\/api\/$/, '')}/response`;
    const click = (triggerId: string, actionId: string, value: Record<string, unknown>) =>
      h.interact({
        type: 'block_actions',
        user: { id: 'U1' },
        channel: { id: 'C1' },
        team: { id: 'T1' },
        trigger_id: triggerId,
        response_url: responseUrl,
        actions: [{ type: 'button', action_id: actionId, block_id: 'b1', value: JSON.stringify(value) }],
      });
    const before = h.slack.calls.length;
    // A help button whose value names another verb is still a help button.
    expect((await click('t-ba-id-help', 'help:3', { verb: 'vote', topic: 'o365' })).status).toBe(200);
    await h.slack.waitFor((calls) => calls.slice(before).some((c) => c.method === 'response' && /start-a-subscription/.test(String(c.body.text))));
    // A button no listener owns is answered, not left to time out.
    const after = h.slack.calls.length;
    const started = Date.now();
    expect((await click('t-ba-id-unknown', 'no-such-verb:0', { verb: 'help', topic: 'o365' })).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    await h.slack.waitFor((calls) =>
      calls.slice(after).some((c) => c.method === 'response' && /This button \(no-such-verb\) is not available/.test(String(c.body.text))),
    );
  });

  it('block_actions run-form opens a modal; view_submission runs the completed command', async () => {
    await h.interact({
      type: 'block_actions',
      user: { id: 'U1' },
      channel: { id: 'C1' },
      team: { id: 'T1' },
      trigger_id: 't-ba-form',
      response_url: `${h.slack.url.replace(/\/api\/$/, '')}/response`,
      actions: [
        {
          type: 'button',
          action_id: 'run-form:0',
          block_id: 'b1',
          value: JSON.stringify({ verb: 'run-form', command: 'o365 start-a-subscription', fields: ['start-a-subscription-for'] }),
        },
      ],
    });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
    const open = h.slack.calls.find((c) => c.method === 'views.open')!;
    const view = open.body.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('run-form');
    const res = await h.interact({
      type: 'view_submission',
      user: { id: 'U1' },
      team: { id: 'T1' },
      view: {
        id: 'V1',
        hash: 'h1',
        callback_id: 'run-form',
        private_metadata: view.private_metadata,
        state: { values: { 'start-a-subscription-for': { value: { type: 'static_select', selected_option: { value: 'Audit.General' } } } } },
      },
    });
    expect(res.status).toBe(200);
    // The completed command ran as if typed whole: its job message reports a result.
    await h.slack.waitFor(() =>
      [...h.slack.messages.values()].some((m) => JSON.stringify(m).includes('Start a Subscription') && /is_success/.test(String(m.text))),
    );
  });

  it('a forged interactivity payload → 401, nothing done', async () => {
    const body = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', user: { id: 'U1' }, actions: [] }) }).toString();
    const res = await fetch(`${h.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature('forged', body) },
      body,
    });
    expect(res.status).toBe(401);
  });

  it('a TLS failure with Verify SSL on gives the seed failure message; with it off the ping succeeds', async () => {
    const tls = await startSelfSignedServer();
    try {
      await h.runtime.environments.setInstance('prod', 'azure-api', { 'test-url': `${tls.url}/v1.0/organization`, 'verify-ssl': true });
      await h.slash('azure ping', { triggerId: 'trig-tls-on' });
      const failed = await resultOf(jobIdFor('slack:trig-tls-on'));
      expect(failed).toMatch(/Failed to test connectivity\. TLS certificate verification failed for 127\.0\.0\.1:\d+/);
      await h.runtime.environments.setInstance('prod', 'azure-api', { 'verify-ssl': false });
      await h.slash('azure ping', { triggerId: 'trig-tls-off' });
      expect(await resultOf(jobIdFor('slack:trig-tls-off'))).toContain('Successfully connected to the Azure API.');
    } finally {
      await tls.close();
    }
  });
});

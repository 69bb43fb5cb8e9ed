/** Teams end to end: Bot Framework activities into /api/messages, replies to the activity's serviceUrl (a fake connector). */
import { jobIdFor } from '../../lib/ids';
import { startHarness, type Harness } from '../helpers/harness';

describe('Teams without MicrosoftAppId (emulator convention)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('strips the @mention, posts the queued message to serviceUrl and updates it in place with the result', async () => {
    // A ping slower than the Queued message's hold (behaviour.md 43).
    h.emulator.faults.set({ prefix: '/v1.0/users', latencyMs: 1200 });
    const res = await h.teamsMessage('<at>chatsoar</at> soar graphmail ping', { id: 'teams-ping-1' });
    expect(res.status).toBeLessThan(300);
    await h.connector.waitFor((calls) =>
      calls.some((c) => c.method === 'PUT' && /Successfully connected to the Microsoft Graph mail service/.test(String(c.activity.text))),
    );
    h.emulator.faults.clear('/v1.0/users');
    const post = h.connector.calls.find((c) => c.method === 'POST' && /(Queued Ping as job|Running Ping \(job) j-\d{4}/.test(String(c.activity.text)))!;
    expect(post.conversationId).toBe('conv-1');
    const update = h.connector.calls.find((c) => c.method === 'PUT' && /Successfully connected/.test(String(c.activity.text)))!;
    expect(update.activityId).toBe(post.id);
    const card = (update.activity.attachments as Array<{ contentType: string }>)[0]!;
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
  });

  it('stores the conversation reference for later proactive posts', async () => {
    const ref = await h.runtime.conversations.get('teams:conv-1');
    expect(ref?.serviceUrl).toBe(h.connector.serviceUrl);
    expect(ref?.conversation?.id).toBe('conv-1');
  });

  it('a channel post and a reply in its thread use the channel binding; the job answers in that thread', async () => {
    const channel = '19:soc@thread.tacv2';
    await h.runtime.environments.bind(`teams:${channel}`, 'prod');
    const before = h.connector.calls.length;
    // A new post in the channel: Teams sends it with the post's own id as the thread root.
    await h.teamsMessage('<at>chatsoar</at> graphmail ping', { id: '1700000000100', conversation: `${channel};messageid=1700000000100` });
    // A reply in that thread.
    await h.teamsMessage('<at>chatsoar</at> graphmail ping', { id: '1700000000200', conversation: `${channel};messageid=1700000000100` });
    const done = (id: string) => (calls: typeof h.connector.calls) =>
      calls.some((c) => JSON.stringify(c.activity).includes(jobIdFor(`teams:${id}`)) && /is_success: true/.test(String(c.activity.text)));
    await h.connector.waitFor(done('1700000000100'));
    await h.connector.waitFor(done('1700000000200'));
    const mine = h.connector.calls.slice(before);
    expect(mine.some((c) => /not bound|cannot use/.test(String(c.activity.text)))).toBe(false);
    for (const c of mine) expect(decodeURIComponent(c.conversationId)).toBe(`${channel};messageid=1700000000100`);
    expect((await h.runtime.conversations.get(`teams:${channel}`))?.conversation?.id).toBe(channel);
  });

  it('the same activity delivered twice runs once', async () => {
    const jobId = jobIdFor('teams:teams-dup');
    await h.teamsMessage('graphmail ping', { id: 'teams-dup' });
    await h.teamsMessage('graphmail ping', { id: 'teams-dup' });
    await h.connector.waitFor((calls) => calls.some((c) => JSON.stringify(c.activity).includes(jobId) && /is_success: true/.test(String(c.activity.text))));
    await new Promise((r) => setTimeout(r, 300));
    const posts = h.connector.calls.filter((c) => c.method === 'POST' && JSON.stringify(c.activity).includes(jobId));
    expect(posts.length).toBe(1);
  });

  it('refuses a user with no role, in the same turn, nothing queued', async () => {
    const before = h.connector.calls.length;
    await h.teamsMessage('graphmail ping', { user: 'aad-nobody' });
    await h.connector.waitFor((calls) => calls.length > before);
    expect(String(h.connector.calls[before]!.activity.text)).toContain('You have no role in environment prod.');
  });

  it('Action.Submit (a message with a value) is handled as a click', async () => {
    const before = h.connector.calls.length;
    await h.teamsMessage('', { value: { verb: 'help', topic: 'o365' } });
    await h.connector.waitFor((calls) => calls.slice(before).some((c) => /start-a-subscription/.test(String(c.activity.text))));
  });

  it('Action.Execute (adaptiveCard/action invoke) is handled and answered with an invoke response', async () => {
    const res = await h.activity({
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: 'invoke-1',
      channelId: 'msteams',
      serviceUrl: h.connector.serviceUrl,
      from: { id: '29:aad-1', aadObjectId: 'aad-1' },
      conversation: { id: 'conv-1' },
      recipient: { id: '28:chatsoar' },
      value: { action: { type: 'Action.Execute', verb: 'help', data: { topic: 'azure' } } },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { statusCode: number };
    expect(body.statusCode).toBe(200);
    await h.connector.waitFor((calls) => calls.some((c) => /execute-http-request/.test(String(c.activity.text))));
  });
});

describe('Teams with MicrosoftAppId set', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ appId: '11111111-2222-3333-4444-555555555555' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each([
    ['no Authorization header', {}],
    ['a forged bearer token', { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJldmlsIn0.' }],
  ])('an activity with %s gets 401 and queues nothing', async (_name, headers) => {
    const res = await h.activity(
      {
        type: 'message',
        id: `unauth-${Math.random()}`,
        channelId: 'msteams',
        serviceUrl: h.connector.serviceUrl,
        from: { id: '29:aad-1', aadObjectId: 'aad-1' },
        conversation: { id: 'conv-1' },
        recipient: { id: '28:chatsoar' },
        text: 'graphmail ping',
      },
      headers,
    );
    expect(res.status).toBe(401);
    const counts = await h.runtime.queues.actions.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    expect(h.connector.calls.length).toBe(0);
  });
});

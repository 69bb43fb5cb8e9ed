/**
 * Security: who may act through POST /api/messages.
 * Before: with MicrosoftAppId empty any unsigned activity was processed as the aadObjectId it
 * named (an admin's) and answered at the serviceUrl it named; with MicrosoftAppId set, a signed
 * activity from any tenant or any Bot Framework channel (webchat, directline) was processed.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { LOCAL_WEBCHAT_HEADER, localWebchatHeaders } from '../../bot/teams/auth';
import { UNSIGNED_REFUSED } from '../../bot/teams/adapter';
import { channelToken, startFakeOpenId, type FakeOpenId } from '../helpers/fake-openid';
import { startHarness, type Harness } from '../helpers/harness';
import { allJobs, sleep } from './security-helpers';

const APP_ID = '11111111-2222-3333-4444-555555555555';
const TENANT_A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const TENANT_B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const ADMIN = 'aad-admin';

let seq = 0;

/** A Teams message from the environment's admin in its bound channel, answered at the fake connector. */
function adminActivity(h: Harness, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    id: `attack-${seq++}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: h.connector.serviceUrl,
    from: { id: `29:${ADMIN}`, name: 'Admin', aadObjectId: ADMIN },
    conversation: { id: 'conv-1', conversationType: 'channel' },
    recipient: { id: `28:${APP_ID}`, name: 'chatsoar' },
    text: 'soar graphmail ping',
    entities: [],
    ...over,
  };
}

/** What an attacker sends as the admin: a command, the admin dialog, a click and a task module. */
function adminShapes(h: Harness, over: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return [
    adminActivity(h, over),
    adminActivity(h, { text: 'soar admin', ...over }),
    adminActivity(h, { text: '', value: { verb: 'vote', approvalId: 'a-0001', option: 'Approve' }, ...over }),
    adminActivity(h, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      text: undefined,
      value: { action: { type: 'Action.Execute', verb: 'admin-open', data: {} } },
      ...over,
    }),
    adminActivity(h, { type: 'invoke', name: 'task/fetch', text: undefined, value: { data: { verb: 'admin-open' } }, ...over }),
  ];
}

function refusals(lines: string[], from: number): Array<{ reason: string; status: number }> {
  return lines
    .slice(from)
    .map((l) => JSON.parse(l) as { msg: string; reason: string; status: number })
    .filter((l) => l.msg === 'Teams activity refused');
}

describe('security: unsigned activities while MicrosoftAppId is empty', () => {
  let h: Harness;
  const logLines: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ allowUnauthenticatedTeams: false, logLines });
    await h.runtime.environments.grant('prod', 'admin', [`teams:${ADMIN}`]);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('an unsigned activity naming an admin (command, admin dialog, clicks) → 401; nothing queued, remembered or sent to its serviceUrl', async () => {
    const jobsBefore = await allJobs(h);
    const logFrom = logLines.length;
    const statuses: number[] = [];
    for (const activity of adminShapes(h)) statuses.push((await h.activity(activity)).status);
    await sleep(500);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(h.connector.calls).toHaveLength(0);
    expect((await allJobs(h)) - jobsBefore).toBe(0);
    expect(await h.runtime.conversations.get('teams:conv-1')).toBeFalsy();
    expect(refusals(logLines, logFrom).map((r) => [r.status, r.reason])).toEqual(Array(5).fill([401, UNSIGNED_REFUSED]));
  });

  it('an unsigned activity posing as the local web chat (no key, a guessed key) → 401; the web chat’s own key is what lets it in', async () => {
    const webchat = (id: string) => ({ ...adminActivity(h, { id }), channelId: 'webchat', conversation: { id: 'demo' }, from: { id: 'you', name: 'you' } });
    const guesses: Array<Record<string, string>> = [
      {},
      { [LOCAL_WEBCHAT_HEADER]: 'guess' },
      { [LOCAL_WEBCHAT_HEADER]: Buffer.alloc(32).toString('base64url') },
      { [LOCAL_WEBCHAT_HEADER]: randomBytes(32).toString('base64url') },
    ];
    const statuses: number[] = [];
    for (const [i, headers] of guesses.entries()) statuses.push((await h.activity(webchat(`guess-${i}`), headers)).status);
    await sleep(300);
    expect(statuses).toEqual([401, 401, 401, 401]);
    expect(h.connector.calls).toHaveLength(0);

    // The same activity with this process's key (what bot/webchat/routes.ts sends) is processed.
    expect((await h.activity(webchat('genuine'), localWebchatHeaders())).status).toBe(200);
    await h.connector.waitFor((calls) => calls.length > 0);
  });
});

describe('security: signed activities from another tenant or channel (MicrosoftAppId set, TEAMS_TENANTS set)', () => {
  const k1 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let fake: FakeOpenId;
  let h: Harness;
  const logLines: string[] = [];
  const sign = (activity: Record<string, unknown>) => ({ authorization: channelToken(k1.privateKey, 'k1', APP_ID, String(activity.serviceUrl)) });
  const post = async (activity: Record<string, unknown>, headers: Record<string, string> = sign(activity)) => (await h.activity(activity, headers)).status;

  beforeAll(async () => {
    fake = await startFakeOpenId();
    // Microsoft endorses its keys per channel; this one signs for every channel tried, so only our policy refuses.
    fake.addKey('k1', k1.publicKey, ['msteams', 'webchat', 'directline', 'emulator', 'slack']);
    h = await startHarness({
      appId: APP_ID,
      // Left on by mistake: ignored while MicrosoftAppId is set.
      allowUnauthenticatedTeams: true,
      botFramework: { ToBotFromChannelOpenIdMetadataUrl: fake.url, ToBotFromEmulatorOpenIdMetadataUrl: fake.emulatorUrl },
      teamsTenants: [TENANT_A],
      logLines,
    });
    await h.runtime.environments.grant('prod', 'admin', [`teams:${ADMIN}`]);
    const deadline = Date.now() + 5000;
    while (!fake.hits.get('/v1/.well-known/keys') && Date.now() < deadline) await sleep(20);
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('a signed activity of a listed tenant is accepted (control)', async () => {
    // A conversationUpdate: processed by botbuilder and our bot, and answered with nothing.
    const status = await post(adminActivity(h, { type: 'conversationUpdate', text: undefined, channelData: { tenant: { id: TENANT_A } } }));
    expect(status).toBe(200);
  });

  it('a validly signed activity from a tenant not in TEAMS_TENANTS (or naming none, or two) → 403; nothing queued or sent', async () => {
    const jobsBefore = await allJobs(h);
    const logFrom = logLines.length;
    const tenants = [
      { channelData: { tenant: { id: TENANT_B } } },
      { channelData: { tenant: { id: TENANT_B.toUpperCase() } }, conversation: { id: 'conv-1', conversationType: 'channel', tenantId: TENANT_B } },
      { conversation: { id: 'conv-1', conversationType: 'channel', tenantId: TENANT_B } },
      { channelData: { tenant: { id: TENANT_A } }, conversation: { id: 'conv-1', conversationType: 'channel', tenantId: TENANT_B } },
      {},
    ];
    const statuses: number[] = [];
    for (const over of tenants) for (const activity of adminShapes(h, over)) statuses.push(await post(activity));
    await sleep(500);
    expect(statuses).toEqual(Array(tenants.length * 5).fill(403));
    expect(h.connector.calls).toHaveLength(0);
    expect((await allJobs(h)) - jobsBefore).toBe(0);
    expect(await h.runtime.conversations.get('teams:conv-1')).toBeFalsy();
    const reasons = new Set(refusals(logLines, logFrom).map((r) => r.reason));
    expect([...reasons].sort()).toEqual([`no tenant in the activity (TEAMS_TENANTS is set)`, `tenant ${TENANT_B} is not in TEAMS_TENANTS`]);
  });

  it.each(['webchat', 'directline', 'emulator', 'slack'])(
    'a validly signed activity on channel %s (not enabled) → 403; nothing queued or sent',
    async (channelId) => {
      const jobsBefore = await allJobs(h);
      const statuses: number[] = [];
      for (const activity of adminShapes(h, { channelId, channelData: { tenant: { id: TENANT_A } } })) statuses.push(await post(activity));
      await sleep(300);
      expect(statuses).toEqual(Array(5).fill(403));
      expect(h.connector.calls).toHaveLength(0);
      expect((await allJobs(h)) - jobsBefore).toBe(0);
    },
  );

  it('an unsigned activity → 401 although ALLOW_UNAUTHENTICATED_TEAMS is on (ignored with MicrosoftAppId set)', async () => {
    const statuses: number[] = [];
    for (const activity of adminShapes(h, { channelData: { tenant: { id: TENANT_A } } })) statuses.push(await post(activity, {}));
    expect(statuses).toEqual(Array(5).fill(401));
    expect(h.connector.calls).toHaveLength(0);
  });
});

describe('TEAMS_EXTRA_CHANNELS=webchat', () => {
  const k1 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let fake: FakeOpenId;
  let h: Harness;

  beforeAll(async () => {
    fake = await startFakeOpenId();
    fake.addKey('k1', k1.publicKey, ['msteams', 'webchat', 'directline']);
    h = await startHarness({
      appId: APP_ID,
      botFramework: { ToBotFromChannelOpenIdMetadataUrl: fake.url, ToBotFromEmulatorOpenIdMetadataUrl: fake.emulatorUrl },
      teamsExtraChannels: ['webchat'],
      configure: false,
    });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('accepts a signed webchat activity; directline stays refused', async () => {
    const update = (channelId: string) => adminActivity(h, { type: 'conversationUpdate', text: undefined, channelId });
    const send = async (a: Record<string, unknown>) =>
      (await h.activity(a, { authorization: channelToken(k1.privateKey, 'k1', APP_ID, String(a.serviceUrl)) })).status;
    expect(await send(update('webchat'))).toBe(200);
    expect(await send(update('directline'))).toBe(403);
  });
});

/**
 * Refresh Token Renewal Job (Azure API seed; behaviour.md 29, 36) on the maintenance queue: it
 * rotates the stored refresh token so that the old one stops working at the emulator, keeps the
 * token and warns the environment's admin channel when renewal fails, and takes its environments
 * as a list of double-quoted names (empty: every environment with a refresh token).
 */
import type { Worker } from 'bullmq';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT } from '../../emulator';
import { jobIdFor } from '../../lib/ids';
import { startHarness, type Harness } from '../helpers/harness';
import { addSchedule, postsIn, runNow, settled, startSchedules, stopSchedules, unescape, until } from './connector-helpers';

let h: Harness;
let workers: Worker[];

beforeAll(async () => {
  h = await startHarness();
  workers = startSchedules(h.runtime, h.settings.redisUrl!);
});

afterAll(async () => {
  await stopSchedules(workers ?? []);
  await h?.close();
});

const REDIRECT = 'http://127.0.0.1/callback';

/** A refresh token from the emulator's authorization code flow (what Generate Token stores). */
async function signIn(): Promise<string> {
  const scope = `${h.emulator.url}/.default offline_access`;
  const authorize = new URL(`${h.emulator.url}/${DEMO_TENANT}/oauth2/v2.0/authorize`);
  authorize.search = new URLSearchParams({
    client_id: DEMO_CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope,
    state: 'state-0123456789abcdef',
    login_hint: 'alice@demo.onmicrosoft.com',
  }).toString();
  const res = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  return (await redeem({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, scope })).refresh_token!;
}

async function redeem(form: Record<string, string>): Promise<{ status: number; refresh_token?: string; error?: string; error_description?: string }> {
  const res = await fetch(`${h.emulator.url}/${DEMO_TENANT}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET, ...form }).toString(),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

async function storedToken(env: string): Promise<string> {
  return String((await h.runtime.environments.getInstance(env, 'azure-api'))['refresh-token'] ?? '');
}

async function azureEnv(env: string, refreshToken: string, adminChannel?: string): Promise<void> {
  const e = h.runtime.environments;
  await e.create(env);
  await e.setInstance(env, 'azure-api', {
    'microsoft-login-api-root': h.emulator.url,
    'microsoft-graph-api-root': h.emulator.url,
    'client-id': DEMO_CLIENT_ID,
    'client-secret': DEMO_CLIENT_SECRET,
    'tenant-id': DEMO_TENANT,
    scopes: [`${h.emulator.url}/.default`],
    'refresh-token': refreshToken,
  });
  if (adminChannel) {
    await e.bind(adminChannel, env);
    await e.setMeta(env, { adminChannel });
  }
}

describe('Refresh Token Renewal Job', () => {
  it("rotates the listed environments' tokens: the old one stops working, the new one works; a failure keeps the token and warns", async () => {
    const rt1 = await signIn();
    await h.runtime.environments.setInstance('prod', 'azure-api', { 'refresh-token': rt1 });
    const stageToken = await signIn();
    await azureEnv('stage', stageToken);
    await azureEnv('broken', 'not-a-refresh-token', 'slack:C52');

    await addSchedule(h.runtime, 'jobs', {
      name: 'renew',
      type: 'refresh-token-renewal-job',
      every: '7d',
      params: { 'integration-environments': '"prod", "broken"' },
    });
    await until('the prod token to be rotated', async () => (await storedToken('prod')) !== rt1);
    await until('the warning', () => postsIn(h, 'C52').length >= 1);
    await settled(h.runtime);

    const rt2 = await storedToken('prod');
    // The old token is spent at the identity platform; the stored one is live.
    const old = await redeem({ grant_type: 'refresh_token', refresh_token: rt1 });
    expect(old.status).toBe(400);
    expect(old.error).toBe('invalid_grant');
    expect(h.emulator.state.refreshTokens.get(rt2)?.redeemedAt).toBeNull();
    // Not listed: untouched.
    expect(await storedToken('stage')).toBe(stageToken);
    // Failed: kept, and the admin channel told in one line.
    expect(await storedToken('broken')).toBe('not-a-refresh-token');
    const warning = postsIn(h, 'C52')[0]!.text;
    expect(warning).toMatch(/^Refresh Token Renewal Job could not renew the Azure API refresh token of environment broken: .*The current token is kept/);
    expect(warning).not.toContain('\n    at ');
    expect(warning).not.toContain('not-a-refresh-token');

    // Actions go on with the rotated token (delegated access).
    await h.slash('azure ping', { triggerId: 'renewed-ping' });
    const jobId = jobIdFor('slack:renewed-ping');
    await until('the ping result', () =>
      [...h.slack.messages.values()].some((m) => JSON.stringify(m).includes(jobId) && /is_success: true/.test(unescape(m.text))),
    );
  });

  it('with no list renews every environment that has a refresh token', async () => {
    await h.runtime.environments.create('appOnly');
    const before = { prod: await storedToken('prod'), stage: await storedToken('stage') };
    await h.runtime.redis.hdel(h.runtime.environments.keys.instance('broken', 'azure-api'), 'refresh-token');
    await addSchedule(h.runtime, 'jobs', { name: 'renew-all', type: 'refresh-token-renewal-job', every: '14d', params: {} });
    await runNow(h.runtime, 'renew-all', 'jobs');
    await until('both rotated', async () => (await storedToken('prod')) !== before.prod && (await storedToken('stage')) !== before.stage);
    await settled(h.runtime);
    for (const rt of Object.values(before)) expect((await redeem({ grant_type: 'refresh_token', refresh_token: rt })).status).toBe(400);
    expect(postsIn(h, 'C52')).toHaveLength(1);
  });
});

/**
 * The delegated sign-in end to end: Get Authorization → the emulator's authorize redirect →
 * Generate Token with the redirected URL (state checked, code redeemed with PKCE, refresh token
 * stored encrypted and never shown) → Azure Ping with the refresh-token grant; and the one-click
 * path through `GET /oauth/callback`.
 */
import { DEMO_CLIENT_ID, DEMO_TENANT } from '../../emulator';
import { jobIdFor } from '../../lib/ids';
import { SecretBox } from '../../store/crypto';
import { startAzureHarness, type AzureHarness } from '../helpers/azure-harness';

let h: AzureHarness;

const AUTH_OK = 'Authorization URL generated successfully.';
const SAVED = 'Successfully fetched the refresh token and saved it to environment prod.';
const CODE_MISSING = "Failed to generate a token because the authorization URL that you provided is incorrect. The 'code' parameter is missing.";
const CODE_REFUSED = 'Unable to generate the refresh token with the provided authorization URL.';

beforeAll(async () => {
  h = await startAzureHarness();
  // The delegated sign-in replaces the environment's token: only admins may run it.
  await h.runtime.environments.grant('prod', 'admin', ['slack:U1', 'slack:U2']);
});

afterAll(async () => {
  await h?.close();
});

async function storedRefreshToken(): Promise<string | undefined> {
  const rt = (await h.runtime.environments.getInstance('prod', 'azure-api'))['refresh-token'];
  return rt === undefined ? undefined : String(rt);
}

/** Runs Get Authorization and returns the authorize URL it gave. */
async function getAuthorization(user = 'U2'): Promise<URL> {
  const r = await h.run('azure get-authorization', { user });
  expect(r.text.split('\n')[0]).toBe(AUTH_OK);
  expect(r.isSuccess).toBe(true);
  return new URL(r.message.lines![1]!);
}

/** Opens the authorize URL as a browser would, up to the redirect back to chatsoar. */
async function signIn(authorize: URL): Promise<URL> {
  const res = await fetch(authorize, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

function everythingChatSaw(): string {
  return JSON.stringify(h.slack.calls);
}

describe('Get Authorization', () => {
  it('gives the authorize URL of the configured client, tenant, scopes and redirect URL, with a fresh state and PKCE', async () => {
    const url = await getAuthorization();
    expect(`${url.origin}${url.pathname}`).toBe(`${h.emulator.url}/${DEMO_TENANT}/oauth2/v2.0/authorize`);
    const q = url.searchParams;
    expect(q.get('client_id')).toBe(DEMO_CLIENT_ID);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('redirect_uri')).toBe(`${h.url}/oauth/callback`);
    expect(q.get('scope')).toBe(`${h.emulator.url}/.default offline_access`);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    const state = q.get('state')!;
    expect(state).toMatch(/^[\w-]{16,}$/);

    // Kept server-side, tied to the environment and the user, with the PKCE verifier; it expires.
    const key = `${h.settings.redisPrefix}oauth:${state}`;
    const pending = JSON.parse((await h.runtime.redis.get(key))!) as Record<string, unknown>;
    expect(pending).toMatchObject({ environment: 'prod', user: 'slack:U2', redirectUri: `${h.url}/oauth/callback` });
    expect(String(pending.codeVerifier)).toMatch(/^[\w-]{43}$/);
    expect(await h.runtime.redis.ttl(key)).toBeGreaterThan(60);

    const again = await getAuthorization();
    expect(again.searchParams.get('state')).not.toBe(state);
  });

  it('typed Oauth Scopes replace the instance Scopes, offline_access added', async () => {
    const r = await h.run('azure get-authorization --oauth-scopes https://graph.microsoft.com/Mail.Read,https://graph.microsoft.com/User.Read');
    expect(new URL(r.message.lines![1]!).searchParams.get('scope')).toBe(
      'https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/User.Read offline_access',
    );
  });
});

describe('Generate Token', () => {
  it('redeems the redirected URL, stores the refresh token encrypted in the environment and never shows it', async () => {
    const redirected = await signIn(await getAuthorization());
    expect(`${redirected.origin}${redirected.pathname}`).toBe(`${h.url}/oauth/callback`);
    const r = await h.run(`azure generate-token --authorization-url '${redirected.href}'`);
    expect(r.text).toContain(SAVED);
    expect(r.isSuccess).toBe(true);

    const rt = (await storedRefreshToken())!;
    expect(h.emulator.state.refreshTokens.get(rt)?.redeemedAt).toBeNull();
    const raw = await h.runtime.redis.hget(`${h.settings.redisPrefix}env:prod:inst:azure-api`, 'refresh-token');
    expect(SecretBox.isSealed(raw!)).toBe(true);
    expect(raw).not.toContain(rt);
    expect((await h.runtime.environments.showInstance('prod', 'azure-api'))['refresh-token']).toBe('••••••');
    expect(JSON.stringify(await h.runtime.messages.get(`job:${r.jobId}`))).not.toContain(rt);
    await new Promise((res) => setTimeout(res, 300));
    expect(everythingChatSaw()).not.toContain(rt);

    // The state is single use.
    const replay = await h.run(`azure generate-token --authorization-url '${redirected.href}'`);
    expect(replay.text).toContain(
      "Failed to get the refresh token! Error is the 'state' of the authorization URL is unknown, expired or already used. Run Get Authorization again.",
    );
    expect(await storedRefreshToken()).toBe(rt);
  });

  it('a URL without code gives the behaviour.md 26 message', async () => {
    const redirected = await signIn(await getAuthorization());
    redirected.searchParams.delete('code');
    const r = await h.run(`azure generate-token --authorization-url '${redirected.href}'`);
    expect(r.text).toContain(CODE_MISSING);
    expect(r.isSuccess).toBe(false);
  });

  it('a wrong code gives the behaviour.md 26 message and stores nothing', async () => {
    const before = await storedRefreshToken();
    const redirected = await signIn(await getAuthorization());
    redirected.searchParams.set('code', `${redirected.searchParams.get('code')}x`);
    const r = await h.run(`azure generate-token --authorization-url '${redirected.href}'`);
    expect(r.text).toContain(CODE_REFUSED);
    expect(r.isSuccess).toBe(false);
    expect(await storedRefreshToken()).toBe(before);
  });

  it('a missing or unknown state is refused before the code is redeemed', async () => {
    const redirected = await signIn(await getAuthorization());
    const code = redirected.searchParams.get('code')!;
    const noState = await h.run(`azure generate-token --authorization-url '${h.url}/oauth/callback?code=${code}'`);
    expect(noState.text).toContain("Failed to get the refresh token! Error is the authorization URL has no 'state' parameter.");
    const forged = await h.run(`azure generate-token --authorization-url '${h.url}/oauth/callback?code=${code}&state=forged-state-0123456789'`);
    expect(forged.text).toContain("Failed to get the refresh token! Error is the 'state' of the authorization URL is unknown, expired or already used.");
    expect(h.emulator.state.authCodes.get(code)?.redeemedAt).toBeNull();
  });

  it('only the user who started the sign-in can finish it', async () => {
    const redirected = await signIn(await getAuthorization('U2'));
    const other = await h.run(`azure generate-token --authorization-url '${redirected.href}'`, { user: 'U1' });
    expect(other.text).toContain('Failed to get the refresh token! Error is this sign-in was started by another user; run Get Authorization yourself.');
    const own = await h.run(`azure generate-token --authorization-url '${redirected.href}'`, { user: 'U2' });
    expect(own.text).toContain(SAVED);
  });

  it('a sign-in the user declined gives the reason', async () => {
    const url = await getAuthorization();
    const state = url.searchParams.get('state')!;
    const declined = `${h.url}/oauth/callback?error=access_denied&error_description=${encodeURIComponent('AADSTS65004: User declined to consent to access the app.')}&state=${state}`;
    const r = await h.run(`azure generate-token --authorization-url '${declined}'`);
    expect(r.text).toContain('Failed to get the refresh token! Error is access_denied: AADSTS65004: User declined to consent to access the app.');
  });
});

describe('delegated authentication', () => {
  it('Ping now uses the refresh-token grant, stores the rotated token at once, and reuses the access token', async () => {
    const redirected = await signIn(await getAuthorization());
    expect((await h.run(`azure generate-token --authorization-url '${redirected.href}'`)).text).toContain(SAVED);
    const first = (await storedRefreshToken())!;
    const tokenPosts = () => h.emulator.ledger.filter((e) => e.method === 'POST' && e.path === `/${DEMO_TENANT}/oauth2/v2.0/token`).length;
    const postsBefore = tokenPosts();

    const ping = await h.run('azure ping');
    expect(ping.text).toContain('Successfully connected to the Azure API.');
    expect(ping.json).toEqual({ endpoint: `${h.emulator.url}/v1.0/organization` });
    expect(tokenPosts()).toBe(postsBefore + 1);
    // The refresh-token grant redeemed the stored token; its rotated successor is stored.
    expect(h.emulator.state.refreshTokens.get(first)?.redeemedAt).not.toBeNull();
    const rotated = (await storedRefreshToken())!;
    expect(rotated).not.toBe(first);
    expect(h.emulator.state.refreshTokens.get(rotated)?.redeemedAt).toBeNull();
    // The access token is a user's (delegated), not the application's.
    const latest = [...h.emulator.state.tokens.values()].sort((a, b) => b.issuedAt - a.issuedAt)[0]!;
    expect(latest.userId).not.toBeNull();

    // The next action reuses that access token: no new grant, the stored refresh token stays valid.
    const me = await h.run(`azure execute-http-request --url-path ${h.emulator.url}/v1.0/me`);
    expect(me.text).toContain('Successfully executed API request.');
    expect((me.json!.response_data as { userPrincipalName?: string }).userPrincipalName).toMatch(/@/);
    expect(tokenPosts()).toBe(postsBefore + 1);
    expect(await storedRefreshToken()).toBe(rotated);
  });
});

describe('GET /oauth/callback (one click)', () => {
  it('runs Generate Token as the user in their channel, and the page shows the result', async () => {
    const before = await storedRefreshToken();
    const redirected = await signIn(await getAuthorization());
    const res = await fetch(redirected);
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(page).toContain(SAVED);
    const rt = (await storedRefreshToken())!;
    expect(rt).not.toBe(before);
    expect(page).not.toContain(rt);
    expect(h.emulator.state.refreshTokens.get(rt)?.redeemedAt).toBeNull();

    // The chat sees it too: a Generate Token job asked by the user who signed in, in their channel.
    const job = await h.runtime.jobs.get(jobIdFor(`slack:oauth-callback:${redirected.searchParams.get('state')}`));
    expect(job).toMatchObject({ actionName: 'Generate Token', requestedBy: 'slack:U2', channel: 'slack:C1' });
    const audit = await h.runtime.audit.since(Date.now() - 60_000, 'prod');
    expect(audit.some((e) => e.actor === 'slack:U2' && /GET \/oauth\/callback/.test(e.event))).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(rt);

    // A reloaded page shows the same result and redeems nothing again.
    const reload = await fetch(redirected);
    expect(await reload.text()).toContain(SAVED);
    expect(await storedRefreshToken()).toBe(rt);

    // And Ping works with it.
    expect((await h.run('azure ping')).text).toContain('Successfully connected to the Azure API.');
  });

  it('a redirect with a known state but a wrong code shows the behaviour.md 26 message', async () => {
    const redirected = await signIn(await getAuthorization());
    redirected.searchParams.set('code', 'not-a-code');
    const res = await fetch(redirected);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(CODE_REFUSED);
  });

  it('refuses a callback without code, with a forged state, or with an error, escaping what it echoes', async () => {
    const noCode = await fetch(`${h.url}/oauth/callback?state=abc`);
    expect(noCode.status).toBe(400);
    expect(await noCode.text()).toContain(CODE_MISSING.replace(/'/g, '&#39;'));
    const forged = await fetch(`${h.url}/oauth/callback?code=1.abc&state=forged-state-0123456789`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('unknown, expired or already used');
    const failed = await fetch(`${h.url}/oauth/callback?error=access_denied&error_description=${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(failed.status).toBe(400);
    const body = await failed.text();
    expect(body).toContain('Failed to get the refresh token! Error is access_denied: &lt;script&gt;');
    expect(body).not.toContain('<script>');
  });
});

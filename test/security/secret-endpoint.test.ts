/**
 * Security: a stored secret stays with its endpoint. Before, an admin who changed the login root
 * or Test URL to another host without typing the secret again got it saved, and `soar admin test`
 * (or the dialog's Ping) sent the stored client secret to that host; now the change is refused in
 * one line, nothing is sent, and every Ping attempt is in the audit log.
 */
import { DEMO_CLIENT_SECRET } from '../../emulator';
import { startCanary, type Canary } from '../helpers/canary';
import { startHarness, type Harness } from '../helpers/harness';
import { finalText, openAdminModal, say, submitView, viewText } from '../helpers/slack-admin';

const ADMIN = 'UADMIN';
let h: Harness;
let canary: Canary;

beforeAll(async () => {
  canary = await startCanary();
  // The canary is an origin the operator trusts: only the secret's binding stands between it and the secret.
  h = await startHarness({ trustedOrigins: [canary.origin] });
  await h.runtime.environments.grant('prod', 'admin', [`slack:${ADMIN}`]);
});
afterAll(async () => {
  await h?.close();
  await canary?.close();
});

const secretArrived = () => canary.requests.some((r) => r.body.includes(DEMO_CLIENT_SECRET));
const pingAudit = async () => (await h.runtime.audit.since(0, 'prod', 500)).filter((e) => e.event === 'admin test' || e.event === 'admin ping');

it('admin set moving the login root or Test URL without the secret is refused in one line; admin test then sends nothing there', async () => {
  for (const change of [`--microsoft-login-api-root ${canary.origin}`, `--test-url ${canary.origin}/v1.0/organization`]) {
    const reply = await say(h, `admin set azure ${change}`, { user: ADMIN });
    expect(reply).toMatch(
      /^Changing --(microsoft-login-api-root|test-url) would send the stored --client-secret of Azure API to an endpoint it was not saved with: type it again in the same change \(--client-secret …\)\.$/,
    );
  }
  const stored = await h.runtime.environments.showInstance('prod', 'azure-api');
  expect(stored['microsoft-login-api-root']).toBe(h.emulator.url);
  expect(stored['test-url']).toBe(`${h.emulator.url}/v1.0/organization`);

  expect(await say(h, 'admin test azure', { user: ADMIN, triggerId: 'sec-ep-test-1' })).toBe('');
  expect(await finalText(h, 'sec-ep-test-1')).toContain('is_success: true');
  expect(canary.requests).toEqual([]);
}, 30000);

it('the dialog does not Ping a new login root with the stored secret; typed again, the Ping runs (and fails there) and is audited', async () => {
  let view = await openAdminModal(h, ADMIN, 'C1');
  view = (await submitView(h, view, { environment: 'prod', section: 'Settings: Azure API' }, ADMIN)).view!;
  const refused = await submitView(h, view, { 'microsoft-login-api-root': canary.origin, 'client-secret': '' }, ADMIN);
  expect(refused.errors?.['client-secret']).toContain('would send the stored --client-secret of Azure API to an endpoint it was not saved with');
  expect(canary.requests).toEqual([]);

  // The admin types the secret for the new host: that is their decision, and the Ping goes there.
  const typed = await submitView(h, view, { 'microsoft-login-api-root': canary.origin, 'client-secret': DEMO_CLIENT_SECRET }, ADMIN);
  expect(viewText(typed.view!)).toContain('Ping failed, nothing was saved');
  expect(canary.requests.length).toBeGreaterThan(0);
  expect((await h.runtime.environments.showInstance('prod', 'azure-api'))['microsoft-login-api-root']).toBe(h.emulator.url);
  const failed = (await pingAudit()).filter((e) => e.event === 'admin ping');
  expect(failed.some((e) => /^azure-api: failed: /.test(e.detail ?? ''))).toBe(true);
  expect(JSON.stringify(await pingAudit())).not.toContain(DEMO_CLIENT_SECRET);
  canary.requests.length = 0;
}, 30000);

it('with the secret typed again in the same command the change is accepted; a refresh token of the old endpoints is cleared', async () => {
  await h.runtime.environments.setInstance('prod', 'azure-api', { 'refresh-token': 'rt-of-the-old-endpoints' });
  const reply = await say(h, `admin set azure --test-url ${canary.origin}/v1.0/organization --client-secret ${DEMO_CLIENT_SECRET}`, { user: ADMIN });
  expect(reply).toBe(
    'Azure API in environment prod: 2 parameter(s) saved (--test-url, --client-secret). --refresh-token cleared: it was issued for the old endpoints; run Get Authorization again for delegated access.',
  );
  const stored = await h.runtime.environments.getInstance('prod', 'azure-api');
  expect(stored['test-url']).toBe(`${canary.origin}/v1.0/organization`);
  expect(stored['refresh-token']).toBeUndefined();
  // The client secret still goes only to the login root (the emulator); the Test URL gets an access token.
  expect(await say(h, 'admin test azure', { user: ADMIN, triggerId: 'sec-ep-test-2' })).toBe('');
  await finalText(h, 'sec-ep-test-2');
  expect(canary.requests.map((r) => r.url)).toContain('/v1.0/organization');
  expect(secretArrived()).toBe(false);
}, 30000);

it('a secret whose endpoints changed behind the chat (a stored value it was not saved with) is never sent: admin test refuses, runs leave it out', async () => {
  const env = h.runtime.environments;
  await env.setInstance('prod', 'microsoft-graph-mail', { 'azure-ad-endpoint': canary.origin }, { by: 'chat' });
  const reply = await say(h, 'admin test graphmail', { user: ADMIN, triggerId: 'sec-ep-test-3' });
  expect(reply).toBe(
    'The stored --secret-id of Microsoft Graph Mail was saved with other endpoints, so nothing was sent: type it again with the endpoints (soar admin set graphmail --secret-id …).',
  );
  expect((await env.getInstance('prod', 'microsoft-graph-mail'))['secret-id']).toBeUndefined();

  // An analyst's Ping runs without it: the token request carries no secret.
  await say(h, 'graphmail ping', { triggerId: 'sec-ep-ping-4' });
  expect(await finalText(h, 'sec-ep-ping-4')).toContain('is_success: false');
  expect(secretArrived()).toBe(false);

  const tests = (await pingAudit()).filter((e) => e.event === 'admin test');
  expect(tests.map((e) => e.detail)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^microsoft-graph-mail: refused: The stored --secret-id/),
      expect.stringMatching(/^azure-api: Ping queued as job j-/),
    ]),
  );
}, 30000);

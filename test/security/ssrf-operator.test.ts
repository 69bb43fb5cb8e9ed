/**
 * Security: non-public addresses only through the operator. Before, an environment admin's
 * `soar admin set azure --http-allow-list http://127.0.0.1:<canary>` (or a Test URL on the metadata
 * address) was saved, and an analyst's Execute HTTP Request GET then reached the canary; now the
 * chat refuses it in one line, and the request is refused even when such a value got stored.
 */
import { http } from '../../handlers/kit/http';
import { startCanary, type Canary } from '../helpers/canary';
import { startHarness, type Harness } from '../helpers/harness';
import { finalText, openAdminModal, say, submitView } from '../helpers/slack-admin';

const ADMIN = 'UADMIN';
let h: Harness;
let canary: Canary;

beforeAll(async () => {
  canary = await startCanary();
  h = await startHarness();
  await h.runtime.environments.grant('prod', 'admin', [`slack:${ADMIN}`]);
});
afterAll(async () => {
  await h?.close();
  await canary?.close();
});

const ONE_LINE_REFUSAL =
  /^--[a-z0-9-]+ \S+ refused: [a-z-]+ address( \S+)?\. Chat may set public addresses only; the operator can trust this origin in CONFIG_FILE or TRUSTED_ORIGINS\.$/i;

it('an admin allow-listing a loopback canary in chat is refused at admin set; the analyst GET then reaches nothing', async () => {
  const reply = await say(h, `admin set azure --http-allow-list ${canary.origin}`, { user: ADMIN });
  expect(reply).toMatch(ONE_LINE_REFUSAL);
  expect(reply).toContain(`--http-allow-list ${canary.origin} refused: loopback address.`);
  expect((await h.runtime.environments.showInstance('prod', 'azure-api'))['http-allow-list']).toBeUndefined();

  await say(h, `azure execute-http-request --url-path "${canary.origin}/latest/meta-data/" --method GET`, { triggerId: 'ssrf-op-get' });
  const result = await finalText(h, 'ssrf-op-get');
  expect(result).toContain(`Request to ${canary.origin}/ refused: loopback address not on this environment's allow-list.`);
  expect(result).toContain('is_success: false');
  expect(canary.connections).toBe(0);
}, 30000);

it('a Test URL on the metadata address, roots on loopback names and private addresses, allow-list entries: each refused in one line, nothing saved', async () => {
  const before = await h.runtime.environments.showInstance('prod', 'azure-api');
  const attempts: Array<[string, RegExp]> = [
    ['admin set azure --test-url http://169.254.169.254/metadata/identity/oauth2/token', /--test-url \S+ refused: link-local address\./],
    [`admin set azure --microsoft-graph-api-root http://localhost:${canary.port}`, /--microsoft-graph-api-root \S+ refused: loopback address\./],
    ['admin set azure --microsoft-login-api-root http://10.20.30.40', /refused: private address\./],
    ['admin set graphmail --microsoft-graph-endpoint http://100.64.0.7', /refused: CGNAT address\./],
    ['admin set o365 --api-root http://[fd00:ec2::254]', /refused: private address\./],
    [`admin set azure --http-allow-list "https://api.partner.example,http://[::1]:${canary.port}"`, /--http-allow-list \S+ refused: loopback address\./],
  ];
  for (const [command, refusal] of attempts) {
    const reply = await say(h, command, { user: ADMIN });
    expect(reply).toMatch(refusal);
    expect(reply).toMatch(ONE_LINE_REFUSAL);
  }
  expect(await h.runtime.environments.showInstance('prod', 'azure-api')).toEqual(before);
  // The refused attempts are audited.
  const audited = (await h.runtime.audit.since(0, 'prod', 500)).filter((e) => e.event === 'admin set refused');
  expect(audited.length).toBeGreaterThanOrEqual(attempts.length);
  expect(canary.connections).toBe(0);
}, 30000);

it('the admin dialog refuses a Test URL on a non-public address before its Ping runs', async () => {
  let view = await openAdminModal(h, ADMIN, 'C1');
  view = (await submitView(h, view, { environment: 'prod', section: 'Settings: Azure API' }, ADMIN)).view!;
  const r = await submitView(h, view, { 'test-url': `${canary.origin}/v1.0/organization` }, ADMIN);
  expect(r.errors?.['test-url']).toMatch(ONE_LINE_REFUSAL);
  expect((await h.runtime.environments.showInstance('prod', 'azure-api'))['test-url']).toBe(`${h.emulator.url}/v1.0/organization`);
  expect(canary.connections).toBe(0);
}, 30000);

it('a connector added in chat cannot go through a proxy on a non-public address', async () => {
  const reply = await say(h, `admin connector add mail-x --type microsoft-graph-mail-connector --every 60s --proxy-server-address 127.0.0.1:${canary.port}`, {
    user: ADMIN,
  });
  expect(reply).toContain(`--proxy-server-address 127.0.0.1:${canary.port} refused: loopback address.`);
  expect((await h.runtime.environments.schedules('prod', 'connectors')).map((c) => c.name)).not.toContain('mail-x');
  expect(canary.connections).toBe(0);
});

it('a value that reached the store without the operator (an old chat setting) is still refused when a request is made', async () => {
  const env = h.runtime.environments;
  await env.create('legacy');
  await env.bind('slack:CLEGACY', 'legacy');
  await env.grant('legacy', 'analyst', ['slack:U1']);
  const stored = await env.getInstance('prod', 'azure-api');
  // As an admin could set it before: the Graph root and Test URL on the canary, saved by chat.
  await env.setInstance(
    'legacy',
    'azure-api',
    { ...stored, 'microsoft-graph-api-root': canary.origin, 'test-url': `${canary.origin}/v1.0/organization`, 'http-allow-list': [canary.origin] },
    { by: 'chat' },
  );

  await say(h, 'azure ping', { channel: 'CLEGACY', triggerId: 'ssrf-op-ping' });
  expect(await finalText(h, 'ssrf-op-ping')).toContain(`Request to ${canary.origin}/ refused: loopback address not on this environment's allow-list.`);
  await say(h, 'azure execute-http-request --url-path "/v1.0/me" --method GET', { channel: 'CLEGACY', triggerId: 'ssrf-op-root' });
  expect(await finalText(h, 'ssrf-op-root')).toContain(`Request to ${canary.origin}/ refused: loopback address not on this environment's allow-list.`);

  // The HTTP layer itself (connectors, token endpoints, Ping) refuses it too, the runtime's and the default one.
  await expect(h.runtime.http.send({ url: `${canary.origin}/x` })).rejects.toThrow(/refused: loopback address/);
  await expect(http.send({ url: `${h.emulator.url}/x` })).rejects.toThrow(/refused: loopback address/);
  expect(canary.connections).toBe(0);
}, 30000);

describe('with TRUSTED_ORIGINS naming the canary', () => {
  let trusted: Harness;
  let inside: Canary;

  beforeAll(async () => {
    inside = await startCanary();
    trusted = await startHarness({ trustedOrigins: [inside.origin] });
    await trusted.runtime.environments.grant('prod', 'admin', [`slack:${ADMIN}`]);
  });
  afterAll(async () => {
    await trusted?.close();
    await inside?.close();
  });

  it('the admin may allow-list it in chat and the analyst GET reaches it; other loopback ports stay refused', async () => {
    expect(await say(trusted, `admin set azure --http-allow-list ${inside.origin}`, { user: ADMIN })).toContain('parameter(s) saved (--http-allow-list)');
    await say(trusted, `azure execute-http-request --url-path "${inside.origin}/status" --method GET`, { triggerId: 'ssrf-op-trusted' });
    expect(await finalText(trusted, 'ssrf-op-trusted')).toContain('is_success: true');
    expect(inside.requests.map((r) => r.url)).toContain('/status');

    expect(await say(trusted, `admin set azure --http-allow-list ${canary.origin}`, { user: ADMIN })).toMatch(ONE_LINE_REFUSAL);
    expect(canary.connections).toBe(0);
  }, 30000);
});

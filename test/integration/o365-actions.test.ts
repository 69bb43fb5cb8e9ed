/**
 * O365 Management API actions from Slack: Start / Stop a Subscription with the seed's messages,
 * and certificate authentication (a PFX under the files root, signed client assertion) beside
 * the client secret, against the emulator.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_CLIENT_ID, DEMO_TENANT } from '../../emulator';
import { jobIdFor } from '../../lib/ids';
import { startHarness, type Harness } from '../helpers/harness';
import { unescape, until } from './connector-helpers';

let h: Harness;
let seq = 0;

beforeAll(async () => {
  h = await startHarness();
  // A certificate registered on the demo app, its PFX (password-protected) under the files root.
  // Env certs's own files root, then its certs folder.
  const dir = join(h.settings.filesDir, 'certs', 'certs');
  mkdirSync(dir, { recursive: true });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=chatsoar-o365',
    ],
    { stdio: 'ignore' },
  );
  execFileSync(
    'openssl',
    ['pkcs12', '-export', '-in', join(dir, 'cert.pem'), '-inkey', join(dir, 'key.pem'), '-out', join(dir, 'app.pfx'), '-passout', 'pass:pfx-pass'],
    { stdio: 'ignore' },
  );
  execFileSync(
    'openssl',
    [
      'pkcs12',
      '-export',
      '-in',
      join(dir, 'cert.pem'),
      '-inkey',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'app-3des.pfx'),
      '-passout',
      'pass:pfx-pass',
      '-certpbe',
      'PBE-SHA1-3DES',
      '-keypbe',
      'PBE-SHA1-3DES',
      '-macalg',
      'sha1',
    ],
    { stdio: 'ignore' },
  );
  const pem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const thumbprint = createHash('sha1').update(new X509Certificate(pem).raw).digest('base64url');
  h.emulator.state.apps.get(DEMO_CLIENT_ID)!.certificates.push({ thumbprint, publicKey: pem });

  const env = h.runtime.environments;
  // No four-eyes rule here: Stop a Subscription runs for an approver at once.
  await env.setMeta('prod', { ...(await env.getMeta('prod')), approvals: { requiredFor: [] } });
  await env.create('certs');
  await env.bind('slack:C41', 'certs');
  await env.grant('certs', 'approver', ['slack:U2']);
});

afterAll(async () => {
  await h?.close();
});

/** Runs a command in a channel and returns the final text of its message. */
async function run(text: string, opts: { channel?: string; user?: string } = {}): Promise<string> {
  const triggerId = `o365-${seq++}`;
  const res = await h.slash(text, { triggerId, channel: opts.channel ?? 'C1', user: opts.user ?? 'U2' });
  expect(res.status).toBe(200);
  const jobId = jobIdFor(`slack:${triggerId}`);
  let final = '';
  await until(`the result of ${text}`, () => {
    const m = [...h.slack.messages.values()].find((x) => JSON.stringify(x).includes(jobId));
    final = unescape(m?.text);
    return /is_success/.test(final);
  });
  return final;
}

async function certInstance(values: Record<string, unknown>): Promise<void> {
  const env = h.runtime.environments;
  await h.runtime.redis.del(env.keys.instance('certs', 'o365-management-api'));
  await env.setInstance('certs', 'o365-management-api', {
    'api-root': h.emulator.url,
    'oauth2-login-endpoint-url': h.emulator.url,
    'azure-active-directory-id': DEMO_TENANT,
    'client-id': DEMO_CLIENT_ID,
    ...values,
  });
}

function subscription(ct: string): string | undefined {
  return h.emulator.state.subscriptions.get(h.emulator.state.subscriptionKey(DEMO_TENANT, ct as never))?.status;
}

describe('O365 Management API actions', () => {
  it('starts and stops a subscription with the seed messages', async () => {
    expect(await run('o365 start-a-subscription --start-a-subscription-for dlp.all')).toContain(
      'Successfully created O365 Management API subscription for the DLP.All content type!\nis_success: true',
    );
    expect(subscription('DLP.All')).toBe('enabled');
    // Already enabled: the subscription asked for is there.
    expect(await run('o365 start-a-subscription --content-type DLP.All')).toContain('is_success: true');
    expect(await run('o365 stop-a-subscription --stop-a-subscription-for DLP.All')).toContain(
      'Successfully stopped O365 Management API subscription for the DLP.All content type!\nis_success: true',
    );
    expect(subscription('DLP.All')).toBe('disabled');
    expect(await run('o365 stop-a-subscription --stop-a-subscription-for DLP.All')).toContain(
      'Failed to execute command! Error is AF20022: No subscription found for the specified content type\nis_success: false',
    );
  });

  it('refuses a content type that is not one of the five, before queueing', async () => {
    const res = await h.slash('o365 start-a-subscription --start-a-subscription-for Audit.Everything', { triggerId: 'o365-bad-ct', user: 'U2' });
    expect(res.status).toBe(200);
    const body = JSON.stringify(await res.json().catch(() => ({})));
    const ephemeral = JSON.stringify(h.slack.calls.filter((c) => c.method === 'chat.postEphemeral').map((c) => c.body));
    expect(`${body} ${ephemeral}`).toMatch(/Audit\.General/);
    expect(await h.runtime.queues.actions.getJob(jobIdFor('slack:o365-bad-ct'))).toBeUndefined();
  });

  it.each([
    ['AES (OpenSSL 3 default)', 'certs/app.pfx'],
    ['3DES (Windows export)', 'certs/app-3des.pfx'],
  ])('authenticates with a certificate: %s', async (_name, path) => {
    await certInstance({ 'certificate-path': path, 'certificate-password': 'pfx-pass' });
    expect(await run('o365 ping', { channel: 'C41' })).toContain(
      'Successfully connected to the O365 Management API with the provided connection parameters!\nis_success: true',
    );
    expect(await run('o365 start-a-subscription --start-a-subscription-for Audit.General', { channel: 'C41' })).toContain(
      'Successfully created O365 Management API subscription for the Audit.General content type!',
    );
  });

  it.each([
    [
      { 'certificate-path': 'certs/app.pfx', 'certificate-password': 'wrong' },
      'Error is Certificate Path: the Certificate Password does not open the certificate file.',
    ],
    [{ 'certificate-path': 'certs/missing.pfx' }, 'Error is The file at Certificate Path was not found in the files root.'],
    [{ 'certificate-path': '/etc/passwd' }, 'Error is Path /etc/passwd is outside the files root.'],
    [{ 'certificate-path': 'certs/cert.pem' }, 'Error is Certificate Path: the file at Certificate Path is not a PKCS#12 (PFX) certificate.'],
    [{}, 'Error is Either Certificate Path or Client Secret has to be specified.'],
  ])('fails with one line for %j', async (values, reason) => {
    await certInstance(values);
    const text = await run('o365 ping', { channel: 'C41' });
    expect(text).toContain(`Failed to connect to the O365 Management API! ${reason}\nis_success: false`);
    expect(text).not.toMatch(/\n\s+at /);
  });
});

/**
 * Security: the demo (web users who name themselves, web:you an admin) cannot leak into a deployment.
 * Before: Slack credentials with no CONFIG_FILE still turned the demo on and made web:you admin; the
 * demo and WEBCHAT=1 listened on every interface and answered any Host (a rebound hostile name
 * could post as web:you); a real environment appearing left the demo and web:you's admin role in place.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { chatCredentialIn, demoAllowed, setupDemo } from '../../lib/demo';
import { SecretBox } from '../../store/crypto';
import { EnvironmentStore } from '../../store/environments';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { freePort } from '../helpers/harness';
import { spawnMain, type MainProcess } from '../helpers/main-process';

const REDIS_URL = process.env.TEST_REDIS_URL!;
let redis: Redis;
let slack: FakeSlack;
let proc: MainProcess | undefined;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  slack = await startFakeSlack();
});
afterEach(() => {
  proc?.kill();
  proc = undefined;
});
afterAll(async () => {
  redis.disconnect();
  await slack.close();
});

const freshPrefix = () => `demo-boundary-${randomBytes(4).toString('hex')}:`;
const newKey = () => randomBytes(32).toString('base64');

interface RawAnswer {
  status: number;
  body: string;
}

/** An HTTP request with the Host and Origin headers an attacker's browser would send (fetch may not set Host). */
function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: string, address = '127.0.0.1'): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: address,
        port,
        method,
        path,
        headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Whether a TCP connection to address:port is accepted. */
function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function nonLoopbackIPv4(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

async function seedEnvironment(prefix: string, key: string, name: string, roles: Record<string, string[]>, channel: string): Promise<EnvironmentStore> {
  const store = new EnvironmentStore(redis, new SecretBox(key), prefix);
  await store.create(name);
  await store.bind(channel, name);
  for (const [role, users] of Object.entries(roles)) await store.grant(name, role as 'admin', users);
  return store;
}

async function seedDemo(prefix: string, key: string): Promise<void> {
  const store = new EnvironmentStore(redis, new SecretBox(key), prefix);
  await setupDemo(store, 'http://127.0.0.1:9', { tenant: 't', clientId: 'c', clientSecret: 'demo-secret', mailbox: 'soc@demo.onmicrosoft.com' });
  expect(await store.roleOf('demo', 'web:you')).toBe('admin');
}

describe('the demo is on only where nothing is configured', () => {
  it.each([['SLACK_SIGNING_SECRET'], ['SLACK_BOT_TOKEN'], ['MicrosoftAppId'], ['MicrosoftAppPassword']])('%s alone keeps the demo off', (name) => {
    const credential = chatCredentialIn({ [name]: 'set' });
    expect(credential).toBe(name);
    expect(demoAllowed({ role: 'main', environments: [], credential })).toBe(false);
    expect(demoAllowed({ role: 'main', environments: ['demo'], credential: chatCredentialIn({}) })).toBe(true);
  });

  it('Slack credentials and no CONFIG_FILE: no demo environment, no web:you admin, no web chat', async () => {
    const prefix = freshPrefix();
    const port = await freePort();
    proc = spawnMain({
      PORT: String(port),
      REDIS_URL,
      REDIS_PREFIX: prefix,
      SECRETS_KEY: newKey(),
      SLACK_SIGNING_SECRET: 'slack-signing-secret-0123456789',
      SLACK_BOT_TOKEN: 'xoxb-demo-boundary',
      SLACK_API_URL: slack.url,
    });
    await proc.waitForLine(/chatsoar is running|chatsoar \(main\) listening on port/);
    expect(await redis.smembers(`${prefix}env:names`)).not.toContain('demo');
    expect(await redis.hget(`${prefix}env:demo:roles`, 'web:you')).toBeNull();
    expect(await redis.get(`${prefix}bind:web:demo`)).toBeNull();
    expect((await raw(port, 'GET', '/', { host: `127.0.0.1:${port}` })).status).toBe(404);
  }, 60_000);
});

describe('the demo listens on loopback and answers only its own name', () => {
  it('refuses connections off loopback and requests whose Host or Origin is another site', async () => {
    const prefix = freshPrefix();
    const port = await freePort();
    proc = spawnMain({ PORT: String(port), REDIS_URL, REDIS_PREFIX: prefix });
    await proc.waitForLine(/chatsoar is running: open http:\/\/localhost:\d+\//);

    expect(await accepts('127.0.0.1', port)).toBe(true);
    const outside = nonLoopbackIPv4();
    if (outside) expect(await accepts(outside, port)).toBe(false);
    else process.stdout.write('demo-boundary: this machine has no non-loopback IPv4 address; the off-loopback connection is not tried\n');

    // PUBLIC_URL defaults to http://localhost:PORT; a browser may reach it by either loopback name.
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) expect((await raw(port, 'GET', '/', { host })).status).toBe(200);

    // DNS rebinding: evil.example resolves to 127.0.0.1; its page's requests are same-origin to the browser.
    const evil = { host: `evil.example:${port}`, origin: `http://evil.example:${port}` };
    expect((await raw(port, 'GET', '/webchat/api/rooms/demo/activities?since=0', { host: evil.host })).status).toBe(403);
    const posted = await raw(port, 'POST', '/webchat/api/rooms/demo/messages', evil, JSON.stringify({ user: 'you', text: 'admin roles' }));
    expect(posted.status).toBe(403);
    // A cross-site page on another name posting to the right Host.
    const crossSite = await raw(
      port,
      'POST',
      '/webchat/api/rooms/demo/messages',
      { host: `localhost:${port}`, origin: 'http://evil.example' },
      JSON.stringify({ user: 'you', text: 'admin roles' }),
    );
    expect(crossSite.status).toBe(403);
    const room = await raw(port, 'GET', '/webchat/api/rooms/demo/activities?since=0', { host: `localhost:${port}` });
    expect(room.status).toBe(200);
    expect(room.body).not.toContain('admin roles');
  }, 60_000);
});

describe('WEBCHAT=1 outside the demo', () => {
  it('listens on loopback and refuses another Host or Origin', async () => {
    const prefix = freshPrefix();
    const key = newKey();
    await seedEnvironment(prefix, key, 'prod', { analyst: ['slack:U1'] }, 'slack:C1');
    const port = await freePort();
    proc = spawnMain({ PORT: String(port), REDIS_URL, REDIS_PREFIX: prefix, SECRETS_KEY: key, WEBCHAT: '1' });
    await proc.waitForLine(/chatsoar is running/);
    const outside = nonLoopbackIPv4();
    if (outside) expect(await accepts(outside, port)).toBe(false);
    expect((await raw(port, 'GET', '/', { host: `localhost:${port}` })).status).toBe(200);
    expect((await raw(port, 'GET', '/', { host: 'evil.example' })).status).toBe(403);
    expect((await raw(port, 'GET', '/webchat/api/rooms/r1/activities', { host: `evil.example:${port}` })).status).toBe(403);
    const posted = await raw(
      port,
      'POST',
      '/webchat/api/rooms/r1/messages',
      { host: `localhost:${port}`, origin: 'http://evil.example' },
      JSON.stringify({ user: 'you', text: 'graphmail ping' }),
    );
    expect(posted.status).toBe(403);
  }, 60_000);

  it('with WEBCHAT_PUBLIC=1 it listens on every interface and still checks Host against PUBLIC_URL', async () => {
    const outside = nonLoopbackIPv4();
    const prefix = freshPrefix();
    const key = newKey();
    await seedEnvironment(prefix, key, 'prod', { analyst: ['slack:U1'] }, 'slack:C1');
    const port = await freePort();
    const publicUrl = `http://chat.internal.example:${port}`;
    proc = spawnMain({ PORT: String(port), REDIS_URL, REDIS_PREFIX: prefix, SECRETS_KEY: key, WEBCHAT: '1', WEBCHAT_PUBLIC: '1', PUBLIC_URL: publicUrl });
    await proc.waitForLine(/chatsoar is running/);
    if (outside) {
      expect(await accepts(outside, port)).toBe(true);
      expect((await raw(port, 'GET', '/', { host: `chat.internal.example:${port}` }, undefined, outside)).status).toBe(200);
    }
    expect((await raw(port, 'GET', '/', { host: `chat.internal.example:${port}` })).status).toBe(200);
    expect((await raw(port, 'GET', '/', { host: `evil.example:${port}` })).status).toBe(403);
    expect((await raw(port, 'GET', '/', { host: `localhost:${port}` })).status).toBe(403);
  }, 60_000);
});

describe('a real environment ends the demo', () => {
  async function expectDemoGone(prefix: string): Promise<void> {
    expect(await redis.smembers(`${prefix}env:names`)).not.toContain('demo');
    expect(await redis.keys(`${prefix}env:demo:*`)).toEqual([]);
    expect(await redis.get(`${prefix}bind:web:demo`)).toBeNull();
  }

  it('a stored environment: the demo environment, its binding and web:you (there and elsewhere) are removed', async () => {
    const prefix = freshPrefix();
    const key = newKey();
    await seedDemo(prefix, key);
    // As if web:you, the demo's admin, had created prod in chat and given itself a role there.
    const store = await seedEnvironment(prefix, key, 'prod', { admin: ['web:you'], analyst: ['slack:U1'] }, 'slack:C1');
    const port = await freePort();
    proc = spawnMain({ PORT: String(port), REDIS_URL, REDIS_PREFIX: prefix, SECRETS_KEY: key });
    await proc.waitForLine(/chatsoar \(main\) listening on port/);
    await expectDemoGone(prefix);
    expect(await store.roleOf('prod', 'web:you')).toBeUndefined();
    expect(await store.roleOf('prod', 'slack:U1')).toBe('analyst');
    expect(await store.environmentOf('slack:C1')).toBe('prod');
    expect(proc.output()).toMatch(/"demo" environment and the demo's web users .* were removed/);
  }, 60_000);

  it('a CONFIG_FILE: the demo environment and web:you are removed before the file is applied', async () => {
    const prefix = freshPrefix();
    const key = newKey();
    await seedDemo(prefix, key);
    const port = await freePort();
    const config = join(mkdtempSync(join(tmpdir(), 'chatsoar-config-')), 'chatsoar.yaml');
    writeFileSync(config, 'environments:\n  prod:\n    channels: [ "slack:C1" ]\n    roles:\n      analyst: [ "slack:U1" ]\n');
    proc = spawnMain({ PORT: String(port), REDIS_URL, REDIS_PREFIX: prefix, SECRETS_KEY: key, CONFIG_FILE: config });
    await proc.waitForLine(/chatsoar \(main\) listening on port/);
    await expectDemoGone(prefix);
    expect(await redis.smembers(`${prefix}env:names`)).toEqual(['prod']);
  }, 60_000);
});

/**
 * Security: bounded input. Each test is an attack on the code as it was before request bodies,
 * responses, PKCS#12 iteration counts and sealed secrets were bounded; each comment says what the
 * attack did then. Real runtime (real HTTP into our routes, real Redis), hostile peers on 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UndiciHttpClient } from '../../handlers/kit/http';
import { allConnectors } from '../../handlers/catalog';
import { loadCertificate } from '../../handlers/o365-management-api/certificate/assertion';
import { SecretBox } from '../../store/crypto';
import { EnvironmentStore } from '../../store/environments';
import { renameEnvironment } from '../../store/environment-admin';
import { startAzureHarness, type AzureHarness } from '../helpers/azure-harness';
import { slackSignature } from '../helpers/fake-slack';
import { SLACK_SECRET } from '../helpers/harness';

const MB = 1024 * 1024;
let h: AzureHarness;

/** A peer that answers every request with a body that never ends (or a huge declared length), and counts what it wrote. */
interface Hostile {
  url: string;
  written: () => number;
  close(): Promise<void>;
}

async function startHostile(): Promise<Hostile> {
  let written = 0;
  const chunk = Buffer.alloc(256 * 1024, 0x7b);
  const server: HttpServer = createHttpServer((req, res) => {
    req.resume();
    const huge = (req.url ?? '').startsWith('/huge-length');
    res.writeHead(200, { 'Content-Type': 'application/json', ...(huge ? { 'Content-Length': String(10 * 1024 * MB) } : {}) });
    const pump = (): void => {
      while (!res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.on('close', () => res.destroy());
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    written: () => written,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Opens a raw connection to our server and sends `head` (request line and headers) as is. */
function rawRequest(head: string): { socket: Socket; answer: Promise<{ text: string; ms: number }> } {
  const started = Date.now();
  const port = new URL(h.url).port;
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined);
  const answer = new Promise<{ text: string; ms: number }>((resolve) => {
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (/\r\n\r\n/.test(text)) resolve({ text, ms: Date.now() - started });
    });
    socket.on('close', () => resolve({ text, ms: Date.now() - started }));
  });
  socket.write(head);
  return { socket, answer };
}

function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
}

beforeAll(async () => {
  h = await startAzureHarness({ asyncPollMs: 50 });
});
afterAll(async () => {
  await h?.close();
});

describe('request bodies over 1 MB are refused before they are read', () => {
  // Before: bolt read /slack/events bodies up to its own 4 MB default, so a 2 MB body was waited
  // for and read into memory (with headers only, the request hung until a body came).
  it('/slack/events: Content-Length 2,000,000 with a valid-looking signature → 413 at once, no body sent', async () => {
    const sig = slackSignature(SLACK_SECRET, 'x'.repeat(2_000_000));
    const { socket, answer } = rawRequest(
      `POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n` +
        `X-Slack-Signature: ${sig['x-slack-signature']}\r\nX-Slack-Request-Timestamp: ${sig['x-slack-request-timestamp']}\r\n\r\n`,
    );
    const r = await within(answer, 1500);
    socket.destroy();
    expect(r).not.toBe('timeout');
    expect((r as { text: string }).text).toMatch(/^HTTP\/1\.1 413 /);
    expect((r as { text: string }).text).toContain('The request body is larger than 1 MB.');
  });

  // Before: restify's body parser on /api/messages waited for and read the whole declared body
  // (and only then compared its size with the limit).
  it('/api/messages: Content-Length 2,000,000 → 413 at once, no body sent', async () => {
    const { socket, answer } = rawRequest(
      'POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n',
    );
    const r = await within(answer, 1500);
    socket.destroy();
    expect(r).not.toBe('timeout');
    expect((r as { text: string }).text).toMatch(/^HTTP\/1\.1 413 /);
  });

  // Before: a chunked body to /slack/events was read up to bolt's 4 MB, and the connection stayed open after.
  it('/slack/events: an endless chunked body → the connection is cut once 1 MB has been read', async () => {
    const server = h.runtime.server!.server;
    const sockets: Socket[] = [];
    const onConnection = (s: Socket): void => void sockets.push(s);
    server.on('connection', onConnection);
    const sig = slackSignature(SLACK_SECRET, '{}');
    const { socket } = rawRequest(
      `POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n` +
        `X-Slack-Signature: ${sig['x-slack-signature']}\r\nX-Slack-Request-Timestamp: ${sig['x-slack-request-timestamp']}\r\n\r\n`,
    );
    const localPort = await new Promise<number>((r) => (socket.localPort ? r(socket.localPort) : socket.once('connect', () => r(socket.localPort!))));
    const piece = Buffer.alloc(64 * 1024, 0x61);
    const frame = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
    let sent = 0;
    const feed = (): void => {
      while (!socket.destroyed && sent < 64 * MB) {
        sent += piece.length;
        if (!socket.write(frame)) return void socket.once('drain', feed);
      }
    };
    feed();
    const closed = await within(new Promise<void>((r) => socket.once('close', () => r())), 5000);
    server.off('connection', onConnection);
    socket.destroy();
    expect(closed).not.toBe('timeout');
    const ours = sockets.find((s) => s.remotePort === localPort);
    // Read by the server: the limit, plus at most what one read from the socket brings.
    expect(ours!.bytesRead).toBeLessThan(MB + 256 * 1024);
  });

  // Before: restify inflated a gzip body without bound (its size limit counted the compressed bytes).
  it('a compressed body is refused (it could inflate far beyond the limit)', async () => {
    const res = await fetch(`${h.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: 'x',
    });
    expect(res.status).toBe(415);
  });

  it('a body under the limit still reaches the route', async () => {
    const res = await h.slash('help');
    expect(res.status).toBe(200);
  });
});

describe('responses are capped while they stream', () => {
  let hostile: Hostile;
  beforeAll(async () => {
    hostile = await startHostile();
  });
  afterAll(async () => {
    await hostile?.close();
  });

  // Before: kit/http read every answer whole (arrayBuffer()), so a token endpoint, Graph or
  // Management API answering without end grew the worker's memory until it died.
  it('a token endpoint answering an endless body: the action fails with one line, the worker does not balloon', async () => {
    const env = h.runtime.environments;
    const before = await env.getInstance('prod', 'azure-api');
    const rss = process.memoryUsage().rss;
    try {
      await env.setInstance('prod', 'azure-api', { 'microsoft-login-api-root': `${hostile.url}/endless`, 'http-allow-list': [hostile.url] });
      const graphRoot = String(before['microsoft-graph-api-root']);
      const r = await h.run(`azure execute-http-request --url-path '${graphRoot}/v1.0/users'`, { timeoutMs: 30000 });
      expect(r.isSuccess).toBe(false);
      expect(r.text).toMatch(/The response from 127\.0\.0\.1:\d+ is larger than 50 MB; it was not read\./);
      expect(r.text.split('\n').filter((l) => /larger than/.test(l))).toHaveLength(1);
      expect(process.memoryUsage().rss - rss).toBeLessThan(300 * MB);
    } finally {
      await env.setInstance('prod', 'azure-api', { 'microsoft-login-api-root': before['microsoft-login-api-root'] });
    }
  });

  // Before: the same client read the whole endless body into memory.
  it.each([
    ['/endless', 'an endless body: stopped at the cap'],
    ['/huge-length', 'a declared length over the cap: refused before the body is read'],
  ])('kit/http, a peer answering %s: %s', async (path) => {
    const start = hostile.written();
    const rss = process.memoryUsage().rss;
    const t0 = Date.now();
    // The hostile peer is on loopback: trusted here as an operator-named origin would be.
    await expect(new UndiciHttpClient({ trusted: () => true }).send({ url: `${hostile.url}${path}`, retries: 0 })).rejects.toThrow(
      /^The response from 127\.0\.0\.1:\d+ is larger than 50 MB; it was not read\.$/,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(300 * MB);
    // The peer wrote the cap and what fits in socket buffers, no more (with a declared length, not even the cap).
    expect(hostile.written() - start).toBeLessThan((path === '/endless' ? 50 : 0) * MB + 20 * MB);
  });

  // Execute HTTP Request already stopped at 50 MB while streaming; now a declared length over it
  // is refused at once, and an endless body still fails with one line.
  it.each(['/endless', '/huge-length'])('Execute HTTP Request to a peer answering %s: one-line failure, bounded memory', async (path) => {
    await h.runtime.environments.setInstance('prod', 'azure-api', { 'http-allow-list': [hostile.url] });
    const rss = process.memoryUsage().rss;
    const r = await h.run(`azure execute-http-request --url-path '${hostile.url}${path}'`, { timeoutMs: 30000 });
    expect(r.isSuccess).toBe(false);
    expect(r.text).toContain('The response body is larger than 50 MB.');
    expect(process.memoryUsage().rss - rss).toBeLessThan(300 * MB);
  });
});

describe('PKCS#12 iteration counts are capped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pfx-'));
  /** A real PFX written with 65,536 iterations, every count then raised to 8,388,607 (same DER length). */
  function hostilePfx(name: string, extra: string[]): string {
    const out = join(dir, `${name}.pfx`);
    execFileSync(
      'openssl',
      ['pkcs12', '-export', '-in', join(dir, 'cert.pem'), '-inkey', join(dir, 'key.pem'), '-out', out, '-passout', 'pass:pfx-pass', '-iter', '65536', ...extra],
      { stdio: 'ignore' },
    );
    const der = readFileSync(out);
    const from = Buffer.from([0x02, 0x03, 0x01, 0x00, 0x00]);
    let replaced = 0;
    for (let i = der.indexOf(from); i >= 0; i = der.indexOf(from, i + 1), replaced++) Buffer.from([0x02, 0x03, 0x7f, 0xff, 0xff]).copy(der, i);
    expect(replaced).toBeGreaterThan(0);
    writeFileSync(out, der);
    return out;
  }

  beforeAll(() => {
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
        '/CN=bounded-input',
      ],
      { stdio: 'ignore' },
    );
  });

  // Before: the MAC key was derived with all 8,388,607 iterations (about 10 s of a worker) before the file was judged.
  it('a MAC iteration count of 8,388,607 is refused at once, with one line', async () => {
    const path = hostilePfx('mac', []);
    const t0 = Date.now();
    await expect(loadCertificate(path, 'pfx-pass')).rejects.toThrow(
      /^Certificate Path: the certificate file asks for 8388607 key-derivation iterations, more than the 1000000 accepted; export it again with the default count\.$/,
    );
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  // Before: without a MAC, each 3DES bag derived its key and IV with 8,388,607 iterations each (about 40 s).
  it('bags encrypted with 8,388,607 iterations (no MAC, 3DES) are refused at once', async () => {
    const path = hostilePfx('bags', ['-nomac', '-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES']);
    const t0 = Date.now();
    await expect(loadCertificate(path, 'pfx-pass')).rejects.toThrow(/asks for 8388607 key-derivation iterations/);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it.each([
    ['AES', []],
    ['3DES', ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']],
  ])('a PFX with the default counts still opens (%s)', async (name, extra) => {
    const out = join(dir, `ok-${name}.pfx`);
    execFileSync(
      'openssl',
      ['pkcs12', '-export', '-in', join(dir, 'cert.pem'), '-inkey', join(dir, 'key.pem'), '-out', out, '-passout', 'pass:pfx-pass', ...extra],
      { stdio: 'ignore' },
    );
    const opened = await loadCertificate(out, 'pfx-pass');
    expect(opened.certificate.subject).toContain('bounded-input');
  });
});

describe('sealed secrets are bound to their place', () => {
  const keyBase64 = randomBytes(32).toString('base64');
  let store: EnvironmentStore;
  let prefix: string;
  beforeAll(async () => {
    prefix = `bi-${randomBytes(4).toString('hex')}:`;
    store = new EnvironmentStore(h.runtime.redis, new SecretBox(keyBase64), prefix);
    for (const env of ['alpha', 'beta']) await store.create(env);
    await store.setInstance('alpha', 'azure-api', { 'client-secret': 'alpha-secret', 'client-id': 'alpha-app' });
    await store.setInstance('beta', 'azure-api', { 'client-secret': 'beta-secret', 'client-id': 'beta-app' });
  });
  const field = (env: string, id: string) => h.runtime.redis.hget(store.keys.instance(env, 'azure-api'), id);

  it('new values are sealed as enc:v2:', async () => {
    expect(await field('alpha', 'client-secret')).toMatch(/^enc:v2:/);
  });

  // Before: anyone able to write Redis could copy alpha's sealed client secret into beta, whose
  // login endpoint they control; beta's next action opened it and sent alpha's secret there.
  it("alpha's sealed secret copied into beta's slot does not open", async () => {
    await h.runtime.redis.hset(store.keys.instance('beta', 'azure-api'), 'client-secret', (await field('alpha', 'client-secret'))!);
    await expect(store.getInstance('beta', 'azure-api')).rejects.toThrow(
      'The stored azure-api parameter client-secret cannot be opened with SECRETS_KEY for this place: set it again.',
    );
  });

  // Before: a sealed value opened in any parameter, so a secret could be moved where it is shown or sent elsewhere.
  it("a secret copied into another parameter's slot of the same environment does not open", async () => {
    await h.runtime.redis.hset(store.keys.instance('alpha', 'azure-api'), 'refresh-token', (await field('alpha', 'client-secret'))!);
    await expect(store.getInstance('alpha', 'azure-api')).rejects.toThrow(/parameter refresh-token cannot be opened/);
    await h.runtime.redis.hdel(store.keys.instance('alpha', 'azure-api'), 'refresh-token');
  });

  // Before: a connector's sealed parameter opened in any connector of any environment.
  it("a connector's sealed parameter copied into another environment's connector does not open", async () => {
    const spec = allConnectors().find((s) => s.params.some((p) => p.secret))!;
    const secret = spec.params.find((p) => p.secret)!.id;
    for (const env of ['alpha', 'beta'])
      await store.setSchedule(env, 'connectors', { name: 'c1', type: spec.id, every: '5m', params: { [secret]: `${env}-pw` } });
    const [alpha] = await store.schedules('alpha', 'connectors');
    expect(String(alpha!.params[secret])).toMatch(/^enc:v2:/);
    expect(store.scheduleOpener('alpha', 'connectors', 'c1')(String(alpha!.params[secret]), secret)).toBe('"alpha-pw"');
    expect(() => store.scheduleOpener('beta', 'connectors', 'c1')(String(alpha!.params[secret]), secret)).toThrow(/cannot be opened/);
  });

  // Before: a tag of 4 bytes was accepted (GCM checks only as many bytes as it is given), so a
  // forger had 2^32 guesses to make instead of 2^128.
  it('a value with a truncated tag is refused', async () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), iv);
    cipher.update('');
    cipher.final();
    const short = `enc:v1:${Buffer.concat([iv, cipher.getAuthTag().subarray(0, 4)]).toString('base64')}`;
    expect(() => new SecretBox(keyBase64).open(short, 'anything')).toThrow(/truncated/);
  });

  it('values sealed in the old format (enc:v1:) still open, and are sealed again bound to their place on first read', async () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), iv);
    const data = Buffer.concat([cipher.update(JSON.stringify('old-secret'), 'utf8'), cipher.final()]);
    const v1 = `enc:v1:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
    await store.create('legacy');
    await h.runtime.redis.hset(store.keys.instance('legacy', 'azure-api'), 'client-secret', v1, 'client-id', JSON.stringify('legacy-app'));
    expect((await store.getInstance('legacy', 'azure-api'))['client-secret']).toBe('old-secret');
    const now = await field('legacy', 'client-secret');
    expect(now).toMatch(/^enc:v2:/);
    expect((await store.getInstance('legacy', 'azure-api'))['client-secret']).toBe('old-secret');
  });

  it('a renamed environment keeps its secrets (sealed again for the new name)', async () => {
    await store.create('gamma');
    await store.setInstance('gamma', 'azure-api', { 'client-secret': 'gamma-secret' });
    expect(await renameEnvironment(store, 'gamma', 'delta')).toBe(true);
    expect((await store.getInstance('delta', 'azure-api'))['client-secret']).toBe('gamma-secret');
    expect(await store.hasInstance('gamma', 'azure-api')).toBe(false);
  });
});

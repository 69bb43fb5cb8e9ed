/**
 * Security: the SSRF corpus through the chat path (Slack → queue → worker → Execute HTTP Request).
 * Every internal address and redirect trick is refused with the behaviour.md 30 message and a
 * listening local "canary" server never sees a connection.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jobIdFor } from '../../lib/ids';
import { startHarness, type Harness } from '../helpers/harness';
import { unescapeSlack } from './security-helpers';

let h: Harness;
let canary: Server;
let redirector: Server;
let canaryConnections = 0;
let redirects = 0;
let canaryPort = 0;
let redirectorPort = 0;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  canary = createServer((_req, res) => res.end('canary'));
  canary.on('connection', () => canaryConnections++);
  canaryPort = await listen(canary);
  // An allow-listed server whose answers redirect into forbidden places (`/r?to=<url>`).
  redirector = createServer((req, res) => {
    redirects++;
    const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '/';
    // restify patches ServerResponse (writeHead does not return it): separate calls.
    res.writeHead(302, { location: to });
    res.end();
  });
  redirectorPort = await listen(redirector);
  h = await startHarness();
  await h.runtime.environments.setInstance('prod', 'azure-api', { 'http-allow-list': [`http://127.0.0.1:${redirectorPort}`] });
  for (let c = 0; c < 8; c++) await h.runtime.environments.bind(`slack:CS${c}`, 'prod');
});
afterAll(async () => {
  await h?.close();
  canary.close();
  redirector.close();
});

function corpus(): string[] {
  const p = canaryPort;
  const direct = [
    `http://127.0.0.1:${p}/`,
    `http://localhost:${p}/`,
    `http://[::1]:${p}/`,
    `http://2130706433:${p}/`,
    `http://0x7f000001:${p}/`,
    `http://0177.0.0.1:${p}/`,
    `http://127.1:${p}/`,
    `http://0x7f.0.0.1:${p}/`,
    `http://[::ffff:127.0.0.1]:${p}/`,
    `http://[::ffff:7f00:1]:${p}/`,
    `http://0.0.0.0:${p}/`,
    `http://user:pass@127.0.0.1:${p}/`,
    `https://127.0.0.1:${p}/`,
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://2852039166/latest/meta-data/',
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://224.0.0.1/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
    `file:///etc/passwd`,
    `gopher://127.0.0.1:${p}/_GET`,
    `ftp://127.0.0.1:${p}/`,
    `dict://127.0.0.1:${p}/`,
  ];
  const base = `http://127.0.0.1:${redirectorPort}/r?to=`;
  const redirects = [
    `http://127.0.0.1:${p}/`,
    'http://169.254.169.254/latest/meta-data/',
    `http://2130706433:${p}/`,
    `http://[::1]:${p}/`,
    'file:///etc/passwd',
    `http://localhost:${p}/`,
    // Two hops: allow-listed → allow-listed → canary.
    `http://127.0.0.1:${redirectorPort}/r?to=${encodeURIComponent(`http://127.0.0.1:${p}/`)}`,
  ].map((to) => base + encodeURIComponent(to));
  return [...direct, ...redirects];
}

async function result(triggerId: string): Promise<string> {
  const jobId = jobIdFor(`slack:${triggerId}`);
  const deadline = Date.now() + 25000;
  for (;;) {
    const m = [...h.slack.messages.values()].find((x) => JSON.stringify(x).includes(jobId));
    const text = unescapeSlack(m?.text);
    if (/is_success/.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`${jobId}: no result; last: ${text}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('≥ 30 internal addresses and redirect tricks through chat: all refused, the canary sees no connection', async () => {
  const urls = corpus();
  const started = Date.now();
  const outcomes = await Promise.all(
    urls.map(async (url, i) => {
      const triggerId = `ssrf-${i}`;
      const res = await h.slash(`azure execute-http-request --url-path "${url}" --follow-redirects`, { triggerId, channel: `CS${i % 8}` });
      const immediate = await res.text();
      if (immediate) return { url, text: unescapeSlack((JSON.parse(immediate) as { text: string }).text) };
      return { url, text: await result(triggerId) };
    }),
  );
  const refused = outcomes.filter((o) =>
    /(Request|Redirect) to \S+ refused: (.+ address not on this environment.s allow-list|only http:\/\/ and https:\/\/ URLs are allowed)\./.test(o.text),
  );
  const bad = outcomes.filter((o) => !refused.includes(o));
  console.log(
    `[security] SSRF via chat: ${urls.length} URLs (${urls.filter((u) => u.includes('/r?to=')).length} redirect tricks) in ${Date.now() - started} ms; refused ${refused.length}; not refused ${bad.length}; redirects served ${redirects}; canary connections ${canaryConnections}`,
  );
  for (const b of bad) console.log(`[security] not refused: ${b.url} → ${b.text.slice(0, 200)}`);
  expect(urls.length).toBeGreaterThanOrEqual(30);
  expect(bad.map((b) => b.url)).toEqual([]);
  for (const o of outcomes) expect(o.text).toContain('is_success: false');
  expect(redirects).toBeGreaterThanOrEqual(7);
  expect(canaryConnections).toBe(0);
}, 60000);

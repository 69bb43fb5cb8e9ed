/**
 * The HTTP layer every integration call uses (kit/http, kit/proxy) goes through the SSRF guard on
 * each connection: non-public addresses only for origins the operator trusts, host names resolved
 * once and the connection made to the address checked.
 */
import { RefusedError } from '../../handlers/kit/errors';
import { UndiciHttpClient } from '../../handlers/kit/http';
import { httpForProxy } from '../../handlers/kit/proxy';
import type { Resolver } from '../../handlers/kit/ssrf';
import { startCanary, type Canary } from '../helpers/canary';

let canary: Canary;
beforeAll(async () => {
  canary = await startCanary();
});
afterAll(async () => {
  await canary.close();
});
beforeEach(() => {
  canary.connections = 0;
  canary.requests.length = 0;
});

const names: Record<string, string[]> = { 'internal.test': ['127.0.0.1'], 'mixed.test': ['93.184.216.34', '127.0.0.1'] };
const resolver: Resolver = async (host) => (names[host] ?? []).map((address) => ({ address, family: 4 as const }));

it('without trust, loopback is refused before a connection is made', async () => {
  const client = new UndiciHttpClient({ resolver });
  await expect(client.send({ url: `${canary.origin}/x` })).rejects.toThrow(RefusedError);
  await expect(client.send({ url: `http://internal.test:${canary.port}/x` })).rejects.toThrow(
    `Request to http://internal.test:${canary.port}/ refused: loopback address 127.0.0.1`,
  );
  // An attacker's DNS listing a public address first and a private one second gains nothing.
  await expect(client.send({ url: `http://mixed.test:${canary.port}/x` })).rejects.toThrow('refused: loopback address 127.0.0.1');
  expect(canary.connections).toBe(0);
});

it('a trusted origin is reached, on the address its name was checked at; the same host on another port is not', async () => {
  const trustedOrigin = `http://internal.test:${canary.port}`;
  const client = new UndiciHttpClient({ resolver, trusted: (origin) => origin === trustedOrigin });
  try {
    const res = await client.send({ url: `${trustedOrigin}/ok` });
    expect(res.status).toBe(200);
    expect(canary.requests).toEqual([{ method: 'GET', url: '/ok', body: '' }]);
    await expect(client.send({ url: `http://internal.test:${canary.port + 1}/` })).rejects.toThrow(RefusedError);
    await expect(client.send({ url: `${canary.origin}/` })).rejects.toThrow(RefusedError);
    expect(canary.requests).toHaveLength(1);
  } finally {
    await client.close();
  }
});

it('through a proxy: the proxy address and each target are checked; nothing reaches a non-public one untrusted', async () => {
  const viaLoopbackProxy = httpForProxy(new UndiciHttpClient({ resolver }), { 'proxy-server-address': `127.0.0.1:${canary.port}` });
  await expect(viaLoopbackProxy.send({ url: 'http://93.184.216.34/' })).rejects.toThrow('refused: loopback address');

  const trustedProxy = httpForProxy(new UndiciHttpClient({ resolver, trusted: (origin) => origin === canary.origin }), {
    'proxy-server-address': `127.0.0.1:${canary.port}`,
  });
  await expect(trustedProxy.send({ url: 'http://10.0.0.1/' })).rejects.toThrow('Request to http://10.0.0.1/ refused: private address');
  await expect(trustedProxy.send({ url: `http://internal.test:9/` })).rejects.toThrow('refused: loopback address 127.0.0.1');
  expect(canary.connections).toBe(0);
});

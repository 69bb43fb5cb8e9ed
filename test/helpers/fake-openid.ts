/**
 * A fake Bot Framework OpenID endpoint on 127.0.0.1 (metadata and key set, as Microsoft
 * publishes them) and the tokens a Bot Framework channel would sign with its keys.
 */
import { createServer, type Server } from 'node:http';
import { createSign, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface FakeOpenId {
  /** The channel key set's metadata URL (ToBotFromChannelOpenIdMetadataUrl). */
  url: string;
  /** A second metadata URL on the same server (ToBotFromEmulatorOpenIdMetadataUrl). */
  emulatorUrl: string;
  /** Requests per path. */
  hits: Map<string, number>;
  mode: 'ok' | 'hang' | 'fail';
  addKey(kid: string, key: KeyObject, endorsements?: string[]): void;
  close(): Promise<void>;
}

export async function startFakeOpenId(): Promise<FakeOpenId> {
  const keys: Array<Record<string, unknown>> = [];
  const hits = new Map<string, number>();
  const hung: Array<() => void> = [];
  let base = '';
  const fake: FakeOpenId = {
    url: '',
    emulatorUrl: '',
    hits,
    mode: 'ok',
    addKey(kid, key, endorsements = ['msteams']) {
      keys.push({ kty: 'RSA', use: 'sig', kid, ...key.export({ format: 'jwk' }), endorsements });
    },
    close: () => {
      for (const release of hung) release();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      return closed;
    },
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (fake.mode === 'hang') {
      hung.push(() => res.destroy());
      return;
    }
    if (fake.mode === 'fail') {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (path.endsWith('/v1/.well-known/openidconfiguration'))
      res.end(JSON.stringify({ issuer: 'https://api.botframework.com', jwks_uri: `${base}${path.replace(/openidconfiguration$/, 'keys')}` }));
    else if (path.endsWith('/v1/.well-known/keys')) res.end(JSON.stringify({ keys }));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.url = `${base}/v1/.well-known/openidconfiguration`;
  fake.emulatorUrl = `${base}/emulator/v1/.well-known/openidconfiguration`;
  return fake;
}

function b64url(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

/** `Bearer <JWT>` as the Bot Framework channel signs it for `appId` and `serviceUrl`; `over` replaces claims. */
export function channelToken(key: KeyObject, kid: string, appId: string, serviceUrl: string, over: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url({ alg: 'RS256', typ: 'JWT', kid });
  const body = b64url({ iss: 'https://api.botframework.com', aud: appId, serviceurl: serviceUrl, nbf: now - 60, exp: now + 3600, ...over });
  const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key).toString('base64url');
  return `Bearer ${head}.${body}.${sig}`;
}

/**
 * The connectors' proxy settings (Proxy Server Address / Username / Password): the same HTTP
 * layer as kit/http (timeouts, Verify SSL, 429/5xx retries with Retry-After), sent through an
 * HTTP proxy (CONNECT tunnel) with Basic proxy authentication.
 */
import { ProxyAgent } from 'undici';
import { UserError } from './errors';
import { UndiciHttpClient, type HttpClient } from './http';

/** `host:port`, `http://host:port` or `https://host:port` → a proxy URL. */
export function proxyUrl(address: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new UserError(`Proxy Server Address ${JSON.stringify(address)} is not host:port or an http(s) URL.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserError(`Proxy Server Address ${JSON.stringify(address)} must be an http or https proxy.`);
  return `${u.protocol}//${u.host}`;
}

/** The HTTP layer of kit/http through a proxy (CONNECT tunnel), with Basic proxy authentication when given. */
function proxyClient(uri: string, auth?: { username: string; password: string }): HttpClient {
  const token = auth ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` : undefined;
  const agents = new Map<boolean, ProxyAgent>();
  const agentFor = (verifySsl: boolean): ProxyAgent => {
    let a = agents.get(verifySsl);
    if (!a) {
      a = new ProxyAgent({ uri, token, requestTls: { rejectUnauthorized: verifySsl }, connect: { rejectUnauthorized: verifySsl } });
      agents.set(verifySsl, a);
    }
    return a;
  };
  return new UndiciHttpClient(agentFor, ` (through proxy ${new URL(uri).host})`);
}

const clients = new Map<string, HttpClient>();

/** The HTTP client for a connector: `base` unless its params name a proxy. */
export function httpForProxy(base: HttpClient, params: Record<string, unknown>): HttpClient {
  const address = typeof params['proxy-server-address'] === 'string' ? params['proxy-server-address'].trim() : '';
  if (!address) return base;
  const uri = proxyUrl(address);
  const username = typeof params['proxy-username'] === 'string' ? params['proxy-username'] : '';
  const password = typeof params['proxy-password'] === 'string' ? params['proxy-password'] : '';
  const key = `${uri}\n${username}\n${password}`;
  let client = clients.get(key);
  if (!client) {
    client = proxyClient(uri, username ? { username, password } : undefined);
    clients.set(key, client);
  }
  return client;
}

/**
 * The connectors' proxy settings (Proxy Server Address / Username / Password): the same HTTP
 * layer as kit/http (SSRF guard, timeouts, Verify SSL, 429/5xx retries with Retry-After), sent
 * through an HTTP proxy (CONNECT tunnel) with Basic proxy authentication.
 */
import { Pool, ProxyAgent, type Dispatcher } from 'undici';
import { UnreachableError, UserError } from './errors';
import { UndiciHttpClient, type GuardOptions, type HttpClient } from './http';
import { guardedConnector } from './ssrf';

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

/**
 * The HTTP layer of kit/http through a proxy (CONNECT tunnel), with Basic proxy authentication
 * when given. The guard checks the proxy's own address on each connection to it, and each
 * target before it is asked for (the proxy resolves the target's name itself).
 */
class ProxiedHttpClient extends UndiciHttpClient {
  constructor(
    guardOptions: GuardOptions,
    private readonly uri: string,
    private readonly token?: string,
  ) {
    super(guardOptions);
  }

  protected override makeDispatcher(verifySsl: boolean): Dispatcher {
    const guarded = guardedConnector(this.guard, { rejectUnauthorized: verifySsl });
    return new ProxyAgent({
      uri: this.uri,
      token: this.token,
      requestTls: { rejectUnauthorized: verifySsl },
      proxyTls: { rejectUnauthorized: verifySsl },
      clientFactory: (origin, opts) => new Pool(origin, { ...opts, connect: guarded }),
    });
  }

  protected override get via(): string {
    return ` (through proxy ${new URL(this.uri).host})`;
  }

  protected override async beforeSend(url: string): Promise<void> {
    try {
      await this.guard.check(url);
    } catch (err) {
      // A name only the proxy can resolve (egress-only DNS) is the proxy's to reach; a non-public answer here is refused.
      if (!(err instanceof UnreachableError)) throw err;
    }
  }
}

const clients = new WeakMap<HttpClient, Map<string, HttpClient>>();

/**
 * The HTTP client for a connector: `base` unless its params name a proxy. The proxy client keeps
 * base's guard settings (which non-public origins the operator trusts; none for a client of another kind).
 */
export function httpForProxy(base: HttpClient, params: Record<string, unknown>): HttpClient {
  const address = typeof params['proxy-server-address'] === 'string' ? params['proxy-server-address'].trim() : '';
  if (!address) return base;
  const uri = proxyUrl(address);
  const username = typeof params['proxy-username'] === 'string' ? params['proxy-username'] : '';
  const password = typeof params['proxy-password'] === 'string' ? params['proxy-password'] : '';
  const key = `${uri}\n${username}\n${password}`;
  let perBase = clients.get(base);
  if (!perBase) clients.set(base, (perBase = new Map()));
  let client = perBase.get(key);
  if (!client) {
    const token = username ? `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` : undefined;
    client = new ProxiedHttpClient(base instanceof UndiciHttpClient ? base.guardOptions : {}, uri, token);
    perBase.set(key, client);
  }
  return client;
}

/**
 * The connectors' proxy settings (Proxy Server Address / Username / Password): the same HTTP
 * layer as kit/http (timeouts, Verify SSL, 429/5xx retries with Retry-After), sent through an
 * HTTP proxy (CONNECT tunnel) with Basic proxy authentication.
 */
import { ProxyAgent, request as undiciRequest, type Dispatcher } from 'undici';
import { UnreachableError, UserError } from './errors';
import { describeNetworkError, makeResponse, type HttpClient, type HttpRequest, type HttpResponse } from './http';
import { retryAfterMs, sleep } from './wait';

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

export class ProxyHttpClient implements HttpClient {
  private readonly agents = new Map<boolean, ProxyAgent>();

  constructor(private readonly uri: string, private readonly auth?: { username: string; password: string }) {}

  private agent(verifySsl: boolean): ProxyAgent {
    let a = this.agents.get(verifySsl);
    if (!a) {
      const token = this.auth ? `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}` : undefined;
      a = new ProxyAgent({ uri: this.uri, token, requestTls: { rejectUnauthorized: verifySsl }, connect: { rejectUnauthorized: verifySsl } });
      this.agents.set(verifySsl, a);
    }
    return a;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const retries = req.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const res = await this.once(req);
      const retryable = res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504;
      if (!retryable || attempt >= retries) return res;
      await sleep(retryAfterMs(res.headers, attempt), req.signal);
    }
  }

  private async once(req: HttpRequest): Promise<HttpResponse> {
    const timeout = req.timeoutMs ?? 60_000;
    try {
      const res = await undiciRequest(req.url, {
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: req.headers,
        body: req.body,
        dispatcher: this.agent(req.verifySsl !== false),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: req.signal,
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
      return makeResponse(res.statusCode, headers, body, req.url);
    } catch (err) {
      throw new UnreachableError(`${describeNetworkError(err, req.url)} (through proxy ${new URL(this.uri).host})`);
    }
  }
}

const clients = new Map<string, ProxyHttpClient>();

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
    client = new ProxyHttpClient(uri, username ? { username, password } : undefined);
    clients.set(key, client);
  }
  return client;
}

/**
 * Sends Execute HTTP Request's request through the SSRF guard, hop by hop: every redirect target
 * is checked before a byte goes to it. Redirect handling follows Python requests (which the
 * seed's integration uses): 301/302/303 become GET without a body, 307/308 keep both, and a
 * caller's Authorization header does not follow a redirect to another host.
 */
import { UpstreamError } from '../../kit/errors';
import { sendPinned, type PinnedResponse, type SsrfGuard } from '../../kit/ssrf';
import { hasHeader, removeHeader, type BuiltRequest } from './build-request';

export interface SendOptions {
  guard: SsrfGuard;
  followRedirects: boolean;
  timeoutMs: number;
  verifySsl: boolean;
  signal?: AbortSignal;
  maxBytes: number;
  /** The bearer token for a URL, or undefined when its host gets none. */
  tokenFor(url: URL): Promise<string | undefined>;
}

export interface Exchange {
  response: PinnedResponse;
  /** The URL that gave the final response. */
  url: string;
  /** URLs that answered with a redirect, in order. */
  redirects: string[];
}

export const MAX_REDIRECTS = 10;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** `name=value` pairs set by responses, sent back to the same host on the next hop. */
class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();

  take(host: string, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq <= 0) continue;
      const jar = this.byHost.get(host) ?? new Map<string, string>();
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      this.byHost.set(host, jar);
    }
  }

  header(host: string, existing: string | undefined): string | undefined {
    const jar = this.byHost.get(host);
    if (!jar?.size) return existing;
    const pairs = [...jar].map(([k, v]) => `${k}=${v}`);
    return [existing, ...pairs].filter(Boolean).join('; ');
  }
}

export async function sendGuarded(request: BuiltRequest, opts: SendOptions): Promise<Exchange> {
  let url = new URL(request.url);
  let method = request.method;
  let body = request.body;
  const headers = { ...request.headers };
  const redirects: string[] = [];
  const jar = new CookieJar();

  for (let hop = 0; ; hop++) {
    const target = await opts.guard.check(url, hop === 0 ? 'Request' : 'Redirect');
    const hopHeaders = { ...headers };
    if (!hasHeader(hopHeaders, 'authorization')) {
      const token = await opts.tokenFor(url);
      if (token) hopHeaders.Authorization = `Bearer ${token}`;
    }
    const cookie = jar.header(url.hostname, Object.entries(hopHeaders).find(([k]) => k.toLowerCase() === 'cookie')?.[1]);
    if (cookie) {
      removeHeader(hopHeaders, 'cookie');
      hopHeaders.Cookie = cookie;
    }
    const response = await sendPinned(target, {
      method,
      headers: hopHeaders,
      body,
      timeoutMs: opts.timeoutMs,
      verifySsl: opts.verifySsl,
      signal: opts.signal,
      maxBytes: opts.maxBytes,
    });
    const location = response.headers.location;
    if (!opts.followRedirects || !REDIRECT_CODES.has(response.status) || !location) return { response, url: url.href, redirects };

    if (hop + 1 > MAX_REDIRECTS) throw new UpstreamError(`Exceeded ${MAX_REDIRECTS} redirects.`, response.status);
    jar.take(url.hostname, response.setCookies);
    redirects.push(url.href);
    const next = new URL(location, url);
    if (response.status !== 307 && response.status !== 308) {
      if (method !== 'HEAD' && (response.status !== 301 || method === 'POST')) method = 'GET';
      body = undefined;
      for (const h of ['content-type', 'content-length', 'transfer-encoding']) removeHeader(headers, h);
    }
    if (next.hostname !== url.hostname || (url.protocol === 'https:' && next.protocol === 'http:')) removeHeader(headers, 'authorization');
    url = next;
  }
}

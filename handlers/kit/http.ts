/**
 * The one HTTP layer for remote services: the SSRF guard on every connection, timeouts, Verify
 * SSL, 429/5xx retries honouring Retry-After, and one-line failure reasons. Used by every client
 * in handlers/ (actions, Ping, connectors, token endpoints, proxies).
 */
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { ClassifiedError, UnreachableError, UpstreamError } from './errors';
import { describeNetworkError, hostOf } from './network-error';
import { guardedConnector, SsrfGuard, type OriginTrust, type Resolver } from './ssrf';
import { retryAfterMs, sleep } from './wait';

export { describeNetworkError } from './network-error';

export interface HttpRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** ms; default 60 s */
  timeoutMs?: number;
  /** default true */
  verifySsl?: boolean;
  /** Retries on 429/5xx (default 3; 0 for non-idempotent requests). */
  retries?: number;
  signal?: AbortSignal;
  /** Largest response body read (default MAX_RESPONSE_BYTES); a larger one fails with ResponseTooLargeError. */
  maxBytes?: number;
}

/** Largest answer of a JSON API read into memory (a caller expecting more, e.g. an attachment, says so). */
export const MAX_RESPONSE_BYTES = 50 * 1024 * 1024;

/** A remote answered more than the caller reads: the rest is not downloaded, and a new try would get the same. */
export class ResponseTooLargeError extends UpstreamError {
  constructor(limit: number, url: string) {
    super(`The response from ${hostOf(url)} is larger than ${Math.round(limit / 1024 / 1024)} MB; it was not read.`, 502);
  }
  override get retryable(): boolean {
    return false;
  }
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  url: string;
  text(): string;
  json<T = unknown>(): T;
}

export interface HttpClient {
  send(req: HttpRequest): Promise<HttpResponse>;
}

function flattenHeaders(h: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

/** The body, refused as soon as it is known to be over `limit` (declared length, or bytes as they arrive). */
function readCapped(res: Dispatcher.ResponseData, limit: number, url: string): Promise<Buffer> {
  const body = res.body;
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared)) {
    if (declared > limit) {
      // Destroying the body makes undici emit an abort error nobody else listens for.
      body.on('error', () => undefined).destroy();
      return Promise.reject(new ResponseTooLargeError(limit, url));
    }
    // HTTP's framing holds the body to its declared length: read at once, by undici's own consumer.
    return body.arrayBuffer().then((data) => Buffer.from(data));
  }
  return new Promise<Buffer>((resolve, reject) => {
    body.on('error', reject);
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Destroying the body closes the connection: nothing more is read.
      if (size > limit) {
        reject(new ResponseTooLargeError(limit, url));
        body.destroy();
        return;
      }
      chunks.push(chunk);
    });
    body.on('end', () => resolve(Buffer.concat(chunks, size)));
  });
}

export interface GuardOptions {
  /**
   * Origins the operator named (CONFIG_FILE, TRUSTED_ORIGINS) may resolve to non-public
   * addresses; without it only public addresses are reached.
   */
  trusted?: OriginTrust;
  /** DNS (tests). */
  resolver?: Resolver;
}

export class UndiciHttpClient implements HttpClient {
  /** Checks every new connection (and, through a proxy, every target) before a byte is sent. */
  readonly guard: SsrfGuard;
  private readonly dispatchers = new Map<boolean, Dispatcher>();

  constructor(readonly guardOptions: GuardOptions = {}) {
    this.guard = new SsrfGuard({ allowList: [], trusted: guardOptions.trusted, resolver: guardOptions.resolver });
  }

  /** The connection pool per Verify SSL setting, connecting only where the guard allows. */
  protected makeDispatcher(verifySsl: boolean): Dispatcher {
    return new Agent({ connect: guardedConnector(this.guard, { rejectUnauthorized: verifySsl }), keepAliveTimeout: 10_000 });
  }

  /** Said after a network error (e.g. which proxy the request went through). */
  protected get via(): string {
    return '';
  }

  /**
   * Runs before each request; a client whose connections do not go to the target itself checks the
   * target here. Nothing to wait for (undefined): the request is handed to undici in the caller's
   * tick, so that a batch of requests made together starts going out while the rest are made.
   */
  protected beforeSend(_url: string): Promise<void> | undefined {
    return undefined;
  }

  private dispatcherFor(verifySsl: boolean): Dispatcher {
    let d = this.dispatchers.get(verifySsl);
    if (!d) {
      d = this.makeDispatcher(verifySsl);
      this.dispatchers.set(verifySsl, d);
    }
    return d;
  }

  /** Closes the connection pools (a stopping process). */
  async close(): Promise<void> {
    const open = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.all(open.map((d) => d.close()));
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
      const checked = this.beforeSend(req.url);
      if (checked) await checked;
      const res = await undiciRequest(req.url, {
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: req.headers,
        body: req.body,
        dispatcher: this.dispatcherFor(req.verifySsl !== false),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: req.signal,
      });
      const body = await readCapped(res, req.maxBytes ?? MAX_RESPONSE_BYTES, req.url);
      return makeResponse(res.statusCode, flattenHeaders(res.headers), body, req.url);
    } catch (err) {
      // The guard's refusals (and too-large answers) are already one line for the user.
      if (err instanceof ClassifiedError) throw err;
      throw new UnreachableError(`${describeNetworkError(err, req.url)}${this.via}`);
    }
  }
}

export function makeResponse(status: number, headers: Record<string, string>, body: Buffer, url: string): HttpResponse {
  return {
    status,
    headers,
    body,
    url,
    text: () => body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

/** Public addresses only: the runtime builds its own client that also reaches the operator's trusted origins. */
export const http: HttpClient = new UndiciHttpClient();

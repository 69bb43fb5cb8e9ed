/**
 * The one HTTP layer for remote services: timeouts, Verify SSL, 429/5xx retries honouring
 * Retry-After, and one-line failure reasons. Used by every client in handlers/.
 */
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { UnreachableError } from './errors';
import { retryAfterMs, sleep } from './wait';

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

const agents = new Map<boolean, Agent>();
function agentFor(verifySsl: boolean): Agent {
  let agent = agents.get(verifySsl);
  if (!agent) {
    agent = new Agent({ connect: { rejectUnauthorized: verifySsl }, keepAliveTimeout: 10_000 });
    agents.set(verifySsl, agent);
  }
  return agent;
}

function flattenHeaders(h: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

/** Turns a low-level network failure into one line naming the host and what went wrong. */
export function describeNetworkError(err: unknown, url: string): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code ?? '';
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|SSL|TLS|ERR_TLS/i.test(code) || /certificate/i.test(e?.cause?.message ?? e?.message ?? '')) {
    return `TLS certificate verification failed for ${host} (${code || 'certificate error'}). Turn Verify SSL off only if you trust this host.`;
  }
  if (code === 'ECONNREFUSED') return `Connection refused by ${host}.`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `Host ${host} could not be resolved.`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return `Request to ${host} timed out.`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `Connection to ${host} was reset.`;
  return `Request to ${host} failed: ${(e?.cause?.message ?? e?.message ?? String(err)).split('\n')[0]}`;
}

export class UndiciHttpClient implements HttpClient {
  /**
   * `dispatcherFor`: the connection pool per Verify SSL setting (direct, or a proxy's);
   * `via`: said after a network error (e.g. which proxy the request went through).
   */
  constructor(private readonly dispatcherFor: (verifySsl: boolean) => Dispatcher = agentFor, private readonly via = '') {}

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
        dispatcher: this.dispatcherFor(req.verifySsl !== false),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: req.signal,
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      return makeResponse(res.statusCode, flattenHeaders(res.headers), body, req.url);
    } catch (err) {
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

export const http: HttpClient = new UndiciHttpClient();

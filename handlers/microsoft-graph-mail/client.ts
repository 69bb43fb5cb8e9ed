/**
 * Microsoft Graph for the mail integration: token from the instance, calls to its Graph endpoint.
 * Every call goes through one BatchScheduler per client: calls made together share `$batch`
 * envelopes, each mailbox has at most 4 requests in flight, throttled requests wait for their
 * Retry-After. `list` follows `@odata.nextLink`.
 */
import type { ActionContext } from '../kit/context';
import { UpstreamError } from '../kit/errors';
import { cachedToken, forgetTokens, isFresh, requestToken, type TokenRequest, type TokenResponse } from '../kit/oauth';
import { BatchScheduler, type SchedulerOptions, type SubResponse } from './graph-batch';

export interface GraphInstance {
  loginRoot: string;
  graphRoot: string;
  clientId: string;
  secret: string;
  tenant: string;
  defaultMailbox: string;
  verifySsl: boolean;
}

export function graphInstance(instance: Record<string, unknown>): GraphInstance {
  return {
    loginRoot: String(instance['azure-ad-endpoint'] ?? ''),
    graphRoot: String(instance['microsoft-graph-endpoint'] ?? ''),
    clientId: String(instance['client-id'] ?? ''),
    secret: String(instance['secret-id'] ?? ''),
    tenant: String(instance.tenant ?? ''),
    defaultMailbox: String(instance['default-mailbox'] ?? ''),
    verifySsl: instance['verify-ssl'] !== false,
  };
}

export type GraphClientOptions = SchedulerOptions;

export interface ListOptions {
  /** Stop after this many items (the last page is cut). Default: every page. */
  max?: number;
  /** false: the first page only (Graph's default page when `$top` is not given). */
  followNextLink?: boolean;
}

/** One page of a collection. */
interface Page<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

/** An answer's body; a non-2xx answer throws UpstreamError. */
function bodyOf(res: SubResponse): unknown {
  if (res.status < 200 || res.status >= 300) throw new UpstreamError(graphReason(res.status, res.body), res.status);
  return res.body;
}

/** Graph's own one-line reason from an error body (`code: message`), else the status. */
export function graphReason(status: number, body: unknown): string {
  const err = (body as { error?: unknown } | undefined)?.error;
  if (err && typeof err === 'object') {
    const { code, message } = err as { code?: unknown; message?: unknown };
    const line = [code, message].filter((x) => typeof x === 'string' && x).join(': ');
    if (line) return line.split(/\r?\n/)[0] as string;
  }
  if (typeof err === 'string' && err) return err;
  return `HTTP ${status}`;
}

export class GraphClient {
  readonly inst: GraphInstance;
  private readonly scheduler: BatchScheduler;
  private readonly root: string;
  /** This client's token while it is fresh: asked for again only when it is not (no cache look-up per send). */
  private held: TokenResponse | null = null;

  constructor(
    private readonly ctx: ActionContext,
    inst?: GraphInstance,
    opts: GraphClientOptions = {},
  ) {
    this.inst = inst ?? graphInstance(ctx.instance);
    this.root = this.inst.graphRoot.replace(/\/+$/, '');
    this.scheduler = new BatchScheduler(
      {
        http: ctx.http,
        root: this.root,
        verifySsl: this.inst.verifySsl,
        signal: ctx.signal,
        token: () => this.token(),
        forgetToken: () => {
          this.held = null;
          forgetTokens();
        },
      },
      opts,
    );
  }

  /** HTTP requests sent to Graph and sub-requests in them (retries included). */
  get figures(): { envelopes: number; requests: number } {
    return { envelopes: this.scheduler.envelopes, requests: this.scheduler.sent };
  }

  private token(): string | Promise<string> {
    if (this.held && isFresh(this.held)) return this.held.accessToken;
    const req: TokenRequest = {
      environment: this.ctx.environment,
      loginRoot: this.inst.loginRoot,
      tenant: this.inst.tenant,
      clientId: this.inst.clientId,
      clientSecret: this.inst.secret,
      scope: `${this.root}/.default`,
      verifySsl: this.inst.verifySsl,
      signal: this.ctx.signal,
    };
    this.held = cachedToken(req) ?? null;
    if (this.held) return this.held.accessToken;
    return requestToken(this.ctx.http, req).then((t) => {
      this.held = t;
      return t.accessToken;
    });
  }

  /** `v1.0/users/x?…`, `/beta/…` or an absolute URL under the Graph root → version and relative URL. */
  private split(path: string): { version: string; url: string } {
    let rel = path;
    if (/^https?:\/\//i.test(path)) {
      // nextLinks are absolute; they must stay on the configured endpoint (contract.md §4).
      if (!path.toLowerCase().startsWith(`${this.root.toLowerCase()}/`))
        throw new UpstreamError(`Microsoft Graph returned a link outside the configured endpoint ${this.root}.`, 502);
      rel = path.slice(this.root.length);
    }
    rel = rel.replace(/^\/+/, '');
    const slash = rel.search(/[/?]/);
    if (slash < 0) return { version: rel, url: '/' };
    const url = rel.slice(slash);
    return { version: rel.slice(0, slash), url: url.startsWith('/') ? url : `/${url}` };
  }

  // request, call and list chain promises instead of being async functions: a search of
  // thousands of mailboxes holds one of each per mailbox while the answers are awaited, and an
  // async function's suspended frame costs several times a promise reaction.

  /** One request, answered as Graph answered it (after throttling retries). */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<SubResponse> {
    try {
      const { version, url } = this.split(path);
      return this.scheduler.submit({ method: method.toUpperCase(), version, url, body, headers });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** `path` is relative to the Graph root, e.g. `v1.0/users/x/mailFolders/inbox`. A non-2xx answer throws UpstreamError. */
  call<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request(method, path, body, headers).then(bodyOf) as Promise<T>;
  }

  /** A collection's items, following `@odata.nextLink` (https://learn.microsoft.com/graph/paging). */
  list<T = unknown>(path: string, opts: ListOptions = {}): Promise<T[]> {
    return this.request('GET', path).then((res) => this.pages(bodyOf(res) as Page<T> | undefined, opts, []));
  }

  /** `out` and the items of page `p`, and those of the pages after it while more are wanted. */
  private pages<T>(p: Page<T> | undefined, opts: ListOptions, out: T[]): T[] | Promise<T[]> {
    const items = Array.isArray(p?.value) ? p.value : [];
    let all = items;
    if (out.length) {
      for (const item of items) out.push(item);
      all = out;
    }
    if (opts.max !== undefined && all.length >= opts.max) return all.length > opts.max ? all.slice(0, opts.max) : all;
    const next = opts.followNextLink === false ? undefined : p?.['@odata.nextLink'];
    return next ? this.call<Page<T>>('GET', next).then((q) => this.pages(q, opts, all)) : all;
  }
}

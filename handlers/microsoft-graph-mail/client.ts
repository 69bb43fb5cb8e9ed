/**
 * Microsoft Graph for the mail integration: token from the instance, calls to its Graph endpoint.
 * Every call goes through one BatchScheduler per client: calls made together share `$batch`
 * envelopes, each mailbox has at most 4 requests in flight, throttled requests wait for their
 * Retry-After. `list` follows `@odata.nextLink`.
 */
import type { ActionContext } from '../kit/context';
import { UpstreamError } from '../kit/errors';
import { forgetTokens, requestToken } from '../kit/oauth';
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
        forgetToken: () => forgetTokens(),
      },
      opts,
    );
  }

  /** HTTP requests sent to Graph and sub-requests in them (retries included). */
  get figures(): { envelopes: number; requests: number } {
    return { envelopes: this.scheduler.envelopes, requests: this.scheduler.sent };
  }

  private async token(): Promise<string> {
    const t = await requestToken(this.ctx.http, {
      environment: this.ctx.environment,
      loginRoot: this.inst.loginRoot,
      tenant: this.inst.tenant,
      clientId: this.inst.clientId,
      clientSecret: this.inst.secret,
      scope: `${this.root}/.default`,
      verifySsl: this.inst.verifySsl,
      signal: this.ctx.signal,
    });
    return t.accessToken;
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

  /** One request, answered as Graph answered it (after throttling retries). */
  async request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<SubResponse> {
    const { version, url } = this.split(path);
    return this.scheduler.submit({ method: method.toUpperCase(), version, url, body, headers });
  }

  /** `path` is relative to the Graph root, e.g. `v1.0/users/x/mailFolders/inbox`. A non-2xx answer throws UpstreamError. */
  async call<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const res = await this.request(method, path, body, headers);
    if (res.status < 200 || res.status >= 300) throw new UpstreamError(graphReason(res.status, res.body), res.status);
    return res.body as T;
  }

  /** A collection's items, following `@odata.nextLink` (https://learn.microsoft.com/graph/paging). */
  async list<T = unknown>(path: string, opts: ListOptions = {}): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: { value?: T[]; '@odata.nextLink'?: string } = await this.call('GET', next);
      out.push(...(page?.value ?? []));
      if (opts.max !== undefined && out.length >= opts.max) return out.slice(0, opts.max);
      if (opts.followNextLink === false) break;
      next = page?.['@odata.nextLink'];
    }
    return out;
  }
}

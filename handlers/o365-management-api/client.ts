/**
 * The Office 365 Management Activity API: a v1 token with resource = Api Root (behaviour.md 20),
 * from the client secret or, without one, the certificate; subscriptions, content listing
 * (following `NextPageUri`) and content blobs. Every URL the API hands back must lie under the
 * configured Api Root (contract.md §4: no request to a host the configuration did not name).
 */
import type { HttpClient } from '../kit/http';
import { UpstreamError, UserError } from '../kit/errors';
import { requestToken } from '../kit/oauth';
import { joinUrl, remoteReason } from '../kit/remote';
import { clientAssertion, loadCertificate } from './certificate/assertion';

/** What the client needs from an action or connector context. */
export interface ManagementContext {
  /** Whose instance this is (tokens are cached per environment). */
  environment: string;
  instance: Record<string, unknown>;
  http: HttpClient;
  signal?: AbortSignal;
  files: { resolve(userPath: string): string };
}

export interface ContentRef {
  contentUri: string;
  contentId: string;
  contentType: string;
  contentCreated: string;
  contentExpiration?: string;
}

export interface ContentPage {
  blobs: ContentRef[];
  next: string | null;
}

/** Tokens got with a certificate (each assertion differs, so kit/oauth cannot cache them). */
const certTokens = new Map<string, { token: string; expiresAt: number }>();

export class ManagementClient {
  readonly root: string;
  readonly tenant: string;
  private readonly verifySsl: boolean;

  constructor(private readonly ctx: ManagementContext) {
    this.root = String(ctx.instance['api-root'] ?? '').replace(/\/+$/, '');
    this.tenant = String(ctx.instance['azure-active-directory-id'] ?? '');
    this.verifySsl = ctx.instance['verify-ssl'] !== false;
  }

  private async token(fresh = false): Promise<string> {
    const inst = this.ctx.instance;
    const secret = inst['client-secret'] ? String(inst['client-secret']) : '';
    const certPath = inst['certificate-path'] ? String(inst['certificate-path']) : '';
    if (!secret && !certPath) throw new UserError('Either Certificate Path or Client Secret has to be specified.');
    const loginRoot = String(inst['oauth2-login-endpoint-url'] ?? '').replace(/\/+$/, '');
    const clientId = String(inst['client-id'] ?? '');
    const base = {
      environment: this.ctx.environment,
      loginRoot,
      tenant: this.tenant,
      clientId,
      resource: this.root,
      verifySsl: this.verifySsl,
      signal: this.ctx.signal,
    };
    if (secret) return (await requestToken(this.ctx.http, { ...base, clientSecret: secret })).accessToken;

    const cert = await loadCertificate(this.ctx.files.resolve(certPath), inst['certificate-password'] ? String(inst['certificate-password']) : undefined);
    const tokenUrl = `${loginRoot}/${encodeURIComponent(this.tenant)}/oauth2/token`;
    const key = `${this.ctx.environment}\n${tokenUrl}\n${clientId}\n${this.root}\n${cert.certificate.fingerprint256}`;
    const hit = certTokens.get(key);
    if (!fresh && hit && hit.expiresAt - 60_000 > Date.now()) return hit.token;
    const t = await requestToken(this.ctx.http, { ...base, clientAssertion: clientAssertion(cert, clientId, tokenUrl) });
    certTokens.set(key, { token: t.accessToken, expiresAt: t.expiresAt });
    return t.accessToken;
  }

  private url(path: string): string {
    return joinUrl(this.root, `api/v1.0/${encodeURIComponent(this.tenant)}/activity/feed/${path}`);
  }

  /** URLs the API returns (NextPageUri, contentUri) are followed only under the Api Root. */
  private checkUnderRoot(url: string): string {
    let ok = false;
    try {
      const u = new URL(url);
      const r = new URL(this.root);
      ok = u.origin === r.origin && u.pathname.startsWith(r.pathname.replace(/\/?$/, '/'));
    } catch {
      ok = false;
    }
    if (!ok) throw new UpstreamError(`The Management API returned a URL outside the configured Api Root: ${url.slice(0, 200)}`, 502);
    return url;
  }

  /** One authorised request; a 401 is retried once with a new token (it may have expired). `parse`: read the body as JSON. */
  private async send(
    method: string,
    url: string,
    body?: unknown,
    parse = true,
  ): Promise<{ status: number; headers: Record<string, string>; json: unknown; text: Buffer }> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(attempt > 0);
      const res = await this.ctx.http.send({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        verifySsl: this.verifySsl,
        signal: this.ctx.signal,
        retries: method === 'GET' ? 3 : 0,
      });
      if (res.status === 401 && attempt === 0) continue;
      if (res.status < 200 || res.status >= 300) throw new UpstreamError(remoteReason(res), res.status);
      return { status: res.status, headers: res.headers, json: parse && res.body.length ? res.json() : undefined, text: res.body };
    }
  }

  /** `path` is relative to `/api/v1.0/<tenant>/activity/feed/`. */
  async feed<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.send(method, this.url(path), body)).json as T;
  }

  /** First page of the content available for a window (times as the API spells them, UTC). */
  async listContent(contentType: string, start: Date, end: Date): Promise<ContentPage> {
    const q = new URLSearchParams({ contentType, startTime: apiTime(start), endTime: apiTime(end) });
    return this.page(this.url(`subscriptions/content?${q.toString()}`));
  }

  /** The page a `NextPageUri` names. */
  async nextPage(nextPageUri: string): Promise<ContentPage> {
    return this.page(this.checkUnderRoot(nextPageUri));
  }

  private async page(url: string): Promise<ContentPage> {
    const res = await this.send('GET', url);
    const blobs = Array.isArray(res.json) ? (res.json as ContentRef[]) : [];
    return { blobs, next: res.headers.nextpageuri || null };
  }

  /** The events of one content blob. */
  async blob(contentUri: string): Promise<Array<Record<string, unknown>>> {
    return (await this.blobContent(contentUri)).events;
  }

  /** The events of one content blob and the JSON text they were read from (null: not an array). */
  async blobContent(contentUri: string): Promise<BlobContent> {
    return blobEvents(await this.blobText(contentUri));
  }

  /**
   * The JSON text of one content blob, not parsed yet: a cycle reading several blobs at once
   * parses each when it gets to it (blobEvents), so that the blobs waiting their turn are bytes,
   * not objects the garbage collector walks.
   */
  async blobText(contentUri: string): Promise<Buffer> {
    return (await this.send('GET', this.checkUnderRoot(contentUri), undefined, false)).text;
  }
}

export interface BlobContent {
  events: Array<Record<string, unknown>>;
  /** The text the events were read from (null: it is not a JSON array). */
  json: Buffer | null;
}

/** A content blob's events (none when its text is not a JSON array; invalid JSON throws). */
export function blobEvents(text: Buffer): BlobContent {
  const parsed: unknown = text.length ? JSON.parse(text.toString('utf8')) : undefined;
  return Array.isArray(parsed) ? { events: parsed as Array<Record<string, unknown>>, json: text } : { events: [], json: null };
}

/** `YYYY-MM-DDTHH:MM:SS` (UTC), how the Management Activity API takes times. */
export function apiTime(d: Date): string {
  return d.toISOString().slice(0, 19);
}

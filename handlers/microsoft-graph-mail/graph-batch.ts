/**
 * Sends Graph requests in JSON batches (https://learn.microsoft.com/graph/json-batching):
 * requests made in the same tick are packed into `$batch` envelopes of at most 20 (a full one goes
 * out as soon as it is full, the rest when the tick is over), with at most
 * `perMailbox` requests in flight per mailbox (Outlook allows 4 per app and mailbox) and at most
 * `appRequestsPer10s` requests sent in any 10 seconds (Graph's global limit per app,
 * https://learn.microsoft.com/graph/throttling-limits); within those limits every ready request
 * goes out at once. A request answered 429 is sent again after its own Retry-After
 * (https://learn.microsoft.com/graph/throttling): Graph refuses it before doing anything. A 503 is
 * retried for reads and for writes whose repetition changes nothing (DELETE, PATCH, move, mark as
 * junk: a second try finds the item gone or already changed); a send is never repeated here.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import { UnreachableError } from '../kit/errors';
import { MAX_RESPONSE_BYTES, ResponseTooLargeError, type HttpClient } from '../kit/http';
import { retryAfterMs } from '../kit/wait';
import { MAX_ATTACHMENT_BYTES } from './attachment-paths';

export interface SubRequest {
  method: string;
  /** `v1.0` or `beta`. */
  version: string;
  /** Relative to the version, starting with `/` (`/users/x/messages?$top=5`). */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SubResponse {
  status: number;
  /** Lowercase names. */
  headers: Record<string, string>;
  /** Parsed JSON, a string (non-JSON bodies), or undefined. */
  body: unknown;
}

export interface SchedulerOptions {
  /** Sub-requests per `$batch` (Graph allows 20). */
  batchSize?: number;
  /** Requests in flight per mailbox. */
  perMailbox?: number;
  /** HTTP requests (envelopes) in flight; default: no bound beyond Graph's limits. */
  maxInFlight?: number;
  /** Requests (sub-requests count one each) sent in any 10 seconds; default Graph's app limit. */
  appRequestsPer10s?: number;
  /** false: every request goes alone (no `$batch`). */
  batching?: boolean;
  /** Sends of one request before its last answer is returned as is. */
  maxAttempts?: number;
  /** Upper bound of one Retry-After wait. */
  maxRetryWaitMs?: number;
}

export interface Transport {
  http: HttpClient;
  /** Graph root, no trailing slash. */
  root: string;
  verifySsl: boolean;
  signal?: AbortSignal;
  /** The token: as is when it is at hand (requests go out in the caller's tick), else its promise. */
  token(): string | Promise<string>;
  /** Called after a 401 so that the next `token()` asks for a new one. */
  forgetToken(): void;
}

interface Pending {
  req: SubRequest;
  mailbox: string | null;
  attempts: number;
  /** A 401 was answered once already (the token is renewed once, then the 401 stands). */
  renewed: boolean;
  notBefore: number;
  resolve(res: SubResponse): void;
  reject(err: unknown): void;
}

export const GRAPH_BATCH_LIMIT = 20;
export const OUTLOOK_MAILBOX_CONCURRENCY = 4;
/** Graph's global limit: 130,000 requests per 10 seconds per app across all tenants. */
export const GRAPH_APP_REQUESTS_PER_10S = 130_000;
const BUDGET_WINDOW_MS = 10_000;

/** The mailbox a request counts against (`/users/{id|upn}/…`), lowercase, or null. */
export function mailboxOf(url: string): string | null {
  const m = /^\/users\/([^/?]+)\/[^?]/.exec(url);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1] as string).toLowerCase();
  } catch {
    return (m[1] as string).toLowerCase();
  }
}

function lowerHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (h && typeof h === 'object') for (const k in h) if (Object.hasOwn(h, k)) out[k.toLowerCase()] = String((h as Record<string, unknown>)[k]);
  return out;
}

function parseBody(buf: Buffer, contentType: string): unknown {
  if (!buf.length) return undefined;
  const text = buf.toString('utf8');
  if (/json/i.test(contentType) || /^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Writes that may be sent twice without a second effect: the item is gone (DELETE), already set
 * (PATCH), or has a new id after a move, so a repeat finds nothing (404) instead of acting again.
 */
export function isRepeatableWrite(req: SubRequest): boolean {
  if (req.method === 'DELETE' || req.method === 'PATCH') return true;
  return req.method === 'POST' && /\/messages\/[^/?]+\/(move|markAsJunk|markAsNotJunk)(\?|$)/i.test(req.url);
}

/** An answer carrying one attachment or message of the largest size, base64-encoded in JSON. */
const MAX_CONTENT_RESPONSE_BYTES = Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4 + 1024 * 1024;

/** Requests whose answer may carry a whole attachment or message are read up to the attachment limit; others as any JSON API. */
function maxBytesFor(reqs: SubRequest[]): number {
  return reqs.some((r) => /attachments|\/\$value\b/i.test(r.url)) ? MAX_CONTENT_RESPONSE_BYTES : MAX_RESPONSE_BYTES;
}

/** Statuses after which a request is sent again. */
function shouldRetry(status: number, req: SubRequest): boolean {
  if (status === 429) return true;
  if (req.method === 'GET') return status === 500 || status === 502 || status === 503 || status === 504;
  return status === 503 && isRepeatableWrite(req);
}

export class BatchScheduler {
  private queue: Pending[] = [];
  private readonly inFlightByMailbox = new Map<string, number>();
  private inFlight = 0;
  private pumpScheduled = false;
  /** Requests queued since the last pass over the queue: a full envelope of them goes out at once. */
  private fresh = 0;
  /**
   * The last pass left less than an envelope waiting. When requests wait on their mailbox's
   * limit instead, passing over them again for every 20 new ones would cost more than it brings:
   * the pump at the end of the tick takes them all.
   */
  private eager = true;
  /** The token of this tick's sends, asked for once; the pump that ends the tick lets it go. */
  private tickToken: string | Promise<string> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private fatal: unknown = null;
  private readonly batchSize: number;
  private readonly perMailbox: number;
  private readonly maxInFlight: number;
  private readonly batching: boolean;
  private readonly maxAttempts: number;
  private readonly maxRetryWaitMs: number;
  private readonly budget: number;
  /** Sends of the last 10 seconds (time, requests), oldest first, and their sum. */
  private readonly recent: Array<{ at: number; n: number }> = [];
  private recentSum = 0;
  /** Envelopes sent (HTTP requests to Graph), for figures. */
  envelopes = 0;
  /** Sub-requests sent, retries included. */
  sent = 0;

  constructor(
    private readonly t: Transport,
    opts: SchedulerOptions = {},
  ) {
    this.batchSize = Math.max(1, Math.min(opts.batchSize ?? GRAPH_BATCH_LIMIT, GRAPH_BATCH_LIMIT));
    this.perMailbox = Math.max(1, opts.perMailbox ?? OUTLOOK_MAILBOX_CONCURRENCY);
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? Infinity);
    this.budget = Math.max(1, opts.appRequestsPer10s ?? GRAPH_APP_REQUESTS_PER_10S);
    this.batching = opts.batching !== false;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.maxRetryWaitMs = opts.maxRetryWaitMs ?? 60_000;
    if (t.signal) {
      // Each request in flight listens to the job's signal (undici): room for all of them. (Not 0
      // for "no bound": Node 20's getMaxListeners then throws for an AbortSignal.)
      setMaxListeners(Math.max(getMaxListeners(t.signal), this.maxInFlight + 16), t.signal);
      t.signal.addEventListener('abort', () => this.failAll(new Error('The job was cancelled.')), { once: true });
    }
  }

  /** Queues one request; resolves with its final answer (after retries), rejects on network failure. */
  submit(req: SubRequest): Promise<SubResponse> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.t.signal?.aborted) return Promise.reject(new Error('The job was cancelled.'));
    return new Promise<SubResponse>((resolve, reject) => {
      this.queue.push({ req, mailbox: mailboxOf(req.url), attempts: 0, renewed: false, notBefore: 0, resolve, reject });
      // A full envelope need not wait for the end of the tick: Graph starts on it while the rest
      // of the tick's requests are still being made (thousands of mailboxes searched at once).
      if (++this.fresh >= this.batchSize && this.eager && this.batching) this.flushFull();
      this.schedulePump();
    });
  }

  /** Sends the full envelopes the queue holds now; what does not fill one waits for the pump. */
  private flushFull(): void {
    this.fresh = 0;
    if (this.fatal || this.inFlight >= this.maxInFlight) return;
    const now = Date.now();
    this.dispatch(this.take(now, this.maxInFlight - this.inFlight, this.budgetLeft(now), true), now);
    this.eager = this.queue.length < this.batchSize;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // setImmediate: requests made in this tick (and the microtasks after it) share envelopes.
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private failAll(err: unknown): void {
    this.fatal = err;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.queue.splice(0)) p.reject(err);
  }

  /** Requests the app may still send in the current 10-second window. */
  private budgetLeft(now: number): number {
    while (this.recent.length && (this.recent[0] as { at: number }).at <= now - BUDGET_WINDOW_MS) this.recentSum -= (this.recent.shift() as { n: number }).n;
    return this.budget - this.recentSum;
  }

  private pump(): void {
    this.fresh = 0;
    if (this.fatal) return;
    const now = Date.now();
    if (this.queue.length && this.inFlight < this.maxInFlight) this.dispatch(this.take(now, this.maxInFlight - this.inFlight, this.budgetLeft(now)), now);
    this.tickToken = null;
    this.eager = this.queue.length < this.batchSize;
    this.armTimer(now);
  }

  /** The token for this tick's sends: asked for once, not once per envelope. */
  private token(): string | Promise<string> {
    if (!this.tickToken) {
      try {
        this.tickToken = this.t.token();
      } catch (err) {
        this.tickToken = Promise.reject(err);
      }
      // Each send handles a failure itself; this only keeps the shared promise from being reported as unhandled.
      if (typeof this.tickToken !== 'string') this.tickToken.catch(() => undefined);
    }
    return this.tickToken;
  }

  /** Sends the envelopes taken. */
  private dispatch(envelopes: Pending[][], now: number): void {
    if (!envelopes.length) return;
    const token = this.token();
    for (const chosen of envelopes) {
      this.inFlight++;
      this.recent.push({ at: now, n: chosen.length });
      this.recentSum += chosen.length;
      for (const p of chosen) if (p.mailbox) this.inFlightByMailbox.set(p.mailbox, (this.inFlightByMailbox.get(p.mailbox) ?? 0) + 1);
      void this.send(chosen, token).finally(() => {
        this.inFlight--;
        for (const p of chosen) {
          if (!p.mailbox) continue;
          const n = (this.inFlightByMailbox.get(p.mailbox) ?? 1) - 1;
          if (n <= 0) this.inFlightByMailbox.delete(p.mailbox);
          else this.inFlightByMailbox.set(p.mailbox, n);
        }
        this.schedulePump();
      });
    }
  }

  /**
   * The next envelopes, in one pass over the queue: ready requests in order, one Graph version
   * per envelope, mailbox limits kept, at most `room` envelopes and `budget` requests; with
   * `fullOnly`, only envelopes that are full (the others stay queued).
   */
  private take(now: number, room: number, budget: number, fullOnly = false): Pending[][] {
    const out: Pending[][] = [];
    const open = new Map<string, Pending[]>();
    const extra = new Map<string, number>();
    const limit = this.batching ? this.batchSize : 1;
    const taken = new Set<Pending>();
    let requests = 0;
    for (const p of this.queue) {
      if (out.length >= room || requests >= budget) break;
      const busy = p.mailbox ? (this.inFlightByMailbox.get(p.mailbox) ?? 0) + (extra.get(p.mailbox) ?? 0) : 0;
      if (p.notBefore > now || busy >= this.perMailbox) continue;
      const version = p.req.version;
      let env = open.get(version);
      if (!env) {
        // A new envelope needs room beside the full ones and those being filled.
        if (out.length + open.size >= room) continue;
        env = [];
        open.set(version, env);
      }
      env.push(p);
      taken.add(p);
      requests++;
      if (p.mailbox) extra.set(p.mailbox, (extra.get(p.mailbox) ?? 0) + 1);
      if (env.length >= limit) {
        out.push(env);
        open.delete(version);
      }
    }
    if (fullOnly) for (const env of open.values()) for (const p of env) taken.delete(p);
    else for (const env of open.values()) out.push(env);
    if (taken.size) {
      this.queue = this.queue.filter((p) => !taken.has(p));
    }
    return out;
  }

  /** Wakes the pump when the earliest delayed request becomes due. */
  private armTimer(now: number): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    let due = Infinity;
    for (const p of this.queue) if (p.notBefore > now && p.notBefore < due) due = p.notBefore;
    // Out of budget: the pump runs again when the oldest sends leave the 10-second window.
    if (this.queue.length && this.budgetLeft(now) <= 0) due = Math.min(due, (this.recent[0]?.at ?? now) + BUDGET_WINDOW_MS);
    if (!Number.isFinite(due)) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.pump();
      },
      Math.max(0, due - now),
    );
  }

  private requeue(p: Pending, waitMs: number): void {
    p.notBefore = Date.now() + waitMs;
    this.queue.push(p);
  }

  /** Settles one request from its answer: done, or queued again after Retry-After. */
  private settle(p: Pending, res: SubResponse): void {
    p.attempts++;
    if (res.status === 401 && !p.renewed) {
      p.renewed = true;
      this.t.forgetToken();
      this.tickToken = null;
      this.requeue(p, 0);
      return;
    }
    if (shouldRetry(res.status, p.req) && p.attempts < this.maxAttempts) {
      this.requeue(p, retryAfterMs(res.headers, p.attempts - 1, this.maxRetryWaitMs));
      return;
    }
    // A repeatable write sent again that now finds nothing: an earlier try did it (or the item is
    // gone anyway). Answered as done without a body.
    if (res.status === 404 && p.attempts > 1 && isRepeatableWrite(p.req)) {
      p.resolve({ status: 204, headers: {}, body: undefined });
      return;
    }
    p.resolve(res);
  }

  /** Sends one envelope: at once when the token is at hand, else once it is. */
  private send(chosen: Pending[], token: string | Promise<string>): Promise<void> {
    if (typeof token === 'string') return this.sendWith(chosen, token);
    return token.then(
      (t) => this.sendWith(chosen, t),
      (err: unknown) => {
        // No token, no request: every waiting request fails with the same one-line reason.
        for (const p of chosen) p.reject(err);
        this.failAll(err);
      },
    );
  }

  private sendWith(chosen: Pending[], token: string): Promise<void> {
    this.envelopes++;
    this.sent += chosen.length;
    if (chosen.length === 1) return this.sendOne(chosen[0] as Pending, token);
    return this.sendBatch(chosen, token);
  }

  private async sendOne(p: Pending, token: string): Promise<void> {
    const { req } = p;
    const hasBody = req.body !== undefined;
    try {
      const res = await this.t.http.send({
        method: req.method,
        url: `${this.t.root}/${req.version}${req.url}`,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
          ...req.headers,
        },
        body: hasBody ? (typeof req.body === 'string' ? req.body : JSON.stringify(req.body)) : undefined,
        verifySsl: this.t.verifySsl,
        signal: this.t.signal,
        retries: 0,
        maxBytes: maxBytesFor([req]),
      });
      this.settle(p, { status: res.status, headers: res.headers, body: parseBody(res.body, res.headers['content-type'] ?? '') });
    } catch (err) {
      this.networkFailure([p], err);
    }
  }

  private async sendBatch(chosen: Pending[], token: string): Promise<void> {
    const requests = chosen.map((p, i) => {
      const r: Record<string, unknown> = { id: String(i + 1), method: p.req.method, url: p.req.url };
      if (p.req.body !== undefined) {
        r.body = p.req.body;
        r.headers = { 'Content-Type': 'application/json', ...p.req.headers };
      } else if (p.req.headers && Object.keys(p.req.headers).length) r.headers = p.req.headers;
      return r;
    });
    const version = chosen[0]?.req.version ?? 'v1.0';
    let status: number;
    let headers: Record<string, string>;
    let body: unknown;
    try {
      const res = await this.t.http.send({
        method: 'POST',
        url: `${this.t.root}/${version}/$batch`,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ requests }),
        verifySsl: this.t.verifySsl,
        signal: this.t.signal,
        retries: 0,
        maxBytes: maxBytesFor(chosen.map((p) => p.req)),
      });
      status = res.status;
      headers = res.headers;
      body = parseBody(res.body, res.headers['content-type'] ?? '');
    } catch (err) {
      // Too large together (several attachments): each read is asked for alone; a write may have run, so it fails.
      if (err instanceof ResponseTooLargeError && chosen.length > 1) {
        for (const p of chosen) {
          if (p.req.method !== 'GET') p.reject(err);
          else {
            this.envelopes++;
            await this.sendOne(p, token);
          }
        }
        return;
      }
      this.networkFailure(chosen, err);
      return;
    }
    if (status < 200 || status >= 300) {
      // The envelope itself was refused (throttled, token expired, bad payload): none of its requests ran.
      for (const p of chosen) this.settle(p, { status, headers, body });
      return;
    }
    const responses = Array.isArray((body as { responses?: unknown })?.responses)
      ? ((body as { responses: unknown[] }).responses as Array<Record<string, unknown>>)
      : [];
    // Sub-request i has id i + 1; Graph may answer them in any order.
    const byIndex: Array<Record<string, unknown> | undefined> = new Array(chosen.length);
    for (const r of responses) {
      const i = Number(r.id) - 1;
      if (i >= 0 && i < chosen.length) byIndex[i] = r;
    }
    chosen.forEach((p, i) => {
      const r = byIndex[i];
      if (!r) {
        p.reject(new UnreachableError('Microsoft Graph answered a batch without a response for one of its requests.'));
        return;
      }
      const h = lowerHeaders(r.headers);
      let b = r.body;
      // Graph base64-encodes non-JSON sub-response bodies.
      if (typeof b === 'string' && !/json/i.test(h['content-type'] ?? '')) {
        try {
          b = Buffer.from(b, 'base64').toString('utf8');
        } catch {
          /* keep as is */
        }
      }
      this.settle(p, { status: Number(r.status), headers: h, body: b });
    });
  }

  /** A lost connection: reads are sent again after a pause; a write may have run, so it fails. */
  private networkFailure(chosen: Pending[], err: unknown): void {
    for (const p of chosen) {
      p.attempts++;
      if (p.req.method === 'GET' && p.attempts < this.maxAttempts && !this.t.signal?.aborted && !(err instanceof ResponseTooLargeError))
        this.requeue(p, Math.min(250 * 2 ** (p.attempts - 1), 8000));
      else p.reject(err);
    }
  }
}

/**
 * An ActionContext for unit tests of one action's `run`: its HTTP layer answers from fixtures
 * (method + URL → status and JSON body), and it records what the action sent, reported and saved.
 * No Redis, no worker, no emulator: the end-to-end tests (test/integration) cover those.
 *
 *   const ctx = fakeActionContext({ instance: graphInstance, http: [{ method: 'GET', url: `${GRAPH}/v1.0/users/a%40x.com/presence`, body: {...} }] });
 *   const result = await runAction(spec, ctx, params);
 *   expect(ctx.sent.map((r) => r.url)).toEqual([...]);
 *
 * A Graph `$batch` envelope is unpacked and each request in it answered from the same fixtures, so a
 * test does not depend on which requests the client chose to batch. Token endpoints answer with a
 * token unless a fixture says otherwise.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import pino from 'pino';
import type { ActionContext, FileStore } from '../../handlers/kit/context';
import type { HttpClient, HttpRequest, HttpResponse } from '../../handlers/kit/http';
import type { ActionResult } from '../../handlers/kit/outcome';
import type { ActionSpec } from '../../handlers/kit/spec';
import { UserError } from '../../handlers/kit/errors';

export interface HttpFixture {
  method?: string;
  /** The full URL (its query string compared only when the fixture has one), or a pattern tested on the full URL. */
  url: string | RegExp;
  status?: number;
  /** JSON-encoded unless a string or Buffer. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SentRequest {
  method: string;
  url: string;
  body?: unknown;
}

export interface FakeActionContext extends ActionContext {
  /** Every request the action made, in order (those inside a `$batch` listed one by one). */
  sent: SentRequest[];
  /** Requests no fixture answered (each got a 404). */
  unanswered: SentRequest[];
  progressReports: Array<{ done: number; total: number; text?: string }>;
  /** Instance parameters the action stored (e.g. a rotated refresh token). */
  saved: Record<string, string>;
}

export interface FakeActionContextOptions {
  instance?: Record<string, unknown>;
  http?: HttpFixture[];
  environment?: string;
  state?: unknown;
  attempt?: number;
  dryRun?: boolean;
  signal?: AbortSignal;
}

const TOKEN_URL = /\/oauth2\/(v2\.0\/)?token$/;

function matches(fixture: HttpFixture, method: string, url: string): boolean {
  if ((fixture.method ?? 'GET').toUpperCase() !== method) return false;
  if (fixture.url instanceof RegExp) return fixture.url.test(url);
  return fixture.url.includes('?') ? fixture.url === url : fixture.url === url.split('?')[0];
}

function decodedBody(body: HttpRequest['body']): unknown {
  if (body === undefined) return undefined;
  const text = body.toString();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function response(url: string, status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  const isRaw = typeof body === 'string' || Buffer.isBuffer(body);
  const bytes = body === undefined ? Buffer.alloc(0) : isRaw ? Buffer.from(body as string | Buffer) : Buffer.from(JSON.stringify(body));
  const allHeaders = { ...(isRaw || body === undefined ? {} : { 'content-type': 'application/json' }), ...headers };
  return { status, headers: allHeaders, body: bytes, url, text: () => bytes.toString('utf8'), json: <T>() => JSON.parse(bytes.toString('utf8')) as T };
}

class FixtureHttp implements HttpClient {
  readonly sent: SentRequest[] = [];
  readonly unanswered: SentRequest[] = [];

  constructor(private readonly fixtures: HttpFixture[]) {}

  private answer(method: string, url: string, body: unknown): { status: number; body: unknown; headers?: Record<string, string> } {
    const request = { method, url, body };
    this.sent.push(request);
    const fixture = this.fixtures.find((f) => matches(f, method, url));
    if (fixture) return { status: fixture.status ?? 200, body: fixture.body, headers: fixture.headers };
    if (method === 'POST' && TOKEN_URL.test(url)) return { status: 200, body: { access_token: 'fake-access-token', token_type: 'Bearer', expires_in: 3600 } };
    this.unanswered.push(request);
    return { status: 404, body: { error: { code: 'NoFixture', message: `No fixture answers ${method} ${url}` } } };
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const method = (req.method ?? 'GET').toUpperCase();
    const batch = /^(.*)\/([^/]+)\/\$batch$/.exec(req.url);
    if (method === 'POST' && batch) {
      const [, root, version] = batch;
      const { requests } = decodedBody(req.body) as { requests: Array<{ id: string; method: string; url: string; body?: unknown }> };
      const responses = requests.map((r) => {
        const path = r.url.startsWith('/') ? r.url : `/${r.url}`;
        const a = this.answer(r.method.toUpperCase(), `${root}/${version}${path}`, r.body);
        return { id: r.id, status: a.status, headers: { 'content-type': 'application/json', ...a.headers }, body: a.body };
      });
      return response(req.url, 200, { responses });
    }
    const a = this.answer(method, req.url, decodedBody(req.body));
    return response(req.url, a.status, a.body, a.headers);
  }
}

/** A files root in a fresh temporary folder, confined the way the real one is. */
function tempFiles(): FileStore {
  let root: string | undefined;
  const rootDir = (): string => (root ??= mkdtempSync(join(tmpdir(), 'chatsoar-unit-')));
  const files: FileStore = {
    get root() {
      return rootDir();
    },
    resolve(userPath: string): string {
      const full = resolve(rootDir(), userPath);
      const rel = relative(rootDir(), full);
      if (rel.startsWith('..') || isAbsolute(rel)) throw new UserError(`The path ${userPath} is outside the files folder.`);
      return full;
    },
    async write(name: string, data: Buffer | string): Promise<string> {
      const full = files.resolve(join('job', name));
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, data);
      return relative(rootDir(), full);
    },
  };
  return files;
}

export function fakeActionContext(opts: FakeActionContextOptions = {}): FakeActionContext {
  const http = new FixtureHttp(opts.http ?? []);
  const instance = { ...(opts.instance ?? {}) };
  const progressReports: FakeActionContext['progressReports'] = [];
  const saved: Record<string, string> = {};
  return {
    // A fresh name per context: the token cache is keyed by environment, so no test sees another's token.
    environment: opts.environment ?? `unit-${Math.random().toString(36).slice(2, 10)}`,
    instance,
    http,
    log: pino({ level: 'silent' }),
    async progress(done, total, text) {
      progressReports.push({ done, total, text });
    },
    files: tempFiles(),
    state: opts.state,
    attempt: opts.attempt ?? 0,
    signal: opts.signal ?? new AbortController().signal,
    async saveInstanceParam(id, value) {
      saved[id] = value;
      instance[id] = value;
    },
    publicUrl: 'http://127.0.0.1:3978',
    job: { id: 'job-1', requestedBy: 'slack:U1', conversationId: 'slack:C1', dryRun: opts.dryRun ?? false, timeoutAt: Date.now() + 60_000 },
    sent: http.sent,
    unanswered: http.unanswered,
    progressReports,
    saved,
  };
}

/** Runs an action once and returns its finished result (a `pending` outcome or a missing `run` is an error). */
export async function runAction(spec: ActionSpec, ctx: ActionContext, params: Record<string, unknown> = {}): Promise<ActionResult> {
  if (!spec.run) throw new Error(`${spec.id} has no run`);
  const outcome = await spec.run(ctx, params);
  if (outcome.kind !== 'result') throw new Error(`${spec.id} is still pending: ${JSON.stringify(outcome.state)}`);
  return outcome;
}

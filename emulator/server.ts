/**
 * The one node:http server: every root on one origin. Routes by the first path segment —
 * `/v1.0`, `/beta` → Graph; `/api/v2.0` → attachment upload URLs (Exchange's
 * `outlook.office.com/api/v2.0/…`); `/api` → Management Activity API; `/_emulator` → control;
 * anything else → the identity platform (`/{tenant}/oauth2/…`). Applies faults and latency,
 * records mutating requests in the ledger and every upload-URL request in `state.uploadLog`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { moveOf, type EmuContext, type LedgerEntry } from './context';
import { handleControl, type ControlHooks } from './control';
import type { Faults, FaultDecision } from './faults';
import { handleGraph } from './graph';
import { aadError, graphError, json, managementError, pathSegments, readBody, send, type EmuRequest, type EmuResponse } from './http';
import { handleLogin } from './login';
import { ensureMailArrivals } from './mail-arrival';
import { handleManagement } from './management';
import { handleUpload, isUploadPath, recordUpload } from './upload-session';
import type { EmulatorState } from './state';

type Root = 'graph' | 'upload' | 'management' | 'login';

const MUTATING_SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function rootOf(segments: string[]): Root {
  const s0 = segments[0];
  if (s0 === 'v1.0' || s0 === 'beta') return 'graph';
  if (isUploadPath(segments)) return 'upload';
  if (s0 === 'api') return 'management';
  return 'login';
}

/** The root's own error shape for an injected failure. */
function failureResponse(root: Root, req: EmuRequest, f: NonNullable<FaultDecision['failure']>): EmuResponse {
  const extra: Record<string, string> = { ...(f.retryAfterSeconds !== null ? { 'retry-after': String(f.retryAfterSeconds) } : {}), ...(f.headers ?? {}) };
  if (f.body !== undefined) {
    const isJson = typeof f.body !== 'string' && !Buffer.isBuffer(f.body);
    return { status: f.status, headers: { 'content-type': isJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8', ...extra }, body: f.body };
  }
  const s = f.status;
  // Exchange's upload URLs answer errors in Graph's shape too.
  if (root === 'graph' || root === 'upload') {
    const [code, message] =
      s === 429
        ? ['TooManyRequests', 'Too many requests. Retry after the time in the Retry-After header.']
        : s === 503
          ? ['ServiceUnavailable', 'The service is temporarily unavailable. Retry after the time in the Retry-After header.']
          : s === 401
            ? ['InvalidAuthenticationToken', 'Access token has expired or is not yet valid.']
            : s === 403
              ? ['ErrorAccessDenied', 'Access is denied. Check credentials and try again.']
              : s === 404
                ? ['ErrorItemNotFound', 'The specified object was not found in the store.']
                : s === 504
                  ? ['GatewayTimeout', 'The gateway timed out.']
                  : s >= 500
                    ? ['InternalServerError', 'An internal server error occurred.']
                    : ['BadRequest', 'Injected failure.'];
    return graphError(s, code, message, extra);
  }
  if (root === 'management') {
    if (s === 429) return managementError(429, 'AF429', 'Too many requests. Method=GetBlob, PublisherId=00000000-0000-0000-0000-000000000000', extra);
    if (s >= 500) return managementError(s, 'AF50000', 'An internal error occurred. Retry the request.', extra);
    return managementError(s, `AF${s}`, 'Injected failure.', extra);
  }
  const r =
    s === 429
      ? aadError(
          429,
          'temporarily_unavailable',
          50196,
          'The server terminated an operation because it encountered a client request loop. Please contact your app vendor.',
          req.baseUrl,
        )
      : s >= 500
        ? aadError(s, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.', req.baseUrl)
        : aadError(s, 'invalid_request', 90014, 'Injected failure.', req.baseUrl);
  return { ...r, headers: { ...(r.headers ?? {}), ...extra } };
}

function internalError(root: Root, req: EmuRequest, err: unknown): EmuResponse {
  const message = `Emulator error: ${err instanceof Error ? err.message : String(err)}`;
  if (root === 'graph' || root === 'upload') return graphError(500, 'InternalServerError', message);
  if (root === 'management') return managementError(500, 'AF50000', message);
  return aadError(500, 'server_error', 90033, message, req.baseUrl);
}

/** `GET /`: what this is and where things are. */
function index(req: EmuRequest, state: EmulatorState): EmuResponse {
  const tenants = [...state.tenants.values()];
  return json(200, {
    name: 'chatsoar Microsoft 365 emulator',
    loginRoot: req.baseUrl,
    graphRoot: req.baseUrl,
    managementRoot: req.baseUrl,
    tenants: tenants.map((t) => ({ id: t.id, domains: t.domains, tokenEndpoint: `${req.baseUrl}/${t.id}/oauth2/v2.0/token` })),
    apps: [...state.apps.values()].map((a) => ({ clientId: a.clientId, tenantId: a.tenantId })),
    mailboxes: [...state.mailboxes.keys()],
    control: `${req.baseUrl}/_emulator/`,
  });
}

function notFound(req: EmuRequest): EmuResponse {
  return json(404, { error: { code: 'NotFound', message: `No route for ${req.method} ${req.path}` } });
}

async function route(req: EmuRequest, ctx: EmuContext, root: Root): Promise<EmuResponse> {
  if (root === 'graph') {
    ensureMailArrivals(ctx.state);
    return handleGraph(req, ctx);
  }
  if (root === 'upload') return handleUpload(req, ctx);
  if (root === 'management') return handleManagement(req, ctx);
  return handleLogin(req, ctx) ?? notFound(req);
}

export interface EmulatorServer {
  server: Server;
  ctx: EmuContext;
}

/** Builds the server (not listening yet). */
export function createEmulatorServer(state: EmulatorState, faults: Faults, ledger: LedgerEntry[], hooks: ControlHooks): EmulatorServer {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  /** In-flight Graph requests per `<bearer token>|<mailbox>` (settings.mailboxConcurrencyLimit). */
  const inFlight = new Map<string, number>();

  /** The key a Graph request counts against, or null when it names no mailbox. */
  function mailboxKey(req: EmuRequest): string | null {
    const s = req.segments;
    if (rootOf(s) !== 'graph' || s[1] !== 'users' || !s[2] || s.length < 4) return null;
    return `${req.headers.authorization ?? ''}|${s[2].toLowerCase()}`;
  }

  const ctx: EmuContext = {
    state,
    faults,
    ledger,
    async dispatch(req: EmuRequest): Promise<EmuResponse> {
      const root = rootOf(req.segments);
      const time = new Date().toISOString();
      const limit = state.settings.mailboxConcurrencyLimit;
      let key = limit > 0 ? mailboxKey(req) : null;
      // Excess requests are refused as they arrive (and hold no slot), as Exchange does.
      const overLimit = key !== null && (inFlight.get(key) ?? 0) >= limit;
      if (overLimit) key = null;
      if (key) inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      let res: EmuResponse;
      try {
        const decision = faults.decide(req.method, req.path);
        if (decision.latencyMs > 0 && !req.inBatch) await sleep(decision.latencyMs);
        if (overLimit) {
          res = graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'retry-after': '1' });
        } else if (decision.failure) {
          res = failureResponse(root, req, decision.failure);
        } else {
          try {
            res = await route(req, ctx, root);
          } catch (err) {
            res = internalError(root, req, err);
          }
        }
      } finally {
        if (key) {
          const n = (inFlight.get(key) ?? 1) - 1;
          if (n <= 0) inFlight.delete(key);
          else inFlight.set(key, n);
        }
      }
      if (root === 'upload') recordUpload(ctx, req, res, time);
      if (!MUTATING_SAFE.has(req.method)) {
        const move = res.status < 300 ? moveOf(res) : undefined;
        ledger.push({
          method: req.method,
          path: req.path,
          query: req.query.toString(),
          time,
          status: res.status,
          batch: req.inBatch === true,
          ...(move ? { move } : {}),
        });
      }
      return res;
    },
  };

  async function onRequest(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (raw.method ?? 'GET').toUpperCase();
    const proto =
      String(raw.headers['x-forwarded-proto'] ?? 'http')
        .split(',')[0]
        ?.trim() || 'http';
    const host = raw.headers.host ?? `${(raw.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '')}:${raw.socket.localPort ?? 0}`;
    const baseUrl = `${proto}://${host}`;
    const url = new URL(raw.url ?? '/', baseUrl);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    let body: Buffer;
    try {
      body = await readBody(raw);
    } catch {
      send(res, json(413, { error: { code: 'RequestEntityTooLarge', message: 'Request body too large.' } }), method);
      return;
    }
    const req: EmuRequest = { method, path: url.pathname, segments: pathSegments(url.pathname), query: url.searchParams, headers, body, baseUrl };
    let out: EmuResponse;
    if (req.segments[0] === '_emulator') out = handleControl(req, ctx, hooks);
    else if (req.segments.length === 0 && (method === 'GET' || method === 'HEAD')) out = index(req, state);
    else out = await ctx.dispatch(req);
    send(res, out, method);
  }

  const server = createServer((raw, res) => {
    onRequest(raw, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, json(500, { error: { code: 'InternalServerError', message: String(err) } }), 'GET');
      else res.destroy();
    });
  });
  return { server, ctx };
}

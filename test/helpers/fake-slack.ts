/**
 * A fake Slack Web API on 127.0.0.1 (what is remote is faked, as an HTTP server): records every
 * call, answers like Slack (ok/error, ts), and can throttle with 429 + Retry-After.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHmac } from 'node:crypto';

export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  at: number;
  /** The token the call carried (Authorization: Bearer, or a `token` field). */
  token?: string;
}

export interface FakeSlack {
  url: string;
  calls: SlackCall[];
  /** Messages by ts, as last posted or updated. */
  messages: Map<string, Record<string, unknown>>;
  /** The next N calls of `method` (to `channel`, when given) answer 429 with Retry-After seconds. */
  throttle(method: string, times: number, retryAfterSeconds: number, channel?: string): void;
  /** The next N calls of `method` (Infinity: all) answer with HTTP `status` (default 500). */
  fail(method: string, times: number, status?: number): void;
  /** The next N calls of `method` are carried out but their answer is lost (the connection drops). */
  loseAnswers(method: string, times: number): void;
  waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  if (type.includes('multipart/form-data')) return { _multipart: true, size: raw.length };
  const form = new URLSearchParams(raw);
  const out: Record<string, unknown> = {};
  for (const [k, v] of form) {
    try {
      out[k] = ['blocks', 'attachments', 'view', 'files', 'metadata'].includes(k) ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const messages = new Map<string, Record<string, unknown>>();
  const throttles = new Map<string, { times: number; retryAfter: number; channel?: string }>();
  const failures = new Map<string, { times: number; status: number }>();
  const lost = new Map<string, number>();
  let seq = 1000;
  /** Slack timestamps are the post's epoch seconds with a unique fraction. */
  const nextTs = (): string => `${Math.floor(Date.now() / 1000)}.${String(seq++ % 1_000_000).padStart(6, '0')}`;
  let server: Server;
  let base = '';

  const answer = (method: string, body: Record<string, unknown>): Record<string, unknown> => {
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'chatsoar' };
      case 'chat.postMessage': {
        const ts = nextTs();
        messages.set(ts, { ...body, ts });
        return { ok: true, channel: body.channel, ts, message: { ...body, ts } };
      }
      case 'chat.update': {
        const ts = String(body.ts);
        if (!messages.has(ts)) return { ok: false, error: 'message_not_found' };
        messages.set(ts, { ...messages.get(ts), ...body });
        return { ok: true, channel: body.channel, ts };
      }
      case 'conversations.history':
      case 'conversations.replies': {
        // Newest first, like Slack; metadata only with include_all_metadata.
        const oldest = Number(body.oldest ?? 0);
        const inThread = method === 'conversations.replies';
        const withMeta = String(body.include_all_metadata) === 'true';
        const found = [...messages.values()]
          .filter((m) => m.channel === body.channel && Number(m.ts) >= oldest && (inThread ? m.thread_ts === body.ts || m.ts === body.ts : !m.thread_ts))
          .sort((a, b) => Number(b.ts) - Number(a.ts))
          .slice(0, Number(body.limit ?? 100))
          .map(({ metadata, ...m }) => (withMeta && metadata ? { ...m, metadata } : m));
        return { ok: true, messages: found, has_more: false };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'views.open':
      case 'views.update':
        return { ok: true, view: { id: `V${seq++}`, ...(body.view as object) } };
      case 'files.getUploadURLExternal':
        return { ok: true, upload_url: `${base}/upload/F${seq}`, file_id: `F${seq++}` };
      case 'files.completeUploadExternal':
        return { ok: true, files: body.files };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = req.url ?? '';
    if (url.startsWith('/upload/')) {
      calls.push({ method: 'upload', body, at: Date.now() });
      res.writeHead(200);
      res.end('OK');
      return;
    }
    const method = url
      .replace(/^\/api\//, '')
      .replace(/^\//, '')
      .split('?')[0]!;
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? (typeof body.token === 'string' ? body.token : undefined);
    calls.push({ method, body, at: Date.now(), token });
    const f = failures.get(method);
    if (f && f.times > 0) {
      f.times--;
      res.writeHead(f.status, { 'content-type': 'text/plain' });
      res.end('fake Slack: failing on purpose');
      return;
    }
    const t = throttles.get(method);
    if (t && t.times > 0 && (!t.channel || t.channel === body.channel)) {
      t.times--;
      res.writeHead(429, { 'Retry-After': String(t.retryAfter), 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const result = answer(method, body);
    if ((lost.get(method) ?? 0) > 0) {
      lost.set(method, lost.get(method)! - 1);
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(result));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  return {
    url: `${base}/api/`,
    calls,
    messages,
    throttle(method, times, retryAfterSeconds, channel) {
      throttles.set(method, { times, retryAfter: retryAfterSeconds, channel });
    },
    loseAnswers(method, times) {
      lost.set(method, times);
    },
    fail(method, times, status = 500) {
      failures.set(method, { times, status });
    },
    async waitFor(predicate, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline) throw new Error(`fake Slack: condition not met in ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Signs a Slack request body the way Slack does (v0 HMAC-SHA256 of `v0:ts:body`). */
export function slackSignature(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const sig = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': sig, 'x-slack-request-timestamp': String(timestamp) };
}

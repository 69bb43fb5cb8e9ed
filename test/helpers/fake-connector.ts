/**
 * A fake Bot Connector service on 127.0.0.1: the serviceUrl of test activities. Records every
 * reply, proactive post and in-place update, and can throttle with 429 + Retry-After. Like the
 * real one, POST /v3/conversations opens a conversation (a 1:1 chat with one member; asked again
 * for the same member, it answers the same id).
 */
import { createServer, type Server } from 'node:http';

export interface ConnectorCall {
  method: 'POST' | 'PUT';
  conversationId: string;
  activityId?: string;
  /** The id the connector gave a posted activity. */
  id?: string;
  activity: Record<string, unknown>;
  at: number;
}

/** A conversation the bot opened with POST /v3/conversations. */
export interface CreatedConversation {
  id: string;
  /** The request: isGroup, bot, members, tenantId, channelData, activity. */
  parameters: Record<string, unknown>;
  at: number;
}

export interface FakeConnector {
  /** Conversations opened by the bot, in order (the same 1:1 chat appears once per request). */
  created: CreatedConversation[];
  /** serviceUrl to put in activities (ends with `/`). */
  serviceUrl: string;
  calls: ConnectorCall[];
  /** Current text of each activity the bot posted, after updates. */
  activities: Map<string, Record<string, unknown>>;
  throttle(times: number, retryAfterSeconds: number): void;
  waitFor(predicate: (calls: ConnectorCall[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeConnector(): Promise<FakeConnector> {
  const calls: ConnectorCall[] = [];
  const activities = new Map<string, Record<string, unknown>>();
  const created: CreatedConversation[] = [];
  /** The 1:1 chat of each member id. */
  const personal = new Map<string, string>();
  let port = 0;
  let throttle = { times: 0, retryAfter: 1 };
  let seq = 1;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
    if (req.method === 'POST' && /^\/v3\/conversations\/?(\?.*)?$/.test(req.url ?? '')) {
      const members = Array.isArray(body.members) ? (body.members as Array<{ id?: unknown }>) : [];
      if (body.isGroup || members.length !== 1 || typeof members[0]?.id !== 'string' || !members[0].id) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'BadArgument', message: 'A 1:1 conversation needs exactly one member with an id.' } }));
        return;
      }
      const member = members[0].id as string;
      const id = personal.get(member) ?? `a:private-${personal.size + 1}`;
      personal.set(member, id);
      created.push({ id, parameters: body, at: Date.now() });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, serviceUrl: `http://127.0.0.1:${port}/` }));
      return;
    }
    const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404);
      res.end();
      return;
    }
    if (throttle.times > 0) {
      throttle.times--;
      res.writeHead(429, { 'Retry-After': String(throttle.retryAfter) });
      res.end();
      return;
    }
    const conversationId = decodeURIComponent(m[1]!);
    const activityId = m[2] ? decodeURIComponent(m[2]) : undefined;
    const method = req.method === 'PUT' ? 'PUT' : 'POST';
    calls.push({ method, conversationId, activityId, activity: body, at: Date.now() });
    if (method === 'PUT' && activityId) {
      activities.set(activityId, body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: activityId }));
      return;
    }
    const id = `act-${seq++}`;
    calls[calls.length - 1]!.id = id;
    activities.set(id, body);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    created,
    calls,
    activities,
    throttle(times, retryAfterSeconds) {
      throttle = { times, retryAfter: retryAfterSeconds };
    },
    async waitFor(predicate, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline) throw new Error(`fake connector: condition not met in ${timeoutMs} ms (${calls.length} calls)`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

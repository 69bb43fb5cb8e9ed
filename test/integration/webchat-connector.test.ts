/**
 * The web chat's Bot Connector subset (bot/webchat/connector.ts) and its room API
 * (bot/webchat/routes.ts), against a real Redis and botbuilder's own CloudAdapter as the client:
 * post, reply, update in place, since-revision listing, long-poll, cross-process reads, caps and
 * refusals. A small bot on /api/messages stands in for chatsoar's TeamsBot.
 */
import restify, { type Server } from 'restify';
import Redis from 'ioredis';
import pino from 'pino';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ActivityTypes, TurnContext, type ConversationReference } from 'botbuilder';
import { createAdapter } from '../../bot/teams/adapter';
import { mountWebchat } from '../../bot/webchat/routes';
import { WebchatStore, type Listing } from '../../bot/webchat/store';
import type { Runtime } from '../../lib/runtime';
import type { Settings } from '../../lib/settings';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = pino({ level: 'silent' });

interface Harness {
  server: Server;
  base: string;
  redis: Redis;
  prefix: string;
  received: Array<Record<string, unknown>>;
  references: ConversationReference[];
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function json(res: Response): Promise<any> {
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

function settingsFor(port: number, prefix: string, appId?: string): Settings {
  return {
    port,
    publicUrl: `http://127.0.0.1:${port}`,
    asyncPollMs: 50,
    botFramework: { MicrosoftAppId: appId },
    filesDir: '/tmp',
    webchat: true,
    redisPrefix: prefix,
  };
}

/** A restify server with the web chat mounted and an echo bot on /api/messages (botbuilder's CloudAdapter, no auth). */
async function start(appId?: string): Promise<Harness> {
  const server = restify.createServer({ handleUncaughtExceptions: false } as restify.ServerOptions);
  server.use(restify.plugins.queryParser({ mapParams: false }));
  const port = await listen(server);
  const prefix = `t-${Date.now()}-${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const received: Array<Record<string, unknown>> = [];
  const references: ConversationReference[] = [];
  const adapter = createAdapter({});
  server.post('/api/messages', restify.plugins.bodyParser({ mapParams: false }), async (req, res) => {
    await adapter.process(req as never, res as never, async (ctx) => {
      received.push(ctx.activity as unknown as Record<string, unknown>);
      references.push(TurnContext.getConversationReference(ctx.activity) as ConversationReference);
      if (ctx.activity.type === ActivityTypes.Invoke) {
        await ctx.sendActivity(`clicked ${(ctx.activity.value as { action: { verb: string } }).action.verb}`);
        await ctx.sendActivity({
          type: ActivityTypes.InvokeResponse,
          value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Done' } },
        });
        return;
      }
      if (ctx.activity.value) await ctx.sendActivity(`submitted ${JSON.stringify(ctx.activity.value)}`);
      else await ctx.sendActivity(`echo: ${ctx.activity.text}`);
    });
  });
  mountWebchat(server, { redis, settings: settingsFor(port, prefix, appId), log: silent } as unknown as Runtime);
  return { server, base: `http://127.0.0.1:${port}`, redis, prefix, received, references };
}

async function stop(h: Harness): Promise<void> {
  await new Promise<void>((resolve) => h.server.close(() => resolve()));
  h.redis.disconnect();
}

async function listing(h: Harness, room: string, since = 0, wait = 0): Promise<Listing> {
  const res = await fetch(`${h.base}/webchat/api/rooms/${room}/activities?since=${since}&wait=${wait}`);
  expect(res.status).toBe(200);
  return (await json(res)) as Listing;
}

function say(h: Harness, room: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.base}/webchat/api/rooms/${room}/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('web chat connector (Bot Connector REST subset)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start();
  });
  afterAll(async () => {
    await stop(h);
  });

  test('POST activities stores a bot activity and answers { id }', async () => {
    const res = await fetch(`${h.base}/webchat/v3/conversations/room1/activities`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'hello <b>there</b>', from: { id: 'chatsoar' }, serviceUrl: 'http://x/' }),
    });
    expect(res.status).toBe(200);
    const { id } = await json(res);
    expect(typeof id).toBe('string');
    const l = await listing(h, 'room1');
    expect(l.activities).toHaveLength(1);
    const [rec] = l.activities;
    expect(rec.id).toBe(id);
    expect(rec.activity).toMatchObject({
      id,
      type: 'message',
      text: 'hello <b>there</b>',
      conversation: { id: 'room1' },
      from: { id: 'chatsoar', role: 'bot' },
    });
    expect(rec.activity.serviceUrl).toBeUndefined();
    expect(l.revision).toBe(rec.revision);
    expect(rec.seq).toBe(rec.revision);
  });

  test('reply, update in place and since-revision listing', async () => {
    const room = 'room-2.x_y';
    const post = async (path: string, method: string, body: unknown) =>
      fetch(`${h.base}/webchat/v3/conversations/${room}/activities${path}`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const first = await json(await post('', 'POST', { type: 'message', text: 'Queued as job j-1234abcd' }));
    const reply = await json(await post(`/${first.id}`, 'POST', { type: 'message', text: 'a table in the thread' }));
    const before = await listing(h, room);
    expect(before.activities.map((r) => r.id)).toEqual([first.id, reply.id]);
    expect(before.activities[1].activity.replyToId).toBe(first.id);

    const upd = await post(`/${first.id}`, 'PUT', { type: 'message', text: 'Succeeded', replyToId: 'continuation-uuid' });
    expect(upd.status).toBe(200);
    expect(await json(upd)).toEqual({ id: first.id });

    const after = await listing(h, room, before.revision);
    expect(after.activities).toHaveLength(1);
    const rec = after.activities[0];
    expect(rec.id).toBe(first.id);
    expect(rec.activity.text).toBe('Succeeded');
    expect(rec.activity.lastUpdated).toEqual(expect.any(String));
    expect(rec.activity.timestamp).toBe(before.activities[0].activity.timestamp);
    expect(rec.activity.replyToId).toBeUndefined();
    expect(rec.revision).toBeGreaterThan(before.revision);
    expect(rec.seq).toBe(before.activities[0].seq);

    const all = await listing(h, room);
    expect(all.activities.map((r) => [r.id, r.activity.text])).toEqual([
      [first.id, 'Succeeded'],
      [reply.id, 'a table in the thread'],
    ]);
    expect((await listing(h, room, all.revision)).activities).toEqual([]);
  });

  test('update of an unknown activity is 404; bad names, bodies and sizes are refused', async () => {
    const put = await fetch(`${h.base}/webchat/v3/conversations/room3/activities/b-nope`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'x' }),
    });
    expect(put.status).toBe(404);
    expect((await json(put)).error.code).toBe('ActivityNotFound');

    for (const bad of ['bad%20room', 'a%2Fb', 'x'.repeat(65), 'caf%C3%A9', 'semi%3Bcolon']) {
      const res = await fetch(`${h.base}/webchat/v3/conversations/${bad}/activities`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'message', text: 'x' }),
      });
      expect([400, 404]).toContain(res.status);
      const listed = await fetch(`${h.base}/webchat/api/rooms/${bad}/activities`);
      expect([400, 404]).toContain(listed.status);
    }
    const space = await fetch(`${h.base}/webchat/v3/conversations/bad%20room/activities`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message' }),
    });
    expect(space.status).toBe(400);
    expect((await fetch(`${h.base}/webchat/api/rooms/ba!d/activities`)).status).toBe(400);

    const noType = await fetch(`${h.base}/webchat/v3/conversations/room3/activities`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"text":"x"}',
    });
    expect(noType.status).toBe(400);
    const big = await fetch(`${h.base}/webchat/v3/conversations/room3/activities`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'x'.repeat(300 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect((await fetch(`${h.base}/webchat/api/rooms/room3/activities?since=-1`)).status).toBe(400);
    expect((await fetch(`${h.base}/webchat/api/rooms/room3/activities?since=abc`)).status).toBe(400);
  });

  test("botbuilder's CloudAdapter posts, replies and updates through the connector", async () => {
    const room = 'adapter-room';
    const res = await say(h, room, { user: 'alice', text: 'hi bot' });
    expect(res.status).toBe(200);
    const sent = await json(res);
    const incoming = h.received.find((a) => a.id === sent.id)!;
    expect(incoming).toMatchObject({
      type: 'message',
      text: 'hi bot',
      channelId: 'webchat',
      serviceUrl: `${h.base}/webchat/`,
      conversation: { id: room },
      from: { id: 'alice', name: 'alice' },
      recipient: { id: 'chatsoar' },
    });
    expect(Number.isNaN(new Date(incoming.timestamp as string).getTime())).toBe(false);

    const turn = await listing(h, room);
    expect(turn.activities.map((r) => r.activity.text)).toEqual(['hi bot', 'echo: hi bot']);
    expect(turn.activities[0].activity.from).toMatchObject({ id: 'alice', role: 'user' });
    expect(turn.activities[1].activity.replyToId).toBe(sent.id);

    // Proactive, as the outbox does it (BotFrameworkSender): continueConversationAsync, send, update.
    const adapter = createAdapter({});
    const ref = h.references.find((r) => r.conversation.id === room)!;
    let postedId = '';
    await adapter.continueConversationAsync('', ref, async (ctx) => {
      postedId = (await ctx.sendActivity({ type: 'message', text: 'Queued as job j-1', textFormat: 'plain' }))!.id;
    });
    expect(postedId).toMatch(/^b-/);
    const mid = await listing(h, room);
    await adapter.continueConversationAsync('', ref, async (ctx) => {
      await ctx.updateActivity({ type: 'message', id: postedId, text: 'Job j-1 succeeded', conversation: ctx.activity.conversation });
    });
    const changed = await listing(h, room, mid.revision);
    expect(changed.activities.map((r) => [r.id, r.activity.text])).toEqual([[postedId, 'Job j-1 succeeded']]);
  });

  test('Action.Submit and Action.Execute become message value and adaptiveCard/action invoke', async () => {
    const room = 'cards';
    const submit = await say(h, room, { user: 'you', value: { verb: 'help', topic: 'graphmail' }, label: 'Graph Mail' });
    expect(submit.status).toBe(200);
    const invoke = await say(h, room, { user: 'you', invoke: { verb: 'help', data: { topic: 'azure' } }, label: 'Azure API' });
    expect(invoke.status).toBe(200);
    const answer = await json(invoke);
    expect(answer.invokeResponse).toMatchObject({ statusCode: 200, value: 'Done' });
    const inv = h.received.find((a) => a.id === answer.id)!;
    expect(inv).toMatchObject({
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb: 'help', data: { topic: 'azure' } } },
    });
    const l = await listing(h, room);
    expect(l.activities.map((r) => r.activity.text ?? r.activity.label)).toEqual([
      'Graph Mail',
      'submitted {"verb":"help","topic":"graphmail"}',
      'Azure API',
      'clicked help',
    ]);
  });

  test('the room API refuses bad input', async () => {
    const cases: Array<[unknown, number]> = [
      [{ user: 'you' }, 400],
      [{ user: 'bad user', text: 'x' }, 400],
      [{ user: 'x'.repeat(65), text: 'x' }, 400],
      [{ user: 'you', text: '   ' }, 400],
      [{ user: 'you', text: 'a', value: {} }, 400],
      [{ user: 'you', value: 'nope' }, 400],
      [{ user: 'you', invoke: { data: {} } }, 400],
      [{ user: 'you', invoke: { verb: 'x', data: [] } }, 400],
      [[1, 2], 400],
    ];
    for (const [body, status] of cases) expect((await say(h, 'room4', body)).status).toBe(status);
    expect((await say(h, 'bad!room', { user: 'you', text: 'x' })).status).toBe(400);
    expect((await say(h, 'room4', { user: 'you', text: 'x'.repeat(70 * 1024) })).status).toBe(413);
    const plain = await fetch(`${h.base}/webchat/api/rooms/room4/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'user=you&text=x',
    });
    expect(plain.status).toBe(415);
    expect((await say(h, 'room4', { user: 'you', text: 'x' }, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await listing(h, 'room4')).activities).toEqual([]);
  });

  test('long-poll wakes on a change; another process reads the same room from Redis', async () => {
    const room = 'lp';
    const t0 = Date.now();
    const waiting = listing(h, room, 0, 10);
    await new Promise((r) => setTimeout(r, 150));
    // A second store on its own connection plays a different process writing (e.g. a bot process behind the same load balancer).
    const otherRedis = new Redis(REDIS_URL);
    const other = new WebchatStore(otherRedis, h.prefix);
    await other.add(room, { id: 'b-elsewhere', type: 'message', text: 'from another process' });
    const l = await waiting;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(l.activities.map((r) => r.id)).toEqual(['b-elsewhere']);

    // …and that process sees what this one wrote.
    await fetch(`${h.base}/webchat/v3/conversations/${room}/activities`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'from here' }),
    });
    const seen = await other.list(room, l.revision);
    expect(seen.activities.map((r) => r.activity.text)).toEqual(['from here']);
    // An empty long-poll returns after its wait.
    const t1 = Date.now();
    const idle = await listing(h, room, seen.revision, 1);
    expect(idle.activities).toEqual([]);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(900);
    otherRedis.disconnect();
  });

  test('rooms are capped, expire, and a cursor ahead of the room resets', async () => {
    const store = new WebchatStore(h.redis, `${h.prefix}cap:`, { cap: 3, ttlMs: 60_000 });
    for (let i = 1; i <= 5; i++) await store.add('capped', { id: `a${i}`, type: 'message', text: `m${i}` });
    const l = await store.list('capped', 0);
    expect(l.activities.map((r) => r.id)).toEqual(['a3', 'a4', 'a5']);
    expect(await h.redis.hlen(`${h.prefix}cap:webchat:{capped}:data`)).toBe(3);
    expect(await h.redis.zcard(`${h.prefix}cap:webchat:{capped}:changes`)).toBe(3);
    const ttl = await h.redis.pttl(`${h.prefix}cap:webchat:{capped}:rev`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const reset = await store.list('capped', 999);
    expect(reset.reset).toBe(true);
    expect(reset.activities).toHaveLength(3);
    await expect(store.add('capped', { id: 'a5', type: 'message' })).rejects.toThrow(/already used/);
  });
});

describe('web chat shutdown', () => {
  test('closing the server ends pending long-polls at once', async () => {
    const h = await start();
    const res = fetch(`${h.base}/webchat/api/rooms/quiet/activities?since=0&wait=20`);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await stop(h);
    expect(Date.now() - t0).toBeLessThan(1500);
    const answer = await res;
    expect(answer.status).toBe(200);
    expect((await json(answer)).activities).toEqual([]);
  });
});

describe('web chat with MicrosoftAppId set', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start('11111111-2222-3333-4444-555555555555');
  });
  afterAll(async () => {
    await stop(h);
  });

  test('the page still loads but posting answers 503 with a one-line reason', async () => {
    expect((await fetch(`${h.base}/`)).status).toBe(200);
    const res = await say(h, 'demo', { user: 'you', text: 'help' });
    expect(res.status).toBe(503);
    const { error } = await json(res);
    expect(error.message).toMatch(/MicrosoftAppId/);
    expect(error.message).not.toMatch(/\n/);
    expect(h.received).toEqual([]);
  });
});

describe('web chat page and static files', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start();
  });
  afterAll(async () => {
    await stop(h);
  });

  test('GET / serves the page with a strict CSP; the renderer comes from node_modules', async () => {
    const page = await fetch(`${h.base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    const html = await page.text();
    expect(html).toContain('data-testid="chat-input"');
    expect(html).toContain('data-testid="chat-send"');
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(html).not.toMatch(/<script>(?!<\/script>)|\son[a-z]+=|style=/i);

    const cards = await fetch(`${h.base}/webchat/static/adaptivecards.js`);
    expect(cards.status).toBe(200);
    expect(cards.headers.get('content-type')).toMatch(/javascript/);
    expect(await cards.text()).toContain('AdaptiveCards');
    for (const f of ['page.js', 'page.css', 'icon.svg']) expect((await fetch(`${h.base}/webchat/static/${f}`)).status).toBe(200);
    expect((await fetch(`${h.base}/webchat/static/routes.ts`)).status).toBe(404);
    expect((await fetch(`${h.base}/webchat/static/..%2Froutes.ts`)).status).toBe(404);
  });

  test('the page script never puts text into innerHTML', async () => {
    const js = await (await fetch(`${h.base}/webchat/static/page.js`)).text();
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });
});

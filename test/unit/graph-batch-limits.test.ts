/**
 * The Graph scheduler's bounds are Graph's own limits: 4 requests in flight per mailbox, `$batch`
 * of at most 20, and the app's requests per 10 seconds; within them every ready request goes out
 * at once. A fake transport records what is sent and answers when told.
 */
import { makeResponse, type HttpClient, type HttpRequest, type HttpResponse } from '../../handlers/kit/http';
import { BatchScheduler, type SubRequest } from '../../handlers/microsoft-graph-mail/graph-batch';

interface Sent {
  req: HttpRequest;
  subRequests: Array<{ id: string; url: string }>;
  answer(): void;
}

function fakeHttp(): HttpClient & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    send(req: HttpRequest): Promise<HttpResponse> {
      return new Promise((resolve) => {
        const batch = /\/\$batch$/.test(req.url);
        const subRequests = batch ? (JSON.parse(String(req.body)) as { requests: Array<{ id: string; url: string }> }).requests : [{ id: '1', url: req.url }];
        const body = batch
          ? { responses: subRequests.map((r) => ({ id: r.id, status: 200, headers: { 'Content-Type': 'application/json' }, body: { value: [] } })) }
          : { value: [] };
        sent.push({
          req,
          subRequests,
          answer: () => {
            resolve(makeResponse(200, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(body)), req.url));
          },
        });
      });
    },
  };
}

const get = (mailbox: string, n = 0): SubRequest => ({ method: 'GET', version: 'v1.0', url: `/users/${mailbox}/messages?n=${n}` });
const tick = () => new Promise((r) => setImmediate(r));

function scheduler(http: HttpClient, opts: ConstructorParameters<typeof BatchScheduler>[1] = {}): BatchScheduler {
  return new BatchScheduler({ http, root: 'https://graph.test', verifySsl: true, token: async () => 't', forgetToken: () => undefined }, opts);
}

describe('BatchScheduler limits', () => {
  it('sends every mailbox at once in envelopes of 20: no bound of its own on envelopes in flight', async () => {
    const http = fakeHttp();
    const s = scheduler(http);
    const done = Array.from({ length: 1000 }, (_, i) => s.submit(get(`m${i}@x`)));
    await tick();
    await tick();
    expect(http.sent).toHaveLength(50);
    expect(http.sent.every((e) => e.subRequests.length === 20)).toBe(true);
    for (const e of http.sent) e.answer();
    await Promise.all(done);
  });

  it('keeps 4 requests in flight per mailbox', async () => {
    const http = fakeHttp();
    const s = scheduler(http);
    const done = Array.from({ length: 6 }, (_, i) => s.submit(get('one@x', i)));
    await tick();
    await tick();
    expect(http.sent.flatMap((e) => e.subRequests)).toHaveLength(4);
    for (const e of http.sent.splice(0)) e.answer();
    for (let i = 0; i < 5 && http.sent.length === 0; i++) await tick();
    expect(http.sent.flatMap((e) => e.subRequests)).toHaveLength(2);
    for (const e of http.sent) e.answer();
    await Promise.all(done);
  });

  it('sends a full envelope before the tick ends and the rest when it ends, all with one token', async () => {
    const http = fakeHttp();
    let tokens = 0;
    const s = new BatchScheduler({
      http,
      root: 'https://graph.test',
      verifySsl: true,
      token: async () => `t${++tokens}`,
      forgetToken: () => undefined,
    });
    const done = Array.from({ length: 45 }, (_, i) => s.submit(get(`m${i}@x`)));
    // Microtasks only: the tick that made the requests is not over, yet the full envelopes are out.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(http.sent.map((e) => e.subRequests.length)).toEqual([20, 20]);
    await tick();
    await tick();
    expect(http.sent.map((e) => e.subRequests.length)).toEqual([20, 20, 5]);
    expect(tokens).toBe(1);
    expect(new Set(http.sent.map((e) => e.req.headers?.authorization))).toEqual(new Set(['Bearer t1']));
    for (const e of http.sent) e.answer();
    await Promise.all(done);
  });

  it('with the token at hand, a full envelope is handed to HTTP by the submit that fills it, before any microtask', () => {
    const http = fakeHttp();
    const s = new BatchScheduler({ http, root: 'https://graph.test', verifySsl: true, token: () => 't', forgetToken: () => undefined });
    const done = Array.from({ length: 19 }, (_, i) => s.submit(get(`m${i}@x`)));
    expect(http.sent).toHaveLength(0);
    done.push(s.submit(get('m19@x')));
    // Still in the same synchronous code: Graph starts on it while the caller makes the next requests.
    expect(http.sent.map((e) => e.subRequests.length)).toEqual([20]);
    expect(http.sent[0]?.req.headers?.authorization).toBe('Bearer t');
    http.sent[0]?.answer();
    return Promise.all(done);
  });

  it('matches each answer of a batch to its request by id, whatever order Graph answers in', async () => {
    const http: HttpClient = {
      async send(req: HttpRequest): Promise<HttpResponse> {
        const reqs = (JSON.parse(String(req.body)) as { requests: Array<{ id: string; url: string }> }).requests;
        const text = JSON.stringify({
          responses: reqs.reverse().map((r) => ({ id: r.id, status: 200, headers: { 'Content-Type': 'application/json' }, body: { url: r.url } })),
        });
        return makeResponse(200, { 'content-type': 'application/json' }, Buffer.from(text), req.url);
      },
    };
    const s = scheduler(http);
    const reqs = Array.from({ length: 20 }, (_, i) => get(`m${i}@x`));
    const answers = await Promise.all(reqs.map((r) => s.submit(r)));
    expect(answers.map((a) => (a.body as { url: string }).url)).toEqual(reqs.map((r) => r.url));
  });

  it('requests that wait on their mailbox: none before the tick ends, then 4 in order, the rest as answers come', async () => {
    const http = fakeHttp();
    const s = scheduler(http);
    const done = Array.from({ length: 30 }, (_, i) => s.submit(get('one@x', i)));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(http.sent).toHaveLength(0);
    await tick();
    await tick();
    const urls = (sent: Sent[]) => sent.flatMap((e) => e.subRequests.map((r) => r.url));
    expect(urls(http.sent)).toEqual([0, 1, 2, 3].map((i) => get('one@x', i).url));
    const order: string[] = [];
    for (let round = 0; round < 20 && http.sent.length; round++) {
      order.push(...urls(http.sent));
      for (const e of http.sent.splice(0)) e.answer();
      for (let i = 0; i < 5 && http.sent.length === 0; i++) await tick();
    }
    expect(order).toEqual(Array.from({ length: 30 }, (_, i) => get('one@x', i).url));
    expect((await Promise.all(done)).every((r) => r.status === 200)).toBe(true);
  });

  it('after a 401 forgets the token, asks for a new one and sends the request again, once', async () => {
    let tokens = 0;
    let forgotten = 0;
    const auth: string[] = [];
    const http: HttpClient = {
      async send(req: HttpRequest): Promise<HttpResponse> {
        auth.push(String(req.headers?.authorization));
        const reqs = (JSON.parse(String(req.body)) as { requests: Array<{ id: string }> }).requests;
        const status = auth.length === 1 ? 401 : 200;
        const text = JSON.stringify({
          responses: reqs.map((r) => ({ id: r.id, status, headers: { 'Content-Type': 'application/json' }, body: { value: [] } })),
        });
        return makeResponse(200, { 'content-type': 'application/json' }, Buffer.from(text), req.url);
      },
    };
    const s = new BatchScheduler({
      http,
      root: 'https://graph.test',
      verifySsl: true,
      token: async () => `t${++tokens}`,
      forgetToken: () => {
        forgotten++;
      },
    });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => s.submit(get(`m${i}@x`))));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(auth).toEqual(['Bearer t1', 'Bearer t2']);
    expect(forgotten).toBe(20);
  });

  it("sends no more than the app's requests per 10 seconds, the rest when the window moves on", async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'performance'] });
    try {
      const http = fakeHttp();
      const s = scheduler(http, { appRequestsPer10s: 30 });
      const done = Array.from({ length: 50 }, (_, i) => s.submit(get(`m${i}@x`)));
      await tick();
      await tick();
      expect(http.sent.flatMap((e) => e.subRequests)).toHaveLength(30);
      for (const e of http.sent.splice(0)) e.answer();
      for (let i = 0; i < 5; i++) await tick();
      expect(http.sent).toHaveLength(0);
      jest.advanceTimersByTime(10_001);
      for (let i = 0; i < 5 && http.sent.length === 0; i++) await tick();
      expect(http.sent.flatMap((e) => e.subRequests)).toHaveLength(20);
      for (const e of http.sent) e.answer();
      await Promise.all(done);
    } finally {
      jest.useRealTimers();
    }
  });
});

/**
 * An HTTP proxy in front of a fake chat service that fails a share of requests: 429 with
 * Retry-After, 500/503, or a dropped connection, before the request reaches the service (so a
 * failed delivery did not happen and must be retried); with `loseAnswers`, some requests are
 * carried out and their answer is dropped (the delivery happened, the sender cannot know).
 */
import { createServer, request, type Server } from 'node:http';

export interface FlakyProxy {
  url: string;
  /** Share of requests failed (0 to 1); 0 turns the faults off. */
  rate: number;
  failed: { status429: number; status5xx: number; dropped: number; answersLost: number };
  close(): Promise<void>;
}

/** `spare`: paths never failed. */
export async function startFlakyProxy(target: string, rate: number, seed = 11, opts: { spare?: RegExp; loseAnswers?: boolean } = {}): Promise<FlakyProxy> {
  const { spare } = opts;
  const to = new URL(target);
  let s = seed;
  const random = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const proxy: FlakyProxy = { url: '', rate, failed: { status429: 0, status5xx: 0, dropped: 0, answersLost: 0 }, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let loseAnswer = false;
    if (!spare?.test(req.url ?? '') && random() < proxy.rate) {
      const kind = random();
      if (opts.loseAnswers && kind >= 0.9) {
        proxy.failed.answersLost++;
        loseAnswer = true;
      } else if (kind < 0.5) {
        proxy.failed.status429++;
        res.writeHead(429, { 'Retry-After': '1', 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      } else if (kind < 0.85) {
        proxy.failed.status5xx++;
        res.writeHead(kind < 0.7 ? 503 : 500, { 'content-type': 'text/plain' });
        res.end('unavailable');
      } else {
        proxy.failed.dropped++;
        req.socket.destroy();
      }
      if (!loseAnswer) return;
    }
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (loseAnswer) {
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  proxy.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  proxy.close = () => new Promise((r) => server.close(() => r()));
  return proxy;
}

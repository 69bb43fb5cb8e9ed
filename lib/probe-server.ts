/**
 * The worker role's HTTP port (contract.md §3): `/healthz`, `/readyz` and `/metrics` only, so
 * that a container platform can probe a worker like a bot and Prometheus can scrape what only
 * workers record (job outcomes, outbox retries, connector lag). No chat route is served.
 */
import { createServer, type Server } from 'node:http';
import type { Redis } from 'ioredis';
import { registry } from './metrics';

export interface ProbeServerDeps {
  redis: Redis;
  /** False while starting or once stopping. */
  ready: () => boolean;
}

async function redisAnswers(redis: Redis): Promise<boolean> {
  try {
    const pong = await Promise.race([redis.ping(), new Promise<string>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000))]);
    return pong === 'PONG';
  } catch {
    return false;
  }
}

export function startProbeServer(deps: ProbeServerDeps, port: number, host?: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const send = (status: number, body: string, type = 'application/json'): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, '{"error":"method not allowed"}');
    if (path === '/healthz') return send(200, '{"status":"ok"}');
    if (path === '/readyz') {
      if (!deps.ready()) return send(503, '{"status":"not ready"}');
      void redisAnswers(deps.redis).then((ok) => send(ok ? 200 : 503, ok ? '{"status":"ready"}' : '{"status":"redis not ready"}'));
      return;
    }
    if (path === '/metrics') {
      void registry.metrics().then(
        (text) => send(200, text, registry.contentType),
        () => send(500, '{"error":"metrics unavailable"}'),
      );
      return;
    }
    send(404, '{"error":"not found"}');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** A local HTTP server that must never be reached: it counts connections and keeps every request it gets. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Canary {
  port: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  connections: number;
  requests: Array<{ method: string; url: string; body: string }>;
  close(): Promise<void>;
}

export async function startCanary(): Promise<Canary> {
  const canary: Canary = { port: 0, origin: '', connections: 0, requests: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      canary.requests.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.setHeader('content-type', 'application/json');
      res.end('{"canary":true}');
    });
  });
  server.on('connection', () => canary.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  canary.port = (server.address() as AddressInfo).port;
  canary.origin = `http://127.0.0.1:${canary.port}`;
  canary.close = () => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  };
  return canary;
}

/**
 * A third-party HTTP API on 127.0.0.1 for Execute HTTP Request: echoes what it received, redirects,
 * answers any status, sets cookies, serves bytes, big and slow bodies, and state endpoints that
 * change from poll to poll. Every request it receives is recorded.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface TargetRequest {
  method: string;
  url: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpTarget {
  url: string;
  port: number;
  requests: TargetRequest[];
  /** Requests whose path starts with the prefix. */
  hits(prefix: string): TargetRequest[];
  close(): Promise<void>;
}

/** Deterministic bytes, a PNG header first (a "file" to download or upload). */
export function sampleBytes(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) % 256;
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(out, 0, 0, Math.min(8, n));
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startHttpTarget(): Promise<HttpTarget> {
  const requests: TargetRequest[] = [];
  const polls = new Map<string, number>();
  let server: Server;

  const handler = async (req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const u = new URL(req.url ?? '/', 'http://target');
    const record: TargetRequest = { method: req.method ?? '', url: req.url ?? '', path: u.pathname, headers: req.headers, body };
    requests.push(record);
    const json = (status: number, value: unknown, headers: Record<string, string | string[]> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'X-Trace-Id': 'trace-123', ...headers });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(value));
    };
    const [, first, second] = u.pathname.split('/');

    switch (first) {
      case 'echo': {
        const query: Record<string, string[]> = {};
        for (const [k, v] of u.searchParams) (query[k] ??= []).push(v);
        return json(200, {
          method: req.method,
          path: u.pathname,
          query,
          queryString: u.search,
          headers: req.headers,
          body: body.toString('utf8'),
          bodyBase64: body.toString('base64'),
        });
      }
      case 'redirect': {
        const code = Number(u.searchParams.get('code') ?? 302);
        res.writeHead(code, { Location: u.searchParams.get('to') ?? '/echo', 'Set-Cookie': 'hop=1; Path=/' });
        return void res.end();
      }
      case 'status': {
        const code = Number(second ?? 500);
        return json(code, { error: { code: 'Nope', message: `status ${code}` } });
      }
      case 'poll': {
        // `finishAt`: the call from which state is "finished"; `fullAt`: from which percentage is "100";
        // `errorAt`: the call from which state is "error".
        const key = second ?? 'p';
        const n = (polls.get(key) ?? 0) + 1;
        polls.set(key, n);
        const at = (name: string) => Number(u.searchParams.get(name) ?? Infinity);
        const state = n >= at('errorAt') ? 'error' : n >= at('finishAt') ? 'finished' : 'running';
        const percentage = n >= at('fullAt') ? 100 : Math.min(99, n * 10);
        return json(200, { id: key, call: n, state, percentage, data: { state: n >= at('innerAt') ? state : 'running' } });
      }
      case 'cookies':
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Set-Cookie': ['session=s3cr3t; Path=/; HttpOnly', 'theme=dark'] });
        return void res.end('cookies set');
      case 'bytes': {
        const n = Number(u.searchParams.get('n') ?? 1024);
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Disposition': 'attachment; filename="sample.bin"' });
        return void res.end(sampleBytes(n));
      }
      case 'big': {
        const mb = Number(u.searchParams.get('mb') ?? 12);
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        const chunk = Buffer.alloc(1024 * 1024, 0x41);
        for (let i = 0; i < mb; i++) if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
        return void res.end();
      }
      case 'slow': {
        await new Promise((r) => setTimeout(r, Number(u.searchParams.get('ms') ?? 3000)));
        return json(200, { slow: true });
      }
      case 'text':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return void res.end('plain text body');
      case 'utf8':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end('Grüße — ✓');
      case 'gzip':
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        return void res.end(gzipSync(JSON.stringify({ compressed: true })));
      case 'malware':
        res.writeHead(200, { 'Content-Type': 'application/x-msdownload', 'Content-Disposition': 'attachment; filename="invoice.exe"' });
        return void res.end(Buffer.from('MZ\x90\x00 this would be a malicious executable'));
      default:
        return json(404, { error: { code: 'NotFound', message: 'no such route' } });
    }
  };

  server = createServer((req, res) => {
    handler(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    hits: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The one HTTP server (restify): every route of contract.md §3. */
import restify, { type Server } from 'restify';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { registry, metrics, metricsText } from '../lib/metrics';
import type { FilesRoot } from '../lib/files';
import type { Queues } from '../queue/queues';
import { limitRequestBody, MAX_REQUEST_BODY_BYTES } from './request-body-limit';
import type { MountedSlack } from './slack/app';
import type { TeamsAdapter } from './teams/adapter';
import { LOCAL_WEBCHAT_HEADER } from './teams/auth';
import type { TeamsBot } from './teams/bot';

export interface ServerDeps {
  log: Logger;
  redis: Redis;
  queues: Queues;
  files: FilesRoot;
  adapter: TeamsAdapter;
  teams: TeamsBot;
  slack?: MountedSlack;
  /** False while the process is still starting (configuration not applied): no command is judged then. */
  ready?: () => boolean;
  /** True once the process is stopping: /readyz says 503 while every other route is still served (a graceful drain). */
  draining?: () => boolean;
  /** False while the workers' thread of `main` is not up (lib/runtime.ts `workersInThread`): /readyz says 503. */
  workersUp?: () => boolean;
  /** Extra routes (web chat, OAuth callback) mounted by their own modules. */
  mount?: Array<(server: Server) => void>;
}

/** Probes answer while the process starts; everything else waits for readiness. */
const ALWAYS_ANSWERED = new Set(['/healthz', '/readyz', '/metrics']);

async function refreshQueueDepths(queues: Queues): Promise<void> {
  for (const [name, queue] of Object.entries({
    actions: queues.actions,
    outbox: queues.outbox,
    connectors: queues.connectors,
    maintenance: queues.maintenance,
  })) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
    for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ queue: name, state }, n);
    // The oldest waiting job (the far end of the wait list): how long work has sat with no worker to take it.
    const [oldest] = counts.waiting ? await queue.getJobs(['waiting'], 0, 0, true) : [];
    const due = oldest ? oldest.timestamp + (oldest.opts.delay ?? 0) : Date.now();
    metrics.queueOldestWaiting.set({ queue: name }, Math.max(0, (Date.now() - due) / 1000));
  }
}

export function createServer(deps: ServerDeps): Server {
  // Download ids are base64url paths: longer than restify's default 100-character parameter limit.
  const server = restify.createServer({ name: 'chatsoar', handleUncaughtExceptions: false, maxParamLength: 2048 });
  // First of all: no route (bolt's /slack/events included) reads a body over the limit.
  server.pre(limitRequestBody(deps.log));
  server.use(restify.plugins.queryParser({ mapParams: false }));
  // Before the configuration is applied a command would be judged against roles and bindings not yet there.
  server.pre((req, res, next) => {
    if (deps.ready?.() === false && !ALWAYS_ANSWERED.has((req.url ?? '').split('?')[0])) {
      res.setHeader('Retry-After', '1');
      res.send(503, { error: 'chatsoar is starting: try again in a moment.' });
      return next(false);
    }
    // Draining: each answer closes its connection, so that a kept-alive client comes back through the load balancer.
    if (deps.draining?.()) res.setHeader('Connection', 'close');
    return next();
  });

  server.post('/api/messages', restify.plugins.bodyParser({ maxBodySize: MAX_REQUEST_BODY_BYTES, mapParams: false }), async (req, res) => {
    const started = Date.now();
    try {
      // Refused here, quietly and without waiting on Microsoft's key endpoint, rather than by botbuilder (bot/teams/auth.ts).
      const refusal = await deps.adapter.refusal(req.body, req.headers.authorization, req.headers[LOCAL_WEBCHAT_HEADER]);
      if (refusal) {
        const body = (req.body && typeof req.body === 'object' ? req.body : {}) as { id?: unknown; channelId?: unknown; type?: unknown };
        deps.log.warn(
          {
            reason: refusal.reason,
            status: refusal.status,
            activity: {
              id: String(body.id ?? '').slice(0, 100),
              type: String(body.type ?? '').slice(0, 40),
              channelId: String(body.channelId ?? '').slice(0, 40),
            },
            remote: req.socket?.remoteAddress,
          },
          'Teams activity refused',
        );
        res.send(refusal.status, { error: refusal.status === 401 ? 'Unauthorized' : 'Forbidden' });
        return;
      }
      await deps.adapter.process(req as never, res as never, (ctx) => deps.teams.onTurn(ctx));
    } catch (err) {
      deps.log.warn({ err }, 'activity refused');
      if (!res.headersSent) res.send(500);
    } finally {
      metrics.ackLatency.observe({ platform: 'teams' }, (Date.now() - started) / 1000);
    }
  });

  // Bolt reads the raw body itself to check the signature: no body parser on this route.
  server.post('/slack/events', async (req, res) => {
    const slack = deps.slack;
    if (!slack) {
      res.send(404, { error: 'Slack is not configured (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN).' });
      return;
    }
    const started = Date.now();
    await new Promise<void>((resolve) => {
      res.once('close', () => resolve());
      res.once('finish', () => {
        metrics.ackLatency.observe({ platform: 'slack' }, (Date.now() - started) / 1000);
        resolve();
      });
      slack.handle(req, res);
    });
  });

  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok' });
  });

  server.get('/readyz', async (_req, res) => {
    if (deps.ready?.() === false) {
      res.setHeader('Retry-After', '1');
      res.send(503, { status: 'starting: configuration not applied yet' });
      return;
    }
    if (deps.draining?.()) {
      res.send(503, { status: 'draining: stopping, requests still served for a moment' });
      return;
    }
    if (deps.workersUp?.() === false) {
      res.setHeader('Retry-After', '1');
      res.send(503, { status: 'workers not up: jobs wait until they are' });
      return;
    }
    try {
      const pong = await Promise.race([deps.redis.ping(), new Promise<string>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000))]);
      res.send(pong === 'PONG' ? 200 : 503, { status: pong === 'PONG' ? 'ready' : 'redis not ready' });
    } catch {
      res.send(503, { status: 'redis not ready' });
    }
  });

  server.get('/metrics', async (_req, res) => {
    await refreshQueueDepths(deps.queues).catch(() => undefined);
    const body = await metricsText();
    res.setHeader('Content-Type', registry.contentType);
    res.writeHead(200);
    res.end(body);
  });

  server.get('/files/:id', async (req, res) => {
    const q = req.query as Record<string, string>;
    const path = deps.files.verify(String(req.params.id), String(q.exp ?? ''), String(q.sig ?? ''));
    if (!path) {
      res.send(403, { error: 'This download link is invalid or has expired.' });
      return;
    }
    await new Promise<void>((resolve) => {
      const stream = createReadStream(path);
      stream.on('error', () => {
        if (!res.headersSent) res.send(404, { error: 'File not found.' });
        resolve();
      });
      stream.on('open', () => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Disposition', contentDisposition(basename(path)));
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.writeHead(200);
        stream.pipe(res);
      });
      stream.on('close', () => resolve());
    });
  });

  for (const mount of deps.mount ?? []) mount(server);
  return server;
}

/**
 * An attachment header for any file name: an ASCII `filename` for old clients and the exact
 * name as RFC 5987 `filename*` (a raw non-Latin-1 name would make Node throw on the header).
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

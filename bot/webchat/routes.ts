/**
 * The local web chat (contract.md §3 `GET /`, demo or WEBCHAT=1). The page's input becomes a real
 * Bot Framework activity (channelId `webchat`, serviceUrl `${PUBLIC_URL}/webchat/`) posted over
 * HTTP to our own `/api/messages`, so it takes exactly the path of a Teams activity; the bot's
 * answers come back through the Bot Connector subset of connector.ts into the room's store,
 * which the page polls.
 *
 *   GET  /                                       the page (?room=&user=, default demo / you)
 *   GET  /webchat/static/:file                   page.js, page.css, icon.svg, adaptivecards.js (from node_modules)
 *   POST /webchat/api/rooms/:room/messages       { user, text } | { user, value } | { user, invoke: { verb, data } }
 *   GET  /webchat/api/rooms/:room/activities     ?since=<revision>&wait=<seconds, ≤ 20>&user=<name>
 *   …and the connector routes under /webchat/v3/ (connector.ts)
 */
import restify, { type Next, type Request, type Response, type Server } from 'restify';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { rootLogger } from '../../lib/log';
import { randomId } from '../../lib/ids';
import { localWebchatHeaders } from '../teams/auth';
import type { RouteContext } from '../route-context';
import { typedSecrets } from '../access/typed-secrets';
import { mountConnector, sendError } from './connector';
import { arrivedOnLoopback, trustedHostAndOrigin, webchatOrigins } from './origin';
import { isValidName, WebchatStore, type StoredActivity } from './store';
import { pageWithWelcome } from './welcome';
import type { DemoTour } from '../../lib/demo';

/** Longest long-poll, in seconds. */
export const MAX_WAIT_S = 20;
const MAX_POST_BYTES = 64 * 1024;
const MAX_TEXT = 32_000;
const MAX_VERB = 100;
const MAX_LABEL = 200;
const BOT_TIMEOUT_MS = 25_000;

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  type: string;
  body: Buffer;
  cache: string;
}

/** The page's files: next to this module (dist/ gets them from scripts/copy-assets.js), else the sources. */
function assetDir(): string {
  const candidates = [__dirname, join(__dirname, '..', '..', '..', 'bot', 'webchat')];
  const found = candidates.find((d) => existsSync(join(d, 'page.html')));
  if (!found) throw new Error(`web chat page not found in ${candidates.join(' or ')}`);
  return found;
}

function loadAssets(): { page: Buffer; files: Map<string, Asset> } {
  const dir = assetDir();
  const read = (name: string): Buffer => readFileSync(join(dir, name));
  const cards = join(dirname(require.resolve('adaptivecards/package.json')), 'dist', 'adaptivecards.min.js');
  const files = new Map<string, Asset>([
    ['page.js', { type: 'text/javascript; charset=utf-8', body: read('page.js'), cache: 'no-cache' }],
    ['page.css', { type: 'text/css; charset=utf-8', body: read('page.css'), cache: 'no-cache' }],
    ['icon.svg', { type: 'image/svg+xml', body: read('icon.svg'), cache: 'public, max-age=86400' }],
    ['adaptivecards.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(cards), cache: 'public, max-age=86400' }],
  ]);
  return { page: read('page.html'), files };
}

function securityHeaders(res: Response): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendRaw(res: Response, type: string, body: Buffer, cache: string): void {
  securityHeaders(res);
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', body.length);
  res.setHeader('Cache-Control', cache);
  res.writeHead(200);
  res.end(body);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Input =
  | { kind: 'text'; user: string; text: string }
  | { kind: 'value'; user: string; value: Record<string, unknown>; label?: string }
  | { kind: 'invoke'; user: string; verb: string; data: Record<string, unknown>; label?: string };

/** The page's JSON, checked; a string is the message of a 400. */
export function parseInput(body: unknown): Input | string {
  if (!isObject(body)) return 'The body must be a JSON object.';
  const user = body.user;
  if (!isValidName(user)) return 'user must be 1 to 64 of A-Z a-z 0-9 _ . -';
  const label = typeof body.label === 'string' && body.label.trim() ? body.label.trim().slice(0, MAX_LABEL) : undefined;
  const given = ['text', 'value', 'invoke'].filter((k) => body[k] !== undefined);
  if (given.length !== 1) return 'Send exactly one of text, value or invoke.';
  if (body.text !== undefined) {
    if (typeof body.text !== 'string' || !body.text.trim()) return 'text must be a non-empty string.';
    if (body.text.length > MAX_TEXT) return `text is longer than ${MAX_TEXT} characters.`;
    return { kind: 'text', user, text: body.text };
  }
  if (body.value !== undefined) {
    if (!isObject(body.value)) return 'value must be a JSON object (the Action.Submit data).';
    return { kind: 'value', user, value: body.value, label };
  }
  const invoke = body.invoke;
  if (!isObject(invoke) || typeof invoke.verb !== 'string' || !invoke.verb || invoke.verb.length > MAX_VERB) {
    return 'invoke must be { verb, data } with a non-empty verb (the Action.Execute).';
  }
  if (invoke.data !== undefined && !isObject(invoke.data)) return 'invoke.data must be a JSON object.';
  return { kind: 'invoke', user, verb: invoke.verb, data: (invoke.data as Record<string, unknown> | undefined) ?? {}, label };
}

/** The Bot Framework activity for one input of the page. */
export function toActivity(input: Input, room: string, serviceUrl: string): StoredActivity {
  const base: StoredActivity = {
    id: randomId('u'),
    type: 'message',
    timestamp: new Date().toISOString(),
    channelId: 'webchat',
    serviceUrl,
    conversation: { id: room },
    from: { id: input.user, name: input.user, role: 'user' },
    recipient: { id: 'chatsoar', name: 'chatsoar', role: 'bot' },
    locale: 'en-US',
  };
  switch (input.kind) {
    case 'text':
      return { ...base, text: input.text, textFormat: 'plain' };
    case 'value':
      return { ...base, value: input.value };
    case 'invoke':
      return { ...base, type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: input.verb, data: input.data } } };
  }
}

export function mountWebchat(server: Server, runtime: RouteContext): void {
  const { settings } = runtime;
  // The runtime's logger when it exposes one, else the process's.
  const log = ((runtime as Omit<RouteContext, 'log'> & { log?: Logger }).log ?? rootLogger).child({ part: 'webchat' });
  const store = new WebchatStore(runtime.redis, settings.redisPrefix);
  const serviceUrl = `${settings.publicUrl.replace(/\/+$/, '')}/webchat/`;
  const botUrl = `http://127.0.0.1:${settings.port}/api/messages`;
  const authRequired = !!settings.botFramework.MicrosoftAppId;
  const unavailable =
    'The local web chat is off while MicrosoftAppId is set: /api/messages then needs a Bot Framework token the web chat cannot make. Unset MicrosoftAppId to use it.';
  if (authRequired) log.warn(unavailable);
  const assets = loadAssets();
  let closing = false;

  // Every web chat route (the connector's too): another site's page, or a name rebound to this
  // server, is refused; off loopback only with WEBCHAT_PUBLIC=1.
  const origins = webchatOrigins(settings.publicUrl);
  const isWebchatRoute = (path: unknown) => path === '/' || (typeof path === 'string' && path.startsWith('/webchat/'));
  server.use((req: Request, res: Response, next: Next) => {
    if (!isWebchatRoute(req.getRoute()?.path)) return next();
    const origin = req.headers.origin;
    if (!trustedHostAndOrigin(origins, req.headers.host, origin)) {
      log.warn(
        { host: String(req.headers.host ?? '').slice(0, 200), origin: String(origin ?? '').slice(0, 200) },
        'web chat request refused: Host or Origin is not PUBLIC_URL',
      );
      sendError(res, 403, 'Forbidden', `The web chat answers only at ${settings.publicUrl} (PUBLIC_URL): open it there.`);
      return next(false);
    }
    if (!settings.webchatPublic && !arrivedOnLoopback(req.socket?.localAddress)) {
      log.warn({ local: req.socket?.localAddress }, 'web chat request refused: not on loopback and WEBCHAT_PUBLIC is not 1');
      sendError(res, 403, 'Forbidden', 'The web chat is served on loopback only: set WEBCHAT_PUBLIC=1 to serve it on every interface.');
      return next(false);
    }
    return next();
  });

  mountConnector(server, store, log);

  // The first screen of the room's environment: the demo's tour where it has one (behaviour.md 49).
  const pageText = assets.page.toString('utf8');
  const tourOf = async (room: string): Promise<DemoTour | undefined> => {
    const environments = runtime.dispatcher?.deps.environments;
    if (!environments) return undefined;
    try {
      const env = await environments.environmentOf(`web:${room}`);
      return env ? (await environments.getMeta(env)).demoTour : undefined;
    } catch (err) {
      log.warn({ err }, 'the first screen of the room could not be read');
      return undefined;
    }
  };

  server.get('/', async (req: Request, res: Response) => {
    const asked = (req.query ?? {}) as Record<string, unknown>;
    const room = isValidName(asked.room) ? asked.room : 'demo';
    const tour = await tourOf(room);
    res.setHeader('Content-Security-Policy', CSP);
    sendRaw(res, 'text/html; charset=utf-8', tour ? Buffer.from(pageWithWelcome(pageText, tour)) : assets.page, 'no-cache');
  });

  server.get('/webchat/static/:file', async (req: Request, res: Response) => {
    const asset = assets.files.get(String(req.params?.file ?? ''));
    if (!asset) {
      res.send(404, { error: 'Not found.' });
      return;
    }
    sendRaw(res, asset.type, asset.body, asset.cache);
  });

  const parse = restify.plugins.bodyParser({ maxBodySize: MAX_POST_BYTES, mapParams: false, rejectUnknown: true } as restify.plugins.BodyParserOptions);

  server.post('/webchat/api/rooms/:room/messages', parse, async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    const room = String(req.params?.room ?? '');
    if (!isValidName(room)) return sendError(res, 400, 'BadArgument', 'The room name must be 1 to 64 of A-Z a-z 0-9 _ . -');
    if (!req.is('application/json')) return sendError(res, 415, 'UnsupportedMediaType', 'Send application/json.');
    const input = parseInput(req.body);
    if (typeof input === 'string') return sendError(res, 400, 'BadArgument', input);
    if (authRequired) {
      log.warn({ room }, 'web chat message refused: MicrosoftAppId is set');
      return sendError(res, 503, 'WebchatUnavailable', unavailable);
    }

    const activity = toActivity(input, room, serviceUrl);
    // The room shows the user's own message (or click) before the bot's answer to it.
    const shown: StoredActivity = { ...activity };
    delete shown.serviceUrl;
    // A click is shown by its label only: form values (secrets among them) never reach the room.
    if (input.kind === 'invoke') shown.value = { action: { type: 'Action.Execute', verb: input.verb } };
    else if (input.kind !== 'text') delete shown.value;
    if (input.kind !== 'text' && input.label) shown.label = input.label;
    let record;
    try {
      // A secret typed into the room is refused by the bot and kept nowhere, not even in the room.
      if (input.kind !== 'text' || !typedSecrets(input.text, runtime.dispatcher?.catalog).length) record = await store.add(room, shown);
    } catch (err) {
      log.warn({ err }, 'web chat store failed');
      return sendError(res, 503, 'ServiceUnavailable', 'The web chat store (Redis) is not available.');
    }

    try {
      const answer = await fetch(botUrl, {
        method: 'POST',
        // Our own process's key: /api/messages refuses unsigned activities that do not carry it.
        headers: { 'Content-Type': 'application/json', ...localWebchatHeaders() },
        body: JSON.stringify(activity),
        signal: AbortSignal.timeout(BOT_TIMEOUT_MS),
      });
      const text = await answer.text();
      if (answer.status >= 400) {
        log.warn({ status: answer.status, room }, 'the bot refused a web chat activity');
        return sendError(res, 502, 'BotError', `The bot answered ${answer.status}.`);
      }
      let invokeResponse: unknown;
      if (input.kind === 'invoke' && text) {
        try {
          invokeResponse = JSON.parse(text);
        } catch {
          invokeResponse = undefined;
        }
      }
      res.send(200, { id: activity.id, record, invokeResponse });
    } catch (err) {
      log.warn({ err, room }, 'posting a web chat activity to /api/messages failed');
      return sendError(res, 502, 'BotUnreachable', 'The bot did not answer in time.');
    }
  });

  server.get('/webchat/api/rooms/:room/activities', async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    const room = String(req.params?.room ?? '');
    if (!isValidName(room)) return sendError(res, 400, 'BadArgument', 'The room name must be 1 to 64 of A-Z a-z 0-9 _ . -');
    const q = (req.query ?? {}) as Record<string, unknown>;
    const since = q.since === undefined || q.since === '' ? 0 : Number(q.since);
    const wait = q.wait === undefined || q.wait === '' ? 0 : Number(q.wait);
    if (!Number.isSafeInteger(since) || since < 0) return sendError(res, 400, 'BadArgument', 'since must be a revision: a whole number ≥ 0.');
    if (!Number.isFinite(wait) || wait < 0) return sendError(res, 400, 'BadArgument', 'wait must be a number of seconds ≥ 0.');
    try {
      // What the bot meant for one user of the room reaches that user's page only.
      const listing = await store.wait(room, since, Math.min(wait, MAX_WAIT_S) * 1000, isValidName(q.user) ? q.user : undefined);
      if (closing) res.setHeader('Connection', 'close');
      res.send(200, listing);
    } catch (err) {
      log.warn({ err }, 'web chat store failed');
      sendError(res, 503, 'ServiceUnavailable', 'The web chat store (Redis) is not available.');
    }
  });

  // Pending long-polls must not hold a graceful shutdown for up to MAX_WAIT_S: they are answered
  // at once, on connections that then close.
  const close = server.close.bind(server);
  server.close = ((...args: Parameters<Server['close']>) => {
    closing = true;
    store.close();
    return close(...args);
  }) as Server['close'];
}

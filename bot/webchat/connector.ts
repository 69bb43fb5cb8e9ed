/**
 * A Bot Connector REST subset for the local web chat, served by our own server under
 * `/webchat/`: the web chat's activities carry `serviceUrl = ${PUBLIC_URL}/webchat/`, so
 * botbuilder's CloudAdapter (turn replies and the outbox's proactive posts and in-place updates)
 * talks to these routes exactly as it talks to Teams' connector:
 *
 *   POST /webchat/v3/conversations/:conversationId/activities               send to conversation
 *   POST /webchat/v3/conversations/:conversationId/activities/:activityId   reply to an activity
 *   PUT  /webchat/v3/conversations/:conversationId/activities/:activityId   update in place
 *
 * Each answers `{ id }` like the real connector; errors are `{ error: { code, message } }`.
 * The conversation id is the room name. An activity whose `channelData.visibleTo` names a user
 * of the room is shown to that user alone (the store filters by it). Like the Bot Framework Emulator, these routes are not
 * authenticated: the web chat is the local demo path (contract.md §3).
 */
import restify, { type Request, type Response, type Server } from 'restify';
import type { Logger } from 'pino';
import { randomId } from '../../lib/ids';
import { isValidName, NotFoundError, type StoredActivity, type WebchatStore } from './store';

export const CONNECTOR_BASE = '/webchat';
/** Largest activity accepted (Teams takes about 100 KB; a little room above it). */
export const MAX_ACTIVITY_BYTES = 256 * 1024;
const ACTIVITY_ID_RE = /^[A-Za-z0-9_.:|@-]{1,128}$/;

export function sendError(res: Response, status: number, code: string, message: string): void {
  res.send(status, { error: { code, message } });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The conversation id (room) and activity id of a connector route, or null after a 400 answer. */
function target(req: Request, res: Response, withActivity: boolean): { room: string; activityId?: string } | null {
  const room = String(req.params?.conversationId ?? '');
  if (!isValidName(room)) {
    sendError(res, 400, 'BadArgument', 'The conversation id must be a web chat room name: 1 to 64 of A-Z a-z 0-9 _ . -');
    return null;
  }
  if (!withActivity) return { room };
  const activityId = String(req.params?.activityId ?? '');
  if (!ACTIVITY_ID_RE.test(activityId)) {
    sendError(res, 400, 'BadArgument', 'Bad activity id.');
    return null;
  }
  return { room, activityId };
}

function activityBody(req: Request, res: Response): Record<string, unknown> | null {
  const body = req.body as unknown;
  if (!isObject(body) || typeof body.type !== 'string' || !body.type) {
    sendError(res, 400, 'BadArgument', 'The body must be a JSON activity with a type.');
    return null;
  }
  return body;
}

/** The one user of the room the bot meant this activity for (`channelData.visibleTo`), if any. */
function audienceOf(body: Record<string, unknown>): string | undefined {
  const to = isObject(body.channelData) ? body.channelData.visibleTo : undefined;
  return isValidName(to) ? to : undefined;
}

function fromBot(body: Record<string, unknown>): Record<string, unknown> {
  const from = isObject(body.from) ? body.from : { id: 'bot' };
  return { ...from, role: typeof from.role === 'string' ? from.role : 'bot' };
}

export function mountConnector(server: Server, store: WebchatStore, log: Logger): void {
  const parse = restify.plugins.bodyParser({ maxBodySize: MAX_ACTIVITY_BYTES, mapParams: false, rejectUnknown: true } as restify.plugins.BodyParserOptions);
  const base = `${CONNECTOR_BASE}/v3/conversations/:conversationId/activities`;

  const failed = (res: Response, err: unknown): void => {
    if (err instanceof NotFoundError) {
      sendError(res, 404, 'ActivityNotFound', err.message);
      return;
    }
    log.warn({ err }, 'web chat connector: store failed');
    sendError(res, 503, 'ServiceUnavailable', 'The web chat store (Redis) is not available.');
  };

  const create = async (req: Request, res: Response, replyToId?: string): Promise<void> => {
    const t = target(req, res, replyToId !== undefined);
    if (!t) return;
    const body = activityBody(req, res);
    if (!body) return;
    const activity: StoredActivity = {
      ...body,
      id: randomId('b'),
      conversation: { id: t.room },
      from: fromBot(body),
      timestamp: new Date().toISOString(),
    };
    delete activity.serviceUrl;
    delete activity.visibleTo;
    const audience = audienceOf(body);
    if (audience) activity.visibleTo = audience;
    if (replyToId !== undefined) activity.replyToId = replyToId;
    try {
      await store.add(t.room, activity);
      res.send(200, { id: activity.id });
    } catch (err) {
      failed(res, err);
    }
  };

  server.post(base, parse, async (req: Request, res: Response) => create(req, res));
  server.post(`${base}/:activityId`, parse, async (req: Request, res: Response) => create(req, res, String(req.params?.activityId ?? '')));

  server.put(`${base}/:activityId`, parse, async (req: Request, res: Response) => {
    const t = target(req, res, true);
    if (!t) return;
    const body = activityBody(req, res);
    if (!body) return;
    try {
      const existing = await store.get(t.room, t.activityId!);
      if (!existing) throw new NotFoundError(`No activity ${t.activityId} in conversation ${t.room}.`);
      const activity: StoredActivity = {
        ...body,
        id: existing.id,
        conversation: { id: t.room },
        from: isObject(body.from) ? fromBot(body) : existing.from,
        // Where the activity sits does not change on update (the body's replyToId is the
        // continuation turn's, not the original placement).
        replyToId: existing.replyToId,
        timestamp: existing.timestamp,
        lastUpdated: new Date().toISOString(),
      };
      delete activity.serviceUrl;
      // Who may see it is fixed when it is posted: an update neither widens nor narrows it.
      delete activity.visibleTo;
      if (existing.visibleTo !== undefined) activity.visibleTo = existing.visibleTo;
      if (activity.replyToId === undefined) delete activity.replyToId;
      await store.replace(t.room, activity);
      res.send(200, { id: activity.id });
    } catch (err) {
      failed(res, err);
    }
  });
}

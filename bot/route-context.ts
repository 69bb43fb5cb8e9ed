/**
 * What a route mounted on the bot's HTTP server (the OAuth callback, the web chat) gets of the running
 * process. lib/runtime.ts builds it and mounts the routes; the routes never import the runtime itself.
 */
import type { Server } from 'restify';
import type { Logger } from 'pino';
import type { Settings } from '../lib/settings';
import type { AuditLog } from '../store/audit';
import type { MessageStore } from '../store/messages';
import type { Redis } from '../store/redis';
import type { Dispatcher } from './dispatch';

export interface RouteContext {
  settings: Settings;
  redis: Redis;
  messages: MessageStore;
  audit: AuditLog;
  dispatcher: Dispatcher;
  log: Logger;
}

export type MountRoutes = (server: Server, ctx: RouteContext) => void;

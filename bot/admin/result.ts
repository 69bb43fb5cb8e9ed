/** What an admin operation answers, and the audit entry every change writes (never a secret). */
import type { Platform } from '../../queue/types';
import type { AdminDeps } from './deps';

export type OpResult = { ok: true; message: string } | { ok: false; message: string; fields?: Record<string, string> };

/** Who acts, where, and through what (text command or dialog). */
export interface Actor {
  user: string;
  channel: string;
  platform: Platform;
  via: 'text' | 'dialog';
}

export function ok(message: string): OpResult {
  return { ok: true, message };
}

export function refused(message: string, fields?: Record<string, string>): OpResult {
  return fields && Object.keys(fields).length ? { ok: false, message, fields } : { ok: false, message };
}

/** One audit entry: who (actor), when (the log's clock), where (channel, via), what. */
export async function audit(deps: AdminDeps, actor: Actor, environment: string | undefined, event: string, what: string): Promise<void> {
  await deps.audit.write({ environment, actor: actor.user, event, detail: `${what} · in ${actor.channel} via ${actor.via}` });
  deps.log.info({ environment, actor: actor.user, event, channel: actor.channel }, 'admin change');
}

/**
 * Pending delegated sign-ins (behaviour.md 36): the OAuth `state` handed out by Get Authorization,
 * tied to the environment and user that asked, with the PKCE verifier kept server-side. Single
 * use and short-lived, in Redis under `<prefix>oauth:<state>`.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../../store/keys';
import type { ActionContext } from '../kit/context';

export interface PendingSignIn {
  environment: string;
  /** Who ran Get Authorization (`slack:U…`); only they may redeem it with Generate Token. */
  user: string;
  /** Where they ran it (`slack:C…`): the one-click callback finishes the sign-in there. */
  channel: string;
  codeVerifier: string;
  redirectUri: string;
  scopes: string[];
  createdAt: number;
}

export interface OAuthStateStore {
  put(state: string, pending: PendingSignIn): Promise<void>;
  peek(state: string): Promise<PendingSignIn | null>;
  /** Removes and returns it; null when unknown, expired or already taken. */
  take(state: string): Promise<PendingSignIn | null>;
}

/** How long a sign-in may take from Get Authorization to Generate Token (or the callback). */
export const STATE_TTL_SECONDS = 15 * 60;

/** A fresh state: 32 URL-safe characters (192 random bits). */
export function newState(): string {
  return randomBytes(24).toString('base64url');
}

export class RedisOAuthStates implements OAuthStateStore {
  constructor(
    private readonly redis: Pick<Redis, 'set' | 'get' | 'getdel'>,
    private readonly keys: Pick<Keys, 'oauthState'>,
  ) {}

  private key(state: string): string {
    return this.keys.oauthState(state);
  }

  async put(state: string, pending: PendingSignIn): Promise<void> {
    await this.redis.set(this.key(state), JSON.stringify(pending), 'EX', STATE_TTL_SECONDS, 'NX');
  }

  async peek(state: string): Promise<PendingSignIn | null> {
    const raw = await this.redis.get(this.key(state));
    return raw ? (JSON.parse(raw) as PendingSignIn) : null;
  }

  async take(state: string): Promise<PendingSignIn | null> {
    const raw = await this.redis.getdel(this.key(state));
    return raw ? (JSON.parse(raw) as PendingSignIn) : null;
  }
}

let processStore: OAuthStateStore | undefined;

/** Makes the store known to the actions of this process (the runtime calls it at start). */
export function useOAuthStates(store: OAuthStateStore): void {
  processStore = store;
}

/** The store: `ctx.oauthStates` when the runtime passes one, else the one registered for this process. */
export function oauthStatesFor(ctx: ActionContext): OAuthStateStore {
  const store = (ctx as ActionContext & { oauthStates?: OAuthStateStore }).oauthStates ?? processStore;
  if (!store) throw new Error('The delegated sign-in state store is not available on this worker.');
  return store;
}

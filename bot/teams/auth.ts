/**
 * The gate in front of botbuilder on POST /api/messages when MicrosoftAppId is set (contract.md §2:
 * every activity must carry a valid Bot Framework JWT or gets 401).
 *
 * botbuilder 4.23 checks tokens itself, but (1) it looks signing keys up on Microsoft's OpenID
 * endpoint with no timeout, once per request while that endpoint fails, so a forged token can
 * keep a request waiting for as long as the network does; and (2) CloudAdapter prints a stack
 * with console.error for every refused activity. The gate screens the Authorization header with
 * the keys it already holds (the checks botbuilder makes, see `screen`), fetches keys with a
 * timeout, at most once per interval and in one flight, and hands botbuilder the same keys, so a
 * refusal is fast, makes no outbound call, and is one warning in our log.
 */
import { createPublicKey, randomBytes, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import {
  AseChannelValidation,
  AuthenticationConstants,
  BetweenBotAndAseChannelTokenValidationParameters,
  ToBotFromBotOrEmulatorTokenValidationParameters,
} from 'botframework-connector';
// Internal to botframework-connector (pinned in package.json): its per-URL cache of OpenID key sets.
import { JwtTokenExtractor } from 'botframework-connector/lib/auth/jwtTokenExtractor';

export interface KeyStoreOptions {
  /** Whole refresh (OpenID metadata, then its jwks_uri). */
  fetchTimeoutMs: number;
  /** How long a request may wait for keys being fetched before it is refused. */
  requestWaitMs: number;
  /** After a successful refresh, an unknown kid triggers another one at most this often. */
  unknownKidRefreshMs: number;
  /** After a failed refresh, the next one waits this long. */
  retryAfterFailureMs: number;
  /** Keys older than this are refreshed in the background (still used meanwhile). */
  maxAgeMs: number;
}

export const DEFAULT_KEY_STORE_OPTIONS: KeyStoreOptions = {
  fetchTimeoutMs: 10_000,
  requestWaitMs: 500,
  unknownKidRefreshMs: 5 * 60_000,
  retryAfterFailureMs: 5_000,
  maxAgeMs: 24 * 3600_000,
};

interface HeldKey {
  key: KeyObject;
  pem: string;
  endorsements?: string[];
}

interface Jwk {
  kid?: unknown;
  kty?: unknown;
  n?: unknown;
  e?: unknown;
  endorsements?: unknown;
}

function oneLine(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const base = e?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'timed out' : String(e?.message ?? err);
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${base}${cause ? ` (${cause})` : ''}`.split('\n')[0]!.slice(0, 200);
}

/**
 * The signing keys published at one OpenID metadata URL. Implements botbuilder's OpenIdMetadata
 * interface (`getKey`), so botbuilder validates with exactly the keys the gate checked against.
 */
export class OpenIdKeyStore {
  private keys = new Map<string, HeldKey>();
  private fetchedAt = 0;
  private nextRefreshAt = 0;
  private inflight: Promise<void> | null = null;
  /** Why the last refresh failed (null after a success). */
  lastError: string | null = null;
  /** Refreshes started (for tests and metrics). */
  refreshes = 0;

  constructor(
    readonly url: string,
    readonly options: KeyStoreOptions = DEFAULT_KEY_STORE_OPTIONS,
  ) {}

  get size(): number {
    return this.keys.size;
  }

  /** Starts a refresh unless one is running; never rejects. */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.refreshes++;
    this.inflight = this.load()
      .then((keys) => {
        this.keys = keys;
        this.fetchedAt = Date.now();
        this.nextRefreshAt = this.fetchedAt + this.options.unknownKidRefreshMs;
        this.lastError = null;
      })
      .catch((err: unknown) => {
        this.lastError = oneLine(err);
        this.nextRefreshAt = Date.now() + this.options.retryAfterFailureMs;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  private async load(): Promise<Map<string, HeldKey>> {
    const signal = AbortSignal.timeout(this.options.fetchTimeoutMs);
    const metadata = await fetch(this.url, { signal, redirect: 'error' });
    if (!metadata.ok) throw new Error(`OpenID metadata answered ${metadata.status}`);
    const jwksUri = ((await metadata.json()) as { jwks_uri?: unknown }).jwks_uri;
    if (typeof jwksUri !== 'string' || !/^https?:\/\//i.test(jwksUri)) throw new Error('OpenID metadata has no jwks_uri');
    const jwks = await fetch(jwksUri, { signal, redirect: 'error' });
    if (!jwks.ok) throw new Error(`key set answered ${jwks.status}`);
    const list = ((await jwks.json()) as { keys?: unknown }).keys;
    if (!Array.isArray(list)) throw new Error('key set has no keys');
    const keys = new Map<string, HeldKey>();
    for (const jwk of list as Jwk[]) {
      // RSA keys only, as botbuilder (it ignores the others).
      if (typeof jwk?.kid !== 'string' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') continue;
      try {
        const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
        const endorsements = Array.isArray(jwk.endorsements) ? jwk.endorsements.filter((x): x is string => typeof x === 'string') : undefined;
        keys.set(jwk.kid, { key, pem: key.export({ type: 'spki', format: 'pem' }).toString(), endorsements });
      } catch {
        // A malformed key is skipped, as one botbuilder could not use.
      }
    }
    return keys;
  }

  /**
   * The key `kid`, from what is held; when it is not held, a refresh is started (or joined) if
   * one is due, and waited for at most `requestWaitMs`. Null: refuse.
   */
  async find(kid: string): Promise<HeldKey | null> {
    const now = Date.now();
    if (this.fetchedAt && now - this.fetchedAt > this.options.maxAgeMs) void this.refresh();
    const held = this.keys.get(kid);
    if (held) return held;
    if (!this.inflight && now < this.nextRefreshAt) return null;
    const pending = this.refresh();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([pending, new Promise<void>((r) => (timer = setTimeout(r, this.options.requestWaitMs)))]);
    clearTimeout(timer);
    return this.keys.get(kid) ?? null;
  }

  /** botbuilder's OpenIdMetadata.getKey. */
  async getKey(kid: string): Promise<{ key: string; endorsements?: string[] } | null> {
    const held = await this.find(kid);
    return held ? { key: held.pem, endorsements: held.endorsements } : null;
  }
}

/** One store per metadata URL for the whole process, as botbuilder's own cache. */
const stores = new Map<string, OpenIdKeyStore>();

/** Whether botbuilder was made to use our stores (false if its internals changed: it then fetches keys itself). */
let sharedWithBotbuilder = false;

export function keyStoreFor(url: string, options?: Partial<KeyStoreOptions>): OpenIdKeyStore {
  let store = stores.get(url);
  if (!store) {
    store = new OpenIdKeyStore(url, { ...DEFAULT_KEY_STORE_OPTIONS, ...options });
    stores.set(url, store);
    const cache = (JwtTokenExtractor as unknown as { openIdMetadataCache?: unknown }).openIdMetadataCache;
    if (cache instanceof Map) {
      cache.set(url, store);
      sharedWithBotbuilder = true;
    }
  }
  return store;
}

export function keysSharedWithBotbuilder(): boolean {
  return sharedWithBotbuilder;
}

export interface GateSettings {
  appId: string;
  /** Issuer of tokens from Bot Framework channels (Teams). */
  channelIssuer: string;
  channelMetadataUrl: string;
  /** Keys of Emulator and skill tokens (Azure AD issuers). */
  emulatorMetadataUrl: string;
  keyStore?: Partial<KeyStoreOptions>;
}

export function defaultGateSettings(appId: string): GateSettings {
  return {
    appId,
    channelIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
    channelMetadataUrl: AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
    emulatorMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
  };
}

/** Largest Authorization header looked at (Bot Framework tokens are about 1–2 KB). */
const MAX_HEADER = 8192;
/** botbuilder's clock tolerance, seconds. */
const CLOCK_TOLERANCE = 5 * 60;

function decodePart(part: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Attacker-chosen text in a log line: short, printable. */
function shown(v: unknown): string {
  return String(v)
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 80);
}

export interface ActivityLike {
  channelId?: unknown;
  serviceUrl?: unknown;
  channelData?: unknown;
  conversation?: unknown;
}

/**
 * The local web chat cannot sign a Bot Framework token, so the activities it posts to its own
 * process's /api/messages carry this per-process secret instead; it never leaves the process.
 */
export const LOCAL_WEBCHAT_HEADER = 'x-chatsoar-webchat-key';
const localWebchatKey = randomBytes(32);

export function localWebchatHeaders(): Record<string, string> {
  return { [LOCAL_WEBCHAT_HEADER]: localWebchatKey.toString('base64url') };
}

export function isLocalWebchatKey(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 100) return false;
  const given = Buffer.from(value, 'base64url');
  return given.length === localWebchatKey.length && timingSafeEqual(given, localWebchatKey);
}

function field(v: unknown, key: string): unknown {
  return v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
}

/** The Entra tenant ids an activity names (channelData.tenant.id, conversation.tenantId), lowercased. */
export function tenantsOf(activity: ActivityLike): string[] {
  const named = [field(field(activity.channelData, 'tenant'), 'id'), field(activity.conversation, 'tenantId')];
  return [...new Set(named.filter((t): t is string => typeof t === 'string' && t.trim() !== '').map((t) => t.trim().toLowerCase()))];
}

/** Null when every tenant the activity names is listed (and it names one), else why not. */
export function tenantRefusal(activity: ActivityLike, allowed: readonly string[]): string | null {
  const named = tenantsOf(activity);
  if (!named.length) return 'no tenant in the activity (TEAMS_TENANTS is set)';
  const listed = allowed.map((t) => t.toLowerCase());
  const other = named.find((t) => !listed.includes(t));
  return other ? `tenant ${shown(other)} is not in TEAMS_TENANTS` : null;
}

export class TokenGate {
  private readonly channel: OpenIdKeyStore;
  private readonly emulator: OpenIdKeyStore;

  constructor(private readonly settings: GateSettings) {
    this.channel = keyStoreFor(settings.channelMetadataUrl, settings.keyStore);
    this.emulator = keyStoreFor(settings.emulatorMetadataUrl, settings.keyStore);
  }

  /** Loads the key sets in the background, so that the first genuine activity finds them. */
  warmUp(): void {
    void this.channel.refresh();
    void this.emulator.refresh();
  }

  /**
   * Null when the header may be handed to botbuilder, else why it is refused (one line, no
   * token text). The checks are botbuilder's own, made without any network call except a key
   * refresh that is due (see OpenIdKeyStore.find).
   */
  async screen(activity: ActivityLike, header: string | undefined): Promise<string | null> {
    if (!header) return 'no Authorization header';
    if (header.length > MAX_HEADER) return 'Authorization header too long';
    const bearer = /^Bearer (\S+)$/.exec(header);
    if (!bearer) return 'not a Bearer token';
    const parts = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(bearer[1]!);
    if (!parts) return 'not a signed JWT';
    const [, rawHead, rawBody, rawSig] = parts as unknown as [string, string, string, string];
    const head = decodePart(rawHead);
    const claims = decodePart(rawBody);
    if (!head || !claims) return 'not a JWT';
    if (head.alg !== 'RS256') return `signing algorithm ${shown(head.alg)} not accepted`;
    if (typeof head.kid !== 'string' || !head.kid) return 'no key id (kid)';

    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== 'number') return 'no expiry (exp)';
    if (now >= claims.exp + CLOCK_TOLERANCE) return 'token expired';
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now + CLOCK_TOLERANCE)) return 'token not yet valid';
    if (claims.aud !== this.settings.appId) return `audience ${shown(claims.aud)} is not this bot`;

    // Which key set botbuilder will use for this token, and the issuers it accepts there.
    const ase = activity.channelId === 'AseChannel';
    let store: OpenIdKeyStore;
    let issuers: unknown;
    if (ase) {
      if (typeof AseChannelValidation.MetadataUrl !== 'string') return 'AseChannel is not configured';
      store = keyStoreFor(AseChannelValidation.MetadataUrl, this.settings.keyStore);
      issuers = BetweenBotAndAseChannelTokenValidationParameters.issuer;
    } else if (claims.iss === this.settings.channelIssuer) {
      store = this.channel;
      issuers = [this.settings.channelIssuer];
    } else {
      store = this.emulator;
      issuers = ToBotFromBotOrEmulatorTokenValidationParameters.issuer;
    }
    if (!Array.isArray(issuers) || !issuers.includes(claims.iss)) return `issuer ${shown(claims.iss)} not accepted`;

    const key = await store.find(head.kid);
    if (!key) return `signing key ${shown(head.kid)} unknown${store.lastError ? ` (key endpoint: ${store.lastError})` : ''}`;
    if (!verify('RSA-SHA256', Buffer.from(`${rawHead}.${rawBody}`), key.key, Buffer.from(rawSig, 'base64url'))) return 'bad signature';
    // botbuilder's EndorsementsValidator: a key with endorsements signs only for the channels it names.
    const channelId = typeof activity.channelId === 'string' ? activity.channelId : '';
    if (key.endorsements?.length && channelId.trim() && !key.endorsements.includes(channelId)) return `key not endorsed for channel ${shown(channelId)}`;
    if (!ase && store === this.channel && activity.serviceUrl && claims.serviceurl !== activity.serviceUrl)
      return 'serviceUrl claim does not match the activity';
    return null;
  }
}

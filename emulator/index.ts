/**
 * The Microsoft 365 emulator: the Microsoft identity platform, Microsoft Graph mail (v1.0 and
 * beta) and the Office 365 Management Activity API on one local origin, for the offline demo and
 * the tests. Use its `url` as login root, Graph root and management API root.
 *
 * ```ts
 * const emu = await startEmulator();
 * // POST `${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token` with DEMO_CLIENT_ID / DEMO_CLIENT_SECRET
 * emu.faults.set({ prefix: '/v1.0/users', rate429: 1, retryAfterSeconds: 2 });
 * await emu.close();
 * ```
 */
import type { AddressInfo } from 'node:net';
import type { LedgerEntry } from './context';
import { Faults } from './faults';
import { createEmulatorServer } from './server';
import { EmulatorState } from './state';

export { CONTENT_TYPES } from './activity-feed';
export type { ContentBlob, ContentType, Subscription } from './activity-feed';
export type { LedgerEntry, MoveRecord } from './context';
export {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_FACTS,
  DEMO_MAILBOX,
  DEMO_MAILBOXES,
  DEMO_PHISH,
  DEMO_TENANT,
  DEMO_TENANT_DOMAIN,
  DEMO_USER_WITHOUT_MAILBOX,
} from './demo-seed';
export type { App, Tenant, User } from './directory';
export { generateTenant, removeGenerated } from './generated-tenant';
export type { GenerateCampaign, GeneratedTenant, GenerateInput, PlantedCopy } from './generated-tenant';
export type { CannedFailure, FaultRule } from './faults';
export { Faults } from './faults';
export type { Folder, Mailbox } from './mailbox';
export type { Attachment, Message } from './message';
export type { MessageInput } from './message-input';
export type { Settings } from './settings';
export { EmulatorState } from './state';
export type { AccessToken } from './tokens';
export { MAX_ATTACHMENT_BYTES, MAX_UPLOAD_FRAGMENT_BYTES, MIN_UPLOAD_SESSION_BYTES, UPLOAD_FRAGMENT_UNIT } from './upload-session';
export type { UploadLogEntry, UploadSession } from './upload-session';

export interface EmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Load the demo tenant, app, mailboxes, mail and generated audit content (default true). */
  seed?: boolean;
  /** Seed of the fault generator's PRNG, for repeatable random faults. */
  randomSeed?: number;
  /** Access token lifetime in seconds (default 3600). */
  tokenLifetimeSeconds?: number;
}

export interface Emulator {
  /** `http://host:port` — login root, Graph root and management root at once. */
  readonly url: string;
  readonly port: number;
  /** Everything the emulator knows; tests may change it directly. */
  readonly state: EmulatorState;
  /** Latency and fault knobs. */
  readonly faults: Faults;
  /** Every mutating request (method other than GET/HEAD/OPTIONS), in order. */
  readonly ledger: LedgerEntry[];
  /** Back to the initial state (seeded or empty); clears faults and ledger. Issued tokens stay valid. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts the emulator and resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1';
  const seeded = opts.seed !== false;
  const state = new EmulatorState();
  const faults = new Faults(opts.randomSeed);
  const ledger: LedgerEntry[] = [];

  const init = (): void => {
    state.clear();
    if (seeded) state.seedDemo();
    if (opts.tokenLifetimeSeconds !== undefined) state.settings.tokenLifetimeSeconds = opts.tokenLifetimeSeconds;
  };
  const reset = (): void => {
    // Issued tokens survive a reset (clients cache them); /_emulator/tokens/expire ends them.
    const tokens = [...state.tokens.values()];
    const refreshTokens = [...state.refreshTokens.values()];
    init();
    for (const t of tokens) state.tokens.set(t.token, t);
    for (const t of refreshTokens) state.refreshTokens.set(t.token, t);
    faults.reset();
    ledger.length = 0;
  };
  init();

  const { server } = createEmulatorServer(state, faults, ledger, { reset });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    state,
    faults,
    ledger,
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

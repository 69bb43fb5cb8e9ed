/**
 * Teams with MicrosoftAppId set, against a fake Bot Framework OpenID/JWKS endpoint (what is
 * remote is faked, as an HTTP server): genuine activities signed with its key are processed by
 * botbuilder's CloudAdapter; forged ones are refused at once and quietly; an unknown key id makes
 * one bounded key refresh (key rotation works), and an unreachable key endpoint gives a fast 401.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'restify';
import type { TurnContext } from 'botbuilder';
import { createServer } from '../../bot/server';
import { createAdapter, type BotFrameworkSettings } from '../../bot/teams/adapter';
import { keysSharedWithBotbuilder } from '../../bot/teams/auth';
import { createLogger } from '../../lib/log';
import { channelToken, startFakeOpenId, type FakeOpenId } from '../helpers/fake-openid';

const APP_ID = '11111111-2222-3333-4444-555555555555';
const SERVICE_URL = 'http://127.0.0.1:9/connector/';

function token(key: KeyObject, kid: string, over: Record<string, unknown> = {}): string {
  return channelToken(key, kid, APP_ID, SERVICE_URL, over);
}

interface Bot {
  url: string;
  turns: string[];
  lines: string[];
  close(): Promise<void>;
}

/** Our HTTP route (bot/server.ts) with the real CloudAdapter and a bot that records its turns. */
async function startBot(settings: BotFrameworkSettings): Promise<Bot> {
  const turns: string[] = [];
  const lines: string[] = [];
  const log = createLogger('debug', { write: (line: string) => void lines.push(line) });
  const adapter = createAdapter({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'test-app-password', ...settings });
  const server: Server = createServer({
    log,
    adapter,
    teams: { onTurn: async (ctx: TurnContext) => void turns.push(String(ctx.activity.text)) } as never,
    redis: {} as never,
    queues: {} as never,
    files: {} as never,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    turns,
    lines,
    close: () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.server.closeAllConnections();
      return closed;
    },
  };
}

async function send(bot: Bot, text: string, authorization?: string): Promise<{ status: number; ms: number }> {
  const activity = {
    type: 'message',
    id: `m-${text}`,
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    from: { id: '29:aad-1', aadObjectId: 'aad-1' },
    conversation: { id: 'conv-1' },
    recipient: { id: `28:${APP_ID}` },
    text,
  };
  const started = Date.now();
  const res = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(activity),
    signal: AbortSignal.timeout(10000),
  });
  await res.arrayBuffer();
  return { status: res.status, ms: Date.now() - started };
}

function refusals(bot: Bot): string[] {
  return bot.lines
    .map((l) => JSON.parse(l) as { msg: string; reason?: string })
    .filter((l) => l.msg === 'Teams activity refused')
    .map((l) => String(l.reason));
}

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Teams with MicrosoftAppId set, keys from a (fake) OpenID endpoint', () => {
  const k1 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const k2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let fake: FakeOpenId;
  let bot: Bot;
  let consoleErrors: jest.SpyInstance;

  beforeAll(async () => {
    fake = await startFakeOpenId();
    fake.addKey('k1', k1.publicKey);
    bot = await startBot({
      ToBotFromChannelOpenIdMetadataUrl: fake.url,
      ToBotFromEmulatorOpenIdMetadataUrl: fake.url.replace('/v1/', '/emulator/v1/'),
      keyStore: { unknownKidRefreshMs: 1000, retryAfterFailureMs: 1000 },
    });
    // The keys are loaded at start.
    await waitFor(() => (fake.hits.get('/v1/.well-known/keys') ?? 0) >= 1);
    consoleErrors = jest.spyOn(console, 'error');
  });
  afterAll(async () => {
    consoleErrors?.mockRestore();
    await bot?.close();
    await fake?.close();
  });

  it('a genuine activity is processed, with the keys fetched once (botbuilder uses the same key set)', async () => {
    expect(keysSharedWithBotbuilder()).toBe(true);
    const r = await send(bot, 'hello', token(k1.privateKey, 'k1'));
    expect(r.status).toBe(200);
    expect(bot.turns).toEqual(['hello']);
    expect(fake.hits.get('/v1/.well-known/openidconfiguration')).toBe(1);
    expect(fake.hits.get('/v1/.well-known/keys')).toBe(1);
  });

  it.each([
    ['a known kid signed by another key', () => token(attacker.privateKey, 'k1'), 'bad signature'],
    [
      'a serviceurl claim for another connector',
      () => token(k1.privateKey, 'k1', { serviceurl: 'https://evil.example/' }),
      'serviceUrl claim does not match the activity',
    ],
    ['another bot as audience', () => token(k1.privateKey, 'k1', { aud: 'someone-else' }), 'audience someone-else is not this bot'],
    ['an expired token', () => token(k1.privateKey, 'k1', { exp: Math.floor(Date.now() / 1000) - 3600 }), 'token expired'],
  ])('%s → 401 at once, one warning, no console.error', async (_name, make, reason) => {
    const before = {
      turns: bot.turns.length,
      refusals: refusals(bot).length,
      errors: consoleErrors.mock.calls.length,
      hits: fake.hits.get('/v1/.well-known/keys'),
    };
    const r = await send(bot, 'forged', make());
    expect(r.status).toBe(401);
    expect(r.ms).toBeLessThan(1000);
    expect(bot.turns.length).toBe(before.turns);
    expect(refusals(bot).slice(before.refusals)).toEqual([reason]);
    expect(consoleErrors.mock.calls.length).toBe(before.errors);
    expect(fake.hits.get('/v1/.well-known/keys')).toBe(before.hits);
  });

  it('an unknown kid makes one key refresh (a rotated key is then accepted); more unknown kids within the interval fetch nothing', async () => {
    fake.addKey('k2', k2.publicKey);
    await new Promise((r) => setTimeout(r, 1100)); // past unknownKidRefreshMs since the last refresh
    const hits = fake.hits.get('/v1/.well-known/keys')!;
    const rotated = await send(bot, 'rotated', token(k2.privateKey, 'k2'));
    expect(rotated.status).toBe(200);
    expect(bot.turns).toContain('rotated');
    expect(fake.hits.get('/v1/.well-known/keys')).toBe(hits + 1);
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await send(bot, `unknown-${i}`, token(attacker.privateKey, `forged-${i}`)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(401));
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(1000);
    expect(fake.hits.get('/v1/.well-known/keys')).toBe(hits + 1);
    expect(
      refusals(bot)
        .slice(-20)
        .every((m) => /^signing key forged-\d+ unknown$/.test(m)),
    ).toBe(true);
    expect(consoleErrors).not.toHaveBeenCalled();
  });
});

describe('Teams with MicrosoftAppId set, key endpoint not answering', () => {
  let fake: FakeOpenId;
  let bot: Bot;
  const k1 = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    fake = await startFakeOpenId();
    fake.mode = 'hang';
    bot = await startBot({
      ToBotFromChannelOpenIdMetadataUrl: fake.url,
      ToBotFromEmulatorOpenIdMetadataUrl: fake.url.replace('/v1/', '/emulator/v1/'),
      keyStore: { fetchTimeoutMs: 3000 },
    });
  });
  afterAll(async () => {
    await bot?.close();
    await fake?.close();
  });

  it('a token whose key cannot be fetched → 401 within 1 s, quietly, whatever the endpoint does', async () => {
    const errors = jest.spyOn(console, 'error');
    try {
      const results = [];
      for (let i = 0; i < 10; i++) results.push(await send(bot, `t-${i}`, token(k1.privateKey, 'k1')));
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(401));
      expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(1000);
      expect(bot.turns).toEqual([]);
      // One refresh in flight at a time, not one per request.
      expect(fake.hits.get('/v1/.well-known/openidconfiguration')).toBe(1);
      expect(refusals(bot).every((m) => m === 'signing key k1 unknown' || /^signing key k1 unknown \(key endpoint: timed out\)$/.test(m))).toBe(true);
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });
});

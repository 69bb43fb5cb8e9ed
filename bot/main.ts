/**
 * Process entry: `main` (everything, with embedded defaults), `bot` or `worker` (CONTRACT §1).
 * With no REDIS_URL, `main` starts a private redis-server; with no environment configured
 * anywhere it also starts the Microsoft 365 emulator, a `demo` environment and the web chat.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { applyConfig, loadConfigFile } from '../config/apply';
import { DEMO_CHANNEL, DEMO_ENV, setupDemo } from '../lib/demo';
import { rootLogger } from '../lib/log';
import { startPrivateRedis, type PrivateRedis } from '../lib/redis-server';
import { startRuntime, type Role } from '../lib/runtime';
import { readSettings } from '../lib/settings';
import { connectRedis } from '../store/redis';
import { syncSchedules } from '../queue/schedules';
import { Keys } from '../store/keys';
import { mountWebchat } from './webchat/routes';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function fail(line: string): never {
  process.stderr.write(`chatsoar: ${line}\n`);
  process.exit(1);
}

/** The demo's secrets key, kept beside its data so that a restart can open what it sealed. */
function demoSecretsKey(): string {
  const path = resolve('.data/secrets.key');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const key = randomBytes(32).toString('base64');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, key, { mode: 0o600 });
  return key;
}

async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'main') as Role;
  if (!['main', 'bot', 'worker'].includes(role)) fail(`unknown role ${role} (main, bot, worker).`);
  const settings = readSettings();

  let privateRedis: PrivateRedis | undefined;
  let redisUrl = settings.redisUrl;
  if (!redisUrl) {
    if (role !== 'main') fail('REDIS_URL is required for npm run start:bot / start:worker (all roles must share one Redis).');
    say('Starting a private redis-server (data in ./.data/redis, AOF on)…');
    try {
      privateRedis = await startPrivateRedis('.data/redis', say);
    } catch (err) {
      fail((err as Error).message);
    }
    redisUrl = privateRedis.url;
  }

  const config = settings.configFile ? loadConfigFile(settings.configFile) : undefined;
  const probe = connectRedis(redisUrl);
  const keys = new Keys(settings.redisPrefix);
  const existing = await probe.smembers(keys.envNames());
  const onlyDemo = existing.every((e) => e === DEMO_ENV);
  probe.disconnect();
  const demo = role === 'main' && !config && onlyDemo;

  let secretsKey = settings.secretsKey;
  if (!secretsKey) {
    if (!demo) fail('SECRETS_KEY is required (32 bytes, base64: `openssl rand -base64 32`).');
    secretsKey = demoSecretsKey();
  }

  const webchat = demo || settings.webchat;
  const runtime = await startRuntime({ role, settings, redisUrl, secretsKey, log: rootLogger, mount: webchat ? [mountWebchat] : [] });
  if (config) await applyConfig(config, runtime.environments);

  let stopEmulator: (() => Promise<void>) | undefined;
  if (demo) {
    const { startEmulator, DEMO_TENANT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_MAILBOX } = await import('../emulator');
    const emulator = await startEmulator({ seed: true });
    stopEmulator = () => emulator.close();
    await setupDemo(runtime.environments, emulator.url, { tenant: DEMO_TENANT, clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET, mailbox: DEMO_MAILBOX });
    say(`Microsoft 365 emulator at ${emulator.url}; demo environment "${DEMO_ENV}" bound to ${DEMO_CHANNEL}.`);
  }
  if (role !== 'worker') {
    // Connectors and jobs of every environment become BullMQ job schedulers (idempotent per start).
    const sync = await syncSchedules({ queues: runtime.queues, environments: runtime.environments, log: rootLogger });
    for (const r of sync.refused) say(`Not scheduled: ${r.id}: ${r.reason}`);
  }
  rootLogger.info({ role, port: settings.port, demo }, 'chatsoar started');
  if (role !== 'worker') say(webchat ? `chatsoar is running: open ${settings.publicUrl}/ and type \`graphmail ping\`` : `chatsoar (${role}) listening on port ${settings.port}`);
  else say('chatsoar worker is running');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    rootLogger.info({ signal }, 'stopping: no new work; running jobs finish or go back to the queue');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await runtime.close();
    await stopEmulator?.();
    await privateRedis?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: Error) => fail(err.message));

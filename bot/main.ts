/**
 * Process entry: `main` (everything, with embedded defaults), `bot` or `worker` (contract.md §1).
 * With no REDIS_URL, `main` starts a private redis-server; with no environment configured
 * anywhere and no chat credential it also starts the Microsoft 365 emulator, a `demo`
 * environment and the web chat, on 127.0.0.1 only.
 * The configuration is applied before the server listens, and /readyz says 200 only once every
 * start-up step is done; a failed start stops what it had started.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { applyConfig, loadConfigFile } from '../config/apply';
import {
  chatCredentialIn,
  DEMO_CHANNEL,
  DEMO_ENV,
  demoAllowed,
  demoBanner,
  realEnvironmentPresent,
  removeDemo,
  setupDemo,
  type DemoInputs,
  type DemoTour,
} from '../lib/demo';
import { rootLogger } from '../lib/log';
import { startPrivateRedis } from '../lib/redis-server';
import { startProbeServer } from '../lib/probe-server';
import { startRuntime, type Role } from '../lib/runtime';
import { readSettings } from '../lib/settings';
import { SecretBox } from '../store/crypto';
import { EnvironmentStore } from '../store/environments';
import { connectRedis, redisTarget } from '../store/redis';
import { syncSchedules } from '../queue/schedules';
import { Keys } from '../store/keys';
import { mountWebchat } from './webchat/routes';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const SECRETS_KEY_REQUIRED = 'SECRETS_KEY is required (32 bytes, base64: `openssl rand -base64 32`).';

/** A start-up refusal: its message is the one line the operator reads. */
class StartFailure extends Error {}

function fail(line: string): never {
  throw new StartFailure(line);
}

/** What this process brought up (redis-server, emulator, runtime), stopped newest first when it ends. */
const started: Array<() => Promise<void>> = [];

async function stopStarted(): Promise<void> {
  for (const stop of started.splice(0).reverse()) await stop().catch((err: Error) => rootLogger.warn({ err }, 'stopping a part failed'));
}

/** Set once the process is on its way out (a stop or a failure): the first one finishes the exit. */
let exiting = false;
/** A stop by signal (not a failure): the bot drains first. */
let stopping = false;
/** How long a stopping bot keeps serving after /readyz says 503 (contract.md §2, SHUTDOWN_GRACE_MS). */
const DEFAULT_GRACE_MS = 5000;
let stopGraceMs = 0;

async function exitWithError(line: string): Promise<void> {
  if (exiting) return;
  exiting = true;
  process.stderr.write(`chatsoar: ${line}\n`);
  setTimeout(() => process.exit(1), 15_000).unref();
  await stopStarted();
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
  const config = settings.configFile ? loadConfigFile(settings.configFile) : undefined;
  const credential = chatCredentialIn(process.env);
  // Checked before anything starts when it is already certain there will be no demo.
  if (!settings.secretsKey && (role !== 'main' || config || credential)) fail(SECRETS_KEY_REQUIRED);

  let redisUrl = settings.redisUrl;
  if (!redisUrl && !settings.redisSentinels?.length) {
    if (role !== 'main') fail('REDIS_URL or REDIS_SENTINELS is required for npm run start:bot / start:worker (all roles must share one Redis).');
    say('Starting a private redis-server (data in ./.data/redis, AOF on)…');
    const privateRedis = await startPrivateRedis('.data/redis', say).catch((err: Error) => fail(err.message));
    started.push(() => privateRedis.stop());
    // Last resort for an exit that skips stopStarted: redis-server still flushes its AOF on SIGTERM.
    process.once('exit', () => privateRedis.child.kill('SIGTERM'));
    redisUrl = privateRedis.url;
  }
  const redis = redisTarget({
    url: redisUrl,
    sentinels: settings.redisSentinels,
    sentinelName: settings.redisSentinelName,
    tlsCaFile: settings.redisTlsCa,
  });

  // Every start-up write happens here, before the server listens: no command is judged against a
  // half-applied configuration, and a failure leaves nothing running.
  const setup = connectRedis(redis);
  let demo: boolean;
  let secretsKey: string;
  let tour: DemoTour | undefined;
  try {
    const inputs: DemoInputs = {
      role,
      configFile: settings.configFile,
      environments: await setup.smembers(new Keys(settings.redisPrefix).envNames()),
      credential,
    };
    demo = demoAllowed(inputs);
    if (!demo && !settings.secretsKey) fail(SECRETS_KEY_REQUIRED);
    secretsKey = settings.secretsKey ?? demoSecretsKey();
    const environments = new EnvironmentStore(setup, new SecretBox(secretsKey), settings.redisPrefix);
    // Web chat users name themselves: once this is a deployment, no one keeps the demo's admin.
    if (!demo && (role === 'main' || realEnvironmentPresent(inputs)) && (await removeDemo(environments))) {
      say(`The "${DEMO_ENV}" environment and the demo's web users (web:you, web:boss) were removed: this is not a demo any more.`);
    }
    // Also without a file, so that environments a removed file used to manage are no longer marked so.
    for (const [environment, change] of Object.entries(await applyConfig(config ?? {}, environments))) {
      if (change.revoked.length || change.unbound.length)
        rootLogger.info({ environment, ...change }, 'CONFIG_FILE revoked roles or channel bindings it no longer lists');
    }
    if (demo) {
      const { startEmulator, DEMO_TENANT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_MAILBOX, DEMO_FACTS } = await import('../emulator');
      const emulator = await startEmulator({ seed: true });
      started.push(() => emulator.close());
      tour = await setupDemo(environments, emulator.url, {
        tenant: DEMO_TENANT,
        clientId: DEMO_CLIENT_ID,
        clientSecret: DEMO_CLIENT_SECRET,
        mailbox: DEMO_MAILBOX,
        facts: DEMO_FACTS,
      });
      // The demo's own emulator is trusted like TRUSTED_ORIGINS, so an environment made in the demo's chat may point at it.
      settings.trustedOrigins = [...(settings.trustedOrigins ?? []), emulator.url];
      say(`Microsoft 365 emulator at ${emulator.url}; demo environment "${DEMO_ENV}" bound to ${DEMO_CHANNEL}.`);
    }
  } finally {
    setup.disconnect();
  }

  const webchat = demo || settings.webchat;
  // The web chat trusts the user name its page sends: it is served on loopback unless WEBCHAT_PUBLIC=1.
  const listenHost = demo || (settings.webchat && !settings.webchatPublic) ? '127.0.0.1' : undefined;
  const runtime = await startRuntime({
    role,
    settings,
    redisUrl: redis,
    secretsKey,
    log: rootLogger,
    mount: webchat ? [mountWebchat] : [],
    allowUnauthenticatedTeams: demo,
    listenHost,
    holdUntilReady: true,
    // `npm start`: the workers on their own thread, so that their CPU never delays an acknowledgement.
    workersInThread: role === 'main',
  });
  // A bot behind a load balancer drains before its port closes (SHUTDOWN_GRACE_MS); `npm start` alone has no one to wait for.
  const graceMs = role === 'worker' ? 0 : (settings.shutdownGraceMs ?? (role === 'bot' ? DEFAULT_GRACE_MS : 0));
  stopGraceMs = graceMs;
  started.push(() => runtime.close(stopping ? graceMs : 0));
  if (role === 'worker') {
    // contract.md §3: a worker answers /healthz, /readyz and /metrics on PORT (no chat route), not ready once stopping.
    const probes = await startProbeServer({ redis: runtime.redis, ready: () => runtime.ready && !stopping }, settings.port, listenHost);
    started.push(() => new Promise<void>((resolve) => probes.close(() => resolve())));
  }
  if (role !== 'worker') {
    // Connectors and jobs of every environment become BullMQ job schedulers (idempotent per start).
    const sync = await syncSchedules({ queues: runtime.queues, environments: runtime.environments, log: rootLogger });
    for (const r of sync.refused) say(`Not scheduled: ${r.id}: ${r.reason}`);
    // Sentinel mode: a failover can take back a scheduler's next run (asynchronous replication),
    // which would stop it for good; once the master has changed, every scheduler is set again.
    if (settings.redisSentinels?.length) {
      let master = await runtime.barrier.mark().catch(() => undefined);
      const watch = setInterval(() => {
        void (async () => {
          const now = await runtime.barrier.mark();
          if (!now || now === master) return;
          await syncSchedules({ queues: runtime.queues, environments: runtime.environments, log: rootLogger, force: true });
          rootLogger.warn({ from: master, to: now }, 'Redis failed over: every schedule was set again');
          master = now;
        })().catch((err: Error) => rootLogger.warn({ err }, 'schedules not checked after a Redis failover; tried again shortly'));
      }, 2000);
      watch.unref();
      started.push(async () => clearInterval(watch));
    }
  }
  runtime.ready = true;
  rootLogger.info({ role, port: settings.port, listenHost: listenHost ?? 'all interfaces', demo }, 'chatsoar started');
  if (role === 'worker') say(`chatsoar worker is running (probes and /metrics on port ${settings.port})`);
  else if (webchat) say(`chatsoar is running: open ${settings.publicUrl}/ and type \`graphmail ping\``);
  else say(`chatsoar (${role}) listening on port ${settings.port}`);
  // behaviour.md 49: the demo names its mailboxes and the commands to try.
  if (tour && role !== 'worker') for (const line of demoBanner(tour, settings.publicUrl)) say(line);
  if (settings.webchat && !demo) {
    say(
      listenHost
        ? 'The web chat is on: listening on 127.0.0.1 only (WEBCHAT_PUBLIC=1 serves it on every interface).'
        : 'The web chat is on and public (WEBCHAT_PUBLIC=1): anyone who reaches it may name themselves.',
    );
  }
}

// Also during the start: a stop then still stops the redis-server it has started.
async function stop(signal: string): Promise<void> {
  if (exiting) return;
  exiting = true;
  stopping = true;
  rootLogger.info({ signal }, 'stopping: no new work; running jobs finish or go back to the queue');
  setTimeout(() => process.exit(1), 30_000 + stopGraceMs).unref();
  await stopStarted();
  process.exit(0);
}
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));

process.on('uncaughtException', (err) => {
  rootLogger.fatal({ err }, 'chatsoar stopped on an unexpected error');
  void exitWithError(err.message);
});
main().catch((err: Error) => exitWithError(err.message));

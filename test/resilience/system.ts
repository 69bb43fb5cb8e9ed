/**
 * The whole system as real processes for the resilience suite and the load benchmark: a
 * redis-server (AOF, fsync always) that can be killed and restarted on its port, the Microsoft
 * 365 emulator as its own process, bot and worker processes of bot/main.ts, and a fake Slack
 * Web API and Bot Connector in this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { waitForRedis } from '../../lib/redis-server';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT } from '../../emulator';
import { startFakeConnector, type FakeConnector } from '../helpers/fake-connector';
import { slackSignature, startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { graphMailInstance } from '../helpers/graph-mail-config';
import { freePort } from '../helpers/harness';
import { startFlakyProxy, type FlakyProxy } from './flaky-proxy';

/** The repository (also when this file runs compiled from dist/, as the load benchmark does). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'bot', 'main.ts')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const root = repoRoot();
export const SLACK_SECRET = 'resilience-signing-secret-0123456789';
export const SLACK_TOKEN = 'xoxb-resilience-token-0123456789';
export const MAILBOX = 'soc@demo.onmicrosoft.com';
/** An admin of the environment (approvals are off in the config, so changes run at once). */
export const USER = 'U1';

export interface Proc {
  role: 'bot' | 'worker' | 'emulator';
  port: number;
  child: ChildProcess;
  output: string[];
}

export interface RedisProc {
  url: string;
  port: number;
  dir: string;
  child: ChildProcess;
}

function waitForLine(proc: Proc, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const check = (): string | undefined =>
      proc.output
        .join('')
        .split('\n')
        .find((l) => pattern.test(l));
    const found = check();
    if (found) return resolvePromise(found);
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${proc.role}: no line matching ${pattern} in ${timeoutMs} ms; output:\n${proc.output.join('').slice(-3000)}`));
    }, timeoutMs);
    const onData = (): void => {
      const line = check();
      if (line) {
        cleanup();
        resolvePromise(line);
      }
    };
    const onExit = (): void => {
      cleanup();
      reject(new Error(`${proc.role} exited before ${pattern}; output:\n${proc.output.join('').slice(-3000)}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      proc.child.stdout?.off('data', onData);
      proc.child.stderr?.off('data', onData);
      proc.child.off('exit', onExit);
    };
    proc.child.stdout?.on('data', onData);
    proc.child.stderr?.on('data', onData);
    proc.child.once('exit', onExit);
  });
}

function spawnProc(role: Proc['role'], args: string[], env: NodeJS.ProcessEnv, port: number): Proc {
  const child = spawn(process.execPath, ['--no-deprecation', '-r', join(root, 'test/helpers/register-ts.js'), ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: Proc = { role, port, child, output: [] };
  const keep = (c: Buffer): void => {
    proc.output.push(c.toString());
    if (proc.output.length > 200) proc.output.splice(0, 100);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return proc;
}

export async function startRedis(dir: string, port?: number): Promise<RedisProc> {
  const p = port ?? (await freePort());
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', String(p), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${p}`;
  await waitForRedis(url, child, 50);
  return { url, port: p, dir, child };
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill(signal);
  });
}

export interface SystemOptions {
  channels?: number;
  asyncPollMs?: number;
  /** Extra YAML for the environment (e.g. connectors, jobs). */
  envExtra?: Record<string, unknown>;
  /** Share of Slack and Bot Connector requests failed by a proxy in front of the fakes (429/5xx/dropped). */
  chatFaults?: number;
  /** Extra environment of the bot and worker processes (e.g. REDIS_SENTINELS, SHUTDOWN_GRACE_MS); overrides the defaults. */
  env?: NodeJS.ProcessEnv;
  /** Extra node options of the bot and worker processes (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

export interface System {
  redis: RedisProc;
  emulatorUrl: string;
  slack: FakeSlack;
  connector: FakeConnector;
  bots: Proc[];
  workers: Proc[];
  prefix: string;
  /** The files root of the bot and worker processes (FILES_DIR). */
  filesDir: string;
  /** The proxies in front of the fake Slack and Bot Connector (with chatFaults). */
  chatProxies?: { slack: FlakyProxy; connector: FlakyProxy };
  channels: string[];
  startBot(): Promise<Proc>;
  startWorker(): Promise<Proc>;
  /** Restarts redis-server on its port with its data (SIGKILL: only what fsync kept survives). */
  restartRedis(signal?: NodeJS.Signals, downMs?: number): Promise<void>;
  slash(text: string, opts: { channel: string; triggerId: string; bot?: number; user?: string }): Promise<{ status: number; text: string }>;
  emulator(path: string, init?: RequestInit): Promise<unknown>;
  /** A Teams message activity (unauthenticated: MicrosoftAppId is unset) in teams:conv-1. */
  teams(text: string, id: string, bot?: number): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

export async function startSystem(opts: SystemOptions = {}): Promise<System> {
  const base = mkdtempSync(join(tmpdir(), 'chatsoar-resilience-'));
  const [redis, slack, connector, emuPort] = await Promise.all([startRedis(join(base, 'redis')), startFakeSlack(), startFakeConnector(), freePort()]);
  const emu = spawnProc(
    'emulator',
    [join(root, 'emulator/main.ts')],
    { PATH: process.env.PATH, EMULATOR_PORT: String(emuPort), EMULATOR_RANDOM_SEED: '7', LOG_LEVEL: 'info' },
    emuPort,
  );
  await waitForLine(emu, /emulator listening/, 30000);
  const emulatorUrl = `http://127.0.0.1:${emuPort}`;
  // Demo mail arrives on its own every 15 min; keep the mailboxes still during a run.
  await fetch(`${emulatorUrl}/_emulator/settings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mailArrivalMinutes: 0 }),
  });
  // What the searches of the suite find.
  await fetch(`${emulatorUrl}/_emulator/deliver`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mailbox: MAILBOX, folder: 'inbox', subject: 'Your quarterly invoice', from: 'billing@vendor.example' }),
  });

  const channels = Array.from({ length: opts.channels ?? 40 }, (_, i) => `C${100 + i}`);
  const config = {
    environments: {
      prod: {
        integrations: {
          'microsoft-graph-mail': graphMailInstance(emulatorUrl, MAILBOX),
          'o365-management-api': {
            'api-root': emulatorUrl,
            'azure-active-directory-id': DEMO_TENANT,
            'client-id': DEMO_CLIENT_ID,
            'client-secret': '${env:GRAPH_SECRET}',
            'oauth2-login-endpoint-url': emulatorUrl,
          },
        },
        channels: [...channels.map((c) => `slack:${c}`), 'teams:conv-1'],
        roles: { admin: [`slack:${USER}`, 'teams:aad-1'] },
        approvals: { 'required-for': [] },
        ...opts.envExtra,
      },
    },
  };
  const configFile = join(base, 'chatsoar.yaml');
  writeFileSync(configFile, stringify(config));
  const chatProxies = opts.chatFaults
    ? {
        slack: await startFlakyProxy(slack.url.replace(/\/api\/$/, ''), opts.chatFaults, 11, { loseAnswers: true }),
        connector: await startFlakyProxy(connector.serviceUrl.replace(/\/$/, ''), opts.chatFaults, 23),
      }
    : undefined;
  const serviceUrl = chatProxies ? `${chatProxies.connector.url}/` : connector.serviceUrl;
  const prefix = `r-${randomBytes(3).toString('hex')}:`;
  const filesDir = join(base, 'files');
  const secretsKey = randomBytes(32).toString('base64');
  const bots: Proc[] = [];
  const workers: Proc[] = [];

  const envFor = (port: number): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    SECRETS_KEY: secretsKey,
    CONFIG_FILE: configFile,
    GRAPH_SECRET: DEMO_CLIENT_SECRET,
    ASYNC_POLL_MS: String(opts.asyncPollMs ?? 200),
    // The suite posts unsigned Teams activities (MicrosoftAppId is unset).
    ALLOW_UNAUTHENTICATED_TEAMS: '1',
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_API_URL: chatProxies ? `${chatProxies.slack.url}/api/` : slack.url,
    FILES_DIR: filesDir,
    LOG_LEVEL: process.env.RESILIENCE_LOG_LEVEL ?? 'warn',
    ...opts.env,
  });

  const start = async (role: 'bot' | 'worker'): Promise<Proc> => {
    const port = await freePort();
    const proc = spawnProc(role, [...(opts.nodeArgs ?? []), join(root, 'bot/main.ts'), role], envFor(port), port);
    await waitForLine(proc, role === 'bot' ? /listening on port/ : /worker is running/, 60000);
    (role === 'bot' ? bots : workers).push(proc);
    return proc;
  };

  const liveBot = (n = 0): Proc => {
    const live = bots.filter((b) => b.child.exitCode === null && b.child.signalCode === null);
    return live[n % live.length]!;
  };
  const system: System = {
    redis,
    emulatorUrl,
    slack,
    connector,
    bots,
    workers,
    prefix,
    filesDir,
    channels,
    chatProxies,
    startBot: () => start('bot'),
    startWorker: () => start('worker'),
    async restartRedis(signal = 'SIGKILL', downMs = 0) {
      await stopChild(redis.child, signal);
      await new Promise((r) => setTimeout(r, downMs));
      const again = await startRedis(redis.dir, redis.port);
      redis.child = again.child;
    },
    async slash(text, o) {
      const bot = liveBot(o.bot);
      const body = new URLSearchParams({
        token: 'legacy',
        team_id: 'T1',
        channel_id: o.channel,
        user_id: o.user ?? USER,
        command: '/soar',
        text,
        response_url: `${slack.url.replace(/\/api\/$/, '')}/response`,
        trigger_id: o.triggerId,
      }).toString();
      const res = await fetch(`http://127.0.0.1:${bot.port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SLACK_SECRET, body) },
        body,
      });
      return { status: res.status, text: await res.text() };
    },
    async teams(text, id, n) {
      const activity = {
        type: 'message',
        id,
        timestamp: new Date().toISOString(),
        channelId: 'msteams',
        serviceUrl,
        from: { id: '29:aad-1', name: 'Analyst', aadObjectId: 'aad-1' },
        conversation: { id: 'conv-1', conversationType: 'channel' },
        recipient: { id: '28:chatsoar', name: 'chatsoar' },
        text,
        entities: [],
      };
      const res = await fetch(`http://127.0.0.1:${liveBot(n).port}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      return { status: res.status, text: await res.text() };
    },
    async emulator(path, init) {
      const res = await fetch(`${emulatorUrl}/_emulator/${path}`, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
      return res.status === 204 ? undefined : res.json();
    },
    async close() {
      await Promise.all([...bots, ...workers].map((p) => stopChild(p.child, 'SIGKILL')));
      await stopChild(emu.child, 'SIGKILL');
      await stopChild(redis.child, 'SIGKILL');
      await Promise.all([slack.close(), connector.close(), chatProxies?.slack.close(), chatProxies?.connector.close()]);
    },
  };
  return system;
}

/**
 * Starts a real chatsoar process role in-process on a free port, against the test run's real
 * redis-server (unique key prefix), the Microsoft 365 emulator, a fake Slack Web API and a fake
 * Bot Connector. Traffic into our routes is real HTTP.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createLogger } from '../../lib/log';
import { startEmulator, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT, type Emulator } from '../../emulator';
import { startRuntime, type Role, type Runtime } from '../../lib/runtime';
import type { Settings } from '../../lib/settings';
import type { IntegrationSpec } from '../../handlers/kit/spec';
import { startFakeConnector, type FakeConnector } from './fake-connector';
import { startFakeSlack, slackSignature, type FakeSlack } from './fake-slack';

export const SLACK_SECRET = 'test-signing-secret-0123456789abcdef';
export const SLACK_TOKEN = 'xoxb-test-token-0123456789';
export const MAILBOX = 'soc@demo.onmicrosoft.com';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
    srv.on('error', reject);
  });
}

export interface Harness {
  url: string;
  runtime: Runtime;
  emulator: Emulator;
  slack: FakeSlack;
  connector: FakeConnector;
  settings: Settings;
  /** POSTs a correctly signed Slack slash command `/soar <text>`. */
  slash(text: string, opts?: { channel?: string; user?: string; triggerId?: string; timestamp?: number; secret?: string }): Promise<Response>;
  /** POSTs a signed Slack interactivity payload. */
  interact(payload: Record<string, unknown>): Promise<Response>;
  /** POSTs a Bot Framework message activity whose serviceUrl is the fake connector. */
  activity(activity: Record<string, unknown>, headers?: Record<string, string>): Promise<Response>;
  teamsMessage(text: string, opts?: { conversation?: string; user?: string; id?: string; value?: Record<string, unknown> }): Promise<Response>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  role?: Role;
  appId?: string;
  /** Unsigned Teams activities accepted (ALLOW_UNAUTHENTICATED_TEAMS); default: on when no appId is given, as most tests post unsigned activities. */
  allowUnauthenticatedTeams?: boolean;
  /** Other Bot Framework settings (the signing-key endpoints of a fake). */
  botFramework?: Partial<Settings['botFramework']>;
  /** TEAMS_TENANTS and TEAMS_EXTRA_CHANNELS. */
  teamsTenants?: string[];
  teamsExtraChannels?: string[];
  asyncPollMs?: number;
  /** TRUSTED_ORIGINS beside the emulator's (which the harness trusts as an operator running it would). */
  trustedOrigins?: string[];
  /** Configure env `prod` bound to slack:C1 and teams:conv-1 with these roles (default: analyst U1 / aad-1, approver U2). */
  configure?: boolean;
  /** Catalogue with fixture actions added (default: the seeds'). */
  catalog?: IntegrationSpec[];
  /** Receives every log line (to check that no secret is ever logged). */
  logLines?: string[];
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!redisUrl) throw new Error('TEST_REDIS_URL is not set (jest globalSetup starts redis-server)');
  const [emulator, slack, connector, port] = await Promise.all([startEmulator({ seed: true }), startFakeSlack(), startFakeConnector(), freePort()]);
  const settings: Settings = {
    port,
    redisUrl,
    publicUrl: `http://127.0.0.1:${port}`,
    asyncPollMs: opts.asyncPollMs ?? 100,
    slack: { signingSecret: SLACK_SECRET, botToken: SLACK_TOKEN, apiUrl: slack.url },
    botFramework: { MicrosoftAppId: opts.appId, MicrosoftAppPassword: opts.appId ? 'test-app-password' : undefined, ...opts.botFramework },
    allowUnauthenticatedTeams: opts.allowUnauthenticatedTeams ?? !opts.appId,
    teamsTenants: opts.teamsTenants,
    teamsExtraChannels: opts.teamsExtraChannels,
    trustedOrigins: [emulator.url, ...(opts.trustedOrigins ?? [])],
    filesDir: mkdtempSync(join(tmpdir(), 'chatsoar-files-')),
    webchat: false,
    redisPrefix: `t-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}:`,
  };
  const lines = opts.logLines;
  const log = lines ? createLogger('debug', { write: (line: string) => void lines.push(line) }) : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const runtime = await startRuntime({
    role: opts.role ?? 'main',
    settings,
    redisUrl,
    secretsKey: randomBytes(32).toString('base64'),
    log,
    catalog: opts.catalog,
  });

  if (opts.configure !== false) {
    const env = runtime.environments;
    await env.create('prod');
    await env.setInstance('prod', 'microsoft-graph-mail', {
      'azure-ad-endpoint': emulator.url,
      'microsoft-graph-endpoint': emulator.url,
      'client-id': DEMO_CLIENT_ID,
      'secret-id': DEMO_CLIENT_SECRET,
      tenant: DEMO_TENANT,
      'default-mailbox': MAILBOX,
      'verify-ssl': true,
    });
    await env.setInstance('prod', 'azure-api', {
      'microsoft-login-api-root': emulator.url,
      'microsoft-graph-api-root': emulator.url,
      'client-id': DEMO_CLIENT_ID,
      'client-secret': DEMO_CLIENT_SECRET,
      'tenant-id': DEMO_TENANT,
      'test-url': `${emulator.url}/v1.0/organization`,
      scopes: [`${emulator.url}/.default`],
    });
    await env.setInstance('prod', 'o365-management-api', {
      'api-root': emulator.url,
      'azure-active-directory-id': DEMO_TENANT,
      'client-id': DEMO_CLIENT_ID,
      'client-secret': DEMO_CLIENT_SECRET,
      'oauth2-login-endpoint-url': emulator.url,
    });
    await env.bind('slack:C1', 'prod');
    await env.bind('teams:conv-1', 'prod');
    await env.grant('prod', 'analyst', ['slack:U1', 'teams:aad-1']);
    await env.grant('prod', 'approver', ['slack:U2', 'teams:aad-2']);
    await env.grant('prod', 'viewer', ['slack:U3', 'teams:aad-3']);
  }

  const url = `http://127.0.0.1:${port}`;
  let seq = 0;
  const harness: Harness = {
    url,
    runtime,
    emulator,
    slack,
    connector,
    settings,
    async slash(text, o = {}) {
      const body = new URLSearchParams({
        token: 'legacy',
        team_id: 'T1',
        channel_id: o.channel ?? 'C1',
        user_id: o.user ?? 'U1',
        command: '/soar',
        text,
        response_url: `${slack.url.replace(/\/api\/$/, '')}/response`,
        trigger_id: o.triggerId ?? `trig-${Date.now()}-${seq++}`,
      }).toString();
      return fetch(`${url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(o.secret ?? SLACK_SECRET, body, o.timestamp) },
        body,
      });
    },
    async interact(payload) {
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      return fetch(`${url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SLACK_SECRET, body) },
        body,
      });
    },
    async activity(activity, headers = {}) {
      return fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(activity) });
    },
    async teamsMessage(text, o = {}) {
      return harness.activity({
        type: 'message',
        id: o.id ?? `msg-${Date.now()}-${seq++}`,
        timestamp: new Date().toISOString(),
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        from: { id: `29:${o.user ?? 'aad-1'}`, name: 'Analyst', aadObjectId: o.user ?? 'aad-1' },
        conversation: { id: o.conversation ?? 'conv-1', conversationType: 'channel' },
        recipient: { id: '28:chatsoar', name: 'chatsoar' },
        text,
        value: o.value,
        entities: [],
      });
    },
    async close() {
      await runtime.close();
      await Promise.all([emulator.close(), slack.close(), connector.close()]);
    },
  };
  return harness;
}

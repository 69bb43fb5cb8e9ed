/**
 * A production-shaped start as a real process: CONFIG_FILE, SECRETS_KEY, Slack on, Teams not
 * configured (no MicrosoftAppId). An unsigned Bot Framework activity naming the admin's
 * aadObjectId is refused with 401 and nothing reaches the serviceUrl it names, while a signed
 * Slack command of the same admin works.
 * Before: the unsigned activity acted as the admin, and the reply went to its serviceUrl.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator, DEMO_CLIENT_SECRET, type Emulator } from '../../emulator';
import { createQueues, type Queues } from '../../queue/queues';
import { redisOptions } from '../../store/redis';
import { startFakeConnector, type FakeConnector } from '../helpers/fake-connector';
import { slackSignature, startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { writeGraphMailConfig } from '../helpers/graph-mail-config';
import { waitForLine } from '../helpers/wait-for-line';
import { freePort, MAILBOX, SLACK_SECRET, SLACK_TOKEN } from '../helpers/harness';
import { unescapeSlack } from '../helpers/job-result';

const root = resolve(__dirname, '..', '..');
const ADMIN_AAD = '5f0c9a3e-1b2d-4c6e-8f90-a1b2c3d4e5f6';
const PING_OK = 'Successfully connected to the Microsoft Graph mail service';

async function jobCount(queues: Queues): Promise<number> {
  const counts = await Promise.all([queues.actions, queues.outbox, queues.connectors, queues.maintenance, queues.approvals].map((q) => q.getJobCounts()));
  return counts.flatMap((c) => Object.values(c)).reduce((a, b) => a + b, 0);
}

describe('production-shaped start (CONFIG_FILE, Slack, no MicrosoftAppId)', () => {
  let child: ChildProcess | undefined;
  let emulator: Emulator;
  let slack: FakeSlack;
  let connector: FakeConnector;
  let queues: Queues | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await queues?.close();
    await Promise.all([emulator?.close(), slack?.close(), connector?.close()]);
  });

  it('an unsigned activity naming the admin → 401, zero calls to its serviceUrl, zero jobs; the admin’s signed Slack command works', async () => {
    const redisUrl = process.env.TEST_REDIS_URL;
    if (!redisUrl) throw new Error('TEST_REDIS_URL is not set (jest globalSetup starts redis-server)');
    [emulator, slack, connector] = await Promise.all([startEmulator({ seed: true }), startFakeSlack(), startFakeConnector()]);
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'chatsoar-prod-start-'));
    const configFile = writeGraphMailConfig(dir, emulator.url, MAILBOX, ['slack:C1', 'teams:conv-1'], { admin: ['slack:U1', `teams:${ADMIN_AAD}`] });
    const prefix = `prod-start-${randomBytes(4).toString('hex')}:`;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      CONFIG_FILE: configFile,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      GRAPH_SECRET: DEMO_CLIENT_SECRET,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_API_URL: slack.url,
      FILES_DIR: join(dir, 'files'),
      ASYNC_POLL_MS: '200',
      LOG_LEVEL: 'warn',
    };
    child = spawn(process.execPath, ['--no-deprecation', '-r', join(root, 'test/helpers/register-ts.js'), join(root, 'bot/main.ts'), 'main'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForLine(child, /listening on port|chatsoar is running/, 60000);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20000;
    while (
      (await fetch(`${url}/readyz`).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    ) {
      if (Date.now() > deadline) throw new Error('/readyz never answered 200');
      await new Promise((r) => setTimeout(r, 100));
    }

    queues = createQueues({ ...redisOptions(redisUrl), maxRetriesPerRequest: null }, prefix);
    const jobsBefore = await jobCount(queues);
    const attack = (id: string, text: string) => ({
      type: 'message',
      id,
      timestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl: connector.serviceUrl,
      from: { id: `29:${ADMIN_AAD}`, name: 'Admin', aadObjectId: ADMIN_AAD },
      conversation: { id: 'conv-1', conversationType: 'channel' },
      recipient: { id: '28:chatsoar', name: 'chatsoar' },
      text,
      entities: [],
    });
    const statuses: number[] = [];
    for (const [i, text] of ['soar graphmail ping', 'soar admin', 'soar graphmail delete-email --mail-id x'].entries()) {
      const res = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(attack(`unsigned-${i}`, text)),
      });
      statuses.push(res.status);
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(statuses).toEqual([401, 401, 401]);
    expect(connector.calls).toHaveLength(0);
    expect((await jobCount(queues)) - jobsBefore).toBe(0);

    // The same admin through Slack (signed): the configuration is applied and the process works.
    const body = new URLSearchParams({
      team_id: 'T1',
      channel_id: 'C1',
      user_id: 'U1',
      command: '/soar',
      text: 'graphmail ping',
      trigger_id: 'trig-prod-1',
      response_url: `${slack.url.replace(/\/api\/$/, '')}/response`,
    }).toString();
    const slash = await fetch(`${url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SLACK_SECRET, body) },
      body,
    });
    expect(slash.status).toBe(200);
    await slack
      .waitFor(() => [...slack.messages.values()].some((m) => unescapeSlack(JSON.stringify(m)).includes(PING_OK)), 30000)
      .catch((err: Error) => {
        throw new Error(`${err.message}; messages: ${unescapeSlack(JSON.stringify([...slack.messages.values()].map((m) => m.text)))}`);
      });
    expect(connector.calls).toHaveLength(0);

    // `npm start` runs its workers on a thread of their own: what they record (the job) is on the same /metrics as the ack.
    const metricsDeadline = Date.now() + 10000;
    let metricsText = '';
    while (!/^chatsoar_job_duration_seconds_count\{[^}]*action="ping"[^}]*\} [1-9]/m.test(metricsText)) {
      if (Date.now() > metricsDeadline) throw new Error(`no job duration of the ping on /metrics:\n${metricsText.slice(0, 3000)}`);
      await new Promise((r) => setTimeout(r, 200));
      metricsText = await (await fetch(`${url}/metrics`)).text();
    }
    expect(metricsText).toMatch(/^chatsoar_ack_latency_seconds_count\{platform="slack"\} [1-9]/m);

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120000);
});

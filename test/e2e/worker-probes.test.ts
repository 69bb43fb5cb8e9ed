/**
 * A worker process answers probes and exports its metrics on its PORT (contract.md §3), as the
 * image's HEALTHCHECK and Prometheus need: /healthz, /readyz and /metrics, no chat route. What
 * only workers record reaches /metrics there (connector cycles, lag and last success per
 * environment); a bot's /metrics says how long the oldest job of each queue has waited.
 */
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT, startEmulator, type Emulator } from '../../emulator';
import { redisOptions } from '../../store/redis';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { freePort, MAILBOX } from '../helpers/harness';
import { spawnMain, type MainProcess } from '../helpers/main-process';

jest.setTimeout(120_000);

let emulator: Emulator;
let slack: FakeSlack;
const procs: MainProcess[] = [];

beforeAll(async () => {
  [emulator, slack] = await Promise.all([startEmulator({ seed: true }), startFakeSlack()]);
});
afterAll(async () => {
  for (const p of procs) p.kill();
  await Promise.all([emulator?.close(), slack?.close()]);
});

/** The value of one series in a /metrics text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function metricsOf(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

it('serves /healthz, /readyz and /metrics with connector lag per environment, and queue age on the bot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chatsoar-probes-'));
  const configFile = join(dir, 'chatsoar.yaml');
  writeFileSync(
    configFile,
    `environments:
  prod:
    integrations:
      microsoft-graph-mail:
        azure-ad-endpoint: ${emulator.url}
        microsoft-graph-endpoint: ${emulator.url}
        client-id: ${DEMO_CLIENT_ID}
        secret-id: ${DEMO_CLIENT_SECRET}
        tenant: ${DEMO_TENANT}
        default-mailbox: ${MAILBOX}
    channels: [ "slack:C1" ]
    roles:
      admin: [ "slack:U1" ]
    connectors:
      - name: inbox
        type: microsoft-graph-mail-connector
        channel: "slack:C1"
        every: 60s
        params: { mail-address: ${MAILBOX} }
`,
  );
  const prefix = `probes-${randomBytes(3).toString('hex')}:`;
  const [botPort, workerPort] = [await freePort(), await freePort()];
  const env = (port: number): NodeJS.ProcessEnv => ({
    PORT: String(port),
    REDIS_URL: process.env.TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    SECRETS_KEY: Buffer.alloc(32, 9).toString('base64'),
    CONFIG_FILE: configFile,
    TRUSTED_ORIGINS: emulator.url,
    SLACK_SIGNING_SECRET: 'probes-signing-secret-0123456789',
    SLACK_BOT_TOKEN: 'xoxb-probes-token-0123456789',
    SLACK_API_URL: slack.url,
    FILES_DIR: join(dir, 'files'),
  });

  // The bot applies the file and creates the connector's scheduler; nothing runs it yet.
  const bot = spawnMain(env(botPort), { role: 'bot' });
  procs.push(bot);
  await bot.waitForLine(/listening on port/);
  // A job that has waited two minutes for a worker (none runs yet).
  const maintenance = new Queue('maintenance', { connection: redisOptions(process.env.TEST_REDIS_URL!), prefix: `${prefix}bull` });
  await maintenance.add('probe', { environment: 'prod', kind: 'jobs', name: 'none' }, { timestamp: Date.now() - 120_000 });
  await maintenance.close();
  expect(sample(await metricsOf(botPort), 'chatsoar_queue_oldest_waiting_seconds{queue="maintenance"}')).toBeGreaterThanOrEqual(120);
  expect(sample(await metricsOf(botPort), 'chatsoar_queue_oldest_waiting_seconds{queue="actions"}')).toBe(0);

  const worker = spawnMain(env(workerPort), { role: 'worker' });
  procs.push(worker);
  await worker.waitForLine(/worker is running/);
  const base = `http://127.0.0.1:${workerPort}`;
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  expect((await fetch(`${base}/slack/events`)).status).toBe(404);

  // The scheduler's first cycle runs on the worker: its metrics are on the worker's port.
  const ok = 'chatsoar_schedule_runs_total{kind="connectors",type="microsoft-graph-mail-connector",outcome="ok"}';
  let text = '';
  for (let i = 0; i < 600 && !(sample(text, ok) ?? 0); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = await metricsOf(workerPort);
  }
  expect(sample(text, ok)).toBe(1);
  const labels = '{environment="prod",connector="inbox"}';
  expect(sample(text, `chatsoar_connector_lag_seconds${labels}`)).toBeGreaterThanOrEqual(0);
  const lastRun = sample(text, `chatsoar_connector_last_run_timestamp_seconds${labels}`)!;
  expect(sample(text, `chatsoar_connector_last_success_timestamp_seconds${labels}`)).toBe(lastRun);
  expect(lastRun).toBeGreaterThan(Date.now() / 1000 - 120);
  // The waiting job was taken: its environment has no such job (skipped, not run).
  for (let i = 0; i < 100 && !sample(text, 'chatsoar_schedule_runs_total{kind="jobs",type="probe",outcome="skipped"}'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = await metricsOf(workerPort);
  }
  expect(sample(text, 'chatsoar_schedule_runs_total{kind="jobs",type="probe",outcome="skipped"}')).toBe(1);

  worker.child.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
  bot.child.kill('SIGTERM');
  expect(await bot.exited).toBe(0);
});

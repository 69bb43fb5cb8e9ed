/**
 * Readiness as a real process: with a CONFIG_FILE, no command is judged before the file is
 * applied. Before: the server listened first and applied the file after, so /readyz said 200 and
 * the first commands were refused "You have no role" / "This channel is not bound".
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT, startEmulator, type Emulator } from '../../emulator';
import { jobIdFor } from '../../lib/ids';
import { slackSignature, startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { freePort, MAILBOX } from '../helpers/harness';
import { spawnMain, type MainProcess } from '../helpers/main-process';

const SECRET = 'readiness-signing-secret-0123456789';
const REFUSED = /no role|not bound/i;
/** Many bindings make applying the file take a while: long enough to be caught in the act. */
const FILLER_CHANNELS = 1500;

let emulator: Emulator;
let slack: FakeSlack;
let proc: MainProcess | undefined;

beforeAll(async () => {
  [emulator, slack] = await Promise.all([startEmulator({ seed: true }), startFakeSlack()]);
});
afterAll(async () => {
  proc?.kill();
  await Promise.all([emulator?.close(), slack?.close()]);
});

function configYaml(): string {
  const filler = Array.from({ length: FILLER_CHANNELS }, (_, i) => `"slack:CFILL${String(i).padStart(5, '0')}"`).join(', ');
  return `environments:
  prod:
    integrations:
      microsoft-graph-mail:
        azure-ad-endpoint: ${emulator.url}
        microsoft-graph-endpoint: ${emulator.url}
        client-id: ${DEMO_CLIENT_ID}
        secret-id: ${DEMO_CLIENT_SECRET}
        tenant: ${DEMO_TENANT}
        default-mailbox: ${MAILBOX}
        verify-ssl: true
    channels: [ ${filler}, "slack:C1" ]
    roles:
      analyst: [ "slack:U1" ]
`;
}

interface Answer {
  status: number | 'refused';
  body: string;
  retryAfter: string | null;
}

async function slash(base: string, trigger: string): Promise<Answer> {
  const body = new URLSearchParams({
    token: 'legacy',
    team_id: 'T1',
    channel_id: 'C1',
    user_id: 'U1',
    command: '/soar',
    text: 'graphmail ping',
    response_url: `${slack.url.replace(/\/api\/$/, '')}/response`,
    trigger_id: trigger,
  }).toString();
  try {
    const res = await fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SECRET, body) },
      body,
    });
    return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
  } catch {
    return { status: 'refused', body: '', retryAfter: null };
  }
}

async function readyz(base: string): Promise<number | 'refused'> {
  try {
    return (await fetch(`${base}/readyz`)).status;
  } catch {
    return 'refused';
  }
}

describe('readiness', () => {
  it('answers 503 (or not at all) until CONFIG_FILE is applied; the first command after /readyz 200 is judged against it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatsoar-readiness-'));
    const configFile = join(dir, 'chatsoar.yaml');
    writeFileSync(configFile, configYaml());
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    proc = spawnMain(
      {
        PORT: String(port),
        REDIS_URL: process.env.TEST_REDIS_URL,
        REDIS_PREFIX: `readiness-${randomBytes(4).toString('hex')}:`,
        SECRETS_KEY: randomBytes(32).toString('base64'),
        CONFIG_FILE: configFile,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_BOT_TOKEN: 'xoxb-readiness',
        SLACK_API_URL: slack.url,
        ASYNC_POLL_MS: '100',
      },
      { cwd: dir },
    );

    const before: Answer[] = [];
    const probes: Array<number | 'refused'> = [];
    const deadline = Date.now() + 60_000;
    for (let i = 0; ; i++) {
      if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`never ready; output:\n${proc.output()}`);
      const probe = await readyz(base);
      probes.push(probe);
      if (probe === 200) break;
      before.push(await slash(base, `trig-before-${i}`));
    }

    expect(before.length).toBeGreaterThan(0);
    for (const answer of before) {
      expect([503, 'refused', 200]).toContain(answer.status);
      if (answer.status === 503) expect(answer.retryAfter).toBeTruthy();
      expect(answer.body).not.toMatch(REFUSED);
    }
    expect(probes.filter((p) => p !== 'refused' && p !== 503 && p !== 200)).toEqual([]);

    const first = await slash(base, 'trig-first-after-ready');
    expect(first.status).toBe(200);
    expect(first.body).not.toMatch(REFUSED);
    const jobId = jobIdFor('slack:trig-first-after-ready');
    await slack.waitFor(
      () =>
        [...slack.messages.values()].some(
          (m) => JSON.stringify(m).includes(jobId) && /Successfully connected to the Microsoft Graph mail service/.test(String(m.text)),
        ),
      20_000,
    );
    expect(slack.calls.filter((c) => REFUSED.test(JSON.stringify(c.body)))).toEqual([]);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 90_000);
});

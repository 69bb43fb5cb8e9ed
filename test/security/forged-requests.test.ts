/**
 * Security: forged, replayed and tampered Slack requests and unauthenticated Teams activities
 * (MicrosoftAppId set) go through the real runtime and must queue nothing and call nobody.
 */
import { generateKeyPairSync, createHmac, createSign, randomBytes } from 'node:crypto';
import { slackSignature } from '../helpers/fake-slack';
import { SLACK_SECRET, startHarness, type Harness } from '../helpers/harness';
import { allJobs, pool, sleep } from './security-helpers';

const APP_ID = '11111111-2222-3333-4444-555555555555';
let h: Harness;
/** Every log line of the runtime (JSON), to count the refusal warnings. */
const logLines: string[] = [];

beforeAll(async () => {
  h = await startHarness({ appId: APP_ID, logLines });
});
afterAll(async () => {
  await h?.close();
});

type Kind = 'slash' | 'block_actions' | 'view_submission';

function slackBody(kind: Kind, i: number): string {
  if (kind === 'slash') {
    return new URLSearchParams({
      team_id: 'T1',
      channel_id: 'C1',
      user_id: 'U2',
      command: '/soar',
      text: 'graphmail delete-email --mail-id x --search-in-mailbox soc@demo.onmicrosoft.com',
      trigger_id: `forged-${i}`,
    }).toString();
  }
  const payload =
    kind === 'block_actions'
      ? {
          type: 'block_actions',
          trigger_id: `forged-${i}`,
          user: { id: 'U2' },
          channel: { id: 'C1' },
          team: { id: 'T1' },
          actions: [{ action_id: 'a', type: 'button', value: JSON.stringify({ verb: 'vote', approvalId: 'a-0001', option: 'Approve' }) }],
        }
      : {
          type: 'view_submission',
          trigger_id: `forged-${i}`,
          user: { id: 'U2' },
          team: { id: 'T1' },
          view: {
            id: `V${i}`,
            hash: 'h',
            callback_id: 'run-form',
            private_metadata: JSON.stringify({ command: 'graphmail ping', fields: [], channel: 'C1' }),
            state: { values: {} },
          },
        };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

type Attack = 'forged' | 'replayed' | 'tampered' | 'unsigned' | 'future';

function slackRequest(attack: Attack, kind: Kind, i: number): { body: string; headers: Record<string, string> } {
  const body = slackBody(kind, i);
  const now = Math.floor(Date.now() / 1000);
  switch (attack) {
    case 'forged':
      return { body, headers: slackSignature(`forged-${randomBytes(8).toString('hex')}`, body) };
    case 'replayed':
      // Correctly signed, but 5 min 1 s to a day old.
      return { body, headers: slackSignature(SLACK_SECRET, body, now - 301 - (i % 86000)) };
    case 'future':
      return { body, headers: slackSignature(SLACK_SECRET, body, now + 301 + (i % 86000)) };
    case 'tampered': {
      const headers = slackSignature(SLACK_SECRET, body, now);
      return { body: body.replace(/U2/, 'U1').replace(/C1/, 'C2') + '&x=1', headers };
    }
    case 'unsigned':
      return { body, headers: { 'x-slack-request-timestamp': String(now), 'x-slack-signature': `v0=${createHmac('sha256', '').update(body).digest('hex')}` } };
  }
}

function b64url(v: unknown): string {
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
}

/** Tokens that must all be refused: none, alg=none, HS256 with a guessed key, RS256 from a key Microsoft never published, expired, wrong audience, garbage. */
function badTokens(): string[] {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) => ({
    iss: 'https://api.botframework.com',
    aud: APP_ID,
    serviceurl: h.connector.serviceUrl,
    nbf: now - 60,
    exp: now + 3600,
    ...over,
  });
  const rs = (c: Record<string, unknown>, kid: string | null = 'forged-kid', alg = 'RS256') => {
    const head = b64url({ alg, typ: 'JWT', ...(kid === null ? {} : { kid }) });
    const body = b64url(c);
    const sig = createSign(`RSA-SHA${alg.slice(2)}`)
      .update(`${head}.${body}`)
      .sign(privateKey)
      .toString('base64url');
    return `${head}.${body}.${sig}`;
  };
  const rs256 = (c: Record<string, unknown>, kid = 'forged-kid') => rs(c, kid);
  const hs256 = (c: Record<string, unknown>, key: string) => {
    const head = b64url({ alg: 'HS256', typ: 'JWT' });
    const body = b64url(c);
    return `${head}.${body}.${createHmac('sha256', key).update(`${head}.${body}`).digest('base64url')}`;
  };
  return [
    '',
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`,
    `Bearer ${hs256(claims(), 'test-app-password')}`,
    `Bearer ${hs256(claims(), APP_ID)}`,
    `Bearer ${rs256(claims())}`,
    `Bearer ${rs256(claims({ exp: now - 3600 }))}`,
    `Bearer ${rs256(claims({ aud: 'someone-else' }))}`,
    `Bearer ${rs256(claims({ iss: 'https://sts.windows.net/evil/' }))}`,
    `Bearer not.a.jwt`,
    `Bearer ${'A'.repeat(5000)}`,
    // 13–17: not yet valid, RS384, no kid, an Emulator/skill issuer (the other key endpoint) and a kid botbuilder would look up.
    `Bearer ${rs256(claims({ nbf: now + 3600, exp: now + 7200 }))}`,
    `Bearer ${rs(claims(), 'forged-kid', 'RS384')}`,
    `Bearer ${rs(claims(), null)}`,
    `Bearer ${rs256(claims({ iss: 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/', ver: '1.0', appid: APP_ID }))}`,
    `Bearer ${rs256(claims(), `kid-${randomBytes(6).toString('hex')}`)}`,
  ];
}

describe('security: forged requests', () => {
  it('1,000 forged, replayed and tampered Slack requests → 401, 0 jobs, 0 Slack calls', async () => {
    const jobsBefore = await allJobs(h);
    const slackBefore = h.slack.calls.length;
    const attacks: Attack[] = ['forged', 'replayed', 'tampered', 'unsigned', 'future'];
    const kinds: Kind[] = ['slash', 'block_actions', 'view_submission'];
    const statuses = new Map<number, number>();
    const tally = new Map<string, number>();
    const started = Date.now();
    await pool(
      Array.from({ length: 1000 }, (_, i) => i),
      32,
      async (i) => {
        const attack = attacks[i % attacks.length]!;
        const kind = kinds[Math.floor(i / attacks.length) % kinds.length]!;
        const { body, headers } = slackRequest(attack, kind, i);
        const res = await fetch(`${h.url}/slack/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body,
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        tally.set(`${attack}/${kind}/${res.status}`, (tally.get(`${attack}/${kind}/${res.status}`) ?? 0) + 1);
      },
    );
    await sleep(500);
    const jobs = (await allJobs(h)) - jobsBefore;
    const slackCalls = h.slack.calls.length - slackBefore;
    console.log(
      `[security] Slack: sent 1000 (${[...tally].map(([k, n]) => `${k}=${n}`).join(', ')}) in ${Date.now() - started} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}; jobs queued ${jobs}; Slack API calls ${slackCalls}`,
    );
    expect(Object.fromEntries(statuses)).toEqual({ 401: 1000 });
    expect(jobs).toBe(0);
    expect(slackCalls).toBe(0);
  }, 60000);

  interface TeamsRun {
    statuses: Record<string, number>;
    /** Slowest answer, ms. */
    maxMs: number;
    /** console.error calls (botbuilder prints a stack per refused activity through it). */
    consoleErrors: string[];
    /** What reached the process's stderr that looks like an error or a stack. */
    stderrErrors: string[];
  }

  /** Sends `count` activities, cycling token kinds and activity shapes; returns the status tally, the slowest answer and what was printed as an error. */
  async function sendTeams(tokens: string[], count: number, width: number): Promise<TeamsRun> {
    const shapes = [
      { type: 'message', text: 'soar graphmail ping' },
      { type: 'message', text: '', value: { verb: 'vote', approvalId: 'a-0001', option: 'Approve' } },
      { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'admin-open', data: {} } } },
      { type: 'invoke', name: 'task/fetch', value: { data: { verb: 'admin-open' } } },
    ];
    const statuses = new Map<number | string, number>();
    let maxMs = 0;
    // A refusal is a warning in our own log, never a stack on the console.
    const consoleErrors: string[] = [];
    const stderrErrors: string[] = [];
    const consoleSpy = jest.spyOn(console, 'error').mockImplementation(
      (...args: unknown[]) =>
        void consoleErrors.push(
          args
            .map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a)))
            .join(' ')
            .slice(0, 500),
        ),
    );
    const write = process.stderr.write.bind(process.stderr);
    const stderrSpy = jest.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      const text = String(chunk);
      if (/Error|\n\s+at /.test(text)) stderrErrors.push(text.slice(0, 500));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write);
    try {
      await pool(
        Array.from({ length: count }, (_, i) => i),
        width,
        async (i) => {
          const token = tokens[i % tokens.length]!;
          const shape = shapes[Math.floor(i / tokens.length) % shapes.length]!;
          const activity = {
            ...shape,
            id: `unauth-${i}`,
            channelId: 'msteams',
            serviceUrl: h.connector.serviceUrl,
            from: { id: '29:aad-1', aadObjectId: 'aad-1' },
            conversation: { id: 'conv-1' },
            recipient: { id: `28:${APP_ID}` },
          };
          let status: number | string;
          const started = Date.now();
          try {
            const res = await fetch(`${h.url}/api/messages`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
              body: JSON.stringify(activity),
              signal: AbortSignal.timeout(5000),
            });
            await res.arrayBuffer();
            status = res.status;
          } catch {
            status = 'no answer within 5 s';
          }
          maxMs = Math.max(maxMs, Date.now() - started);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        },
      );
    } finally {
      consoleSpy.mockRestore();
      stderrSpy.mockRestore();
    }
    return { statuses: Object.fromEntries(statuses), maxMs, consoleErrors, stderrErrors };
  }

  /** Our refusal warnings (pino JSON lines) logged since `from`. */
  function refusalWarnings(from: number): Array<Record<string, unknown>> {
    return logLines
      .slice(from)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'Teams activity refused');
  }

  it('1,000 Teams activities without a usable token (MicrosoftAppId set) → 401, 0 jobs, 0 connector calls', async () => {
    const jobsBefore = await allJobs(h);
    const logFrom = logLines.length;
    const started = Date.now();
    // Refused before any key lookup: no header, empty or non-Bearer schemes, malformed and oversized tokens.
    const all = badTokens();
    const local = [0, 1, 2, 3, 11, 12].map((k) => all[k]!);
    const run = await sendTeams(local, 1000, 32);
    await sleep(500);
    const jobs = (await allJobs(h)) - jobsBefore;
    const warnings = refusalWarnings(logFrom);
    console.log(
      `[security] Teams (no usable token): sent 1000 (${local.length} token kinds × 4 activity shapes) in ${Date.now() - started} ms; statuses ${JSON.stringify(run.statuses)}; slowest ${run.maxMs} ms; jobs queued ${jobs}; connector calls ${h.connector.calls.length}; console.error ${run.consoleErrors.length}; refusal warnings ${warnings.length}`,
    );
    expect(run.statuses).toEqual({ 401: 1000 });
    expect(jobs).toBe(0);
    expect(h.connector.calls.length).toBe(0);
    // Quiet: one structured warning per refused activity, no stack on the console.
    expect(run.consoleErrors).toEqual([]);
    expect(run.stderrErrors).toEqual([]);
    expect(warnings).toHaveLength(1000);
    expect(warnings.every((w) => w.level === 40 && typeof w.reason === 'string' && !/\n/.test(String(w.reason)))).toBe(true);
    // Nothing was remembered from a refused activity either.
    expect(await h.runtime.conversations.get('teams:conv-1')).toBeFalsy();
  }, 60000);

  it('well-formed but forged JWTs (alg none/HS256/RS384, RS256 with an unpublished key, expired, not yet valid, wrong audience/issuer, no or unknown kid) → 401 within 1 s each, quietly, 0 jobs', async () => {
    const jobsBefore = await allJobs(h);
    const logFrom = logLines.length;
    const started = Date.now();
    const all = badTokens();
    const forged = [4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17].map((k) => all[k]!);
    const count = forged.length * 4 * 2;
    const run = await sendTeams(forged, count, 1);
    await sleep(300);
    const jobs = (await allJobs(h)) - jobsBefore;
    const warnings = refusalWarnings(logFrom);
    console.log(
      `[security] Teams (forged JWTs): sent ${count} (${forged.length} token kinds × 4 activity shapes × 2) in ${Date.now() - started} ms; statuses ${JSON.stringify(run.statuses)}; slowest ${run.maxMs} ms; jobs queued ${jobs}; connector calls ${h.connector.calls.length}; console.error ${run.consoleErrors.length}; refusal warnings ${warnings.length}`,
    );
    const reasons = new Map<string, number>();
    for (const w of warnings)
      reasons.set(String(w.reason).replace(/kid-[0-9a-f]+/, 'kid-…'), (reasons.get(String(w.reason).replace(/kid-[0-9a-f]+/, 'kid-…')) ?? 0) + 1);
    console.log(`[security] Teams (forged JWTs) refusal reasons: ${[...reasons].map(([r, n]) => `${r} ×${n}`).join('; ')}`);
    expect(run.statuses).toEqual({ 401: count });
    expect(run.maxMs).toBeLessThan(1000);
    expect(jobs).toBe(0);
    expect(h.connector.calls.length).toBe(0);
    expect(run.consoleErrors).toEqual([]);
    expect(run.stderrErrors).toEqual([]);
    expect(warnings).toHaveLength(count);
    // The warning says why, in one line, and never carries the token.
    expect(warnings.every((w) => typeof w.reason === 'string' && !/\n|eyJ/.test(String(w.reason)))).toBe(true);
    expect(await h.runtime.conversations.get('teams:conv-1')).toBeFalsy();
  }, 60000);
});

/**
 * Security: what is an admin's alone stays with that admin. Before: in Teams and the web chat an
 * admin's `admin show`, role list, audit (and its signed link) and environment list were posted
 * into the shared conversation, and the delegated sign-in link went into the channel on every
 * platform, where anyone could open it and finish the sign-in as that admin; an analyst could
 * start a sign-in; a secret typed in a Teams or web chat message was taken, saved and kept in the
 * room's history.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { DEMO_CLIENT_SECRET } from '../../emulator';
import { createLogger } from '../../lib/log';
import { startRuntime, type Runtime } from '../../lib/runtime';
import { mountWebchat } from '../../bot/webchat/routes';
import { freePort, SLACK_SECRET, startHarness, type Harness } from '../helpers/harness';
import { slackSignature } from '../helpers/fake-slack';
import { sleep, unescapeSlack } from './security-helpers';

const SECRET = `S3CR3T-typed-${randomBytes(6).toString('hex')}`;
const NEEDS_ADMIN = 'Get Authorization needs the admin role.';
const REFUSED_SECRET = 'Secrets are not taken from channel messages';

/** Every value stored under `prefix` in Redis, as one text (to look for a value that must not be kept). */
async function redisDump(redis: Redis, prefix: string): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') out.push(key, String(await redis.get(key)));
      else if (type === 'hash') out.push(key, JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') out.push(key, JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') out.push(key, JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') out.push(key, JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') out.push(key, JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return out.join('\n');
}

describe('Slack and Teams', () => {
  let h: Harness;
  const logLines: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ logLines });
    await h.runtime.environments.grant('prod', 'admin', ['slack:UADMIN', 'slack:UADMIN2', 'teams:aad-admin']);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function mention(text: string, user: string): Promise<void> {
    const id = randomBytes(4).toString('hex');
    const event = JSON.stringify({
      type: 'event_callback',
      team_id: 'T1',
      api_app_id: 'A1',
      event_id: `Ev-${id}`,
      event_time: 1,
      event: { type: 'app_mention', user, text: `<@UBOT> ${text}`, channel: 'C1', ts: `1700000000.${id}` },
    });
    const res = await fetch(`${h.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...slackSignature(SLACK_SECRET, event) },
      body: event,
    });
    expect(res.status).toBe(200);
  }

  /** What a member of slack:C1 other than `owner` can read: channel posts and updates, and ephemerals to someone else. */
  function seenBySomeoneElse(owner: string): string {
    return unescapeSlack(
      JSON.stringify(
        h.slack.calls
          .filter((c) => ['chat.postMessage', 'chat.update'].includes(c.method) || (c.method === 'chat.postEphemeral' && c.body.user !== owner))
          .map((c) => c.body),
      ),
    );
  }

  /** Runs Get Authorization as `user` and returns the sign-in link's state, wherever Slack was given it. */
  async function signInLinkOf(user: string): Promise<{ state: string }> {
    const isLink = (c: { body: Record<string, unknown> }) => /Authorization URL generated successfully/.test(unescapeSlack(c.body.text));
    const before = h.slack.calls.filter(isLink).length;
    const res = await h.slash('azure get-authorization', { user, channel: 'C1' });
    expect(res.status).toBe(200);
    await h.slack.waitFor((calls) => calls.filter(isLink).length > before);
    return { state: /[?&]state=([\w-]+)/.exec(unescapeSlack(h.slack.calls.filter(isLink).pop()!.body.text))![1]! };
  }

  it('Slack: the sign-in link and admin output reach only the admin; the rest of the channel sees none of it', async () => {
    await mention('soar admin role list', 'UADMIN');
    await mention('soar admin show azure-api', 'UADMIN');
    await h.slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.postEphemeral' && c.body.user === 'UADMIN').length >= 2);
    const link = await signInLinkOf('UADMIN');
    await sleep(500);

    // Nobody else sees the link (before: posted in the channel), the settings or the roles…
    const others = seenBySomeoneElse('UADMIN');
    expect(others).not.toContain(link.state);
    expect(others).not.toContain('Authorization URL generated successfully');
    expect(others).not.toContain('Roles in prod');
    expect(others).not.toContain('Azure API in prod');
    // …the admin gets them, as messages only they see.
    const own = unescapeSlack(JSON.stringify(h.slack.calls.filter((c) => c.method === 'chat.postEphemeral' && c.body.user === 'UADMIN').map((c) => c.body)));
    expect(own).toContain('Roles in prod');
    expect(own).toContain('Azure API in prod');
    expect(own).toContain(link.state);
  }, 30000);

  it('an analyst cannot start a delegated sign-in (before: the link was theirs to use)', async () => {
    const pending = await h.runtime.redis.keys(`${h.settings.redisPrefix}oauth:*`);
    const res = await h.slash('azure get-authorization', { user: 'U1', channel: 'C1' });
    expect(unescapeSlack(await res.text())).toContain(NEEDS_ADMIN);
    await h.teamsMessage('soar azure get-authorization', { user: 'aad-1', id: `ga-${randomBytes(3).toString('hex')}` });
    await h.connector.waitFor((calls) => calls.some((c) => String(c.activity.text).includes(NEEDS_ADMIN)));
    await sleep(300);
    expect(await h.runtime.redis.keys(`${h.settings.redisPrefix}oauth:*`)).toEqual(pending);
    expect(h.connector.calls.some((c) => /Authorization URL generated successfully/.test(String(c.activity.text)))).toBe(false);
  });

  it("admin B can neither see admin A's sign-in nor finish it with A's state", async () => {
    const before = await h.runtime.environments.getInstance('prod', 'azure-api');
    const a = await signInLinkOf('UADMIN');
    expect(seenBySomeoneElse('UADMIN')).not.toContain(a.state);
    // Even with A's state in hand (a leak), B's Generate Token is refused and redeems nothing.
    const triggerId = `b-finishes-${randomBytes(3).toString('hex')}`;
    await h.slash(`azure generate-token --authorization-url '${h.url}/oauth/callback?code=stolen-or-own-code&state=${a.state}'`, {
      user: 'UADMIN2',
      channel: 'C1',
      triggerId,
    });
    await h.slack.waitFor((calls) => calls.some((c) => /started by another user/.test(unescapeSlack(c.body.text))));
    expect(await h.runtime.redis.get(`${h.settings.redisPrefix}oauth:${a.state}`)).not.toBeNull();
    expect((await h.runtime.environments.getInstance('prod', 'azure-api'))['refresh-token']).toEqual(before['refresh-token']);
  }, 30000);

  it('Teams: admin output goes to a 1:1 chat with the admin, never into the channel conversation', async () => {
    // An entry for `admin audit` to show (and write to its downloadable file).
    await h.runtime.audit.write({ environment: 'prod', actor: 'teams:aad-admin', event: 'admin role grant', detail: 'granted viewer to teams:aad-9' });
    const start = h.connector.calls.length;
    for (const [i, text] of ['soar admin role list', 'soar admin show azure-api', 'soar admin audit', 'soar admin env list', 'soar admin'].entries()) {
      await h.teamsMessage(text, { user: 'aad-admin', id: `adm-${i}-${randomBytes(3).toString('hex')}` });
    }
    await h.teamsMessage('soar azure get-authorization', { user: 'aad-admin', id: `ga-admin-${randomBytes(3).toString('hex')}` });
    const dm = () => h.connector.created.find((c) => (c.parameters.members as Array<{ id: string }>)[0]?.id === '29:aad-admin')?.id;
    await h.connector.waitFor((calls) => calls.some((c) => /Authorization URL generated successfully/.test(String(c.activity.text))));
    const calls = h.connector.calls.slice(start);
    const inChannel = JSON.stringify(calls.filter((c) => c.conversationId.split(';')[0] === 'conv-1'));
    // The channel (read by analysts and viewers) sees a pointer and the dialog button only.
    for (const text of [
      'Roles in prod',
      'teams:aad-2',
      'Azure API in prod',
      'Audit log of prod',
      'audit-prod-',
      'state=',
      'Authorization URL generated successfully',
      'Pick an environment',
    ]) {
      expect(inChannel).not.toContain(text);
    }
    expect(inChannel).toContain('I sent you the answer in a private chat');
    // The 1:1 chat was opened with the admin alone, and holds the answers.
    const opened = h.connector.created.find((c) => c.id === dm());
    expect(opened?.parameters).toMatchObject({ isGroup: false, members: [expect.objectContaining({ id: '29:aad-admin' })] });
    expect(opened?.parameters.members as unknown[]).toHaveLength(1);
    const inDm = JSON.stringify(calls.filter((c) => c.conversationId === dm()));
    for (const text of ['Roles in prod', 'Azure API in prod', 'Audit log of prod', 'Environments', 'state=']) expect(inDm).toContain(text);
    expect(inDm).toMatch(/audit-prod-[^"]*\.csv/);
    expect(inChannel).toContain('Open admin dialog');
  }, 30000);

  it('a secret typed in a Teams or Slack channel message is refused and kept nowhere', async () => {
    const start = h.connector.calls.length;
    await h.teamsMessage(`soar admin set graphmail --secret-id ${SECRET}`, { user: 'aad-admin', id: `sec-${randomBytes(3).toString('hex')}` });
    await h.teamsMessage(`soar azure generate-token --authorization-url "${h.url}/oauth/callback?code=${SECRET}&state=x"`, {
      user: 'aad-admin',
      id: `sec2-${randomBytes(3).toString('hex')}`,
    });
    await h.connector.waitFor((calls) => calls.slice(start).filter((c) => String(c.activity.text).includes(REFUSED_SECRET)).length >= 2);
    // A Slack @mention is a channel message too (a slash command is seen by nobody but the bot: allowed).
    await mention(`soar admin set graphmail --secret-id=${SECRET}`, 'UADMIN');
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral' && unescapeSlack(c.body.text).includes(REFUSED_SECRET)));
    await sleep(500);

    expect(String(h.connector.calls.slice(start)[0]!.activity.text)).toContain('the admin dialog (soar admin)');
    expect((await h.runtime.environments.getInstance('prod', 'microsoft-graph-mail'))['secret-id']).toBe(DEMO_CLIENT_SECRET);
    expect(await redisDump(h.runtime.redis, h.settings.redisPrefix)).not.toContain(SECRET);
    expect(logLines.join('\n')).not.toContain(SECRET);
    expect(JSON.stringify(await h.runtime.audit.since(0, 'prod', 10_000))).not.toContain(SECRET);
    expect(JSON.stringify(h.connector.calls)).not.toContain(SECRET);
    expect(JSON.stringify(h.slack.calls.filter((c) => c.method !== 'auth.test').map((c) => c.body))).not.toContain(SECRET);
  }, 30000);
});

describe('web chat', () => {
  let runtime: Runtime;
  let url: string;
  let filesDir: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    const redisUrl = process.env.TEST_REDIS_URL!;
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    filesDir = mkdtempSync(join(tmpdir(), 'chatsoar-private-'));
    runtime = await startRuntime({
      role: 'main',
      settings: {
        port,
        redisUrl,
        publicUrl: url,
        asyncPollMs: 100,
        botFramework: {},
        filesDir,
        webchat: true,
        redisPrefix: `t-${Date.now()}-${randomBytes(4).toString('hex')}:`,
      },
      redisUrl,
      secretsKey: randomBytes(32).toString('base64'),
      log: createLogger('debug', { write: (line: string) => void logLines.push(line) }),
      mount: [mountWebchat],
    });
    const env = runtime.environments;
    await env.create('prod');
    await env.bind('web:room1', 'prod');
    await env.grant('prod', 'admin', ['web:alice']);
    await env.grant('prod', 'approver', ['web:boss']);
    await env.setInstance('prod', 'azure-api', { 'client-id': 'the-client-id', 'client-secret': 'kept-secret', 'tenant-id': 'the-tenant' });
  });
  afterAll(async () => {
    await runtime?.close();
    rmSync(filesDir, { recursive: true, force: true });
  });

  async function say(user: string, text: string): Promise<Record<string, unknown>> {
    const res = await fetch(`${url}/webchat/api/rooms/room1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, text }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  /** The room as `user`'s page reads it (no user: what the room shows to everyone). */
  async function roomAs(user?: string): Promise<string> {
    const res = await fetch(`${url}/webchat/api/rooms/room1/activities?since=0${user ? `&user=${user}` : ''}`);
    expect(res.status).toBe(200);
    return JSON.stringify(await res.json());
  }

  async function until(user: string, pattern: RegExp): Promise<void> {
    const deadline = Date.now() + 15000;
    while (!pattern.test(await roomAs(user))) {
      if (Date.now() > deadline) throw new Error(`${pattern} never reached ${user}'s view`);
      await sleep(50);
    }
  }

  it("another user of the room does not see the admin's output or sign-in link", async () => {
    await say('alice', 'soar admin role list');
    await say('alice', 'soar admin show azure-api');
    await say('alice', 'soar azure get-authorization');
    for (const shown of [/Roles in prod/, /Azure API in prod/, /Authorization URL generated successfully/]) await until('alice', shown);
    const boss = await roomAs('boss');
    const everyone = await roomAs();
    for (const view of [boss, everyone]) {
      expect(view).toContain('soar admin role list'); // what alice typed is the room's
      expect(view).not.toContain('Roles in prod');
      expect(view).not.toContain('Azure API in prod');
      expect(view).not.toContain('the-client-id');
      expect(view).not.toContain('state=');
    }
  }, 30000);

  it('a secret typed in the room is refused and neither stored in the room nor anywhere else', async () => {
    const answer = await say('alice', `soar admin set azure-api --client-secret ${SECRET}`);
    expect(answer.record).toBeUndefined();
    await until('alice', new RegExp(REFUSED_SECRET));
    await sleep(300);
    expect(await roomAs('alice')).not.toContain(SECRET);
    expect((await runtime.environments.getInstance('prod', 'azure-api'))['client-secret']).toBe('kept-secret');
    expect(await redisDump(runtime.redis, runtime.settings.redisPrefix)).not.toContain(SECRET);
    expect(logLines.join('\n')).not.toContain(SECRET);
    expect(JSON.stringify(await runtime.audit.since(0, 'prod', 10_000))).not.toContain(SECRET);
  }, 30000);
});

/**
 * `soar admin …` text subcommands (contract.md §6) through real signed Slack slash commands: an
 * environment set up from nothing until its Ping succeeds, the permission rules, validation next
 * to what was typed, the audit log (table and file), rename and delete — and no secret in any
 * reply, Slack call, audit entry or log line.
 */
import { DEMO_CLIENT_ID, DEMO_TENANT } from '../../emulator';
import { jobIdFor } from '../../lib/ids';
import { startHarness, MAILBOX, type Harness } from '../helpers/harness';

const SECRET = `adm1n-text-S3cret-${Date.now().toString(36)}`;
const ADMIN = 'UADMIN';
const unescape = (t: unknown) =>
  String(t ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

let h: Harness;
const logLines: string[] = [];

beforeAll(async () => {
  h = await startHarness({ logLines });
  // The first admin comes from the configuration (CONFIG_FILE roles), as in a real set-up.
  await h.runtime.environments.grant('prod', 'admin', [`slack:${ADMIN}`]);
  // The emulator's demo app also accepts this secret, so that Ping can succeed with it.
  h.emulator.state.apps.get(DEMO_CLIENT_ID)!.secrets.push(SECRET);
});
afterAll(async () => {
  await h?.close();
});

/** Runs `/soar <text>` and returns the ephemeral reply's text as a user reads it. */
async function say(text: string, opts: { channel?: string; user?: string; triggerId?: string } = {}): Promise<string> {
  const res = await h.slash(text, { channel: opts.channel ?? 'C-NEW', user: opts.user ?? ADMIN, triggerId: opts.triggerId });
  expect(res.status).toBe(200);
  const raw = await res.text();
  if (!raw) return '';
  const body = JSON.parse(raw) as { text?: string; blocks?: unknown[] };
  return unescape(`${body.text ?? ''}\n${JSON.stringify(body.blocks ?? [])}`);
}

async function finalSlackText(jobId: string): Promise<string> {
  const deadline = Date.now() + 15000;
  for (;;) {
    const m = [...h.slack.messages.values()].find((x) => JSON.stringify(x).includes(jobId) && /is_success/.test(String(x.text)));
    if (m) return unescape(m.text);
    if (Date.now() > deadline) throw new Error(`no result for ${jobId}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('soar admin text commands', () => {
  it('refuses a user who is admin nowhere, changes nothing, and says whom to ask', async () => {
    const before = await h.runtime.environments.list();
    const audit = await h.runtime.audit.since(0);
    for (const cmd of ['admin env create sneaky', 'admin env list', 'admin set graphmail --client-id x', 'admin', 'admin role grant admin slack:U1']) {
      const reply = await say(cmd, { user: 'U1', channel: 'C1' });
      expect(reply).toMatch(/needs the admin role/);
      expect(reply).toContain('soar admin role grant admin slack:U1');
    }
    expect(await h.runtime.environments.list()).toEqual(before);
    expect((await h.runtime.audit.since(0)).length).toBe(audit.length);
    expect(await h.runtime.environments.roleOf('prod', 'slack:U1')).toBe('analyst');
  });

  it('sets up an environment from nothing until its Ping succeeds', async () => {
    expect(await say('admin env create staging')).toContain('Environment staging created; you are its admin.');
    expect(await say('admin env create staging')).toContain('Environment staging already exists.');
    expect(await say('admin env create "bad name!"')).toContain('is not an environment name');
    expect(await h.runtime.environments.roleOf('staging', `slack:${ADMIN}`)).toBe('admin');

    expect(await say('admin bind staging')).toContain('This channel (slack:C-NEW) is now bound to environment staging.');
    expect(await h.runtime.environments.environmentOf('slack:C-NEW')).toBe('staging');

    // Validation names the parameter, nothing is saved.
    expect(await say('admin set graphmail --default-mailbox not-an-email')).toContain('"not-an-email" is not an email address');
    expect(await say('admin set graphmail --client-secrt x')).toMatch(/Unknown parameter --client-secrt for Microsoft Graph Mail\./);
    expect(await say('admin set graphmail --azure-ad-endpoint ftp://x')).toContain('expected an http:// or https:// URL');
    expect(await h.runtime.environments.hasInstance('staging', 'microsoft-graph-mail')).toBe(false);

    const url = h.emulator.url;
    const set = await say(
      `admin set graphmail --azure-ad-endpoint ${url} --microsoft-graph-endpoint ${url} --client-id ${DEMO_CLIENT_ID} --secret-id "${SECRET}" --tenant ${DEMO_TENANT} --default-mailbox ${MAILBOX}`,
    );
    expect(set).toContain('Microsoft Graph Mail in environment staging: 6 parameter(s) saved');
    expect(set).not.toContain(SECRET);

    const show = await say('admin show graphmail');
    expect(show).toContain('secret-id');
    expect(show).toContain('••••••');
    expect(show).toContain(DEMO_CLIENT_ID);
    expect(show).not.toContain(SECRET);
    // The secret is sealed at rest.
    const raw = await h.runtime.redis.hget(h.runtime.environments.keys.instance('staging', 'microsoft-graph-mail'), 'secret-id');
    expect(raw).toMatch(/^enc:v2:/);

    await say('admin test graphmail', { triggerId: 'admin-test-1' });
    const result = await finalSlackText(jobIdFor('slack:admin-test-1'));
    expect(result).toContain('Successfully connected to the Microsoft Graph mail service with the provided connection parameters!');
    expect(result).toContain('is_success: true');

    // Roles: a new analyst can now run the environment's actions in this channel.
    expect(await say('admin role grant analyst slack:UNEW <@UOTHER>')).toContain('Granted analyst in environment staging to slack:UNEW, slack:UOTHER.');
    expect(await say('admin role grant boss slack:UNEW')).toContain('"boss" is not a role');
    expect(await say('admin role grant analyst U123')).toContain('"U123" is not a user id');
    expect(await h.runtime.environments.roleOf('staging', 'slack:UNEW')).toBe('analyst');
    await say('graphmail ping', { user: 'UNEW', triggerId: 'admin-test-2' });
    expect(await finalSlackText(jobIdFor('slack:admin-test-2'))).toContain('is_success: true');
    expect(await say('admin role revoke admin slack:UADMIN')).toContain('would be left without an admin');
    expect(await say('admin role revoke analyst slack:UOTHER')).toContain('Revoked analyst');
  }, 30000);

  it('an admin of one environment cannot change another', async () => {
    await h.runtime.environments.create('other');
    await h.runtime.environments.grant('other', 'admin', ['slack:UOTHERADMIN']);
    const reply = await say('admin set graphmail --environment staging --client-id evil', { user: 'UOTHERADMIN' });
    expect(reply).toContain('Changing environment staging needs the admin role there.');
    expect((await h.runtime.environments.showInstance('staging', 'microsoft-graph-mail'))['client-id']).toBe(DEMO_CLIENT_ID);
    // Environment names are listed; channels only of those one administers.
    const list = await say('admin env list', { user: 'UOTHERADMIN' });
    expect(list).toMatch(/other \(you are admin\)/);
    expect(list).toContain('staging');
    expect(list).not.toContain('slack:C-NEW');
    // …but, being an admin somewhere, may create environments.
    expect(await say('admin env create other2', { user: 'UOTHERADMIN' })).toContain('Environment other2 created');
    expect(await say('admin bind staging', { user: 'UOTHERADMIN', channel: 'C-OTHER' })).toContain('needs the admin role there');
  });

  it('connectors and jobs: add with seed parameters, list, pause, resume, run now, remove', async () => {
    expect(await say('admin connector add phish --type microsoft-graph-mail-connector --every 5s')).toContain('Every must be between 10s and 30d');
    expect(await say('admin connector add phish --type graph-connector --every 60s')).toMatch(/is not a connector type/);
    expect(await say('admin connector add phish --type microsoft-graph-mail-connector --every 60s --max-emails-per-cycle lots')).toContain(
      'expected a whole number',
    );
    const added = await say(
      'admin connector add phish --type microsoft-graph-mail-connector --every 60s --folder-to-check-for-emails Inbox/Phishing --max-emails-per-cycle 25 --proxy-password "pr0xy-pass-1"',
    );
    expect(added).toContain('Connector phish (Microsoft Graph Mail Connector) added to staging, every 60s, posting to slack:C-NEW.');
    expect(added).not.toContain('pr0xy-pass-1');
    const [config] = await h.runtime.environments.schedules('staging', 'connectors');
    expect(config).toMatchObject({
      name: 'phish',
      type: 'microsoft-graph-mail-connector',
      every: '60s',
      channel: 'slack:C-NEW',
      params: { 'folder-to-check-for-emails': ['Inbox/Phishing'], 'max-emails-per-cycle': 25 },
    });
    expect(String(config!.params['proxy-password'])).toMatch(/^enc:v2:/);
    expect(await say('admin connector list')).toMatch(/phish.*microsoft-graph-mail-connector.*60s.*active/s);

    expect(await say('admin connector pause phish')).toContain('Connector phish paused.');
    expect((await h.runtime.environments.schedules('staging', 'connectors'))[0]!.paused).toBe(true);
    expect(await h.runtime.queues.connectors.getJobSchedulers()).toEqual([]);
    expect(await say('admin connector resume phsh')).toContain('Did you mean phish?');
    expect(await say('admin connector resume phish')).toContain('Connector phish resumed.');
    // The scheduler runs it every 60s; "run" adds one run now, beside the schedule.
    expect((await h.runtime.queues.connectors.getJobSchedulers()).map((s) => s.key)).toContain('connectors:staging:phish');
    const manual = async () =>
      (await h.runtime.queues.connectors.getJobs()).filter((j) => j?.data?.requestedBy === `slack:${ADMIN}` && j.data.name === 'phish').length;
    expect(await say('admin connector run phish')).toContain('queued to run now');
    expect(await manual()).toBe(1);
    expect(await say('admin connector remove phish')).toContain('Connector phish removed from staging.');
    expect(await h.runtime.environments.schedules('staging', 'connectors')).toEqual([]);
    expect(await h.runtime.queues.connectors.getJobSchedulers()).toEqual([]);

    expect(await say('admin job add refresh-token-renewal-job --every 7d')).toContain(
      'Job refresh-token-renewal-job (Refresh Token Renewal Job) added to staging, every 7d.',
    );
    expect(await say('admin job list')).toContain('refresh-token-renewal-job');
  });

  it('approvals policy: set, shown, and validated', async () => {
    expect(await say('admin approvals --required-for delete-email,execute-http-request:write --approvers-needed 2')).toContain(
      'Approvals in staging: required for delete-email, execute-http-request:write; 2 approver(s) needed.',
    );
    expect((await h.runtime.environments.getMeta('staging')).approvals).toEqual({
      requiredFor: ['delete-email', 'execute-http-request:write'],
      approversNeeded: 2,
    });
    expect(await say('admin approvals --required-for delete-emails')).toContain('did you mean delete-email');
    expect(await say('admin approvals --approvers-needed 0')).toContain('whole number from 1 to 10');
    expect(await say('admin approvals')).toContain('2 approver(s) needed');
  });

  it('audit: every change with who, where and what, as a table and a downloadable file, never a secret', async () => {
    const reply = await say('admin audit --since 1h');
    for (const event of ['admin env create', 'admin bind', 'admin set', 'admin role grant', 'admin connector add', 'admin connector pause', 'admin approvals'])
      expect(reply).toContain(event);
    expect(reply).toContain('slack:UADMIN');
    expect(reply).not.toContain(SECRET);
    expect(await say('admin audit --since yesterday-ish')).toContain('--since takes a duration');

    const link = /http:\/\/127\.0\.0\.1:\d+\/files\/[^"\s|>]+/.exec(reply)?.[0];
    expect(link).toBeTruthy();
    const csv = await (await fetch(link!.replace(/&amp;/g, '&'))).text();
    expect(csv.split('\r\n')[0]).toBe('at,environment,actor,event,detail');
    expect(csv).toContain('admin set');
    expect(csv).toContain('in slack:C-NEW via text');
    expect(csv).toContain('secret-id=••••••');
    expect(csv).not.toContain(SECRET);
  });

  it('rename moves channels, settings and roles; delete removes the environment and unbinds its channels', async () => {
    // A connector's checkpoint (queue/connector-state.ts keys) moves with its environment.
    const prefix = h.runtime.environments.keys.prefix;
    await h.runtime.redis.set(`${prefix}sched:staging:connectors:phish:checkpoint`, '2026-01-01T00:00:00Z');
    expect(await say('admin env rename staging stage2')).toContain('Environment staging is now stage2');
    expect(await h.runtime.redis.get(`${prefix}sched:stage2:connectors:phish:checkpoint`)).toBe('2026-01-01T00:00:00Z');
    expect(await h.runtime.redis.exists(`${prefix}sched:staging:connectors:phish:checkpoint`)).toBe(0);
    expect(await h.runtime.environments.environmentOf('slack:C-NEW')).toBe('stage2');
    expect((await h.runtime.environments.getInstance('stage2', 'microsoft-graph-mail'))['secret-id']).toBe(SECRET);
    expect(await h.runtime.environments.roleOf('stage2', 'slack:UNEW')).toBe('analyst');
    expect(await h.runtime.environments.exists('staging')).toBe(false);
    expect((await h.runtime.environments.schedules('stage2', 'jobs')).map((j) => j.name)).toEqual(['refresh-token-renewal-job']);
    expect((await h.runtime.queues.maintenance.getJobSchedulers()).map((s) => s.key)).toEqual(['jobs:stage2:refresh-token-renewal-job']);

    expect(await say('admin env delete stage2')).toContain('Environment stage2 deleted; 1 channel(s) unbound: slack:C-NEW.');
    expect(await h.runtime.environments.exists('stage2')).toBe(false);
    expect(await h.runtime.redis.exists(`${prefix}sched:stage2:connectors:phish:checkpoint`)).toBe(0);
    expect(await h.runtime.environments.environmentOf('slack:C-NEW')).toBeNull();
    expect(await h.runtime.queues.maintenance.getJobSchedulers()).toEqual([]);
    expect(await say('graphmail ping', { user: 'UNEW' })).toContain('This channel is not bound to an environment.');
  });

  it('usage for unknown or incomplete subcommands', async () => {
    expect(await say('admin frobnicate', { channel: 'C1' })).toContain('Unknown admin command "frobnicate".');
    expect(await say('admin bind', { channel: 'C1' })).toContain('Usage: soar admin bind <env>');
    expect(await say('admin help', { channel: 'C1' })).toContain('soar admin connector add <name> --type <type> --every <duration>');
  });

  it('no secret in any Slack call or log line', () => {
    const calls = JSON.stringify(h.slack.calls);
    expect(calls).not.toContain(SECRET);
    expect(calls).not.toContain('pr0xy-pass-1');
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(SECRET);
    expect(logLines.join('\n')).not.toContain('pr0xy-pass-1');
  });
});

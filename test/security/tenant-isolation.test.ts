/**
 * Security: environments are tenants. Env `prod` (A) and env `beta` (B) share one chatsoar; B's
 * users and admins try to reach A's files, posted files, channels, audit log and jobs, through
 * real Slack requests and the real workers. Each `it` names what the attack did before files,
 * posted-file names, connector channels, audit and job lists were kept per environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog } from '../../handlers/catalog';
import { pending, success } from '../../handlers/kit/outcome';
import { param, type ActionSpec, type IntegrationSpec } from '../../handlers/kit/spec';
import { jobIdFor } from '../../lib/ids';
import { createLogger } from '../../lib/log';
import { runScheduleNow, syncSchedules } from '../../queue/schedules';
import { expectFail, expectOk, finalMessage, unescapeSlack } from '../helpers/job-result';
import { startHarness, MAILBOX, type Harness } from '../helpers/harness';
import { postsIn, settled, until } from '../integration/connector-helpers';

const BOB = 'bob@demo.onmicrosoft.com';

const pollFixture: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'poll-fixture',
  name: 'Poll Fixture',
  description: 'Polls until cancelled.',
  async: true,
  params: [param('Polls', { type: 'integer', required: false, default: 1000, description: 'polls before done' })],
  messages: { success: { done: 'Done.' }, failure: {} },
  async run(ctx, params) {
    return ctx.attempt < Number(params.polls) ? pending({}, `Waiting: poll ${ctx.attempt + 1}`) : success('Done.');
  },
};
const withFixtures: IntegrationSpec[] = catalog.map((i) => (i.id === 'microsoft-graph-mail' ? { ...i, actions: [...i.actions, pollFixture] } : i));

let h: Harness;
let seq = 0;

beforeAll(async () => {
  h = await startHarness({ catalog: withFixtures });
  const env = h.runtime.environments;
  // A: prod (the harness's), with its admin; four-eyes rules are tested elsewhere.
  await env.grant('prod', 'admin', ['slack:UA-ADMIN']);
  await env.setMeta('prod', { ...(await env.getMeta('prod')), approvals: { requiredFor: [], approversNeeded: 1 } });
  for (const c of ['CA-SHARED', 'CA-JOBS']) await env.bind(`slack:${c}`, 'prod');
  // B: beta, the same kind of Graph instance, its own channel and people.
  await env.create('beta');
  await env.setInstance('beta', 'microsoft-graph-mail', await env.getInstance('prod', 'microsoft-graph-mail'));
  await env.setMeta('beta', { ...(await env.getMeta('beta')), approvals: { requiredFor: [], approversNeeded: 1 } });
  await env.bind('slack:CB', 'beta');
  await env.grant('beta', 'admin', ['slack:UB-ADMIN']);
  await env.grant('beta', 'approver', ['slack:UB']);
});

afterAll(async () => {
  await h?.close();
});

interface Ran {
  jobId: string;
  text: string;
}

/** `/soar <command>` as `user` in `channel`; waits for the job's final message. */
async function run(user: string, channel: string, command: string): Promise<Ran> {
  const triggerId = `ti-${process.pid}-${Date.now()}-${++seq}`;
  const res = await h.slash(command, { user, channel, triggerId });
  expect(res.status).toBe(200);
  const jobId = jobIdFor(`slack:${triggerId}`);
  return { jobId, text: unescapeSlack((await finalMessage(h.slack, jobId, command)).text) };
}

/** `/soar <command>` answered at once (admin commands, jobs, cancel): the reply's text and blocks. */
async function say(user: string, channel: string, command: string): Promise<string> {
  const res = await h.slash(command, { user, channel });
  const body = await res.text();
  if (!body) return '';
  const parsed = JSON.parse(body) as { text?: string; blocks?: unknown };
  return unescapeSlack(`${parsed.text ?? ''}\n${JSON.stringify(parsed.blocks ?? [])}`);
}

const received = (subject: string) => [...h.emulator.state.mailbox(BOB).messages.values()].filter((m) => m.subject === subject);
const sendFrom = (subject: string, paths: string) =>
  `graphmail send-email --subject "${subject}" --send-to ${BOB} --mail-content "see attached" --attachments-paths "${paths}"`;

/** Waits until the file titled `title` was uploaded to `channel`. */
async function uploaded(channel: string, title: string): Promise<void> {
  await until(`${title} uploaded to ${channel}`, () =>
    h.slack.calls.some(
      (c) => c.method === 'files.completeUploadExternal' && c.body.channel_id === channel && JSON.stringify(c.body.files ?? '').includes(JSON.stringify(title)),
    ),
  );
}

/** The signed links of a reply, with the path each one names (relative to FILES_DIR). */
function linksIn(reply: string): Array<{ url: string; path: string }> {
  return [...reply.matchAll(/http:\/\/127\.0\.0\.1:\d+\/files\/([A-Za-z0-9_-]+)\?exp=\d+(?:&|\\u0026)sig=[A-Za-z0-9_-]+/g)].map((m) => ({
    url: m[0].replace(/\\u0026/g, '&'),
    path: Buffer.from(m[1]!, 'base64url').toString('utf8'),
  }));
}

describe('security: environments are tenants', () => {
  it("B cannot attach a file A saved, by its relative path (before: one shared files root, so B's Send Email mailed A's evidence out)", async () => {
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', { subject: 'TI evidence A', from: 'x@evil.example', body: 'tenant A only' });
    const saved = await run('U2', 'C1', `graphmail save-email-to-the-case --mail-id ${msg.id}`);
    expectOk(saved, 'Email successfully saved!');
    const rel = `jobs/${saved.jobId}/TI evidence A.eml`;
    for (const [i, path] of [rel, `../prod/${rel}`, `prod/${rel}`, join(h.settings.filesDir, 'prod', rel)].entries()) {
      const subject = `TI leak file ${i}`;
      const r = await run('UB', 'CB', sendFrom(subject, path));
      expect(r.text).toContain('is_success: false');
      expect(r.text).toMatch(/specified attachments were not found|is outside the files root/);
      expect(received(subject)).toHaveLength(0);
    }
    // It is in A's own files root.
    expect(existsSync(join(h.settings.filesDir, 'prod', rel))).toBe(true);
  });

  it("a file name A posted in a channel is not found there once the channel belongs to B (before: the channel's index handed B A's file)", async () => {
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', { subject: 'TI posted A', from: 'x@evil.example', body: 'posted in A' });
    expectOk(await run('U2', 'CA-SHARED', `graphmail save-email-to-the-case --mail-id ${msg.id}`), 'Email successfully saved!');
    await uploaded('CA-SHARED', 'TI posted A');
    await h.runtime.environments.bind('slack:CA-SHARED', 'beta');
    try {
      const r = await run('UB', 'CA-SHARED', sendFrom('TI leak posted', 'TI posted A.eml'));
      expectFail(r, 'Action failed to run because specified attachments were not found: TI posted A.eml');
      expect(received('TI leak posted')).toHaveLength(0);
    } finally {
      await h.runtime.environments.bind('slack:CA-SHARED', 'prod');
    }
  });

  it("B's admin cannot add a connector posting into A's channel (before: alerts of B went into A's channel)", async () => {
    const explicit = await say('UB-ADMIN', 'CB', 'admin connector add into-a --type microsoft-graph-mail-connector --every 60s --channel slack:C1');
    expect(explicit).toContain('Channel slack:C1 is not bound to environment beta');
    // Typed in A's channel with --environment beta: the default channel (this one) is A's too.
    const fromA = await say('UB-ADMIN', 'C1', 'admin connector add into-a2 --type microsoft-graph-mail-connector --every 60s --environment beta');
    expect(fromA).toContain('Channel slack:C1 is not bound to environment beta');
    const unbound = await say('UB-ADMIN', 'CB', 'admin connector add nowhere --type microsoft-graph-mail-connector --every 60s --channel slack:C-NOBODY');
    expect(unbound).toContain('Channel slack:C-NOBODY is not bound to environment beta');
    expect((await h.runtime.environments.schedules('beta', 'connectors')).map((c) => c.name)).toEqual([]);
    // Its own channel is fine.
    expect(await say('UB-ADMIN', 'CB', 'admin connector add own --type microsoft-graph-mail-connector --every 60s --channel slack:CB')).toContain(
      'Connector own (Microsoft Graph Mail Connector) added to beta',
    );
    await say('UB-ADMIN', 'CB', 'admin connector remove own');
  });

  it("a connector whose channel was re-bound to A posts nothing there, warns B's admins, and is not scheduled at start (before: its next cycle posted B's alerts into A's channel)", async () => {
    const mb = 'tiwatch@demo.onmicrosoft.com';
    h.emulator.state.addUser({ userPrincipalName: mb });
    const alert = h.emulator.state.addMessage(mb, 'inbox', {
      subject: 'TI beta alert',
      from: 'x@evil.example',
      to: [mb],
      isRead: false,
      bodyType: 'text',
      body: 'for beta only',
    }).id;
    const env = h.runtime.environments;
    await env.bind('slack:CB-WATCH', 'beta');
    await env.setSchedule('beta', 'connectors', {
      name: 'beta-watch',
      type: 'microsoft-graph-mail-connector',
      every: '60s',
      channel: 'slack:CB-WATCH',
      params: { 'mail-address': mb },
    });
    // The channel now belongs to A.
    await env.bind('slack:CB-WATCH', 'prod');

    await runScheduleNow(h.runtime.queues, 'connectors', 'beta', 'beta-watch', 'slack:UB-ADMIN');
    const warned = () => postsIn(h, 'CB').some((p) => p.text.includes('beta-watch posts nothing'));
    await until('the cycle to end', () => warned() || postsIn(h, 'CB-WATCH').length > 0);
    await settled(h.runtime);
    expect(postsIn(h, 'CB-WATCH')).toEqual([]);
    expect(warned()).toBe(true);
    expect(h.emulator.state.findMessage(mb, alert)!.isRead).toBe(false);

    // Its admin is told why, rather than resuming or running it into A's channel.
    expect(await say('UB-ADMIN', 'CB', 'admin connector run beta-watch')).toContain(
      'Connector beta-watch posts into slack:CB-WATCH, which is not bound to environment beta',
    );

    // At start it is not scheduled, and the start says why.
    const sync = await syncSchedules({ queues: h.runtime.queues, environments: env, log: createLogger('silent'), catalog: withFixtures });
    expect(sync.refused).toContainEqual({
      id: 'connectors:beta:beta-watch',
      reason: expect.stringContaining('channel slack:CB-WATCH is not bound to environment beta'),
    });
    expect(sync.scheduled).not.toContain('connectors:beta:beta-watch');
  });

  it("`soar admin audit` in B shows none of A's rows, and A's audit export cannot be read from B (before: the CSV lay in the shared root)", async () => {
    expect(await say('UA-ADMIN', 'C1', 'admin role grant viewer slack:UA-SECRET-VIEWER')).toContain('slack:UA-SECRET-VIEWER');
    expect(await say('UB-ADMIN', 'CB', 'admin role grant viewer slack:UB-VIEWER')).toContain('slack:UB-VIEWER');

    // A's export, by every path B could type.
    const aLink = linksIn(await say('UA-ADMIN', 'C1', 'admin audit --since 1h')).find((l) => l.path.endsWith('.csv'))!;
    expect(readFileSync(join(h.settings.filesDir, aLink.path), 'utf8')).toContain('UA-SECRET-VIEWER');
    const inRoot = aLink.path.split('/').slice(1).join('/');
    for (const [i, path] of [aLink.path, inRoot, `../${aLink.path}`].entries()) {
      const subject = `TI leak audit ${i}`;
      const r = await run('UB', 'CB', sendFrom(subject, path));
      expect(r.text).toContain('is_success: false');
      expect(received(subject)).toHaveLength(0);
    }

    // A vote question is typed by a user and lands in the audit detail: a spreadsheet must not run it.
    await h.runtime.audit.write({ environment: 'beta', actor: 'slack:UB', event: 'vote.started', detail: ';=HYPERLINK("http://evil.example")' });
    const inB = await say('UB-ADMIN', 'CB', 'admin audit --since 1h');
    expect(inB).toContain('admin role grant');
    expect(inB).not.toContain('UA-');
    const bLinks = linksIn(inB);
    expect(bLinks.map((l) => l.path.split('/')[0])).toEqual(['beta', 'beta']);
    for (const l of bLinks) {
      const body = await (await fetch(l.url)).text();
      expect(body).toContain('slack:UB-VIEWER');
      expect(body).not.toContain('UA-');
    }
    const csv = await (await fetch(bLinks.find((l) => l.path.endsWith('.csv'))!.url)).text();
    expect(csv.split('\r\n').some((line) => /^"[^"]+","beta","slack:UB-ADMIN","admin role grant",/.test(line))).toBe(true);
    expect(csv).toContain('"slack:UB","vote.started","\';=HYPERLINK(""http://evil.example"")"\r\n');
    const jsonl = await (await fetch(bLinks.find((l) => l.path.endsWith('.jsonl'))!.url)).text();
    expect(
      jsonl
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    ).toContainEqual(expect.objectContaining({ environment: 'beta', actor: 'slack:UB-ADMIN', event: 'admin role grant' }));
  });

  it("A's busy audit log cannot push B's rows out of B's view (before: one list trimmed and read by a global count)", async () => {
    await h.runtime.audit.write({ environment: 'beta', actor: 'slack:UB-ADMIN', event: 'ti marker', detail: 'beta row' });
    for (let i = 0; i < 1100; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          h.runtime.audit.write({ environment: 'prod', actor: 'slack:UA-ADMIN', event: 'ti flood', detail: String(i + k) }),
        ),
      );
    }
    // What goes is what is older than a year.
    await h.runtime.audit.write({ environment: 'beta', actor: 'slack:UB-ADMIN', event: 'ti ancient' }, Date.now() - 366 * 86_400_000);
    await h.runtime.audit.write({ environment: 'beta', actor: 'slack:UB-ADMIN', event: 'ti recent' });
    const beta = await h.runtime.audit.since(0, 'beta');
    expect(beta.map((e) => e.event)).toContain('ti marker');
    expect(beta.map((e) => e.event)).not.toContain('ti ancient');
    expect(await h.runtime.redis.zcount(h.runtime.environments.keys.audit('beta'), '-inf', Date.now() - 365 * 86_400_000)).toBe(0);
    expect(beta.every((e) => e.environment === 'beta')).toBe(true);
    // Entries of no environment are kept apart from every environment's.
    await h.runtime.audit.write({ actor: 'chatsoar', event: 'ti global' });
    expect((await h.runtime.audit.since(0, null)).map((e) => e.event)).toEqual(['ti global']);
    expect((await h.runtime.audit.since(0, 'beta')).map((e) => e.event)).not.toContain('ti global');
  });

  it("`soar jobs` and `soar cancel` in a channel now bound to B neither list nor cancel A's job (before: B's approver cancelled it)", async () => {
    const triggerId = `ti-jobs-${Date.now()}`;
    const jobId = jobIdFor(`slack:${triggerId}`);
    await h.slash('graphmail poll-fixture', { user: 'U1', channel: 'CA-JOBS', triggerId });
    await until('A job waiting', async () => (await h.runtime.jobs.get(jobId))?.state === 'waiting');
    expect(await say('U1', 'CA-JOBS', 'jobs')).toContain(jobId);

    await h.runtime.environments.bind('slack:CA-JOBS', 'beta');
    expect(await say('UB', 'CA-JOBS', 'jobs')).not.toContain(jobId);
    expect(await say('UB', 'CA-JOBS', `cancel ${jobId}`)).toContain(`No job ${jobId} in this channel.`);
    expect(await h.runtime.jobs.cancelledBy(jobId)).toBeNull();

    // Back in A, its owner still can.
    await h.runtime.environments.bind('slack:CA-JOBS', 'prod');
    expect(await say('U1', 'CA-JOBS', `cancel ${jobId}`)).toContain(`Cancelling job ${jobId}`);
  });

  it("B can neither see, purge nor restore A's campaign, by its id or by a path (campaigns live in each environment's own files root)", async () => {
    const sender = 'wave@ti-campaign.example';
    h.emulator.state.addMessage(MAILBOX, 'Inbox', { subject: 'TI campaign wave', from: sender, body: 'click here' });
    const found = await run('U1', 'CA-SHARED', `campaign find --sender ${sender} --mailboxes ${MAILBOX}`);
    expectOk(found, '1 matching mail(s) in 1 mailbox(es)');
    const id = /Campaign (c-[a-z2-7]{8})/.exec(found.text)![1]!;

    // B's approver and admin, in B's channel: A's id names nothing there; a path is no id at all.
    expectFail(await run('UB', 'CB', `campaign show ${id}`), `No campaign ${id} in environment beta`);
    expect(await say('UB', 'CB', `campaign purge ${id}`)).toContain(`No campaign ${id} in environment beta`);
    expect(await say('UB-ADMIN', 'CB', `campaign restore ${id}`)).toContain(`No campaign ${id} in environment beta`);
    expectFail(await run('UB', 'CB', `campaign show ../prod/campaigns/${id}`), 'is not a campaign id');
    expect(await say('UB', 'CB', `campaign purge ../prod/campaigns/${id}`)).toContain('is not a campaign id');
    expectOk(await run('UB', 'CB', 'campaign list'), 'No campaigns in environment beta yet');
    // Nothing moved, and no approval card was posted for B's requests.
    expect(h.emulator.ledger.filter((e) => /\/move$/.test(e.path))).toEqual([]);
    expect([...h.slack.messages.values()].filter((m) => m.channel === 'CB' && JSON.stringify(m).includes('Approval needed'))).toEqual([]);
    // A still sees it.
    expectOk(await run('U1', 'CA-SHARED', `campaign show ${id}`), `Campaign ${id}: found.`);
  });

  it("an environment created again under a deleted one's name inherits neither its files nor its audit; a rename keeps them (before: the new admin had both)", async () => {
    const env = h.runtime.environments;
    const graph = await env.getInstance('prod', 'microsoft-graph-mail');
    await env.create('gamma0');
    await env.setInstance('gamma0', 'microsoft-graph-mail', graph);
    await env.setMeta('gamma0', { ...(await env.getMeta('gamma0')), approvals: { requiredFor: [], approversNeeded: 1 } });
    await env.bind('slack:CG', 'gamma0');
    await env.grant('gamma0', 'admin', ['slack:UG-ADMIN']);
    await env.grant('gamma0', 'approver', ['slack:UG']);
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', { subject: 'TI gamma case', from: 'x@evil.example', body: 'gamma only' });
    const saved = await run('UG', 'CG', `graphmail save-email-to-the-case --mail-id ${msg.id}`);
    expectOk(saved, 'Email successfully saved!');
    const rel = `jobs/${saved.jobId}/TI gamma case.eml`;

    // Renamed, the environment keeps its files.
    expect(await say('UG-ADMIN', 'CG', 'admin env rename gamma0 gamma')).toContain('Environment gamma0 is now gamma');
    expectOk(await run('UG', 'CG', sendFrom('TI gamma renamed', rel)), 'Email was sent successfully.');
    expect(received('TI gamma renamed')).toHaveLength(1);

    // Deleted, then created again by someone else.
    expect(await say('UG-ADMIN', 'CG', 'admin env delete gamma')).toContain('Environment gamma deleted');
    expect(await say('UB-ADMIN', 'CB', 'admin env create gamma')).toContain('Environment gamma created');
    await env.setInstance('gamma', 'microsoft-graph-mail', graph);
    await env.setMeta('gamma', { ...(await env.getMeta('gamma')), approvals: { requiredFor: [], approversNeeded: 1 } });
    expect(await say('UB-ADMIN', 'CG2', 'admin bind gamma')).toContain('now bound to environment gamma');
    await env.grant('gamma', 'approver', ['slack:UB']);
    const r = await run('UB', 'CG2', sendFrom('TI gamma inherited', rel));
    expectFail(r, 'specified attachments were not found');
    expect(received('TI gamma inherited')).toHaveLength(0);
    const audit = await say('UB-ADMIN', 'CG2', 'admin audit --since 1h');
    expect(audit).toContain('admin env create');
    expect(audit).not.toContain('UG-ADMIN');
    expect(audit).not.toContain('gamma0');
  });

  it('a second download of the same attachment gets " (1)" and leaves the first file as it was (before: it was overwritten)', async () => {
    const mb = MAILBOX;
    const first = h.emulator.state.addMessage(mb, 'Inbox', {
      subject: 'TI dl 1',
      from: 'x@evil.example',
      attachments: [{ name: 'same.txt', content: 'first' }],
    });
    const second = h.emulator.state.addMessage(mb, 'Inbox', {
      subject: 'TI dl 2',
      from: 'x@evil.example',
      attachments: [{ name: 'same.txt', content: 'second' }],
    });
    const dl = (id: string) =>
      run(
        'U2',
        'C1',
        `graphmail download-attachments-from-email --search-in-mailbox ${mb} --mail-ids ${id} --download-path ti-downloads --download-destination "Local File System"`,
      );
    expectOk(await dl(first.id), 'Files: ti-downloads/same.txt.');
    expectOk(await dl(second.id), 'Files: ti-downloads/same (1).txt.');
    const dir = join(h.settings.filesDir, 'prod', 'ti-downloads');
    expect(readFileSync(join(dir, 'same.txt'), 'utf8')).toBe('first');
    expect(readFileSync(join(dir, 'same (1).txt'), 'utf8')).toBe('second');
  });
});

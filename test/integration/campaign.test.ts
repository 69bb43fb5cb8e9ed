/**
 * Campaigns end to end (contract.md §8) through Slack and Teams: find a planted phishing wave in
 * ~50 mailboxes, purge it with four eyes (the requester is refused as approver), restore it; each
 * step checked against the emulator's mailboxes and its request ledger: every copy moved once,
 * every copy back in the folder it came from.
 */
import { jobIdFor } from '../../lib/ids';
import { startHarness, type Harness } from '../helpers/harness';
import { slackButtons, slackMessageWhen } from '../helpers/job-result';
import { unescape } from './graph-mail-chat';

const D = '@demo.onmicrosoft.com';
const SENDER = 'billing@phish-wave.example';
const SUBJECT = 'Invoice 7781 overdue';
const IMID = '<wave-7781@phish-wave.example>';
const USERS = 50;

let h: Harness;
/** mailbox → folder (inbox / junkemail) of each planted copy, by its internetMessageId and folder. */
const planted: Array<{ mailbox: string; folder: 'inbox' | 'junkemail' | 'deleteditems' }> = [];

beforeAll(async () => {
  h = await startHarness();
  const state = h.emulator.state;
  for (let i = 1; i <= USERS; i++) {
    const mailbox = `wave${String(i).padStart(2, '0')}${D}`;
    if (i === 49) {
      // A user without a mail address: listed, not searched.
      state.addUser({ userPrincipalName: mailbox, mailbox: false });
      continue;
    }
    if (i === 50) {
      // A mail address but no Exchange Online mailbox: 404 MailboxNotEnabledForRESTAPI.
      const u = state.addUser({ userPrincipalName: mailbox, mailbox: false });
      u.mail = mailbox;
      continue;
    }
    state.addUser({ userPrincipalName: mailbox });
    state.addMessage(mailbox, 'inbox', { subject: 'Team lunch', from: 'bob@demo.onmicrosoft.com', to: [mailbox] });
    state.addMessage(mailbox, 'inbox', { subject: SUBJECT, from: 'billing@legit.example', to: [mailbox] });
    if (i === 3) {
      // A copy its user had deleted already: purged where it is, left there by restore.
      state.addMessage(mailbox, 'deleteditems', { subject: `FW: ${SUBJECT}`, from: SENDER, to: [mailbox], internetMessageId: IMID });
      planted.push({ mailbox, folder: 'deleteditems' });
    }
    if (i <= 20) {
      state.addMessage(mailbox, 'inbox', { subject: SUBJECT, from: SENDER, to: [mailbox], internetMessageId: IMID });
      planted.push({ mailbox, folder: 'inbox' });
    }
    if (i <= 5) {
      state.addMessage(mailbox, 'junkemail', { subject: `RE: ${SUBJECT}`, from: SENDER, to: [mailbox], internetMessageId: IMID });
      planted.push({ mailbox, folder: 'junkemail' });
    }
  }
  await h.runtime.environments.bind('slack:C2', 'prod');
});
afterAll(async () => {
  await h?.close();
});

/** Where each planted copy is now: folder well-known name per copy, in `planted` order. */
function whereNow(): string[] {
  const state = h.emulator.state;
  const seen = new Map<string, number>();
  return planted.map(({ mailbox }) => {
    const mb = state.mailbox(mailbox);
    const copies = [...mb.messages.values()].filter((m) => m.internetMessageId === IMID).sort((a, b) => a.subject.localeCompare(b.subject));
    const k = seen.get(mailbox) ?? 0;
    seen.set(mailbox, k + 1);
    const folders = [...mb.folders.values()];
    const folder = folders.find((f) => f.id === copies[k]?.folderId);
    return `${mailbox}:${folder?.wellKnownName ?? folder?.displayName ?? 'missing'}`;
  });
}

function expected(folderOf: (p: (typeof planted)[number]) => string): string[] {
  // Copies sorted by subject: "FW: Invoice…" (Deleted Items), "Invoice…" (Inbox), "RE: Invoice…" (Junk Email).
  return planted.map((p) => `${p.mailbox}:${folderOf(p)}`);
}

/** Successful moves the emulator answered, by source message path. */
function moves(): string[] {
  return h.emulator.ledger
    .filter((e) => e.method === 'POST' && /\/messages\/[^/]+\/move$/.test(e.path) && e.status >= 200 && e.status < 300)
    .map((e) => e.path);
}

async function click(user: string, value: string, channel = 'C1'): Promise<string> {
  const before = h.slack.calls.length;
  await h.interact({
    type: 'block_actions',
    user: { id: user },
    channel: { id: channel },
    team: { id: 'T1' },
    trigger_id: `t-${Math.random()}`,
    response_url: `${h.slack.url.replace(/\/api\/$/, '')}/response`,
    actions: [{ type: 'button', action_id: 'vote:0', block_id: 'b', value }],
  });
  await h.slack.waitFor((calls) => calls.slice(before).some((c) => c.method === 'response'));
  return unescape(h.slack.calls.slice(before).find((c) => c.method === 'response')!.body.text);
}

/** A command answered at once (refused): the reply's text. */
async function reply(text: string, user = 'U1'): Promise<string> {
  const res = await h.slash(text, { user, triggerId: `r-${Math.random()}` });
  const raw = await res.text();
  try {
    return unescape((JSON.parse(raw) as { text?: string }).text ?? raw);
  } catch {
    return raw;
  }
}

async function run(text: string, trigger: string, channel = 'C1'): Promise<{ text: string; message: Record<string, unknown> }> {
  await h.slash(text, { triggerId: trigger, channel });
  const m = await slackMessageWhen(h.slack, jobIdFor(`slack:${trigger}`), /is_success: (true|false)/);
  return { text: unescape(m.text), message: m };
}

describe('soar campaign', () => {
  let id = '';

  it('find lists the tenant, searches every mailbox, counts what it could not search, and names the campaign', async () => {
    const r = await run(`campaign find --sender ${SENDER} --subject "${SUBJECT}" --since 2d`, 'camp-find');
    expect(r.text).toMatch(/is_success: true$/);
    const m = /^Campaign (c-[a-z2-7]{8}): 26 matching mail\(s\) in 20 mailbox\(es\); (\d+) of (\d+) mailbox\(es\) searched\.$/m.exec(r.text);
    expect(m).not.toBeNull();
    id = m![1]!;
    // 49 with a mail address (the demo's own users too) minus the one without a mailbox.
    expect(Number(m![2])).toBe(Number(m![3]) - 1);
    expect(r.text).toMatch(/Not searched: \d+ user\(s\) without a mail address, 1 without a mailbox\./);
    expect(r.text).not.toMatch(/Unreachable/);
    expect(r.text).toContain(`Purge them (four-eyes): soar campaign purge ${id}`);
    const blocks = JSON.stringify(r.message.blocks);
    expect(blocks).toContain('First matches');
    expect(blocks).toContain(SENDER);
    // The report file went into the thread.
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'files.getUploadURLExternal' && JSON.stringify(c.body).includes(`${id}-report.json`)));
  });

  it('show and list before the purge; unknown ids and restore-before-purge are one line', async () => {
    const s = await run(`campaign show ${id}`, 'camp-show-1');
    expect(s.text).toContain(`Campaign ${id}: found.`);
    expect(s.text).toContain('Mail by state: found: 26.');
    const l = await run('campaign list', 'camp-list-1');
    expect(l.text).toMatch(/1 campaign\(s\) in environment prod\./);
    expect(JSON.stringify(l.message.blocks)).toContain(id);
    expect(await reply('campaign purge c-aaaaaaaa')).toBe('No campaign c-aaaaaaaa in environment prod (soar campaign list shows them).');
    expect(await reply(`campaign restore ${id}`)).toBe(`Campaign ${id} has not been purged: nothing to restore.`);
    expect(await reply('campaign purge not-an-id')).toMatch(/is not a campaign id/);
  });

  it('purge waits for four eyes (the requester cannot approve), then moves every copy to Deleted Items once', async () => {
    const before = moves().length;
    await h.slash(`campaign purge ${id}`, { triggerId: 'camp-purge' });
    const jobId = jobIdFor('slack:camp-purge');
    const card = await slackMessageWhen(h.slack, jobId, /Approval needed/);
    // The approvers see the count, the mailboxes, a sample and the criteria before anything moves.
    const withPreview = await slackMessageWhen(h.slack, jobId, /Approval needed/);
    await h.slack.waitFor(() =>
      JSON.stringify([...h.slack.messages.values()].filter((x) => JSON.stringify(x).includes(jobId))).includes('would move 26 mail(s) in 20 mailbox(es)'),
    );
    expect(withPreview).toBeDefined();
    const cardText = JSON.stringify([...h.slack.messages.values()].filter((x) => JSON.stringify(x).includes(jobId)));
    expect(cardText).toContain(`sender = ${SENDER}`);
    expect(cardText).toContain('Sample:');
    expect(moves().length).toBe(before);
    const [approve] = slackButtons(card);
    expect(await click('U1', approve!.value)).toContain('You cannot approve your own request.');
    // A 429 storm on the moves: Graph refuses before moving, the client waits and sends again.
    h.emulator.faults.setSeed(20);
    h.emulator.faults.set({ prefix: '/v1.0/users', methods: ['POST'], rate429: 0.3, retryAfterSeconds: 0 });
    expect(await click('U2', approve!.value)).toContain('Your vote (Approve) was recorded.');
    const done = await slackMessageWhen(h.slack, jobId, /is_success: true/);
    h.emulator.faults.clear();
    expect(h.emulator.ledger.filter((e) => e.status === 429 && /\/move$/.test(e.path)).length).toBeGreaterThan(0);
    expect(unescape(done.text)).toContain(`Campaign ${id} purged: 25 mail(s) moved to Deleted Items in 20 mailbox(es).`);
    expect(unescape(done.text)).toContain('Already in Deleted Items (left there): 1.');
    expect(JSON.stringify(done.blocks)).toContain('Purge per mailbox');
    expect(whereNow()).toEqual(expected(() => 'deleteditems'));
    const moved = moves().slice(before);
    expect(moved).toHaveLength(26);
    expect(new Set(moved).size).toBe(26);
    expect(await reply(`campaign purge ${id}`)).toBe(`Campaign ${id} has already been purged; soar campaign restore ${id} puts its mail back.`);
  });

  it('show names who asked and who approved; restore through Teams puts every copy back where it was', async () => {
    const s = await run(`campaign show ${id}`, 'camp-show-2');
    expect(s.text).toContain(`Campaign ${id}: purged.`);
    expect(s.text).toContain('in Deleted Items (purged): 25, already in Deleted Items: 1');
    expect(JSON.stringify(s.message.blocks)).toContain('slack:U2');

    const before = moves().length;
    await h.teamsMessage(`campaign restore ${id}`, { id: 'camp-restore', user: 'aad-1' });
    const jobId = jobIdFor('teams:camp-restore');
    await h.connector.waitFor(
      (calls) => calls.some((c) => JSON.stringify(c.activity).includes(`job ${jobId}`) && JSON.stringify(c.activity).includes('would move 25 purged mail(s)')),
      20000,
    );
    const vote = (user: string) =>
      h.activity({
        type: 'invoke',
        name: 'adaptiveCard/action',
        id: `invoke-${user}-${Math.random()}`,
        channelId: 'msteams',
        serviceUrl: h.connector.serviceUrl,
        from: { id: `29:${user}`, aadObjectId: user },
        conversation: { id: 'conv-1' },
        recipient: { id: '28:chatsoar' },
        value: { action: { type: 'Action.Execute', verb: 'vote', data: { approvalId: `a-${jobId.slice(2)}`, option: 'Approve' } } },
      });
    expect(JSON.stringify(await (await vote('aad-1')).json())).toContain('You cannot approve your own request.');
    expect(moves().length).toBe(before);
    expect(JSON.stringify(await (await vote('aad-2')).json())).toContain('Approved by teams:aad-2');
    await h.connector.waitFor((calls) => calls.some((c) => String(c.activity.text).includes(`Campaign ${id} restored: 25 mail(s)`)), 20000);
    expect(whereNow()).toEqual(expected((p) => p.folder));
    const moved = moves().slice(before);
    expect(moved).toHaveLength(25);
    expect(new Set(moved).size).toBe(25);

    const after = await run(`campaign show ${id}`, 'camp-show-3');
    expect(after.text).toContain(`Campaign ${id}: restored.`);
    expect(after.text).toContain('restored: 25');
    expect(await reply(`campaign restore ${id}`)).toBe(`Campaign ${id} has already been restored.`);
    const audit = (await h.runtime.audit.since(0, 'prod')).map((e) => e.event);
    expect(audit).toEqual(
      expect.arrayContaining([
        'campaign-find.started',
        'campaign-find.succeeded',
        'approval.requested',
        'approval.approved',
        'campaign-purge.started',
        'campaign-purge.succeeded',
        'campaign-restore.succeeded',
      ]),
    );
  });

  it('help lists the campaign steps; graphmail does not take them', async () => {
    const help = await reply('help campaign');
    expect(help).toContain('soar campaign purge <campaign-id>');
    expect(await reply('graphmail campaign-find --sender x@y.example')).toMatch(/Unknown action/);
  });
});

/**
 * Four-eyes approvals and votes through real Slack and Teams requests: approve runs the action
 * exactly once; reject, timeout, self-approval, non-approver, double click and replay leave
 * nothing done and say why. A fixture action that changes things counts its runs.
 */
import { catalog } from '../../handlers/catalog';
import { success } from '../../handlers/kit/outcome';
import type { ActionSpec, IntegrationSpec } from '../../handlers/kit/spec';
import { jobIdFor } from '../../lib/ids';
import { startHarness, type Harness } from '../helpers/harness';
import { slackButtons, slackMessageWhen } from '../helpers/job-result';

let runs = 0;
const changeFixture: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'change-fixture',
  name: 'Change Fixture',
  description: 'Changes something (counts its runs).',
  changesMail: true,
  dryRun: true,
  params: [],
  messages: { success: { changed: 'Changed.' }, failure: {} },
  async run(ctx) {
    if (ctx.job.dryRun) return success('Dry run: would change 1 thing.');
    runs++;
    return success('Changed.');
  },
};
const withFixture: IntegrationSpec[] = catalog.map((i) => (i.id === 'microsoft-graph-mail' ? { ...i, actions: [...i.actions, changeFixture] } : i));

const unescape = (t: unknown) =>
  String(t ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ catalog: withFixture });
  await h.runtime.environments.grant('prod', 'admin', ['slack:U4']);
});
afterAll(async () => {
  await h?.close();
});

async function click(user: string, value: string, triggerId = `t-${Math.random()}`): Promise<string> {
  const before = h.slack.calls.length;
  await h.interact({
    type: 'block_actions',
    user: { id: user },
    channel: { id: 'C1' },
    team: { id: 'T1' },
    trigger_id: triggerId,
    response_url: `${h.slack.url.replace(/\/api\/$/, '')}/response`,
    actions: [{ type: 'button', action_id: 'vote:0', block_id: 'b', value }],
  });
  await h.slack.waitFor((calls) => calls.slice(before).some((c) => c.method === 'response'));
  return unescape(h.slack.calls.slice(before).find((c) => c.method === 'response')!.body.text);
}

async function request(trigger: string, extra = ''): Promise<{ card: Record<string, unknown>; approve: string; reject: string }> {
  await h.slash(`graphmail change-fixture ${extra}`.trim(), { triggerId: trigger });
  const jobId = jobIdFor(`slack:${trigger}`);
  const card = await slackMessageWhen(h.slack, jobId, /Approval needed/);
  const [approve, reject] = slackButtons(card);
  expect(approve!.text).toBe('Approve');
  expect(reject!.text).toBe('Reject');
  return { card, approve: approve!.value, reject: reject!.value };
}

describe('four-eyes approvals', () => {
  it('an analyst request waits for an approver; self-approval and a viewer are refused; approve runs it exactly once', async () => {
    runs = 0;
    const { approve } = await request('t-appr-1');
    // The approvers see the dry run of the same request on the card; it changed nothing.
    await h.slack.waitFor(() =>
      JSON.stringify([...h.slack.messages.values()].filter((m) => JSON.stringify(m).includes(jobIdFor('slack:t-appr-1')))).includes(
        'Dry run: would change 1 thing.',
      ),
    );
    expect(runs).toBe(0);
    expect(await click('U1', approve)).toContain('You cannot approve your own request.');
    expect(await click('U3', approve)).toContain('Voting on this request needs the approver role.');
    expect(await click('U-NOBODY', approve)).toContain('You have no role in environment prod.');
    expect(runs).toBe(0);
    expect(await click('U2', approve, 't-replayed')).toContain('Your vote (Approve) was recorded.');
    await slackMessageWhen(h.slack, jobIdFor('slack:t-appr-1'), /Changed\.[\s\S]*is_success: true/);
    // Double click, replayed submit, and a click on the closed card change nothing.
    expect(await click('U2', approve)).toMatch(/closed \(approved\)/);
    expect(await click('U2', approve, 't-replayed')).toMatch(/closed \(approved\)/);
    expect(await click('U4', approve)).toMatch(/closed \(approved\)/);
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toBe(1);
    // The result took the card's place (behaviour.md 43): one message, closed, naming the approver.
    const closed = await slackMessageWhen(h.slack, jobIdFor('slack:t-appr-1'), /Changed\./);
    expect(slackButtons(closed)).toHaveLength(0);
    expect(JSON.stringify(closed)).toContain('approved by slack:U2');
    expect([...h.slack.messages.values()].filter((x) => JSON.stringify(x).includes(jobIdFor('slack:t-appr-1')))).toHaveLength(1);
    const audit = await h.runtime.audit.since(0, 'prod');
    expect(audit.map((e) => e.event)).toEqual(expect.arrayContaining(['approval.requested', 'approval.vote', 'approval.approved']));
  });

  it('one Reject stops it and nothing runs', async () => {
    runs = 0;
    const { reject } = await request('t-appr-2');
    expect(await click('U2', reject)).toContain('Your vote (Reject) was recorded.');
    await slackMessageWhen(h.slack, jobIdFor('slack:t-appr-2'), /Rejected by slack:U2/);
    expect(runs).toBe(0);
    expect(await h.runtime.queues.actions.getJob(jobIdFor('slack:t-appr-2'))).toBeUndefined();
  });

  it('no decision by the timeout expires it', async () => {
    runs = 0;
    // A 1 s timeout may close the card before Slack's pacing lets its first version out: wait for the outcome only.
    await h.slash('graphmail change-fixture --timeout 1s', { triggerId: 't-appr-3' });
    await slackMessageWhen(h.slack, jobIdFor('slack:t-appr-3'), /Expired: no decision before the timeout/, 8000);
    expect(runs).toBe(0);
  });

  it('approvers-needed 2 waits for a second approver', async () => {
    runs = 0;
    await h.runtime.environments.setMeta('prod', { ...(await h.runtime.environments.getMeta('prod')), approvals: { approversNeeded: 2 } });
    const { approve } = await request('t-appr-4');
    await click('U2', approve);
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toBe(0);
    await click('U4', approve);
    await slackMessageWhen(h.slack, jobIdFor('slack:t-appr-4'), /Changed\./);
    expect(runs).toBe(1);
    await h.runtime.environments.setMeta('prod', { ...(await h.runtime.environments.getMeta('prod')), approvals: undefined });
  });

  it('--dry-run is not queued for approval and changes nothing', async () => {
    runs = 0;
    await h.slash('graphmail change-fixture --dry-run', { triggerId: 't-dry' });
    const m = await slackMessageWhen(h.slack, jobIdFor('slack:t-dry'), /is_success: true/);
    expect(unescape(m.text)).toContain('Dry run: would change 1 thing.');
    expect(runs).toBe(0);
  });

  it('Teams Action.Execute votes answer with the current card', async () => {
    runs = 0;
    await h.teamsMessage('graphmail change-fixture', { id: 'teams-appr', user: 'aad-1' });
    const jobId = jobIdFor('teams:teams-appr');
    await h.connector.waitFor((calls) => calls.some((c) => JSON.stringify(c.activity).includes(`job ${jobId}`)));
    const res = await h.activity({
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: 'invoke-vote-1',
      channelId: 'msteams',
      serviceUrl: h.connector.serviceUrl,
      from: { id: '29:aad-2', aadObjectId: 'aad-2' },
      conversation: { id: 'conv-1' },
      recipient: { id: '28:chatsoar' },
      value: { action: { type: 'Action.Execute', verb: 'vote', data: { approvalId: `a-${jobId.slice(2)}`, option: 'Approve' } } },
    });
    const body = (await res.json()) as { type: string; value: unknown };
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(body.value)).toContain('Approved by teams:aad-2');
    await h.connector.waitFor((calls) => calls.some((c) => /Changed\./.test(String(c.activity.text))));
    expect(runs).toBe(1);
  });
});

describe('soar vote', () => {
  it('posts a Yes/No card for the listed voters and reports the result when all have voted', async () => {
    await h.slash('vote "Block the sender domain?" --options Yes/No --voters slack:U2,slack:U3 --timeout 30m', { triggerId: 't-vote-1' });
    const card = await slackMessageWhen(h.slack, 'Block the sender domain?', /Vote: Block the sender domain\?/);
    const [yes, no] = slackButtons(card);
    expect([yes!.text, no!.text]).toEqual(['Yes', 'No']);
    expect(await click('U1', yes!.value)).toContain('You are not one of the voters of this vote.');
    await click('U2', yes!.value);
    await click('U3', no!.value);
    const done = await slackMessageWhen(h.slack, 'Block the sender domain?', /Result: tie \(Yes 1, No 1\)\./);
    expect(slackButtons(done)).toHaveLength(0);
  });
});

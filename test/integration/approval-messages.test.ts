/**
 * One message per request (behaviour.md 43): a mail-changing request posts its approval card and
 * nothing else. Its dry-run preview shows on the card and posts no message of its own; once
 * approved, the job's progress and result replace the card in place. No message is left in a
 * "Running" or "Queued" state. Counted on the fake Slack Web API and the fake Bot Connector for a
 * real Delete Email against the emulator.
 */
import { DEMO_MAILBOXES } from '../../emulator';
import { jobIdFor } from '../../lib/ids';
import { ApprovalStore, type ApprovalState } from '../../store/approvals';
import { startHarness, type Harness } from '../helpers/harness';

const DELETE = `graphmail delete-email --delete-in-mailbox ${DEMO_MAILBOXES.alice} --sender-filter it-support@contoso-helpdesk.co`;
const DRY_RUN = `Dry run: would delete 1 email(s) in ${DEMO_MAILBOXES.alice}`;
const DONE = /Successfully deleted emails/;
const UNFINISHED = /Running |Queued /;

const unescape = (t: unknown) =>
  String(t ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not seen in ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The value of the card's Approve button (Slack blocks). */
function approveValue(message: Record<string, unknown>): string {
  for (const b of (message.blocks ?? []) as Array<{ type: string; elements?: Array<{ type: string; text?: { text: string }; value?: string }> }>) {
    if (b.type !== 'actions') continue;
    const button = (b.elements ?? []).find((e) => e.type === 'button' && e.text?.text === 'Approve');
    if (button?.value) return button.value;
  }
  throw new Error(`no Approve button on ${JSON.stringify(message.blocks)}`);
}

/** The outbox has nothing left to send: no delivery waiting, delayed or running. */
async function outboxIdle(): Promise<void> {
  const q = h.runtime.queues.outbox;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const counts = await q.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) return;
    if (Date.now() > deadline) throw new Error(`outbox still busy: ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('an approval request is one message', () => {
  test('Slack: the card, its preview on it, the result in its place; nothing left Running', async () => {
    const posted = () => h.slack.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.postEphemeral');
    const before = posted().length;
    await h.slash(DELETE, { triggerId: 't-one-msg' });
    const jobId = jobIdFor('slack:t-one-msg');
    const mine = () => [...h.slack.messages.values()].filter((m) => JSON.stringify(m).includes(jobId));
    // The preview reaches the card; the card is the only message posted.
    await until('the dry run on the card', () => mine().some((m) => JSON.stringify(m).includes(DRY_RUN)));
    await outboxIdle();
    expect(posted().length - before).toBe(1);
    expect(mine()).toHaveLength(1);
    expect(unescape(mine()[0]!.text)).toContain('Approval needed');

    // The approver clicks Approve: the same message ends with the result.
    const card = mine()[0]!;
    const value = approveValue(card);
    await h.interact({
      type: 'block_actions',
      user: { id: 'U2' },
      channel: { id: 'C1' },
      team: { id: 'T1' },
      trigger_id: 't-one-msg-vote',
      response_url: `${h.slack.url.replace(/\/api\/$/, '')}/response`,
      actions: [{ type: 'button', action_id: 'vote:0', block_id: 'b', value }],
    });
    await until('the result in place of the card', () => DONE.test(unescape(mine()[0]?.text)) && /is_success: true/.test(unescape(mine()[0]?.text)));
    await outboxIdle();
    expect(posted().length - before).toBe(1);
    expect(mine()).toHaveLength(1);
    const final = mine()[0]!;
    expect(unescape(final.text)).not.toMatch(UNFINISHED);
    expect(JSON.stringify(final)).toContain('approved by slack:U2');
    expect(() => approveValue(final)).toThrow();
    // No message of the channel is left unfinished.
    for (const m of h.slack.messages.values()) expect(unescape(m.text)).not.toMatch(UNFINISHED);
  });

  test('Teams: the card, its preview on it, the result in its place; nothing left Running', async () => {
    const posts = () => h.connector.calls.filter((c) => c.method === 'POST' && c.conversationId.startsWith('conv-1'));
    const before = posts().length;
    // The mail was deleted by the Slack test: a second report of it is planted in Bob's inbox.
    const bob = DEMO_MAILBOXES.bob;
    h.emulator.state.addMessage(bob, 'inbox', {
      subject: 'Action required: your mailbox is almost full',
      from: 'IT Service Desk <it-support@contoso-helpdesk.co>',
      to: [bob],
      body: 'verify your account',
      bodyType: 'text',
      receivedDateTime: new Date(),
    });
    await h.teamsMessage(DELETE.replace(DEMO_MAILBOXES.alice, bob), { id: 'teams-one-msg', user: 'aad-1' });
    const jobId = jobIdFor('teams:teams-one-msg');
    const mine = () => [...h.connector.activities.values()].filter((a) => JSON.stringify(a).includes(jobId));
    await until('the dry run on the card', () => mine().some((a) => JSON.stringify(a).includes(`Dry run: would delete 1 email(s) in ${bob}`)));
    await outboxIdle();
    expect(posts().length - before).toBe(1);
    expect(mine()).toHaveLength(1);

    const res = await h.activity({
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: 'invoke-one-msg',
      channelId: 'msteams',
      serviceUrl: h.connector.serviceUrl,
      from: { id: '29:aad-2', aadObjectId: 'aad-2' },
      conversation: { id: 'conv-1' },
      recipient: { id: '28:chatsoar' },
      value: { action: { type: 'Action.Execute', verb: 'vote', data: { approvalId: `a-${jobId.slice(2)}`, option: 'Approve' } } },
    });
    expect(res.status).toBe(200);
    await until('the result in place of the card', () => /is_success: true/.test(String(mine()[0]?.text)));
    await outboxIdle();
    expect(posts().length - before).toBe(1);
    expect(mine()).toHaveLength(1);
    expect(String(mine()[0]!.text)).not.toMatch(UNFINISHED);
    expect(JSON.stringify(mine()[0])).toContain('approved by teams:aad-2');
    for (const a of h.connector.activities.values()) expect(String(a.text ?? '')).not.toMatch(UNFINISHED);
  });

  test('a card refresh that read the open request just before the decision does not reopen the card', async () => {
    await h.slash(`graphmail delete-email --delete-in-mailbox ${DEMO_MAILBOXES.bob} --sender-filter nobody@example.com`, { triggerId: 't-stale' });
    const jobId = jobIdFor('slack:t-stale');
    const mine = () => [...h.slack.messages.values()].filter((m) => JSON.stringify(m).includes(jobId));
    await until('the card', () => mine().length === 1);
    await outboxIdle();
    const store = new ApprovalStore(h.runtime.redis, h.settings.redisPrefix);
    const open = (await store.get(`a-${jobId.slice(2)}`)) as ApprovalState;
    expect(open.status).toBe('open');
    await h.interact({
      type: 'block_actions',
      user: { id: 'U2' },
      channel: { id: 'C1' },
      team: { id: 'T1' },
      trigger_id: 't-stale-vote',
      response_url: `${h.slack.url.replace(/\/api\/$/, '')}/response`,
      actions: [{ type: 'button', action_id: 'vote:1', block_id: 'b', value: approveValue(mine()[0]!).replace('"Approve"', '"Reject"') }],
    });
    await until('the closed card', () => /Rejected by slack:U2/.test(unescape(mine()[0]?.text)));
    // The refresh of a preview or a vote that read the request while it was still open.
    await (h.runtime.approvals as unknown as { refresh(s: ApprovalState): Promise<void> }).refresh(open);
    await outboxIdle();
    expect(unescape(mine()[0]!.text)).toMatch(/Rejected by slack:U2/);
    expect(() => approveValue(mine()[0]!)).toThrow();
  });
});

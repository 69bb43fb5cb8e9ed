/**
 * Triage of connector alert cards through real Slack and Teams requests (behaviour.md 33): a
 * Microsoft Graph Mail Connector cycle posts an alert card; an analyst acknowledges it, takes it,
 * escalates it (a post in the admin channel) and closes it with a reason, and everyone's card says
 * who did what (Slack chat.update, Teams update activity, Teams refresh); a viewer's click and a
 * click from another environment's channel are refused and change nothing; every click is in the
 * environment's audit log. "Search this sender" and "Find the campaign" open the run form prefilled
 * from the alert.
 */
import type { Worker } from 'bullmq';
import { startHarness, type Harness } from '../helpers/harness';
import { slackButtons, type SlackButton } from '../helpers/job-result';
import { addSchedule, settled, startSchedules, stopSchedules, unescape, until } from './connector-helpers';

let h: Harness;
let workers: Worker[];

const ADMIN_CHANNEL = 'C-ADMIN';

beforeAll(async () => {
  h = await startHarness();
  workers = startSchedules(h.runtime);
  const env = h.runtime.environments;
  await env.bind(`slack:${ADMIN_CHANNEL}`, 'prod');
  await env.setMeta('prod', { ...(await env.getMeta('prod')), adminChannel: `slack:${ADMIN_CHANNEL}` });
  // Another tenant whose channel and analyst are real, but not the alert's.
  await env.create('other');
  await env.bind('slack:C-OTHER', 'other');
  await env.grant('other', 'analyst', ['slack:U1']);
});

afterAll(async () => {
  await stopSchedules(workers ?? []);
  await h?.close();
});

function mailbox(name: string): string {
  const address = `${name}@demo.onmicrosoft.com`;
  h.emulator.state.addUser({ userPrincipalName: address });
  return address;
}

/** A phishing mail in a fresh mailbox and a connector over it posting into `channel`. */
async function alertFrom(name: string, channel: string): Promise<{ mailbox: string; sender: string }> {
  const mb = mailbox(name);
  const sender = `billing@${name}-invoices.example`;
  h.emulator.state.addMessage(mb, 'inbox', {
    subject: `Invoice overdue ${name}`,
    from: `Billing <${sender}>`,
    to: [mb],
    body: `Pay today at http://${name}-invoices.example/pay`,
    bodyType: 'text',
    isRead: false,
    receivedDateTime: new Date(Date.now() - 10 * 60_000).toISOString(),
  });
  await addSchedule(h.runtime, 'connectors', {
    name: `triage-${name}`,
    type: 'microsoft-graph-mail-connector',
    channel,
    every: '60s',
    params: { 'mail-address': mb },
  });
  return { mailbox: mb, sender };
}

// ---------------------------------------------------------------------------------------------
// Slack

function button(message: Record<string, unknown>, title: string): SlackButton {
  const found = slackButtons(message).find((b) => b.text === title);
  if (!found) throw new Error(`no button ${title}: ${slackButtons(message).map((b) => b.text)}`);
  return found;
}

/** The alert card in a Slack channel as it is now (after updates). */
function slackCard(channel: string, subject: string): { ts: string; message: Record<string, unknown>; text: string } | undefined {
  for (const [ts, message] of h.slack.messages) {
    if (message.channel === channel && unescape(message.text).includes(`Alert: ${subject}`)) return { ts, message, text: unescape(message.text) };
  }
  return undefined;
}

async function slackCardWhen(channel: string, subject: string, pattern: RegExp): Promise<{ ts: string; message: Record<string, unknown>; text: string }> {
  await until(`${subject}: ${pattern}`, () => pattern.test(slackCard(channel, subject)?.text ?? ''), 20_000);
  return slackCard(channel, subject)!;
}

let trigger = 0;

/** Clicks `b` as `user` in `channel`; the answer shown to the clicker (ephemeral), if any. */
async function slackClick(user: string, channel: string, b: SlackButton, opensModal = false): Promise<string> {
  const before = h.slack.calls.length;
  await h.interact({
    type: 'block_actions',
    user: { id: user },
    channel: { id: channel },
    team: { id: 'T1' },
    trigger_id: `t-alert-${++trigger}`,
    response_url: `${h.slack.url.replace(/\/api\/$/, '')}/response`,
    actions: [{ type: 'button', action_id: b.action_id, block_id: 'b', value: b.value }],
  });
  const answered = (calls: typeof h.slack.calls): boolean =>
    calls.slice(before).some((c) => c.method === 'response' || (opensModal && c.method === 'views.open'));
  await h.slack.waitFor(answered);
  const response = h.slack.calls.slice(before).find((c) => c.method === 'response');
  return response ? unescape(response.body.text) : '';
}

function lastModal(since: number): { callback_id: string; private_metadata: string; blocks: Array<Record<string, unknown>> } {
  const open = h.slack.calls.slice(since).find((c) => c.method === 'views.open');
  if (!open) throw new Error('no modal opened');
  return open.body.view as { callback_id: string; private_metadata: string; blocks: Array<Record<string, unknown>> };
}

function updatesOf(ts: string): number {
  return h.slack.calls.filter((c) => c.method === 'chat.update' && c.body.ts === ts).length;
}

describe('alert triage in Slack', () => {
  it('acknowledge, assign, escalate and close with a reason; refused clicks change nothing; every click audited', async () => {
    await alertFrom('tri1', 'slack:C-TRI1');
    const card = await slackCardWhen('C-TRI1', 'Invoice overdue tri1', /Event ID/);
    expect(slackButtons(card.message).map((b) => b.text)).toEqual([
      'Acknowledge',
      'Assign to me',
      'Close…',
      'Escalate',
      'Search the mail',
      'Search this sender',
      'Find the campaign',
      'Delete the mail',
    ]);
    const ack = button(card.message, 'Acknowledge');
    await settled(h.runtime);
    const updatesBefore = updatesOf(card.ts);

    // A viewer reads, never acts; a click from another environment's channel (the same analyst) is refused too.
    expect(await slackClick('U3', 'C-TRI1', ack)).toContain('Acting on an alert needs the analyst role.');
    expect(await slackClick('U-NOBODY', 'C-TRI1', ack)).toContain('You have no role in environment prod.');
    expect(await slackClick('U1', 'C-OTHER', ack)).toContain('This alert belongs to another environment');
    const before = h.slack.calls.length;
    expect(await slackClick('U3', 'C-TRI1', button(card.message, 'Close…'), true)).toContain('Acting on an alert needs the analyst role.');
    expect(h.slack.calls.slice(before).some((c) => c.method === 'views.open')).toBe(false);
    await settled(h.runtime);
    expect(updatesOf(card.ts)).toBe(updatesBefore);
    expect(slackCard('C-TRI1', 'Invoice overdue tri1')!.text).not.toMatch(/Acknowledged|Closed/);

    // Acknowledge: the card says who, for everyone, and offers it no more.
    expect(await slackClick('U1', 'C-TRI1', ack)).toContain('You acknowledged this alert.');
    const acked = await slackCardWhen('C-TRI1', 'Invoice overdue tri1', /Acknowledged by slack:U1/);
    expect(slackButtons(acked.message).map((b) => b.text)).not.toContain('Acknowledge');
    expect(await slackClick('U2', 'C-TRI1', ack)).toContain('This alert was already acknowledged by slack:U1.');

    // Assign to me.
    expect(await slackClick('U1', 'C-TRI1', button(acked.message, 'Assign to me'))).toContain('This alert is assigned to you.');
    await slackCardWhen('C-TRI1', 'Invoice overdue tri1', /Assigned to slack:U1/);

    // Escalate: a post in the admin channel naming the alert, its event and where it is.
    expect(await slackClick('U2', 'C-TRI1', button(acked.message, 'Escalate'))).toContain('escalated to the admin channel');
    const escalated = await slackCardWhen('C-TRI1', 'Invoice overdue tri1', /Escalated to the admin channel by slack:U2/);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === ADMIN_CHANNEL));
    const post = h.slack.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === ADMIN_CHANNEL)!;
    expect(unescape(post.body.text)).toMatch(/^Escalated by slack:U2: alert "Invoice overdue tri1" \(event \S+\) in slack:C-TRI1\.$/);
    expect(unescape(JSON.stringify(post.body.blocks))).toMatch(/\/files\/[^|]+\|event\.json>/);
    expect(slackButtons(escalated.message).map((b) => b.text)).not.toContain('Escalate');

    // Close with a reason: a modal asks for it; the card shows it and keeps no triage button.
    const since = h.slack.calls.length;
    expect(await slackClick('U1', 'C-TRI1', button(escalated.message, 'Close…'), true)).toBe('');
    const modal = lastModal(since);
    expect(modal.callback_id).toBe('alert-close');
    const res = await h.interact({
      type: 'view_submission',
      user: { id: 'U1' },
      team: { id: 'T1' },
      view: {
        id: 'V-CLOSE',
        hash: 'h-close',
        callback_id: 'alert-close',
        private_metadata: modal.private_metadata,
        state: { values: { reason: { value: { type: 'plain_text_input', value: 'False positive: the vendor is real' } } } },
      },
    });
    expect(res.status).toBe(200);
    const closed = await slackCardWhen('C-TRI1', 'Invoice overdue tri1', /Closed by slack:U1 at [^:]+:\d\d UTC: False positive: the vendor is real/);
    expect(slackButtons(closed.message).map((b) => b.text)).toEqual(['Search the mail', 'Search this sender', 'Find the campaign', 'Delete the mail']);
    expect(closed.text).toMatch(/Acknowledged by slack:U1[\s\S]*Assigned to slack:U1[\s\S]*Escalated[\s\S]*Closed by slack:U1/);
    const [header, status] = closed.message.blocks as Array<{ text?: { text: string }; elements?: Array<{ text: string }> }>;
    expect(header!.text!.text).toBe('✅ Invoice overdue tri1');
    expect(status!.elements![0]!.text).toBe('*Closed*');
    expect(await slackClick('U2', 'C-TRI1', button(escalated.message, 'Assign to me'))).toContain('This alert was closed by slack:U1.');

    // Each accepted click is one audit entry of the alert's environment; nothing in the other one.
    const audit = (await h.runtime.audit.since(0, 'prod')).filter((e) => e.event.startsWith('alert.') && e.detail?.includes('Invoice overdue tri1'));
    expect(audit.map((e) => [e.event, e.actor]).reverse()).toEqual([
      ['alert.acknowledged', 'slack:U1'],
      ['alert.assigned', 'slack:U1'],
      ['alert.escalated', 'slack:U2'],
      ['alert.closed', 'slack:U1'],
    ]);
    expect(audit[0]!.detail).toContain('False positive: the vendor is real');
    expect((await h.runtime.audit.since(0, 'other')).filter((e) => e.event.startsWith('alert.'))).toEqual([]);
  });

  it('"Search this sender" opens the run form prefilled from the alert; submitted, it runs the search', async () => {
    const { mailbox: mb, sender } = await alertFrom('tri2', 'slack:C-TRI2');
    const card = await slackCardWhen('C-TRI2', 'Invoice overdue tri2', /Event ID/);
    const search = button(card.message, 'Search this sender');
    expect(JSON.parse(search.value)).toMatchObject({
      verb: 'prefill-form',
      command: `graphmail search-emails --search-in-mailbox ${mb} --sender-filter ${sender}`,
    });

    expect(await slackClick('U3', 'C-TRI2', search, true)).toContain('Search Emails needs the analyst role.');
    const since = h.slack.calls.length;
    await slackClick('U1', 'C-TRI2', search, true);
    const modal = lastModal(since);
    expect(modal.callback_id).toBe('run-form');
    const inputs = Object.fromEntries(
      modal.blocks.filter((b) => b.type === 'input').map((b) => [String(b.block_id), (b.element as { initial_value?: string }).initial_value ?? '']),
    );
    expect(inputs['search-in-mailbox']).toBe(mb);
    expect(inputs['sender-filter']).toBe(sender);
    expect(inputs).toHaveProperty('time-frame-minutes');

    // "Find the campaign": the tenant-wide search (contract.md §8), prefilled with the sender and subject.
    const campaign = button(card.message, 'Find the campaign');
    expect(JSON.parse(campaign.value)).toMatchObject({ verb: 'prefill-form', command: `campaign find --sender ${sender} --subject "Invoice overdue tri2"` });
    const beforeCampaign = h.slack.calls.length;
    await slackClick('U1', 'C-TRI2', campaign, true);
    const campaignModal = lastModal(beforeCampaign);
    expect(campaignModal.callback_id).toBe('run-form');
    const campaignInputs = Object.fromEntries(
      campaignModal.blocks.filter((b) => b.type === 'input').map((b) => [String(b.block_id), (b.element as { initial_value?: string }).initial_value ?? '']),
    );
    expect(campaignInputs).toMatchObject({ sender, subject: 'Invoice overdue tri2' });
    expect(Object.keys(campaignInputs)).toEqual(expect.arrayContaining(['internet-message-id', 'since', 'mailboxes']));
    const res = await h.interact({
      type: 'view_submission',
      user: { id: 'U1' },
      team: { id: 'T1' },
      view: {
        id: 'V-SEARCH',
        hash: 'h-search',
        callback_id: 'run-form',
        private_metadata: modal.private_metadata,
        state: {
          values: {
            'search-in-mailbox': { value: { type: 'plain_text_input', value: mb } },
            'sender-filter': { value: { type: 'plain_text_input', value: sender } },
            'time-frame-minutes': { value: { type: 'number_input', value: '1440' } },
          },
        },
      },
    });
    expect(res.status).toBe(200);
    await until('the search result', () =>
      [...h.slack.messages.values()].some(
        (m) => m.channel === 'C-TRI2' && /Successfully found emails in the following mailboxes/.test(unescape(m.text)) && unescape(m.text).includes(`${mb}: 1`),
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Teams

async function invoke(user: string, conversation: string, verb: string, data: Record<string, unknown>): Promise<{ type?: string; value?: unknown }> {
  const res = await h.activity({
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: `invoke-${++trigger}`,
    channelId: 'msteams',
    serviceUrl: h.connector.serviceUrl,
    from: { id: `29:${user}`, aadObjectId: user },
    conversation: { id: conversation },
    recipient: { id: '28:chatsoar' },
    value: { action: { type: 'Action.Execute', verb, data } },
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  return text ? (JSON.parse(text) as { type?: string; value?: unknown }) : {};
}

/** Action.Execute verbs anywhere in a card (ShowCard bodies included). */
function verbsIn(card: unknown): string[] {
  return [...JSON.stringify(card).matchAll(/"verb":"([^"]+)"/g)].map((m) => m[1]!);
}

describe('alert triage in Teams', () => {
  it('Universal Actions: the clicker gets the card at once, everyone through update activity and refresh; viewers get no buttons', async () => {
    // The bot must have been messaged in the channel once before it can post there.
    await h.teamsMessage('help', { conversation: 'conv-tri3', id: 'hello-tri3' });
    await alertFrom('tri3', 'teams:conv-tri3');
    await h.connector.waitFor((calls) => calls.some((c) => c.conversationId === 'conv-tri3' && /Alert: Invoice overdue tri3/.test(String(c.activity.text))));
    const posted = h.connector.calls.find((c) => c.conversationId === 'conv-tri3' && /Alert: Invoice overdue tri3/.test(String(c.activity.text)))!;
    const activityId = posted.id!;
    const card = (posted.activity.attachments as Array<{ content: Record<string, unknown> }>)[0]!.content;
    const refresh = card.refresh as { action: { type: string; verb: string; data: Record<string, unknown> } };
    expect(refresh.action).toMatchObject({ type: 'Action.Execute', verb: 'alert-refresh' });
    const ref = refresh.action.data;
    expect(verbsIn(card)).toEqual(expect.arrayContaining(['alert-ack', 'alert-assign', 'alert-close', 'alert-escalate']));
    // Close asks for its reason in the card itself.
    const closeAction = JSON.stringify(card).match(/\{"type":"Action\.ShowCard","title":"Close…".*?\}\]\}\}/)?.[0] ?? '';
    expect(closeAction).toContain('"type":"Input.Text","id":"reason"');

    // "Search this sender": the run form, prefilled, answers the click in the channel.
    const search = /\{"type":"Action\.Execute","title":"Search this sender","verb":"prefill-form","data":(\{[^}]*\})/.exec(JSON.stringify(card));
    expect(search).not.toBeNull();
    const formsBefore = h.connector.calls.length;
    await invoke('aad-1', 'conv-tri3', 'prefill-form', JSON.parse(search![1]!) as Record<string, unknown>);
    await h.connector.waitFor((calls) => calls.slice(formsBefore).some((c) => JSON.stringify(c.activity).includes('"id":"sender-filter"')));
    const form = JSON.stringify(h.connector.calls.slice(formsBefore).find((c) => JSON.stringify(c.activity).includes('"id":"sender-filter"'))!.activity);
    expect(form).toContain('"id":"sender-filter","label":"Sender Filter"');
    expect(form).toContain('"value":"billing@tri3-invoices.example"');

    // A viewer: refused, and their refreshed card has no triage buttons.
    const refused = await invoke('aad-3', 'conv-tri3', 'alert-ack', ref);
    expect(JSON.stringify(refused)).toContain('Acting on an alert needs the analyst role.');
    const viewerView = await invoke('aad-3', 'conv-tri3', 'alert-refresh', ref);
    expect(viewerView.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(verbsIn(viewerView.value)).not.toContain('alert-ack');

    // The analyst acknowledges: the invoke answers with the new card; the posted card is updated for everyone.
    const acked = await invoke('aad-1', 'conv-tri3', 'alert-ack', ref);
    expect(acked.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(acked.value)).toContain('Acknowledged by teams:aad-1');
    await until('the Teams card updated', () => JSON.stringify(h.connector.activities.get(activityId) ?? {}).includes('Acknowledged by teams:aad-1'));
    expect(JSON.stringify((await invoke('aad-2', 'conv-tri3', 'alert-refresh', ref)).value)).toContain('Acknowledged by teams:aad-1');

    // Escalated from Teams into the admin channel on Slack.
    await invoke('aad-2', 'conv-tri3', 'alert-escalate', ref);
    await h.slack.waitFor((calls) =>
      calls.some(
        (c) => c.method === 'chat.postMessage' && c.body.channel === ADMIN_CHANNEL && unescape(JSON.stringify(c.body)).includes('Invoice overdue tri3'),
      ),
    );

    // Close: the reason comes with the Action.Execute (Teams merges the card's inputs into its data).
    expect(JSON.stringify(await invoke('aad-1', 'conv-tri3', 'alert-close', ref))).toContain('Give a reason to close the alert.');
    const closed = await invoke('aad-1', 'conv-tri3', 'alert-close', { ...ref, reason: 'Sender blocked at the gateway' });
    expect(JSON.stringify(closed.value)).toContain('Closed by teams:aad-1');
    expect(JSON.stringify(closed.value)).toContain('Sender blocked at the gateway');
    expect(verbsIn(closed.value)).not.toEqual(expect.arrayContaining(['alert-ack']));
    await until('the Teams card closed', () => JSON.stringify(h.connector.activities.get(activityId) ?? {}).includes('Closed by teams:aad-1'));

    // A forged click naming the alert from another environment's Teams channel is refused.
    await h.runtime.environments.bind('teams:conv-other', 'other');
    await h.runtime.environments.grant('other', 'analyst', ['teams:aad-1']);
    expect(JSON.stringify(await invoke('aad-1', 'conv-other', 'alert-assign', ref))).toContain('This alert belongs to another environment');

    const audit = (await h.runtime.audit.since(0, 'prod')).filter((e) => e.detail?.includes('Invoice overdue tri3'));
    expect(audit.map((e) => [e.event, e.actor]).reverse()).toEqual([
      ['alert.acknowledged', 'teams:aad-1'],
      ['alert.escalated', 'teams:aad-2'],
      ['alert.closed', 'teams:aad-1'],
    ]);
  });
});

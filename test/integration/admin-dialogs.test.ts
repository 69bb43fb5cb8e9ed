/**
 * The admin dialogs through their real request shapes: a Slack modal (`/soar admin` →
 * views.open, then `view_submission` payloads answered with `response_action`), a Teams task
 * module (`task/fetch` / `task/submit` invokes) and web chat cards (Action.Execute invokes).
 * Each sets an environment up from nothing until Ping succeeds against the emulator; a non-admin
 * gets nothing; no secret ever appears in a captured outgoing payload, invoke answer or log line.
 */
import { validateAdaptiveCard } from '../../cards/validate';
import { DEMO_CLIENT_ID, DEMO_TENANT } from '../../emulator';
import { jobIdFor } from '../../lib/ids';
import { startHarness, MAILBOX, type Harness } from '../helpers/harness';

const SECRET = `adm1n-dialog-S3cret-${Date.now().toString(36)}`;
const WRONG = 'not-the-secret-x1';
const unescape = (t: unknown) =>
  String(t ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

let h: Harness;
const logLines: string[] = [];
/** Every answer our routes gave (slash acks, view_submission acks, invoke responses). */
const answers: string[] = [];

beforeAll(async () => {
  h = await startHarness({ logLines });
  await h.runtime.environments.grant('prod', 'admin', ['slack:UADMIN', 'teams:aad-admin', 'web:alice']);
  h.emulator.state.apps.get(DEMO_CLIENT_ID)!.secrets.push(SECRET);
});
afterAll(async () => {
  await h?.close();
});

// ---------------------------------------------------------------------------------------------
// Slack

type View = { callback_id: string; private_metadata: string; blocks: Array<Record<string, unknown>>; submit?: unknown; title: { text: string } };

function viewText(view: View): string {
  return unescape(JSON.stringify(view.blocks));
}

function slackValue(block: Record<string, unknown>, value: string | undefined): Record<string, unknown> {
  const element = block.element as { type: string; options?: Array<{ value: string; text: unknown }> };
  switch (element.type) {
    case 'static_select': {
      const option = element.options?.find((o) => o.value === value);
      return { type: 'static_select', selected_option: option ? { value: option.value, text: option.text } : null };
    }
    case 'checkboxes':
      return { type: 'checkboxes', selected_options: value === 'true' ? [{ value: 'true' }] : [] };
    default:
      return { type: element.type, value: value ?? null };
  }
}

let viewSeq = 0;
/** Submits `view` with `values` (by field id) as Slack would; returns the ack body and the view id used. */
async function submitView(view: View, values: Record<string, string>, user = 'UADMIN'): Promise<{ ack: Record<string, unknown>; viewId: string }> {
  const state: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks.filter((b) => b.type === 'input')) {
    const id = String(block.block_id);
    state[id] = { value: slackValue(block, values[id]) };
  }
  const viewId = `VDLG${++viewSeq}`;
  const res = await h.interact({
    type: 'view_submission',
    user: { id: user },
    team: { id: 'T1' },
    view: { id: viewId, hash: `h${viewSeq}`, callback_id: view.callback_id, private_metadata: view.private_metadata, state: { values: state } },
  });
  expect(res.status).toBe(200);
  const raw = await res.text();
  answers.push(raw);
  return { ack: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, viewId };
}

function updated(ack: Record<string, unknown>): View {
  expect(ack.response_action).toBe('update');
  return ack.view as View;
}

async function viewsUpdateFor(viewId: string): Promise<View> {
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.update' && c.body.view_id === viewId), 15000);
  return h.slack.calls.find((c) => c.method === 'views.update' && c.body.view_id === viewId)!.body.view as View;
}

describe('Slack modal', () => {
  let view: View;

  it('a non-admin gets a one-line refusal and no modal', async () => {
    const res = await h.slash('admin', { user: 'U1', channel: 'C1', triggerId: 'trig-admin-u1' });
    const body = (await res.json()) as { text: string };
    answers.push(JSON.stringify(body));
    expect(unescape(body.text)).toContain('soar admin needs the admin role in an environment.');
    expect(h.slack.calls.some((c) => c.method === 'views.open' && c.body.trigger_id === 'trig-admin-u1')).toBe(false);
  });

  it('@chatsoar admin (no trigger id) answers with a button that opens the modal', async () => {
    await h.interact({
      type: 'block_actions',
      user: { id: 'UADMIN' },
      channel: { id: 'C-DLG' },
      team: { id: 'T1' },
      trigger_id: 'trig-admin-button',
      response_url: `${h.slack.url.replace(/\/api\/$/, '')}/response`,
      actions: [{ type: 'button', action_id: 'admin-open:0', block_id: 'b1', value: JSON.stringify({ verb: 'admin-open' }) }],
    });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open' && c.body.trigger_id === 'trig-admin-button'));
  });

  it('/soar admin opens the modal with its environments and sections', async () => {
    const res = await h.slash('admin', { user: 'UADMIN', channel: 'C-DLG', triggerId: 'trig-admin-1' });
    expect(res.status).toBe(200);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open' && c.body.trigger_id === 'trig-admin-1'));
    view = h.slack.calls.find((c) => c.method === 'views.open' && c.body.trigger_id === 'trig-admin-1')!.body.view as View;
    expect(view.callback_id).toBe('admin-home');
    expect(view.title.text).toBe('chatsoar admin');
    expect(viewText(view)).toContain('This channel (slack:C-DLG) is not bound to an environment.');
    expect(view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual(['environment', 'section']);
  });

  it('creates an environment, binds the channel, and saves Graph Mail settings only after Ping succeeds', async () => {
    view = updated((await submitView(view, { environment: 'prod', section: 'Create an environment' })).ack);
    expect(view.callback_id).toBe('admin-env-create');
    const bad = await submitView(view, { name: 'no spaces allowed' });
    expect(bad.ack).toEqual({ response_action: 'errors', errors: { name: expect.stringContaining('is not an environment name') } });
    view = updated((await submitView(view, { name: 'dlg' })).ack);
    expect(viewText(view)).toContain('Environment dlg created; you are its admin.');
    expect(await h.runtime.environments.roleOf('dlg', 'slack:UADMIN')).toBe('admin');

    view = updated((await submitView(view, { environment: 'dlg', section: 'Bind this channel to the environment' })).ack);
    expect(viewText(view)).toContain('This channel (slack:C-DLG) is now bound to environment dlg.');

    view = updated((await submitView(view, { environment: 'dlg', section: 'Settings: Microsoft Graph Mail' })).ack);
    expect(view.callback_id).toBe('admin-instance');
    const ids = view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id);
    expect(ids).toEqual([
      'azure-ad-endpoint',
      'microsoft-graph-endpoint',
      'client-id',
      'secret-id',
      'tenant',
      'default-mailbox',
      'verify-ssl',
      'save-even-if-ping-fails',
    ]);
    // Help text from the catalogue, required fields marked, the secret field empty.
    const secretBlock = view.blocks.find((b) => b.block_id === 'secret-id')!;
    expect(JSON.stringify(secretBlock.hint)).toContain('client secret value of the Microsoft Entra app');
    expect((secretBlock.element as { initial_value?: string }).initial_value).toBeUndefined();
    expect(view.blocks.find((b) => b.block_id === 'client-id')!.optional).toBe(false);

    const url = h.emulator.url;
    const good = {
      'azure-ad-endpoint': url,
      'microsoft-graph-endpoint': url,
      'client-id': DEMO_CLIENT_ID,
      tenant: DEMO_TENANT,
      'default-mailbox': MAILBOX,
      'verify-ssl': 'true',
    };

    // Field errors come back next to the fields; nothing is tested or saved.
    const invalid = await submitView(view, { ...good, 'secret-id': SECRET, 'default-mailbox': 'soc-at-nowhere', 'azure-ad-endpoint': 'ldap://x' });
    expect(invalid.ack).toEqual({
      response_action: 'errors',
      errors: { 'default-mailbox': expect.stringContaining('is not an email address'), 'azure-ad-endpoint': expect.stringContaining('http:// or https://') },
    });
    const missing = await submitView(view, { ...good, 'client-id': '' });
    expect(missing.ack).toMatchObject({ response_action: 'errors', errors: { 'client-id': 'Client ID is required.', 'secret-id': 'Secret ID is required.' } });

    // A wrong secret: Ping fails, nothing is saved, the modal says why.
    const wrong = await submitView(view, { ...good, 'secret-id': WRONG });
    expect(viewText(updated(wrong.ack))).toContain('Testing Microsoft Graph Mail with Ping');
    view = await viewsUpdateFor(wrong.viewId);
    expect(viewText(view)).toMatch(/Ping failed, nothing was saved: Failed to connect to the Microsoft Graph mail service! Error is .*AADSTS7000215/);
    expect(await h.runtime.environments.hasInstance('dlg', 'microsoft-graph-mail')).toBe(false);

    // The right secret with a wrong tenant: fails again; the secret typed is kept (sealed) for this dialog.
    const tenantWrong = await submitView(view, { ...good, tenant: 'no-such-tenant', 'secret-id': SECRET });
    view = await viewsUpdateFor(tenantWrong.viewId);
    expect(viewText(view)).toContain('Ping failed, nothing was saved');
    expect(JSON.stringify(view.blocks.find((b) => b.block_id === 'secret-id'))).toContain('typed earlier');
    expect(JSON.parse(view.private_metadata)._d).toEqual(expect.any(String));

    // Fixed tenant, secret left empty: the kept one is used, Ping succeeds, everything is saved.
    const right = await submitView(view, { ...good, 'secret-id': '' });
    view = await viewsUpdateFor(right.viewId);
    expect(view.callback_id).toBe('admin-home');
    expect(viewText(view)).toContain('Microsoft Graph Mail in environment dlg: 7 parameter(s) saved');
    expect(viewText(view)).toContain('Ping: Successfully connected to the Microsoft Graph mail service with the provided connection parameters!');
    expect((await h.runtime.environments.getInstance('dlg', 'microsoft-graph-mail'))['secret-id']).toBe(SECRET);

    // The environment works: the admin runs Ping in the bound channel.
    await h.slash('graphmail ping', { user: 'UADMIN', channel: 'C-DLG', triggerId: 'trig-dlg-ping' });
    const jobId = jobIdFor('slack:trig-dlg-ping');
    await h.slack.waitFor(() => [...h.slack.messages.values()].some((m) => JSON.stringify(m).includes(jobId) && /is_success: true/.test(String(m.text))));

    // The saved form shows the secret as saved, never its value.
    const again = updated((await submitView(view, { environment: 'dlg', section: 'Settings: Microsoft Graph Mail' })).ack);
    expect(JSON.stringify(again.blocks.find((b) => b.block_id === 'secret-id'))).toContain('saved — leave empty to keep it');
    expect((again.blocks.find((b) => b.block_id === 'client-id')!.element as { initial_value?: string }).initial_value).toBe(DEMO_CLIENT_ID);
  }, 30000);

  it('grants a role, adds a connector in two steps, and sets the approvals policy', async () => {
    view = updated((await submitView(view, { environment: 'dlg', section: 'Roles' })).ack);
    expect(view.callback_id).toBe('admin-roles');
    const badUser = await submitView(view, { operation: 'grant', role: 'analyst', users: 'bob' });
    expect(badUser.ack).toMatchObject({ response_action: 'errors', errors: { users: expect.stringContaining('is not a user id') } });
    view = updated((await submitView(view, { operation: 'grant', role: 'analyst', users: 'slack:UDLG' })).ack);
    expect(viewText(view)).toContain('Granted analyst in environment dlg to slack:UDLG.');
    expect(await h.runtime.environments.roleOf('dlg', 'slack:UDLG')).toBe('analyst');

    view = updated((await submitView(view, { environment: 'dlg', section: 'Connectors' })).ack);
    const step1 = await submitView(view, { operation: 'add', name: 'phish', type: 'microsoft-graph-mail-connector', every: 'often' });
    expect(step1.ack).toMatchObject({ response_action: 'errors', errors: { every: expect.stringContaining('duration') } });
    view = updated((await submitView(view, { operation: 'add', name: 'phish', type: 'microsoft-graph-mail-connector', every: '2m' })).ack);
    expect(view.callback_id).toBe('admin-schedule-params');
    expect(view.blocks.some((b) => b.block_id === 'folder-to-check-for-emails')).toBe(true);
    const badParam = await submitView(view, { 'max-emails-per-cycle': 'many' });
    expect(badParam.ack).toMatchObject({ response_action: 'errors', errors: { 'max-emails-per-cycle': expect.stringContaining('whole number') } });
    view = updated((await submitView(view, { 'max-emails-per-cycle': '5', 'folder-to-check-for-emails': 'Inbox' })).ack);
    expect(viewText(view)).toContain('Connector phish (Microsoft Graph Mail Connector) added to dlg, every 2m, posting to slack:C-DLG.');
    expect(await h.runtime.environments.schedules('dlg', 'connectors')).toEqual([
      expect.objectContaining({ name: 'phish', every: '2m', channel: 'slack:C-DLG', params: expect.objectContaining({ 'max-emails-per-cycle': 5 }) }),
    ]);
    view = updated((await submitView(view, { environment: 'dlg', section: 'Connectors' })).ack);
    expect(viewText(view)).toMatch(/phish +microsoft-graph-mail-\S* +2m +slack:C-DLG +active/);
    view = updated((await submitView(view, { operation: 'pause', name: 'phish' })).ack);
    expect(viewText(view)).toContain('Connector phish paused.');

    view = updated((await submitView(view, { environment: 'dlg', section: 'Approvals policy' })).ack);
    view = updated((await submitView(view, { 'required-for': 'delete-email', 'approvers-needed': '2' })).ack);
    expect(viewText(view)).toContain('Approvals in dlg: required for delete-email; 2 approver(s) needed.');
  });

  it('a forged submit by a non-admin changes nothing and shows nothing of the environment', async () => {
    const forged: View = {
      callback_id: 'admin-instance',
      private_metadata: JSON.stringify({ _s: 'instance', _e: 'dlg', _i: 'microsoft-graph-mail', _ch: 'slack:C-DLG' }),
      title: { text: 'x' },
      blocks: [{ type: 'input', block_id: 'client-id', element: { type: 'plain_text_input' } }],
    };
    const { ack } = await submitView(forged, { 'client-id': 'evil' }, 'U1');
    const refusal = updated(ack);
    expect(viewText(refusal)).toContain('soar admin needs the admin role in an environment.');
    expect(refusal.blocks.some((b) => b.type === 'input')).toBe(false);
    expect(viewText(refusal)).not.toContain(DEMO_CLIENT_ID);
    expect((await h.runtime.environments.showInstance('dlg', 'microsoft-graph-mail'))['client-id']).toBe(DEMO_CLIENT_ID);
  });

  it('the audit log has every dialog change, via dialog, no secret', async () => {
    const entries = await h.runtime.audit.since(0, 'dlg');
    const events = entries.map((e) => e.event);
    for (const e of ['admin env create', 'admin bind', 'admin set', 'admin role grant', 'admin connector add', 'admin connector pause', 'admin approvals'])
      expect(events).toContain(e);
    const set = entries.find((e) => e.event === 'admin set')!;
    expect(set.actor).toBe('slack:UADMIN');
    expect(set.detail).toContain('secret-id=••••••');
    expect(set.detail).toContain('Ping succeeded');
    expect(set.detail).toContain('in slack:C-DLG via dialog');
    expect(JSON.stringify(entries)).not.toContain(SECRET);
  });
});

// ---------------------------------------------------------------------------------------------
// Teams task module

type Card = { type: string; body: unknown[]; actions?: unknown[] };
type TaskResponse = { task: { type: 'continue' | 'message'; value: string | { title: string; card: { contentType: string; content: Card } } } };

let seq = 0;
async function invoke(name: string, data: Record<string, unknown>, user = 'aad-admin', conversation = 'conv-dlg'): Promise<TaskResponse> {
  const res = await h.activity({
    type: 'invoke',
    name,
    id: `inv-${++seq}`,
    channelId: 'msteams',
    serviceUrl: h.connector.serviceUrl,
    from: { id: `29:${user}`, aadObjectId: user },
    conversation: { id: conversation },
    recipient: { id: '28:chatsoar' },
    value: { data, context: { theme: 'default' } },
  });
  expect(res.status).toBe(200);
  const raw = await res.text();
  answers.push(raw);
  return JSON.parse(raw) as TaskResponse;
}

function cardOf(r: TaskResponse): Card {
  expect(r.task.type).toBe('continue');
  const value = r.task.value as { card: { contentType: string; content: Card } };
  expect(value.card.contentType).toBe('application/vnd.microsoft.card.adaptive');
  expect(validateAdaptiveCard(value.card.content).errors).toEqual([]);
  return value.card.content;
}

function walk(node: unknown, visit: (n: Record<string, unknown>, siblings: unknown[], i: number) => void): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => {
      if (!n || typeof n !== 'object') return;
      visit(n as Record<string, unknown>, node, i);
      walk(n, visit);
    });
  } else if (node && typeof node === 'object') for (const v of Object.values(node)) walk(v, visit);
}

function inputIds(card: Card): string[] {
  const ids: string[] = [];
  walk(card.body, (n) => {
    if (String(n.type).startsWith('Input.')) ids.push(String(n.id));
  });
  return ids;
}

/** The text shown right under an input (help and error notes). */
function noteUnder(card: Card, id: string): string {
  let out = '';
  walk(card.body, (n, siblings, i) => {
    if (n.id === id && String(n.type).startsWith('Input.')) out = JSON.stringify(siblings.slice(i + 1));
  });
  return out;
}

/** The submit data of the card's first Action.Submit (what Teams merges the inputs into). */
function submitData(card: Card): Record<string, unknown> {
  let data: Record<string, unknown> | undefined;
  walk(card, (n) => {
    if (!data && n.type === 'Action.Submit') data = n.data as Record<string, unknown>;
  });
  return data!;
}

const cardText = (card: Card): string => JSON.stringify(card);

describe('Teams task module', () => {
  it('a non-admin gets a message and no dialog', async () => {
    const r = await invoke('task/fetch', { verb: 'admin-dialog' }, 'aad-1');
    expect(r.task.type).toBe('message');
    expect(r.task.value).toContain('soar admin needs the admin role in an environment.');
  });

  it('task/fetch opens the dialog; task/submit steps through it until Ping succeeds', async () => {
    let card = cardOf(await invoke('task/fetch', { verb: 'admin-dialog', msteams: { type: 'task/fetch' } }));
    expect(inputIds(card)).toEqual(['environment', 'section']);
    card = cardOf(await invoke('task/submit', { ...submitData(card), environment: 'prod', section: 'Create an environment' }));
    card = cardOf(await invoke('task/submit', { ...submitData(card), name: 'teamsenv' }));
    expect(cardText(card)).toContain('Environment teamsenv created; you are its admin.');
    card = cardOf(await invoke('task/submit', { ...submitData(card), environment: 'teamsenv', section: 'Bind this channel to the environment' }));
    expect(cardText(card)).toContain('This channel (teams:conv-dlg) is now bound to environment teamsenv.');
    expect(await h.runtime.environments.environmentOf('teams:conv-dlg')).toBe('teamsenv');

    card = cardOf(await invoke('task/submit', { ...submitData(card), environment: 'teamsenv', section: 'Settings: O365 Management API' }));
    expect(inputIds(card)).toEqual([
      'api-root',
      'azure-active-directory-id',
      'client-id',
      'client-secret',
      'verify-ssl',
      'certificate-path',
      'certificate-password',
      'oauth2-login-endpoint-url',
      'save-even-if-ping-fails',
    ]);
    expect(noteUnder(card, 'api-root')).toContain('Api root url to use with integration.');
    const url = h.emulator.url;
    const good = {
      'api-root': url,
      'oauth2-login-endpoint-url': url,
      'azure-active-directory-id': DEMO_TENANT,
      'client-id': DEMO_CLIENT_ID,
      'verify-ssl': 'true',
    };

    // A field error is shown right under its field.
    card = cardOf(await invoke('task/submit', { ...submitData(card), ...good, 'api-root': 'manage.office.com', 'client-secret': SECRET }));
    expect(noteUnder(card, 'api-root')).toContain('Expected an http:// or https:// URL, got \\"manage.office.com\\"');
    expect(cardText(card)).not.toContain(SECRET);

    // The secret typed before the field error is kept for the dialog: left empty now, Ping succeeds.
    card = cardOf(await invoke('task/submit', { ...submitData(card), ...good, 'client-secret': '' }));
    expect(cardText(card)).toContain('O365 Management API in environment teamsenv');
    expect(cardText(card)).toContain('Ping: Successfully connected to the O365 Management API with the provided connection parameters!');
    expect((await h.runtime.environments.getInstance('teamsenv', 'o365-management-api'))['client-secret']).toBe(SECRET);

    // The environment works from the channel.
    await h.teamsMessage('o365 ping', { conversation: 'conv-dlg', user: 'aad-admin', id: 'teams-dlg-ping' });
    await h.connector.waitFor((calls) => calls.some((c) => /Successfully connected to the O365 Management API/.test(String(c.activity.text))));
  }, 30000);

  it('renames and deletes the environment (the name typed again to confirm)', async () => {
    let card = cardOf(await invoke('task/fetch', { verb: 'admin-dialog' }));
    card = cardOf(await invoke('task/submit', { ...submitData(card), environment: 'teamsenv', section: 'Rename the environment' }));
    card = cardOf(await invoke('task/submit', { ...submitData(card), 'new-name': 'teams2' }));
    expect(cardText(card)).toContain('Environment teamsenv is now teams2');
    expect(await h.runtime.environments.environmentOf('teams:conv-dlg')).toBe('teams2');
    card = cardOf(await invoke('task/submit', { ...submitData(card), environment: 'teams2', section: 'Delete the environment' }));
    expect(cardText(card)).toContain('This cannot be undone.');
    const deleteForm = submitData(card);
    card = cardOf(await invoke('task/submit', { ...deleteForm, confirm: 'teamsenv' }));
    expect(noteUnder(card, 'confirm')).toContain('Type teams2 exactly to delete it.');
    expect(await h.runtime.environments.exists('teams2')).toBe(true);
    card = cardOf(await invoke('task/submit', { ...deleteForm, confirm: 'teams2' }));
    expect(cardText(card)).toContain('Environment teams2 deleted; 1 channel(s) unbound: teams:conv-dlg.');
    expect(await h.runtime.environments.exists('teams2')).toBe(false);
    // Back to a fresh environment for the next test.
    await h.runtime.environments.create('teamsenv');
    await h.runtime.environments.grant('teamsenv', 'admin', ['teams:aad-admin']);
    await h.runtime.environments.setInstance('teamsenv', 'o365-management-api', { 'client-id': DEMO_CLIENT_ID });
  });

  it('a submit from someone who is not admin of that environment is refused', async () => {
    await h.runtime.environments.grant('prod', 'admin', ['teams:aad-prod-only']);
    const r = await invoke(
      'task/submit',
      { verb: 'admin-submit', _s: 'instance', _e: 'teamsenv', _i: 'o365-management-api', 'client-id': 'evil' },
      'aad-prod-only',
    );
    expect(r.task).toEqual({ type: 'message', value: expect.stringContaining('Changing environment teamsenv needs the admin role there.') });
    expect((await h.runtime.environments.showInstance('teamsenv', 'o365-management-api'))['client-id']).toBe(DEMO_CLIENT_ID);
  });
});

// ---------------------------------------------------------------------------------------------
// Web chat cards (Bot Framework activities with channelId webchat; Action.Execute invokes)

function webActivity(extra: Record<string, unknown>, user = 'alice'): Record<string, unknown> {
  return {
    id: `web-${++seq}`,
    channelId: 'webchat',
    serviceUrl: h.connector.serviceUrl,
    from: { id: user, name: user, role: 'user' },
    conversation: { id: 'room-dlg' },
    recipient: { id: 'chatsoar', role: 'bot' },
    ...extra,
  };
}

/** The card the bot posted into the room after `before` calls. */
async function nextCard(before: number): Promise<{ card: Card; text: string }> {
  await h.connector.waitFor((calls) => calls.slice(before).some((c) => c.conversationId === 'room-dlg' && Array.isArray(c.activity.attachments)));
  const call = h.connector.calls.slice(before).find((c) => c.conversationId === 'room-dlg' && Array.isArray(c.activity.attachments))!;
  const card = (call.activity.attachments as Array<{ content: Card }>)[0]!.content;
  expect(validateAdaptiveCard(card).errors).toEqual([]);
  return { card, text: String(call.activity.text) };
}

/** Presses the card's first Action.Execute with these input values, as the web chat page does. */
async function press(card: Card, values: Record<string, string>, user = 'alice'): Promise<{ card: Card; text: string }> {
  let action: { verb: string; data: Record<string, unknown> } | undefined;
  walk(card, (n) => {
    if (!action && n.type === 'Action.Execute') action = { verb: String(n.verb), data: (n.data as Record<string, unknown>) ?? {} };
  });
  const before = h.connector.calls.length;
  const res = await h.activity(
    webActivity(
      { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: action!.verb, data: { ...action!.data, ...values } } } },
      user,
    ),
  );
  answers.push(await res.text());
  return nextCard(before);
}

describe('web chat cards', () => {
  it('a non-admin typing soar admin gets one refusal line', async () => {
    const before = h.connector.calls.length;
    await h.activity(webActivity({ type: 'message', text: 'soar admin' }, 'mallory'));
    await h.connector.waitFor((calls) => calls.length > before);
    const reply = h.connector.calls[before]!.activity;
    expect(String(reply.text)).toBe('soar admin needs the admin role in an environment. An admin can grant it with soar admin role grant admin web:mallory.');
  });

  it('sets up an environment through card submits until Ping succeeds', async () => {
    const before = h.connector.calls.length;
    await h.activity(webActivity({ type: 'message', text: 'soar admin' }));
    let { card, text } = await nextCard(before);
    expect(inputIds(card)).toEqual(['environment', 'section']);
    ({ card } = await press(card, { environment: 'prod', section: 'Create an environment' }));
    ({ card, text } = await press(card, { name: 'webenv' }));
    expect(text).toContain('Environment webenv created');
    ({ card, text } = await press(card, { environment: 'webenv', section: 'Bind this channel to the environment' }));
    expect(text).toContain('This channel (web:room-dlg) is now bound to environment webenv.');
    ({ card } = await press(card, { environment: 'webenv', section: 'Settings: Azure API' }));
    const url = h.emulator.url;
    const good = {
      'microsoft-login-api-root': url,
      'microsoft-graph-api-root': url,
      'client-id': DEMO_CLIENT_ID,
      'tenant-id': DEMO_TENANT,
      'test-url': `${url}/v1.0/organization`,
      scopes: `${url}/.default`,
      'verify-ssl': 'true',
    };
    // The error is in the field's own label.
    ({ card, text } = await press(card, { ...good, 'client-secret': SECRET, 'test-url': 'not a url' }));
    expect(cardText(card)).toContain('"label":"Test URL — ⚠ Expected an http:// or https:// URL, got \\"not a url\\"."');
    ({ card, text } = await press(card, { ...good, 'client-secret': '' }));
    expect(text).toContain('Azure API in environment webenv');
    expect(text).toContain('Ping: Successfully connected to the Azure API.');
    expect((await h.runtime.environments.getInstance('webenv', 'azure-api'))['client-secret']).toBe(SECRET);
  }, 30000);
});

describe('secrets', () => {
  it('never appear in a captured outgoing payload, an answer, or a log line', () => {
    for (const [what, text] of [
      ['Slack Web API calls', JSON.stringify(h.slack.calls)],
      ['Bot Connector calls', JSON.stringify(h.connector.calls)],
      ['answers to Slack and Teams', answers.join('\n')],
      ['log lines', logLines.join('\n')],
    ] as const) {
      expect({ what, leaked: text.includes(SECRET) }).toEqual({ what, leaked: false });
    }
    expect(logLines.length).toBeGreaterThan(0);
  });
});

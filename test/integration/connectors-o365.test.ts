/**
 * Office 365 Management API connectors end to end: the schedule worker beside the real runtime
 * (real redis-server, real outbox, fake Slack Web API), the emulator's Management Activity API.
 * Each scenario gets its own emulator tenant and Slack channel.
 */
import type { Worker } from 'bullmq';
import { startHarness, type Harness } from '../helpers/harness';
import { createLogger } from '../../lib/log';
import { addSchedule, alertIdsIn, duplicates, postsIn, runNow, settled, sleep, startSchedules, stopSchedules, unescape, until } from './connector-helpers';
import { auditEvent, dlpEvent, minutesAgo, newTenant, publish } from './o365-fixtures';
import { planWindows } from '../../handlers/o365-management-api/feed/windows';
import { dlpAlertBuilder } from '../../handlers/o365-management-api/feed/dlp-alert';
import { alertMessage, digestMessage } from '../../cards/alert-messages';
import { render } from '../../cards/render';
import { validateAdaptiveCard } from '../../cards/validate';

let h: Harness;
let workers: Worker[];

beforeAll(async () => {
  h = await startHarness();
  // Only what a test publishes: no generated demo content.
  h.emulator.state.settings.generateAuditContent = false;
  workers = startSchedules(h.runtime, h.settings.redisUrl!);
});

afterAll(async () => {
  await stopSchedules(workers ?? []);
  await h?.close();
});

const DLP = 'office-365-management-api-dlp-events-connector';
const AUDIT = 'office-365-management-api-audit-general-events-connector';

/** The link of the digest file `name` (a pattern) in a Slack post's blocks; fails when there is none. */
function digestLink(post: { body: { blocks?: unknown } }, name: string): string {
  const link = new RegExp(`<(http[^|>]+/files/[^|>]+)\\|${name}>`).exec(unescape(JSON.stringify(post.body.blocks)).replace(/\\u0026/g, '&'))?.[1];
  expect(link).toBeDefined();
  return link!;
}

/** 40 Audit.General events in three blobs, 20, 15 and 5 (the last with two events of the others again). */
function publishAuditFlood(t: ReturnType<typeof newTenant>): Array<ReturnType<typeof auditEvent>> {
  const events = Array.from({ length: 40 }, (_, i) => auditEvent({ at: minutesAgo(100 - i), operation: i % 2 ? 'TeamCreated' : 'MemberAdded' }));
  publish(h.emulator, t, 'Audit.General', events.slice(0, 20), minutesAgo(60));
  publish(h.emulator, t, 'Audit.General', events.slice(20, 35), minutesAgo(45));
  // The API may deliver an event again in a later blob: it is in the digest once.
  publish(h.emulator, t, 'Audit.General', [...events.slice(35), events[3]!, events[25]!], minutesAgo(30));
  return events;
}

describe('O365 Management API connectors', () => {
  it('posts events from several windows and pages once each, across cycles and overlapping windows', async () => {
    const t = newTenant(h.emulator, 'pages');
    h.emulator.state.settings.contentPageSize = 2;
    const ids: string[] = [];
    const blob = (minutes: number, n: number): void => {
      const events = Array.from({ length: n }, () => dlpEvent({ at: minutesAgo(minutes + 1) }));
      ids.push(...events.map((e) => String(e.Id)));
      publish(h.emulator, t, 'DLP.All', events, minutesAgo(minutes));
    };
    blob(7 * 60, 2); // first 2-hour window
    blob(5 * 60, 1);
    blob(3 * 60 + 30, 1); // one window with three blobs: two listing pages
    blob(3 * 60 + 20, 1);
    blob(3 * 60 + 10, 1);
    blob(30, 1); // inside the padding period: listed again by every cycle

    await addSchedule(h.runtime, 'connectors', {
      name: 'dlp-pages',
      type: DLP,
      channel: 'slack:C11',
      every: '60s',
      params: { ...t.params, 'fetch-max-hours-backwards': 8, 'fetch-backwards-time-interval-minutes': 120, 'max-events-to-fetch': 100 },
    });
    await until('7 alerts', () => alertIdsIn(h, 'C11').length >= 7);

    // A late blob repeats an event already posted (overlapping windows) and brings one new one.
    const fresh = dlpEvent({ at: minutesAgo(3) });
    const repeated = h.emulator.state.content.values().next().value!.events[0]!;
    publish(h.emulator, t, 'DLP.All', [repeated, fresh], minutesAgo(2));
    ids.push(String(fresh.Id));
    await runNow(h.runtime, 'dlp-pages');
    await until('the new alert', () => alertIdsIn(h, 'C11').includes(String(fresh.Id)));
    await runNow(h.runtime, 'dlp-pages');
    await settled(h.runtime);
    await sleep(300);

    const posted = alertIdsIn(h, 'C11');
    expect(duplicates(posted)).toEqual([]);
    expect(posted.sort()).toEqual([...ids].sort());
    const card = postsIn(h, 'C11')[0]!;
    expect(card.text).toMatch(/^Alert: DlpRuleMatch: PCI Credit Card Policy/);
    expect(card.text).toContain('alice@demo.onmicrosoft.com');
    expect(card.text).toContain('Severity: High');
    const blocks = JSON.stringify(card.body.blocks);
    expect(blocks).toContain('Search the mail');
    expect(blocks).toContain('Delete the mail');
    expect(blocks).toContain('event.json');
  });

  it('stops at Max events to fetch and goes on from there in the next cycles', async () => {
    const t = newTenant(h.emulator, 'maxed');
    const events = Array.from({ length: 5 }, (_, i) => dlpEvent({ at: minutesAgo(50 - i) }));
    publish(h.emulator, t, 'DLP.All', events, minutesAgo(40));
    await addSchedule(h.runtime, 'connectors', {
      name: 'dlp-max',
      type: DLP,
      channel: 'slack:C12',
      every: '60s',
      params: { ...t.params, 'max-events-to-fetch': 2 },
    });
    await until('2 alerts', () => alertIdsIn(h, 'C12').length >= 2);
    await settled(h.runtime);
    expect(alertIdsIn(h, 'C12')).toHaveLength(2);
    await runNow(h.runtime, 'dlp-max');
    await until('4 alerts', () => alertIdsIn(h, 'C12').length >= 4);
    await runNow(h.runtime, 'dlp-max');
    await until('5 alerts', () => alertIdsIn(h, 'C12').length >= 5);
    await runNow(h.runtime, 'dlp-max');
    await settled(h.runtime);
    const posted = alertIdsIn(h, 'C12');
    expect(duplicates(posted)).toEqual([]);
    // The outbox does not promise the order of cards within one cycle.
    expect(posted.sort()).toEqual(events.map((e) => String(e.Id)).sort());
  });

  it('a flood becomes one digest card with the count and a JSON file of every event', async () => {
    const t = newTenant(h.emulator, 'flood');
    const events = Array.from({ length: 40 }, (_, i) => dlpEvent({ at: minutesAgo(100 - i), operation: i % 2 ? 'DlpRuleMatch' : 'DlpInfo' }));
    publish(h.emulator, t, 'DLP.All', events.slice(0, 20), minutesAgo(60));
    publish(h.emulator, t, 'DLP.All', events.slice(20), minutesAgo(30));
    // Every 10 s a Slack channel takes 5 cards per cycle (half its ~1 message/s).
    await addSchedule(h.runtime, 'connectors', {
      name: 'dlp-flood',
      type: DLP,
      channel: 'slack:C13',
      every: '10s',
      params: { ...t.params, 'max-events-to-fetch': 1000 },
    });
    await until('the digest', () => postsIn(h, 'C13').length >= 1);
    await until('the file upload', () => h.slack.calls.some((c) => c.method === 'files.completeUploadExternal' && c.body.channel_id === 'C13'));
    await runNow(h.runtime, 'dlp-flood');
    await settled(h.runtime);

    const posts = postsIn(h, 'C13');
    expect(posts).toHaveLength(1);
    expect(alertIdsIn(h, 'C13')).toEqual([]);
    expect(posts[0]!.text).toContain('40 alerts from connector dlp-flood in one digest');
    const upload = h.slack.calls.find((c) => c.method === 'files.completeUploadExternal' && c.body.channel_id === 'C13')!;
    expect(JSON.stringify(upload.body.files)).toContain('40 events');
    expect(h.slack.calls.some((c) => c.method === 'files.getUploadURLExternal' && c.body.filename === 'dlp-flood-40-events.json')).toBe(true);
    // The card links the file too; the link serves every event once.
    const file = (await (await fetch(digestLink(posts[0]!, 'dlp-flood-40-events\\.json'))).json()) as Array<{ Id: string }>;
    expect(file.map((e) => e.Id).sort()).toEqual(events.map((e) => String(e.Id)).sort());
  });

  it('an Audit.General flood: the digest file holds every event once, blobs copied as they came, an event in two blobs once', async () => {
    const t = newTenant(h.emulator, 'auditflood');
    const events = publishAuditFlood(t);
    await addSchedule(h.runtime, 'connectors', {
      name: 'audit-flood',
      type: AUDIT,
      channel: 'slack:C22',
      every: '10s',
      params: { ...t.params, 'max-events-to-fetch': 1000 },
    });
    await until('the digest', () => postsIn(h, 'C22').length >= 1);
    await until('the file upload', () => h.slack.calls.some((c) => c.method === 'files.completeUploadExternal' && c.body.channel_id === 'C22'));
    await runNow(h.runtime, 'audit-flood');
    await settled(h.runtime);

    const posts = postsIn(h, 'C22');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toContain('40 alerts from connector audit-flood in one digest');
    const file = (await (await fetch(digestLink(posts[0]!, 'audit-flood-40-events\\.json'))).json()) as Array<Record<string, unknown>>;
    // In the order the blobs were listed and their events came.
    expect(file.map((e) => e.Id)).toEqual(events.map((e) => String(e.Id)));
    // Each event as the API gave it.
    expect(file.find((e) => e.Id === events[7]!.Id)).toEqual(JSON.parse(JSON.stringify(events[7])));
  });

  it('an Audit.General flood past Max events to fetch: the blob that does not fit is cut at the limit, the rest comes next cycle, in order', async () => {
    const t = newTenant(h.emulator, 'auditmax');
    const events = publishAuditFlood(t);
    await addSchedule(h.runtime, 'connectors', {
      name: 'audit-max',
      type: AUDIT,
      channel: 'slack:C23',
      every: '10s',
      params: { ...t.params, 'max-events-to-fetch': 30 },
    });
    const digestFile = async (n: number): Promise<string[]> => {
      return ((await (await fetch(digestLink(postsIn(h, 'C23')[n]!, 'audit-max-\\d+-events\\.json'))).json()) as Array<{ Id: string }>).map((e) => e.Id);
    };
    await until('the first digest', () => postsIn(h, 'C23').length >= 1);
    await settled(h.runtime);
    expect(postsIn(h, 'C23')[0]!.text).toContain('30 alerts from connector audit-max in one digest');
    expect(await digestFile(0)).toEqual(events.slice(0, 30).map((e) => String(e.Id)));
    await runNow(h.runtime, 'audit-max');
    await until('the second digest', () => postsIn(h, 'C23').length >= 2);
    await settled(h.runtime);
    expect(postsIn(h, 'C23')[1]!.text).toContain('10 alerts from connector audit-max in one digest');
    expect(await digestFile(1)).toEqual(events.slice(30).map((e) => String(e.Id)));
  });

  it('filters as the seed says: operation and policy blacklists, the whitelist used as a blacklist; masks findings', async () => {
    const t = newTenant(h.emulator, 'filters');
    const undo = dlpEvent({ operation: 'DlpRuleUndo', at: minutesAgo(20) });
    const gdpr = dlpEvent({ policy: 'GDPR Enhanced', at: minutesAgo(19) });
    const sharePoint = dlpEvent({ workload: 'SharePoint', at: minutesAgo(18) });
    const card = dlpEvent({ at: minutesAgo(17) });
    const iban = dlpEvent({
      workload: 'OneDrive',
      at: minutesAgo(16),
      values: [{ Name: 'International Banking Account Number (IBAN)', Value: 'DE89 3704 0044 0532 0130 00' }],
    });
    publish(h.emulator, t, 'DLP.All', [undo, gdpr, sharePoint, card, iban], minutesAgo(15));
    await addSchedule(h.runtime, 'connectors', {
      name: 'dlp-filters',
      type: DLP,
      channel: 'slack:C14',
      every: '60s',
      whitelist: ['SharePoint'],
      params: {
        ...t.params,
        'type-of-operation-filter': 'DlpRuleUndo',
        'type-of-policy-filter': 'GDPR Enhanced',
        'mask-findings': true,
        'use-whitelist-as-a-blacklist': true,
      },
    });
    await until('2 alerts', () => alertIdsIn(h, 'C14').length >= 2);
    await settled(h.runtime);
    expect(alertIdsIn(h, 'C14').sort()).toEqual([String(card.Id), String(iban.Id)].sort());
    const slackTraffic = JSON.stringify(h.slack.calls.filter((c) => c.body.channel === 'C14'));
    expect(slackTraffic).not.toContain('4111 1111 1111 1111');
    expect(slackTraffic).not.toContain('DE89 3704');
    const ibanCard = postsIn(h, 'C14').find((p) => p.text.includes(String(iban.Id)))!;
    const blocks = unescape(JSON.stringify(ibanCard.body.blocks));
    expect(blocks).toContain('XX00 0000 0000 0000 0000 00');
    expect(blocks).toContain('XXXXXXXXXXXXX XXXXXXX XXXXXXX XXXXXX (XXXX)');
  });

  it('Audit.General: filters as a whitelist, connector blacklist, additional events from entity keys, environment label', async () => {
    const t = newTenant(h.emulator, 'audit');
    const data = JSON.stringify({
      Entities: [
        { $id: '1', Type: 'mailbox', MailboxPrimaryAddress: 'carol@demo.onmicrosoft.com' },
        { $id: '2', Type: 'mailMessage', Recipient: 'carol@demo.onmicrosoft.com', Sender: 'it-support@contoso-helpdesk.co', Subject: 'Mailbox full' },
        { $id: '3', Type: 'url', Url: 'http://contoso-helpdesk.co/owa/login.php' },
      ],
    });
    const alert = auditEvent({
      operation: 'AlertTriggered',
      workload: 'SecurityComplianceCenter',
      at: minutesAgo(30),
      extra: { Name: 'Email reported by user as malware or phish', Severity: 'High' },
    });
    const failed = auditEvent({ operation: 'AlertTriggered', workload: 'SecurityComplianceCenter', status: 'Failed', at: minutesAgo(29) });
    const team = auditEvent({ operation: 'TeamCreated', at: minutesAgo(28) });
    const air = auditEvent({ operation: 'AirInvestigationData', workload: 'AirInvestigation', at: minutesAgo(27), extra: { Data: data } });
    const powerBi = auditEvent({ operation: 'AlertTriggered', workload: 'PowerBI', at: minutesAgo(26) });
    publish(h.emulator, t, 'Audit.General', [alert, failed, team, air, powerBi], minutesAgo(25));
    await addSchedule(h.runtime, 'connectors', {
      name: 'audit-rules',
      type: AUDIT,
      channel: 'slack:C15',
      every: '60s',
      blacklist: ['PowerBI'],
      params: {
        ...t.params,
        'type-of-operation-filter': 'AlertTriggered, AirInvestigationData',
        'status-filter': 'Succeeded',
        'use-operation-and-status-filters-as-whitelist': true,
        'entity-keys-to-create-additional-events': 'Url,MailboxPrimaryAddress',
        'environment-field-name': 'Workload',
        'environment-regex-pattern': '^[A-Z][a-z]+',
      },
    });
    await until('2 alerts', () => alertIdsIn(h, 'C15').length >= 2);
    await settled(h.runtime);
    expect(alertIdsIn(h, 'C15').sort()).toEqual([String(alert.Id), String(air.Id)].sort());
    const first = postsIn(h, 'C15').find((p) => p.text.includes(String(alert.Id)))!;
    expect(first.text).toMatch(/^Alert: Email reported by user as malware or phish \(AlertTriggered\)/);
    expect(first.text).toContain('Severity: High');
    expect(unescape(JSON.stringify(first.body.blocks))).toContain('Security');
    const second = unescape(JSON.stringify(postsIn(h, 'C15').find((p) => p.text.includes(String(air.Id)))!.body.blocks));
    expect(second).toContain('Additional events');
    expect(second).toContain(`${String(air.Id)}:1`);
    expect(second).toContain('http://contoso-helpdesk.co/owa/login.php');
    expect(second).not.toContain(`${String(air.Id)}:3`);
    expect(second).toContain('Search mail from the sender');
  });

  it('warns the channel once while the subscription is missing', async () => {
    const t = newTenant(h.emulator, 'nosub', []);
    publish(h.emulator, t, 'Audit.General', [auditEvent({ at: minutesAgo(10) })], minutesAgo(9));
    await addSchedule(h.runtime, 'connectors', { name: 'audit-nosub', type: AUDIT, channel: 'slack:C16', every: '60s', params: t.params });
    await until('the warning', () => postsIn(h, 'C16').length >= 1);
    await runNow(h.runtime, 'audit-nosub');
    await runNow(h.runtime, 'audit-nosub');
    await settled(h.runtime);
    const posts = postsIn(h, 'C16');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toContain('soar o365 start-a-subscription --start-a-subscription-for Audit.General');
  });

  it('refuses windows the API cannot serve when the connector is configured (behaviour.md 24)', async () => {
    const { syncSchedules } = await import('../../queue/schedules');
    await h.runtime.environments.setSchedule('prod', 'connectors', {
      name: 'too-wide',
      type: DLP,
      channel: 'slack:C17',
      every: '60s',
      params: { 'fetch-backwards-time-interval-minutes': 2000 },
    });
    const result = await syncSchedules({ queues: h.runtime.queues, environments: h.runtime.environments, log: createLogger('silent') });
    expect(result.refused).toEqual([
      { id: 'connectors:prod:too-wide', reason: expect.stringContaining('Fetch Backwards Time Interval (minutes) must be between 1 and 1440') },
    ]);
    expect(result.scheduled).not.toContain('connectors:prod:too-wide');
    expect((await h.runtime.queues.connectors.getJobSchedulers(0, -1)).map((j) => j.key)).not.toContain('connectors:prod:too-wide');
  });

  it('a crash after the cards were queued but before they were marked: the next cycle updates them, posts nothing twice', async () => {
    const t = newTenant(h.emulator, 'crash');
    const events = Array.from({ length: 3 }, (_, i) => dlpEvent({ at: minutesAgo(30 - i) }));
    publish(h.emulator, t, 'DLP.All', events, minutesAgo(20));
    await addSchedule(h.runtime, 'connectors', { name: 'dlp-crash', type: DLP, channel: 'slack:C18', every: '60s', params: t.params });
    await until('3 alerts', () => alertIdsIn(h, 'C18').length >= 3);
    await settled(h.runtime);
    // What a crash between queueing and committing leaves: cards queued, no marks, no checkpoint.
    const base = `${h.settings.redisPrefix}sched:prod:connector:dlp-crash:`;
    await h.runtime.redis.del(`${base}seen:alert`, `${base}seen:blob`, `${base}checkpoint`);
    const updatesBefore = h.slack.calls.filter((c) => c.method === 'chat.update' && c.body.channel === 'C18').length;
    await runNow(h.runtime, 'dlp-crash');
    await until(
      'the cards updated in place',
      () => h.slack.calls.filter((c) => c.method === 'chat.update' && c.body.channel === 'C18').length >= updatesBefore + 3,
    );
    await settled(h.runtime);
    expect(alertIdsIn(h, 'C18').sort()).toEqual(events.map((e) => String(e.Id)).sort());
  });
  it('Script Timeout ends a cycle cleanly: what was read is posted, the rest comes next cycle', async () => {
    const t = newTenant(h.emulator, 'slow');
    const events = Array.from({ length: 5 }, (_, i) => dlpEvent({ at: minutesAgo(60 - i) }));
    events.forEach((e, i) => publish(h.emulator, t, 'DLP.All', [e], minutesAgo(50 - i)));
    // Four blobs arrive after 0.7 s, the fifth after 1.4 s: past the 1 s bound.
    h.emulator.faults.set({ prefix: '/api/v1.0/slow/activity/feed/audit', latencyMs: 700 });
    try {
      await addSchedule(h.runtime, 'connectors', {
        name: 'dlp-slow',
        type: DLP,
        channel: 'slack:C21',
        every: '60s',
        params: { ...t.params, 'script-timeout-seconds': 1 },
      });
      await until('the first cycle', () => alertIdsIn(h, 'C21').length >= 1);
      await settled(h.runtime);
      const first = alertIdsIn(h, 'C21').length;
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(5);
      h.emulator.faults.clear();
      await runNow(h.runtime, 'dlp-slow');
      await until('5 alerts', () => alertIdsIn(h, 'C21').length >= 5);
      await settled(h.runtime);
      expect(alertIdsIn(h, 'C21').sort()).toEqual(events.map((e) => String(e.Id)).sort());
    } finally {
      h.emulator.faults.clear();
    }
  });
});

describe('time windows (Fetch Max Hours Backwards, Fetch Backwards Time Interval, Events Padding Period)', () => {
  const now = Date.UTC(2024, 4, 10, 12, 0, 0);
  const H = 3_600_000;
  it('walks from Fetch Max Hours Backwards to now in interval steps on the first cycle', () => {
    expect(planWindows({ now, maxHoursBackwards: 8, intervalMinutes: 240, paddingMinutes: 60 })).toEqual([
      { start: now - 8 * H, end: now - 4 * H },
      { start: now - 4 * H, end: now },
    ]);
  });
  it('goes on from the checkpoint, but always re-reads the padding period', () => {
    expect(planWindows({ now, checkpoint: now - 10 * 60_000, maxHoursBackwards: 8, intervalMinutes: 240, paddingMinutes: 60 })).toEqual([
      { start: now - H, end: now },
    ]);
    expect(planWindows({ now, checkpoint: now - 3 * H, maxHoursBackwards: 8, intervalMinutes: 120, paddingMinutes: 60 })).toEqual([
      { start: now - 3 * H, end: now - H },
      { start: now - H, end: now },
    ]);
  });
  it('never asks for more than 24 hours at once nor further back than 7 days', () => {
    const windows = planWindows({ now, checkpoint: now - 30 * 24 * H, maxHoursBackwards: 168, intervalMinutes: 5000, paddingMinutes: 0 });
    expect(windows[0]!.start).toBeGreaterThan(now - 7 * 24 * H);
    for (const w of windows) expect(w.end - w.start).toBeLessThanOrEqual(24 * H);
    expect(windows[windows.length - 1]!.end).toBe(now);
  });
});

describe('alert cards', () => {
  const alert = dlpAlertBuilder({
    params: { 'product-field-name': 'Product Name', 'event-field-name': 'Operation', 'mask-findings': true },
    rules: { whitelist: [], blacklist: [] },
    environment: 'prod',
  })(dlpEvent())!;
  const source = { connector: 'dlp', environment: 'prod' };
  it.each([
    ['alert', alertMessage(alert, source, [{ name: 'event.json', url: 'http://127.0.0.1/files/x?exp=1&sig=y' }])],
    [
      'digest',
      digestMessage({ count: 40, from: '2024-05-01T10:00:00Z', to: '2024-05-01T11:00:00Z', byRule: [['PCI / rule', 40]], reason: 'flood' }, source, {
        name: 'dlp-40-events.json',
        url: 'http://127.0.0.1/files/x?exp=1&sig=y',
      }),
    ],
  ])('the %s card is a valid Adaptive Card and fits Slack', (_name, message) => {
    const teams = render(message, 'teams');
    expect(validateAdaptiveCard(teams.attachments[0]!.content).errors).toEqual([]);
    expect(render(message, 'slack').blocks.length).toBeLessThanOrEqual(50);
    expect(teams.text).toContain(message.text.split('\n')[0]!);
  });
});

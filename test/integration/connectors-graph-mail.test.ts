/**
 * Microsoft Graph Mail Connector end to end: the schedule worker beside the real runtime, the
 * emulator's mailboxes (one per scenario) and a fake Slack Web API (one channel per scenario).
 */
import type { Worker } from 'bullmq';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { MessageInput } from '../../emulator';
import { toMime } from '../../emulator/mime';
import { startHarness, type Harness } from '../helpers/harness';
import { addSchedule, alertIdsIn, duplicates, postsIn, runNow, settled, sleep, startSchedules, stopSchedules, unescape, until } from './connector-helpers';

let h: Harness;
let workers: Worker[];

beforeAll(async () => {
  h = await startHarness();
  workers = startSchedules(h.runtime, h.settings.redisUrl!);
});

afterAll(async () => {
  await stopSchedules(workers ?? []);
  await h?.close();
});

const TYPE = 'microsoft-graph-mail-connector';

function mailbox(name: string): string {
  const address = `${name}@demo.onmicrosoft.com`;
  h.emulator.state.addUser({ userPrincipalName: address });
  return address;
}

function ago(minutes: number): string {
  return new Date(Date.now() - minutes * 60_000).toISOString();
}

function mail(address: string, folder: string, input: MessageInput): string {
  return h.emulator.state.addMessage(address, folder, { to: [address], bodyType: 'text', isRead: false, ...input }).id;
}

/** The links of a card (Slack mrkdwn `<url|name>`). */
function links(blocks: unknown): Array<{ url: string; name: string }> {
  const text = unescape(JSON.stringify(blocks)).replace(/\\u0026/g, '&');
  return [...text.matchAll(/<(http[^|>]+)\|([^>]+)>/g)].map((m) => ({ url: m[1]!, name: m[2]! }));
}

describe('Microsoft Graph Mail Connector', () => {
  it('posts new mail once each: folders, unread only, exclude pattern, sender rules, headers, URLs, templates; marks as read', async () => {
    const mb = mailbox('mc1');
    h.emulator.state.addFolder(mb, 'inbox', 'Reports');
    const invoice = mail(mb, 'inbox', {
      subject: 'Invoice overdue',
      from: 'Fabrikam Billing <billing@fabrikam-invoices.example>',
      body: 'Pay today at http://fabrikam-invoices.example/pay?id=20931 or call us.',
      receivedDateTime: ago(50),
      headers: { 'X-Originating-IP': '[198.51.100.23]', 'X-MS-Exchange-Organization-SCL': '5' },
    });
    const read = mail(mb, 'inbox', { subject: 'Lunch', from: 'bob@demo.onmicrosoft.com', receivedDateTime: ago(45), isRead: true });
    const news = mail(mb, 'inbox', { subject: 'Weekly Newsletter', from: 'news@contoso.example', receivedDateTime: ago(40) });
    const blocked = mail(mb, 'inbox', { subject: 'You won', from: 'promo@blocked.example', receivedDateTime: ago(35) });
    const report = mail(mb, 'Inbox/Reports', {
      subject: 'Suspicious login page',
      from: 'alice@demo.onmicrosoft.com',
      body: 'See https://login.contoso-helpdesk.co/owa',
      receivedDateTime: ago(30),
    });

    await addSchedule(h.runtime, 'connectors', {
      name: 'mail-basic',
      type: TYPE,
      channel: 'slack:C31',
      every: '60s',
      blacklist: ['blocked.example'],
      params: {
        'mail-address': mb,
        'folder-to-check-for-emails': 'inbox, inbox/reports',
        'unread-emails-only': true,
        'mark-emails-as-read': true,
        'email-exclude-pattern': '(?i)newsletter',
        'headers-to-add-to-events': 'X-Originating-IP, X-MS-Exchange-.*',
        'alert-name-template': 'Phishing - [event_mailbox] - [orig_subject]',
        'case-name-template': 'Case [orig_from]',
        'environment-field-name': 'event_mailbox',
        'environment-regex-pattern': '@.*$',
      },
    });
    await until('2 alerts', () => alertIdsIn(h, 'C31').length >= 2);
    await settled(h.runtime);
    await until('marked as read', () => h.emulator.state.findMessage(mb, invoice)!.isRead && h.emulator.state.findMessage(mb, report)!.isRead);
    expect(h.emulator.state.findMessage(mb, news)!.isRead).toBe(false);
    expect(h.emulator.state.findMessage(mb, blocked)!.isRead).toBe(false);
    expect(h.emulator.state.findMessage(mb, read)!.isRead).toBe(true);

    const posts = postsIn(h, 'C31');
    expect(posts.map((p) => p.text.split('\n')[0]).sort()).toEqual([
      `Alert: Phishing - ${mb} - Invoice overdue`,
      `Alert: Phishing - ${mb} - Suspicious login page`,
    ]);
    const card = unescape(JSON.stringify(posts.find((p) => p.text.includes('Invoice overdue'))!.body.blocks));
    expect(card).toContain('billing@fabrikam-invoices.example');
    expect(card).toContain('http://fabrikam-invoices.example/pay?id=20931');
    expect(card).toContain('orig_header_X-Originating-IP');
    expect(card).toContain('orig_header_X-MS-Exchange-Organization-SCL');
    expect(card).toContain('Case billing@fabrikam-invoices.example');
    expect(card).toContain('@demo.onmicrosoft.com');
    expect(card).toContain('Delete the mail');

    // Next cycles: nothing twice; a new mail arrives and is posted.
    await runNow(h.runtime, 'mail-basic');
    await settled(h.runtime);
    h.emulator.state.deliver({
      subject: 'Reset your password',
      from: 'it@contoso-helpdesk.co',
      to: [mb],
      body: 'Click http://contoso-helpdesk.co/reset',
      bodyType: 'text',
    });
    await runNow(h.runtime, 'mail-basic');
    await until('3 alerts', () => alertIdsIn(h, 'C31').length >= 3);
    await runNow(h.runtime, 'mail-basic');
    await settled(h.runtime);
    expect(alertIdsIn(h, 'C31')).toHaveLength(3);
    expect(duplicates(alertIdsIn(h, 'C31'))).toEqual([]);
  });

  it('one alert per attached mail file, with the original EML attached; an invalid template gives the default name', async () => {
    const mb = mailbox('mc2');
    const attachedEml = toMime(
      h.emulator.state.buildMessage({
        subject: 'Action required: mailbox almost full',
        from: 'it-support@contoso-helpdesk.co',
        to: ['carol@demo.onmicrosoft.com'],
        body: 'Log in at http://contoso-helpdesk.co/owa',
        bodyType: 'text',
      }),
    );
    mail(mb, 'inbox', {
      subject: 'Phishing report (2 mails)',
      from: 'carol@demo.onmicrosoft.com',
      body: 'Both attached.',
      receivedDateTime: ago(20),
      attachments: [
        { name: 'mailbox full.eml', contentType: 'message/rfc822', content: attachedEml },
        {
          name: 'Invoice',
          item: {
            subject: 'Invoice INV-7 overdue',
            from: 'billing@fabrikam-invoices.example',
            to: ['carol@demo.onmicrosoft.com'],
            body: 'Pay at http://fabrikam-invoices.example/pay',
            bodyType: 'text',
          },
        },
      ],
    });
    await addSchedule(h.runtime, 'connectors', {
      name: 'mail-attached',
      type: TYPE,
      channel: 'slack:C32',
      every: '60s',
      params: {
        'mail-address': mb,
        'create-a-separate-siemplify-alert-per-attached-mail-file': true,
        'attach-original-eml': true,
        'alert-name-template': 'Report [no_such_field]',
      },
    });
    await until('2 alerts', () => alertIdsIn(h, 'C32').length >= 2);
    await settled(h.runtime);
    const posts = postsIn(h, 'C32');
    expect(posts.map((p) => p.text.split('\n')[0]).sort()).toEqual(['Alert: Action required: mailbox almost full', 'Alert: Invoice INV-7 overdue']);
    const first = posts.find((p) => p.text.includes('mailbox almost full'))!;
    const card = unescape(JSON.stringify(first.body.blocks));
    expect(card).toContain('attach_from');
    expect(card).toContain('it-support@contoso-helpdesk.co');
    expect(card).toContain('http://contoso-helpdesk.co/owa');
    const eml = links(first.body.blocks).find((l) => l.name.endsWith('.eml'));
    expect(eml?.name).toBe('Phishing report (2 mails).eml');
    const text = await (await fetch(eml!.url)).text();
    expect(text).toContain('Subject: Phishing report (2 mails)');
    const event = links(first.body.blocks).find((l) => l.name === 'event.json')!;
    const json = (await (await fetch(event.url)).json()) as Record<string, unknown>;
    expect(json).toMatchObject({
      event_name: 'Attached Mail File',
      attach_subject: 'Action required: mailbox almost full',
      orig_subject: 'Phishing report (2 mails)',
      event_mailbox: mb,
    });
  });

  it('Max Emails Per Cycle and Offset Time In Hours: later cycles go on from the checkpoint', async () => {
    const mb = mailbox('mc3');
    mail(mb, 'inbox', { subject: 'Too old', from: 'x@contoso.example', receivedDateTime: ago(150) });
    const subjects = [1, 2, 3, 4, 5].map((n) => `Mail ${n}`);
    subjects.forEach((s, i) => mail(mb, 'inbox', { subject: s, from: 'x@contoso.example', receivedDateTime: ago(50 - i * 5) }));
    await addSchedule(h.runtime, 'connectors', {
      name: 'mail-max',
      type: TYPE,
      channel: 'slack:C33',
      every: '60s',
      params: { 'mail-address': mb, 'max-emails-per-cycle': 2, 'offset-time-in-hours': 2 },
    });
    await until('2 alerts', () => alertIdsIn(h, 'C33').length >= 2);
    await settled(h.runtime);
    expect(alertIdsIn(h, 'C33')).toHaveLength(2);
    await runNow(h.runtime, 'mail-max');
    await until('4 alerts', () => alertIdsIn(h, 'C33').length >= 4);
    await runNow(h.runtime, 'mail-max');
    await until('5 alerts', () => alertIdsIn(h, 'C33').length >= 5);
    await runNow(h.runtime, 'mail-max');
    await settled(h.runtime);
    const titles = postsIn(h, 'C33').map((p) => p.text.split('\n')[0]!.replace('Alert: ', ''));
    expect(titles.sort()).toEqual(subjects);
  });

  it('Disable Overflow posts every alert one by one where a digest would come', async () => {
    const mb = mailbox('mc4');
    for (let i = 0; i < 6; i++) mail(mb, 'inbox', { subject: `Alert mail ${i}`, from: 'x@contoso.example', receivedDateTime: ago(30 - i) });
    // Every 10 s a Slack channel takes 5 cards per cycle: six would be a digest.
    await addSchedule(h.runtime, 'connectors', {
      name: 'mail-no-overflow',
      type: TYPE,
      channel: 'slack:C34',
      every: '10s',
      params: { 'mail-address': mb, 'disable-overflow': true },
    });
    await until('6 alerts', () => alertIdsIn(h, 'C34').length >= 6);
    await settled(h.runtime);
    expect(postsIn(h, 'C34')).toHaveLength(6);
  });

  it('goes through the proxy with its credentials', async () => {
    const seen: string[] = [];
    const proxy: Server = createServer();
    proxy.on('connect', (req, socket, head) => {
      seen.push(`${req.url} ${req.headers['proxy-authorization'] ?? ''}`);
      if (req.headers['proxy-authorization'] !== `Basic ${Buffer.from('proxy-user:proxy-pass').toString('base64')}`) {
        socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
        return;
      }
      const [host, port] = String(req.url).split(':');
      const upstream = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    try {
      const mb = mailbox('mc5');
      mail(mb, 'inbox', { subject: 'Through the proxy', from: 'x@contoso.example', receivedDateTime: ago(5) });
      const port = (proxy.address() as AddressInfo).port;
      await addSchedule(h.runtime, 'connectors', {
        name: 'mail-proxy',
        type: TYPE,
        channel: 'slack:C35',
        every: '60s',
        params: { 'mail-address': mb, 'proxy-server-address': `127.0.0.1:${port}`, 'proxy-username': 'proxy-user', 'proxy-password': 'proxy-pass' },
      });
      await until('1 alert', () => alertIdsIn(h, 'C35').length >= 1);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((s) => s.startsWith(`127.0.0.1:${h.emulator.port} Basic `))).toBe(true);
    } finally {
      await new Promise((r) => proxy.close(r));
      await sleep(10);
    }
  });

  it('demo: mail arriving in the emulator as time passes is ingested offline', async () => {
    const phish = 'phish@demo.onmicrosoft.com';
    // Only what arrives now: the seeded reports are made a day old.
    for (const m of h.emulator.state.mailbox(phish).messages.values()) m.receivedDateTime = ago(24 * 60);
    h.emulator.state.settings.mailArrivalMinutes = 15;
    // Two arrivals are due since the emulator last looked.
    h.emulator.state.mailArrivedUntil = Date.now() - 31 * 60_000;
    try {
      await addSchedule(h.runtime, 'connectors', {
        name: 'mail-demo',
        type: TYPE,
        channel: 'slack:C36',
        every: '60s',
        params: { 'mail-address': phish, 'offset-time-in-hours': 1, 'create-a-separate-siemplify-alert-per-attached-mail-file': true },
      });
      await until('2 alerts', () => alertIdsIn(h, 'C36').length >= 2);
      const arrived = (await (await fetch(`${h.emulator.url}/_emulator/arrive`, { method: 'POST' })).json()) as { delivered: Array<{ mailbox: string }> };
      expect(arrived.delivered[0]!.mailbox).toBe(phish);
      await runNow(h.runtime, 'mail-demo');
      await until('3 alerts', () => alertIdsIn(h, 'C36').length >= 3);
      await settled(h.runtime);
      const posts = postsIn(h, 'C36');
      expect(posts).toHaveLength(3);
      // One alert per reported original, named after it; the reporter is in the event.
      for (const p of posts)
        expect(p.text).toMatch(
          /^Alert: (Your password expires today|Invoice INV-\d+ overdue|Shared with you: Q3 salaries\.xlsx|Voicemail from \+1 \(555\) 0100)/,
        );
    } finally {
      h.emulator.state.settings.mailArrivalMinutes = 0;
    }
  });
});

/**
 * Microsoft Graph Mail sending through the chat path: Send Email, Send Email HTML, Send Thread
 * Reply and Forward Email over real HTTP into /slack/events, a real redis-server, the runtime's
 * workers and the Microsoft 365 emulator. Exactly-once sending is checked in the emulator's ledger
 * and mailboxes: under 429/503 bursts, when Graph's answer to a send is lost after it was done,
 * and when a job runs twice.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { jobIdFor } from '../../lib/ids';
import { FilesRoot } from '../../lib/files';
import type { ActionContext } from '../../handlers/kit/context';
import type { ActionResult } from '../../handlers/kit/outcome';
import { spec as sendEmail } from '../../handlers/microsoft-graph-mail/actions/send-email';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT, type Message } from '../../emulator';
import { expectFail, expectOk, finalMessage, unescapeSlack } from '../helpers/job-result';
import { startHarness, MAILBOX, type Harness } from '../helpers/harness';

const BOB = 'bob@demo.onmicrosoft.com';
const ALICE = 'alice@demo.onmicrosoft.com';
const CHANNELS = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6'];

let h: Harness;
let seq = 0;

beforeAll(async () => {
  h = await startHarness();
  // Env prod's own files root (files are per environment).
  mkdirSync(join(h.settings.filesDir, 'prod'), { recursive: true });
  const env = h.runtime.environments;
  for (const c of CHANNELS.slice(1)) await env.bind(`slack:${c}`, 'prod');
  // The four-eyes rule is tested elsewhere: here an approver (U2) runs sends at once.
  await env.setMeta('prod', { ...(await env.getMeta('prod')), approvals: { requiredFor: [], approversNeeded: 1 } });
  writeFileSync(join(h.settings.filesDir, 'prod', 'report.txt'), 'incident report\n');
  mkdirSync(join(h.settings.filesDir, 'prod', 'cases', '42'), { recursive: true });
  writeFileSync(join(h.settings.filesDir, 'prod', 'cases', '42', 'ioc list.csv'), 'ip\n203.0.113.9\n');
  symlinkSync('/etc', join(h.settings.filesDir, 'prod', 'etc-link'));
  mkdirSync(join(h.settings.filesDir, 'prod', 'templates'), { recursive: true });
  writeFileSync(
    join(h.settings.filesDir, 'prod', 'templates', 'incident.html'),
    '<html><body><h1 id="incident-template">{{subject}}</h1><div>{{email_content}}</div></body></html>',
  );
});

afterAll(async () => {
  await h?.close();
});

interface Ran {
  jobId: string;
  text: string;
  /** The blocks as text (JSON result, file list). */
  blocks: string;
}

/** Runs `/soar <text>` as the approver in the next channel and waits for the final message. */
async function soar(text: string, opts: { channel?: string; timeoutMs?: number } = {}): Promise<Ran> {
  const triggerId = `send-${Date.now()}-${seq}`;
  const channel = opts.channel ?? CHANNELS[seq % CHANNELS.length]!;
  seq++;
  const jobId = jobIdFor(`slack:${triggerId}`);
  const res = await h.slash(text, { triggerId, channel, user: 'U2' });
  expect(res.status).toBe(200);
  const ack = await res.text();
  const m = await finalMessage(h.slack, jobId, `${text} (ack: ${ack})`, opts.timeoutMs);
  return { jobId, text: unescapeSlack(m.text), blocks: unescapeSlack(JSON.stringify(m.blocks ?? [])) };
}

function allMessages(mailbox: string): Message[] {
  return [...h.emulator.state.mailbox(mailbox).messages.values()];
}

function withSubject(mailbox: string, subject: string): Message[] {
  return allMessages(mailbox).filter((m) => m.subject === subject);
}

function folderName(mailbox: string, m: Message): string {
  return h.emulator.state.mailbox(mailbox).folders.get(m.folderId)?.displayName ?? '';
}

/** Sends that Graph carried out (202), by the sending mailbox's path. */
function sendsDone(): number {
  return h.emulator.ledger.filter((e) => e.method === 'POST' && /\/send$/.test(e.path) && e.status === 202).length;
}

describe('Send Email', () => {
  it('sends once with CC, BCC, Reply-To, HTML content and attachments from the files root; JSON has id and internetMessageId', async () => {
    const before = sendsDone();
    const r = await soar(
      'graphmail send-email --subject "Phish 101 notice" --send-to bob@demo.onmicrosoft.com --cc alice@demo.onmicrosoft.com --bcc phish@demo.onmicrosoft.com ' +
        '--reply-to-recipients soc-replies@demo.onmicrosoft.com --mail-content-type HTML --mail-content "<p>Please <b>do not</b> click.</p>" ' +
        '--attachments-paths "report.txt, cases/42/ioc list.csv"',
    );
    expectOk(r, 'Email was sent successfully.');
    expect(sendsDone() - before).toBe(1);
    const [sent] = withSubject(MAILBOX, 'Phish 101 notice');
    expect(sent).toBeDefined();
    expect(folderName(MAILBOX, sent!)).toBe('Sent Items');
    expect(r.blocks).toContain(`"id\\": \\"${sent!.id}\\"`);
    expect(r.blocks).toContain(`"internetMessageId\\": \\"${sent!.internetMessageId}\\"`);
    const [got] = withSubject(BOB, 'Phish 101 notice');
    expect(got!.body).toEqual({ contentType: 'html', content: '<p>Please <b>do not</b> click.</p>' });
    expect(got!.attachments.map((a) => a.name).sort()).toEqual(['ioc list.csv', 'report.txt']);
    expect(got!.replyTo.map((x) => x.emailAddress.address)).toEqual(['soc-replies@demo.onmicrosoft.com']);
    expect(got!.ccRecipients.map((x) => x.emailAddress.address)).toEqual([ALICE]);
    expect(withSubject(ALICE, 'Phish 101 notice')).toHaveLength(1);
    expect(withSubject('phish@demo.onmicrosoft.com', 'Phish 101 notice')).toHaveLength(1);
  });

  it('fails with the seed messages: attachments not found, a path outside the files root, an unknown sender', async () => {
    const before = sendsDone();
    const [missing, traversal, absolute, symlink, unknown] = await Promise.all([
      soar('graphmail send-email --subject "x1" --send-to bob@demo.onmicrosoft.com --mail-content hi --attachments-paths "report.txt,nope.pdf,cases/none.txt"'),
      soar('graphmail send-email --subject "x2" --send-to bob@demo.onmicrosoft.com --mail-content hi --attachments-paths ../../../../etc/passwd'),
      soar('graphmail send-email --subject "x3" --send-to bob@demo.onmicrosoft.com --mail-content hi --attachments-paths /etc/hostname'),
      soar('graphmail send-email --subject "x4" --send-to bob@demo.onmicrosoft.com --mail-content hi --attachments-paths etc-link/hostname'),
      soar('graphmail send-email --send-from nobody@demo.onmicrosoft.com --subject "x5" --send-to bob@demo.onmicrosoft.com --mail-content hi'),
    ]);
    expectFail(missing, 'Action failed to run because specified attachments were not found: nope.pdf, cases/none.txt');
    expectFail(traversal, 'Failed to execute action, the error is: Path ../../../../etc/passwd is outside the files root.');
    expectFail(absolute, 'Failed to execute action, the error is: Path /etc/hostname is outside the files root.');
    expectFail(symlink, 'Failed to execute action, the error is: Path etc-link/hostname is outside the files root.');
    expectFail(unknown, "Failed to execute action, the error is: ErrorInvalidUser: The requested user 'nobody@demo.onmicrosoft.com' is invalid.");
    expect(sendsDone()).toBe(before);
    expect(withSubject(BOB, 'x1')).toHaveLength(0);
  });

  it('a 429/503 burst leaves exactly one sent mail in the ledger and the mailboxes', async () => {
    const before = sendsDone();
    h.emulator.faults.set({
      prefix: '/v1.0/users',
      methods: ['POST'],
      retryAfterSeconds: 0,
      failNext: [{ status: 429 }, { status: 503 }, { status: 503 }, { status: 429 }, { status: 503 }, { status: 503 }],
    });
    h.emulator.faults.set({ prefix: '/v1.0/users/', methods: ['GET'], retryAfterSeconds: 0, failNext: [{ status: 503 }, { status: 429 }, { status: 503 }] });
    try {
      const r = await soar(
        'graphmail send-email --subject "Burst once" --send-to bob@demo.onmicrosoft.com --mail-content "only once" --attachments-paths report.txt',
        { timeoutMs: 40000 },
      );
      expectOk(r, 'Email was sent successfully.');
    } finally {
      h.emulator.faults.clear('/v1.0/users');
      h.emulator.faults.clear('/v1.0/users/');
    }
    const faulted = h.emulator.ledger.filter((e) => e.method === 'POST' && (e.status === 429 || e.status === 503));
    expect(faulted.length).toBeGreaterThanOrEqual(5);
    expect(sendsDone() - before).toBe(1);
    expect(withSubject(MAILBOX, 'Burst once')).toHaveLength(1);
    expect(withSubject(MAILBOX, 'Burst once')[0]!.isDraft).toBe(false);
    expect(withSubject(BOB, 'Burst once')).toHaveLength(1);
    expect(withSubject(BOB, 'Burst once')[0]!.attachments.map((a) => a.name)).toEqual(['report.txt']);
  }, 60000);

  it('a send whose answer is lost after Graph did it (503 from a proxy) is not sent again', async () => {
    // A fake network between the bot and Graph: forwards everything, but answers the first send
    // with 503 after Graph has carried it out.
    let dropped = 0;
    const target = new URL(h.emulator.url);
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const up = httpRequest(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
          (upRes) => {
            const body: Buffer[] = [];
            upRes.on('data', (c: Buffer) => body.push(c));
            upRes.on('end', () => {
              if (req.method === 'POST' && /\/send$/.test(req.url ?? '') && dropped === 0) {
                dropped++;
                res.writeHead(503, { 'content-type': 'application/json' });
                res.end(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'The service is unavailable.' } }));
                return;
              }
              res.writeHead(upRes.statusCode ?? 502, upRes.headers);
              res.end(Buffer.concat(body));
            });
          },
        );
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as { port: number }).port;
    const env = h.runtime.environments;
    await env.create('lossy');
    await env.setInstance('lossy', 'microsoft-graph-mail', {
      'azure-ad-endpoint': h.emulator.url,
      'microsoft-graph-endpoint': `http://127.0.0.1:${port}`,
      'client-id': DEMO_CLIENT_ID,
      'secret-id': DEMO_CLIENT_SECRET,
      tenant: DEMO_TENANT,
      'default-mailbox': MAILBOX,
    });
    await env.setMeta('lossy', { ...(await env.getMeta('lossy')), approvals: { requiredFor: [], approversNeeded: 1 } });
    await env.bind('slack:C9', 'lossy');
    await env.grant('lossy', 'approver', ['slack:U2']);
    try {
      const before = sendsDone();
      const r = await soar('graphmail send-email --subject "Lost answer" --send-to bob@demo.onmicrosoft.com --mail-content "once"', { channel: 'C9' });
      expectOk(r, 'Email was sent successfully.');
      expect(dropped).toBe(1);
      expect(sendsDone() - before).toBe(1);
      expect(withSubject(BOB, 'Lost answer')).toHaveLength(1);
      expect(withSubject(MAILBOX, 'Lost answer')).toHaveLength(1);
    } finally {
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('a job that runs twice (after a crash) sends once and reports the same message both times', async () => {
    const filesRoot = new FilesRoot(h.settings.filesDir, randomBytes(32), h.settings.publicUrl).forEnvironment('prod');
    const ctx: ActionContext = {
      environment: 'prod',
      instance: await h.runtime.environments.getInstance('prod', 'microsoft-graph-mail'),
      http: h.runtime.http,
      log: pino({ level: 'silent' }),
      progress: async () => undefined,
      files: filesRoot.forJob('j-1234twice'),
      attempt: 0,
      signal: new AbortController().signal,
      saveInstanceParam: async () => undefined,
      publicUrl: h.settings.publicUrl,
      job: { id: 'j-1234twice', requestedBy: 'slack:U2', conversationId: 'slack:C1', dryRun: false, timeoutAt: Date.now() + 3600_000 },
    };
    const params = { 'send-from': MAILBOX, subject: 'Twice run', 'send-to': [BOB], 'mail-content': 'x', 'mail-content-type': 'Text' };
    const before = sendsDone();
    const first = (await sendEmail.run!(ctx, params)) as ActionResult;
    const second = (await sendEmail.run!(ctx, params)) as ActionResult;
    expect(first.isSuccess && second.isSuccess).toBe(true);
    expect(second.json).toEqual(first.json);
    expect(sendsDone() - before).toBe(1);
    expect(withSubject(BOB, 'Twice run')).toHaveLength(1);
    // Another job with the same words is another mail.
    const other = (await sendEmail.run!({ ...ctx, job: { ...ctx.job, id: 'j-5678other' } }, params)) as ActionResult;
    expect(other.isSuccess).toBe(true);
    expect(withSubject(BOB, 'Twice run')).toHaveLength(2);
  });
});

describe('Send Email HTML', () => {
  it('wraps the content in the built-in template and returns the sent message as JSON', async () => {
    const r = await soar(
      'graphmail send-email-html --subject "HTML built-in" --send-to bob@demo.onmicrosoft.com --mail-content "<p id=\'c\'>Reset your password</p>" --attachment-location "Local File System"',
    );
    expectOk(r, 'Email was sent successfully.');
    expect(r.text).not.toContain('GCP bucket');
    const [got] = withSubject(BOB, 'HTML built-in');
    expect(got!.body.contentType).toBe('html');
    expect(got!.body.content).toContain("<p id='c'>Reset your password</p>");
    expect(got!.body.content).toMatch(/<title>HTML built-in<\/title>/);
    const [sent] = withSubject(MAILBOX, 'HTML built-in');
    for (const key of [
      '"subject\\": \\"HTML built-in\\"',
      `"internetMessageId\\": \\"${sent!.internetMessageId}\\"`,
      `"id\\": \\"${sent!.id}\\"`,
      '"isDraft\\": false',
      '"toRecipients\\"',
    ]) {
      expect(r.blocks).toContain(key);
    }
  });

  it('uses a template from the templates folder, and says when GCP Bucket falls back to the files root', async () => {
    const r = await soar(
      'graphmail send-email-html --subject "Folder <template>" --send-to bob@demo.onmicrosoft.com --mail-content "<i>details</i>" --email-html-template INCIDENT --attachments-paths report.txt',
    );
    expectOk(r, 'Email was sent successfully.');
    expect(r.text).toContain('No GCP bucket is configured for environment prod: read the attachments from the local files root instead.');
    expect(r.text.indexOf('Email was sent successfully.')).toBeLessThan(r.text.indexOf('No GCP bucket'));
    const [got] = withSubject(BOB, 'Folder <template>');
    expect(got!.body.content).toBe('<html><body><h1 id="incident-template">Folder &lt;template&gt;</h1><div><i>details</i></div></body></html>');
    expect(got!.attachments.map((a) => a.name)).toEqual(['report.txt']);
  });

  it('fails with the seed messages: no template, attachments not found, an unknown template', async () => {
    const [noTemplate, missing, unknown] = await Promise.all([
      soar('graphmail send-email-html --subject "t1" --send-to bob@demo.onmicrosoft.com --mail-content hi --email-html-template ""'),
      soar('graphmail send-email-html --subject "t2" --send-to bob@demo.onmicrosoft.com --mail-content hi --attachments-paths gone.txt'),
      soar('graphmail send-email-html --subject "t3" --send-to bob@demo.onmicrosoft.com --mail-content hi --email-html-template "No Such"'),
    ]);
    expectFail(noTemplate, 'Action failed to run because the HTML template was not specified.');
    expectFail(missing, 'Action failed to run because the following specified attachments were not found: gone.txt');
    expectFail(unknown, 'Failed to execute action, the error is: HTML template "No Such" was not found. Available templates: Email HTML Template, incident.');
    expect(withSubject(BOB, 't1').length + withSubject(BOB, 't2').length + withSubject(BOB, 't3').length).toBe(0);
  });
});

describe('Send Thread Reply', () => {
  function seedThread(subject: string, extra: { from?: string; to?: string[]; cc?: string[]; replyTo?: string[]; folder?: string } = {}): Message {
    return h.emulator.state.addMessage(MAILBOX, extra.folder ?? 'Inbox', {
      subject,
      from: extra.from ?? ALICE,
      to: extra.to ?? [MAILBOX],
      cc: extra.cc,
      replyTo: extra.replyTo,
      body: 'Is this phishing?',
    });
  }

  it('replies to the sender by default, to everyone with Reply All (priority over Reply To), or to Reply To', async () => {
    const plain = seedThread('Thread plain');
    const all = seedThread('Thread all', { to: [MAILBOX, BOB], cc: ['phish@demo.onmicrosoft.com'] });
    const given = seedThread('Thread given');
    const byInternetId = seedThread('Thread by internet id', { folder: 'Inbox/Phishing' });
    const [r1, r2, r3, r4] = await Promise.all([
      soar(`graphmail send-thread-reply --mail-id ${plain.id} --mail-content "Thanks, looking into it" --attachments-paths report.txt`),
      soar(`graphmail send-thread-reply --mail-id ${all.id} --mail-content "Reply to all" --reply-all --reply-to nobody@demo.onmicrosoft.com`),
      soar(`graphmail send-thread-reply --mail-id ${given.id} --mail-content "To bob" --reply-to bob@demo.onmicrosoft.com`),
      soar(
        `graphmail send-thread-reply --mail-id "${byInternetId.internetMessageId}" --folder-name inbox/phishing --mail-content "found by internetMessageId"`,
      ),
    ]);
    expectOk(r1, `Successfully sent reply to the mail with ID: ${plain.id}`);
    expectOk(r2, `Successfully sent reply to the mail with ID: ${all.id}`);
    expectOk(r3, `Successfully sent reply to the mail with ID: ${given.id}`);
    expectOk(r4, `Successfully sent reply to the mail with ID: ${byInternetId.internetMessageId}`);

    const [reply] = withSubject(ALICE, 'RE: Thread plain');
    expect(reply!.body.content).toMatch(/^Thanks, looking into it[\s\S]*Is this phishing\?/);
    expect(reply!.conversationId).toBe(plain.conversationId);
    expect(reply!.internetMessageHeaders).toEqual(expect.arrayContaining([{ name: 'In-Reply-To', value: plain.internetMessageId }]));
    expect(reply!.attachments.map((a) => a.name)).toEqual(['report.txt']);
    expect(withSubject(ALICE, 'RE: Thread all')).toHaveLength(1);
    expect(withSubject(BOB, 'RE: Thread all')).toHaveLength(1);
    expect(withSubject('phish@demo.onmicrosoft.com', 'RE: Thread all')).toHaveLength(1);
    expect(withSubject(BOB, 'RE: Thread given')).toHaveLength(1);
    expect(withSubject(ALICE, 'RE: Thread given')).toHaveLength(0);
    expect(withSubject(ALICE, 'RE: Thread by internet id')).toHaveLength(1);
  });

  it('fails with the seed messages: only your own address, mail id not found, attachments not found, an unknown folder', async () => {
    const own = seedThread('Thread own', { from: MAILBOX, to: [MAILBOX] });
    const elsewhere = seedThread('Thread elsewhere');
    const [r1, r2, r3, r4, r5] = await Promise.all([
      soar(`graphmail send-thread-reply --mail-id ${own.id} --mail-content "to myself"`),
      soar('graphmail send-thread-reply --mail-id AAMkAGRlbW8AAAAAAAAAAAAAAAAAAAAAAAAAAAAA= --mail-content x'),
      soar(`graphmail send-thread-reply --mail-id ${elsewhere.id} --mail-content x --attachments-paths "missing.txt"`),
      soar(`graphmail send-thread-reply --mail-id ${elsewhere.id} --folder-name "Inbox/No Such" --mail-content x`),
      soar(`graphmail send-thread-reply --mail-id ${elsewhere.id} --folder-name "Sent Items" --mail-content x`),
    ]);
    expectFail(
      r1,
      'Error executing action "Send Thread Reply". Reason: if you want to send a reply only to your own email address, you need to work with "Reply To" parameter.',
    );
    expectFail(r2, 'Error executing action "Send Thread Reply" because the provided mail id AAMkAGRlbW8AAAAAAAAAAAAAAAAAAAAAAAAAAAAA= was not found.');
    expectFail(r3, 'Action failed to run because specified attachments were not found: missing.txt');
    expectFail(r4, `Failed to execute action, the error is: Folder Inbox/No Such was not found in mailbox ${MAILBOX}.`);
    expectFail(r5, `Error executing action "Send Thread Reply" because the provided mail id ${elsewhere.id} was not found.`);
    expect(withSubject(ALICE, 'RE: Thread elsewhere')).toHaveLength(0);
  });
});

describe('Forward Email', () => {
  it('forwards with the previous thread, the original attachments and new ones, to, cc and bcc', async () => {
    const original = h.emulator.state.addMessage(MAILBOX, 'Inbox/Phishing', {
      subject: 'Invoice overdue',
      from: 'billing@evil.example',
      to: [MAILBOX],
      body: 'Pay now: http://evil.example/pay',
      attachments: [{ name: 'invoice.html', contentType: 'text/html', content: '<form action="http://evil.example">' }],
    });
    const r = await soar(
      `graphmail forward-email --folder-name "inbox/PHISHING" --mail-id ${original.id} --subject "FW: suspicious invoice" --send-to bob@demo.onmicrosoft.com ` +
        '--cc alice@demo.onmicrosoft.com --bcc phish@demo.onmicrosoft.com --attachments-paths report.txt --mail-content "Please analyse."',
    );
    expectOk(r, `Email with message ID ${original.id} was forwarded successfully.`);
    const [got] = withSubject(BOB, 'FW: suspicious invoice');
    expect(got!.body.content).toMatch(/^Please analyse\.[\s\S]*Subject: Invoice overdue[\s\S]*Pay now/);
    expect(got!.attachments.map((a) => a.name).sort()).toEqual(['invoice.html', 'report.txt']);
    expect(withSubject(ALICE, 'FW: suspicious invoice')).toHaveLength(1);
    expect(withSubject('phish@demo.onmicrosoft.com', 'FW: suspicious invoice')).toHaveLength(1);
    expect(withSubject(MAILBOX, 'FW: suspicious invoice')).toHaveLength(1);
  });

  it('fails with the seed messages: mail id not found, folder not found, attachments not found, an unknown mailbox', async () => {
    const original = h.emulator.state.addMessage(MAILBOX, 'Inbox', { subject: 'Forward me', from: ALICE, to: [MAILBOX], body: 'x' });
    const [r1, r2, r3, r4] = await Promise.all([
      soar('graphmail forward-email --mail-id AAMkAGRlbW8BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB= --subject s --send-to bob@demo.onmicrosoft.com --mail-content x'),
      soar(`graphmail forward-email --folder-name "Inbox/Nowhere" --mail-id ${original.id} --subject s --send-to bob@demo.onmicrosoft.com --mail-content x`),
      soar(
        `graphmail forward-email --mail-id ${original.id} --subject s --send-to bob@demo.onmicrosoft.com --mail-content x --attachments-paths "a.txt, b.txt"`,
      ),
      soar(
        `graphmail forward-email --send-from ghost@demo.onmicrosoft.com --mail-id ${original.id} --subject s --send-to bob@demo.onmicrosoft.com --mail-content x`,
      ),
    ]);
    expectFail(r1, 'Error executing action "Forward Email" because the provided mail id AAMkAGRlbW8BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB= was not found.');
    expectFail(r2, `Action failed to forward the email because the provided mailbox folder name was not found in the mailbox(es): ${MAILBOX}: Inbox/Nowhere`);
    expectFail(r3, 'Action failed to run because specified attachments were not found: a.txt, b.txt');
    expectFail(r4, "Failed to execute action, the error is: ErrorInvalidUser: The requested user 'ghost@demo.onmicrosoft.com' is invalid.");
    expect(withSubject(BOB, 's')).toHaveLength(0);
  });
});

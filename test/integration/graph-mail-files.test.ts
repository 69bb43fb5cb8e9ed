/**
 * Microsoft Graph Mail files through the chat path: Download Attachments From Email, Extract Data
 * From Attached EML and Save Email To The Case, against the Microsoft 365 emulator, with files
 * under the files root (behaviour.md 6, 32) and posted in the thread. Hostile names and paths too.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { jobIdFor } from '../../lib/ids';
import { expectFail, expectOk, finalMessage, unescapeSlack } from '../helpers/job-result';
import { startHarness, MAILBOX, type Harness } from '../helpers/harness';

const BOB = 'bob@demo.onmicrosoft.com';
const CHANNELS = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6'];
const RLO = '\u202e';

let h: Harness;
let seq = 0;
let outsideDir: string;

/** A phishing mail as a user reported it: an HTML part, an IP and a link, and a file of its own. */
const PHISH_EML = [
  'From: "IT Support" <it-support@evil.example>',
  'To: alice@demo.onmicrosoft.com, bob@demo.onmicrosoft.com',
  'Subject: Your password expires today',
  'Date: Thu, 4 Jul 2024 12:11:29 +0530',
  'Message-ID: <phish-1@evil.example>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  '--outer',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Log in at http://login.evil.example/reset from 198.51.100.23 now.',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Log in at <a href="http://login.evil.example/reset">the portal</a></p>',
  '--alt--',
  '--outer',
  'Content-Type: text/plain; name="inner.txt"',
  'Content-Disposition: attachment; filename="inner.txt"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('payload inside the eml; C2 at 203.0.113.77\n').toString('base64'),
  '--outer--',
  '',
].join('\r\n');

const INVITE_ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Evil//Invite//EN',
  'METHOD:REQUEST',
  'BEGIN:VEVENT',
  'UID:evt-1@evil.example',
  'DTSTAMP:20240704T064129Z',
  'DTSTART:20240705T090000Z',
  'SUMMARY:Urgent payroll review',
  'ORGANIZER;CN=Payroll:mailto:payroll@evil.example',
  'ATTENDEE;CN=Alice:mailto:alice@demo.onmicrosoft.com',
  'ATTENDEE;CN=Bob:mailto:bob@demo.onmicrosoft.com',
  'DESCRIPTION:Join at http://meet.evil.example/j/1\\nfrom 192.0.2.5',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

beforeAll(async () => {
  h = await startHarness();
  // Env prod's own files root (files are per environment).
  mkdirSync(join(h.settings.filesDir, 'prod'), { recursive: true });
  for (const c of CHANNELS.slice(1)) await h.runtime.environments.bind(`slack:${c}`, 'prod');
  outsideDir = mkdtempSync(join(tmpdir(), 'chatsoar-outside-'));
  symlinkSync(outsideDir, join(h.settings.filesDir, 'prod', 'outside-link'));
});

afterAll(async () => {
  await h?.close();
});

interface Ran {
  jobId: string;
  text: string;
  blocks: string;
  /** The JSON result shown in the message, parsed. */
  json: unknown;
}

/** The JSON result's code block (Slack escapes &, < and > in it). */
function jsonOf(blocks: unknown): unknown {
  const texts = (Array.isArray(blocks) ? blocks : []).map((b: { text?: { text?: string } }) => b?.text?.text ?? '');
  const block = texts.find((t) => t.startsWith('*JSON result*'));
  const m = block ? /```\n([\s\S]*)\n```/.exec(block) : null;
  if (!m) return undefined;
  try {
    return JSON.parse(unescapeSlack(m[1]));
  } catch {
    return undefined; // cut to fit the message (the renderer says so)
  }
}

async function soar(text: string): Promise<Ran> {
  const triggerId = `files-${Date.now()}-${seq}`;
  const channel = CHANNELS[seq++ % CHANNELS.length]!;
  const jobId = jobIdFor(`slack:${triggerId}`);
  const res = await h.slash(text, { triggerId, channel });
  expect(res.status).toBe(200);
  const ack = await res.text();
  const m = await finalMessage(h.slack, jobId, `${text} (ack: ${ack})`);
  return { jobId, text: unescapeSlack(m.text), blocks: unescapeSlack(JSON.stringify(m.blocks ?? [])), json: jsonOf(m.blocks) };
}

/** File names uploaded to Slack (files upload v2). */
async function uploadedNames(count: number): Promise<string[]> {
  const names = () => h.slack.calls.filter((c) => c.method === 'files.getUploadURLExternal').map((c) => String(c.body.filename));
  const deadline = Date.now() + 15000;
  while (names().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return names();
}

/**
 * The names uploaded since `before` among `expected`, once all of them are there (or 15 s went
 * by). Files go out at the channel's pace after the job's result: an earlier test's may still be
 * arriving, so only these names count (each must be there once).
 */
async function uploadedOf(before: number, expected: string[]): Promise<string[]> {
  const mine = async () => (await uploadedNames(0)).slice(before).filter((n) => expected.includes(n));
  const deadline = Date.now() + 15000;
  while ((await mine()).length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return (await mine()).sort();
}

function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('Download Attachments From Email', () => {
  it('saves every attachment under the Download Path with safe names, opens attached EMLs, posts the files and returns the JSON', async () => {
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox/Phishing', {
      subject: 'Hostile attachments',
      from: 'attacker@evil.example',
      to: [MAILBOX],
      body: 'see attached',
      attachments: [
        { name: 'invoice.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 fake') },
        { name: '../../x', contentType: 'text/plain', content: 'escape attempt' },
        { name: `${RLO}gpj.exe`, contentType: 'application/octet-stream', content: Buffer.from([0x4d, 0x5a, 0x90, 0x00]) },
        { name: 'a/b\\c.txt', contentType: 'text/plain', content: 'slashes' },
        { name: 'reported.eml', contentType: 'message/rfc822', content: PHISH_EML },
      ],
    });
    const uploadsBefore = (await uploadedNames(0)).length;
    const r = await soar(
      `graphmail download-attachments-from-email --folder-name inbox/PHISHING --mail-ids ${msg.id} --download-path cases/7 --download-destination "Local File System" --download-attachments-from-eml`,
    );
    expectOk(
      r,
      'Downloaded 6 attachments. Files: cases/7/invoice.pdf, cases/7/_.._x, cases/7/gpj.exe, cases/7/a_b_c.txt, cases/7/reported.eml, cases/7/inner.txt.',
    );
    expect(r.text).not.toContain('GCP bucket');
    const dir = join(h.settings.filesDir, 'prod', 'cases', '7');
    expect(filesIn(dir)).toEqual(['_.._x', 'a_b_c.txt', 'gpj.exe', 'inner.txt', 'invoice.pdf', 'reported.eml']);
    expect(readFileSync(join(dir, 'gpj.exe'))).toEqual(Buffer.from([0x4d, 0x5a, 0x90, 0x00]));
    expect(readFileSync(join(dir, 'inner.txt'), 'utf8')).toContain('203.0.113.77');
    expect(existsSync(join(h.settings.filesDir, 'prod', 'x'))).toBe(false);
    expect(existsSync(join(h.settings.filesDir, 'prod', '..', 'x'))).toBe(false);
    // The JSON keeps the names as the mail gave them.
    expect(r.blocks).toContain('"attachment_name\\": \\"../../x\\"');
    expect(r.blocks).toContain('"downloaded_path\\": \\"cases/7/_.._x\\"');
    const posted = ['_.._x', 'a_b_c.txt', 'gpj.exe', 'inner.txt', 'invoice.pdf', 'reported.eml'];
    expect(await uploadedOf(uploadsBefore, posted)).toEqual(posted);
  });

  it('reports missing ids and mails without attachments, uses a unique path, and says when GCP Bucket falls back', async () => {
    const withFile = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'dl one',
      from: 'x@evil.example',
      attachments: [{ name: 'same.txt', content: 'one' }],
    });
    const withFile2 = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'dl two',
      from: 'x@evil.example',
      attachments: [{ name: 'same.txt', content: 'two' }],
    });
    const bare = h.emulator.state.addMessage(MAILBOX, 'Inbox', { subject: 'dl bare', from: 'x@evil.example', body: 'no files' });
    const missing = 'AAMkAGRlbW8CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC=';
    const r = await soar(
      `graphmail download-attachments-from-email --mail-ids "${withFile.id},${withFile2.id},${bare.id},${missing}" --download-path unique --download-attachments-to-unique-path`,
    );
    const dir = `unique/${r.jobId}`;
    expectOk(
      r,
      [
        `Downloaded 2 attachments. Files: ${dir}/same.txt, ${dir}/same (1).txt.`,
        'No GCP bucket is configured for environment prod: saved the attachments to the local files root instead.',
        `Failed to find emails in ${MAILBOX} with the following mail ids: ${missing}.`,
        `In the mailboxes listed below, emails were found, but there were no attachments to download. Affected mailboxes: ${MAILBOX}. Mail IDs without attachments to download: ${bare.id}.`,
      ].join('\n'),
    );
    expect(filesIn(join(h.settings.filesDir, 'prod', 'unique', r.jobId))).toEqual(['same (1).txt', 'same.txt']);
  });

  it('searches by subject and sender across mailboxes, naming the ones that do not exist', async () => {
    h.emulator.state.addMessage(BOB, 'Inbox', {
      subject: 'Quarterly bonus 2024',
      from: 'hr@evil.example',
      attachments: [{ name: 'bonus.xlsm', content: 'macro' }],
    });
    h.emulator.state.addMessage(BOB, 'Inbox', {
      subject: 'Quarterly bonus 2024',
      from: 'someone@else.example',
      attachments: [{ name: 'other.xlsm', content: 'x' }],
    });
    const r = await soar(
      `graphmail download-attachments-from-email --search-in-mailbox "${BOB},nobody@demo.onmicrosoft.com" --subject-filter "bonus 2024" --sender-filter hr@evil.example --download-path bonus --download-destination "Local File System"`,
    );
    expectOk(r, 'Downloaded 1 attachments. Files: bonus/bonus.xlsm.\nMailbox nobody@demo.onmicrosoft.com was not found.');
  });

  it('fails with the seed messages: no emails, no mailboxes, unknown folder, paths outside the files root, a Graph error', async () => {
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'dl forbidden',
      from: 'x@evil.example',
      attachments: [{ name: 'f.txt', content: 'f' }],
    });
    h.emulator.faults.set({
      prefix: `/v1.0/users/${encodeURIComponent(MAILBOX)}/messages/${encodeURIComponent(msg.id)}/attachments`,
      failNext: [{ status: 403, body: { error: { code: 'ErrorAccessDenied', message: 'Access is denied.' } } }],
    });
    const [none, mailboxes, folder, traversal, absolute, viaLink, graphError] = await Promise.all([
      soar('graphmail download-attachments-from-email --subject-filter "zz-no-such-subject-zz" --download-path d1'),
      soar('graphmail download-attachments-from-email --search-in-mailbox "nobody@demo.onmicrosoft.com, ghost@demo.onmicrosoft.com" --download-path d2'),
      soar('graphmail download-attachments-from-email --folder-name "Inbox/Nope" --download-path d3'),
      soar('graphmail download-attachments-from-email --download-path ../../outside'),
      soar('graphmail download-attachments-from-email --download-path /tmp/evil'),
      soar(`graphmail download-attachments-from-email --mail-ids ${msg.id} --download-path outside-link/sub`),
      soar(`graphmail download-attachments-from-email --mail-ids ${msg.id} --download-path d4`),
    ]);
    expectFail(none, 'Failed to find any emails using the provided criteria!');
    expectFail(mailboxes, 'Failed to find any of the provided mailboxes: nobody@demo.onmicrosoft.com, ghost@demo.onmicrosoft.com');
    expectFail(folder, `Action failed to run because the provided mailbox folder name Inbox/Nope was not found in the mailbox ${MAILBOX}.`);
    expectFail(traversal, 'Error executing action. Reason: Path ../../outside is outside the files root.');
    expectFail(absolute, 'Error executing action. Reason: Path /tmp/evil is outside the files root.');
    expectFail(viaLink, 'Error executing action. Reason: Path outside-link/sub is outside the files root.');
    expectFail(graphError, 'Error executing action. Reason: ErrorAccessDenied: Access is denied.');
    expect(readdirSync(outsideDir)).toEqual([]);
    expect(existsSync('/tmp/evil')).toBe(false);
  });
});

describe('Extract Data From Attached EML', () => {
  it('reads attached EML, ICS and Outlook items with the Regex Map on RE2, and lists the files', async () => {
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'User report: suspicious mails',
      from: 'alice@demo.onmicrosoft.com',
      attachments: [
        { name: 'reported.eml', contentType: 'message/rfc822', content: PHISH_EML },
        { name: 'invite.ics', contentType: 'text/calendar', content: INVITE_ICS },
        {
          name: 'Fwd item',
          item: { subject: 'Wire transfer', from: 'ceo@evil.example', to: ['alice@demo.onmicrosoft.com'], body: 'Send 10k to 198.51.100.99' },
        },
        { name: 'notes.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF') },
        { name: 'outlook.msg', contentType: 'application/vnd.ms-outlook', content: readFileSync(join(__dirname, '..', 'fixtures', 'mail', 'sent.msg')) },
        { name: 'broken.msg', contentType: 'application/vnd.ms-outlook', content: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]) },
      ],
    });
    const missing = 'AAMkAGRlbW8DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD=';
    const regex = JSON.stringify({ ips: '\\b\\d{1,3}(\\.\\d{1,3}){3}\\b', urls: 'https?://[^\\s"<>]+' });
    const r = await soar(`graphmail extract-data-from-attached-eml --mail-ids "${msg.id},${missing}" --regex-map-json '${regex}'`);
    const dir = `jobs/${r.jobId}/attached-mail`;
    expectOk(
      r,
      `Extracted data from reported.eml, invite.ics, Fwd item, outlook.msg attached email files. Files: ${dir}/reported.eml, ${dir}/invite.ics, ${dir}/Fwd item.eml, ${dir}/outlook.msg`,
    );
    expect(r.text).toContain(
      `Failed to find emails in ${MAILBOX} with the following mail ids: ${missing}\nFailed to execute action, the error is: these attached MSG files could not be read: broken.msg`,
    );
    const [eml, ics, item, msgFile] = r.json as Array<Record<string, unknown>>;
    expect(msgFile).toMatchObject({
      type: 'MSG',
      subject: 'Sent time',
      from: 'xmailuser@xmailserver.test',
      to: 'xmailuser@xmailserver.test',
      date: 'Mon, 15 Feb 2021 08:19:00 GMT',
      name: 'outlook.msg',
    });
    expect(String(msgFile!.text)).toContain('Test mail');
    expect(eml).toEqual({
      type: 'EML',
      subject: 'Your password expires today',
      from: 'it-support@evil.example',
      to: 'alice@demo.onmicrosoft.com,bob@demo.onmicrosoft.com',
      date: 'Thu, 4 Jul 2024 12:11:29 +0530',
      text: 'Log in at http://login.evil.example/reset from 198.51.100.23 now.',
      html: '<p>Log in at <a href="http://login.evil.example/reset">the portal</a></p>',
      // `regex` runs on the file as a reader sees it (headers, text and HTML decoded); the inner attachment's IP is not in it.
      regex: { ips: ['198.51.100.23'], urls: ['http://login.evil.example/reset'] },
      regex_from_text_part: { ips: ['198.51.100.23'], urls: ['http://login.evil.example/reset'] },
      id: msg.id,
      name: 'reported.eml',
    });
    expect(ics).toMatchObject({
      type: 'ICS',
      subject: 'Urgent payroll review',
      from: 'payroll@evil.example',
      to: 'alice@demo.onmicrosoft.com,bob@demo.onmicrosoft.com',
      date: '20240705T090000Z',
      text: 'Join at http://meet.evil.example/j/1\nfrom 192.0.2.5',
      regex: { ips: ['192.0.2.5'], urls: ['http://meet.evil.example/j/1'] },
      name: 'invite.ics',
    });
    expect(item).toMatchObject({
      type: 'EML',
      subject: 'Wire transfer',
      from: 'ceo@evil.example',
      regex_from_text_part: { ips: ['198.51.100.99'], urls: [] },
      name: 'Fwd item',
    });
    expect(filesIn(join(h.settings.filesDir, 'prod', 'jobs', r.jobId, 'attached-mail'))).toEqual(['Fwd item.eml', 'invite.ics', 'outlook.msg', 'reported.eml']);
  });

  it('fails with the seed messages: no emails, no mailboxes, unknown folder, a pattern RE2 cannot take', async () => {
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'x',
      attachments: [{ name: 'a.eml', contentType: 'message/rfc822', content: PHISH_EML }],
    });
    const [none, mailboxes, folder, badRegex] = await Promise.all([
      soar('graphmail extract-data-from-attached-eml --mail-ids AAMkAGRlbW8EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE='),
      soar(`graphmail extract-data-from-attached-eml --search-in-mailbox nobody@demo.onmicrosoft.com --mail-ids ${msg.id}`),
      soar(`graphmail extract-data-from-attached-eml --folder-name "Inbox/Nope" --mail-ids ${msg.id}`),
      soar(`graphmail extract-data-from-attached-eml --mail-ids ${msg.id} --regex-map-json '{"dup": "(a)\\\\1"}'`),
    ]);
    expectFail(none, 'Failed to find any emails using the provided criteria!');
    expectFail(mailboxes, 'Failed to find any of the provided mailboxes: nobody@demo.onmicrosoft.com');
    expectFail(folder, `Action failed to run because the provided mailbox folder name Inbox/Nope was not found in the mailbox ${MAILBOX}`);
    expectFail(badRegex, 'Failed to execute action, the error is: Regex Map JSON: the pattern of "dup" is not supported');
  });
});

describe('Save Email To The Case', () => {
  it('posts <subject>.eml in the thread (sanitised, 100 characters at most) and returns a JSON list', async () => {
    const hostile = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: `../../etc/passwd ${RLO}fdp.exe`,
      from: 'x@evil.example',
      body: 'hostile subject',
    });
    const long = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: `Re: ${'very long subject '.repeat(10)}`,
      from: 'x@evil.example',
      body: 'long',
      attachments: [{ name: 'a.txt', content: 'a' }],
    });
    const uploadsBefore = (await uploadedNames(0)).length;
    const r = await soar(`graphmail save-email-to-the-case --mail-id "${hostile.id},${long.internetMessageId}"`);
    expectOk(r, 'Email successfully saved!');
    const files = filesIn(join(h.settings.filesDir, 'prod', 'jobs', r.jobId));
    expect(files).toHaveLength(2);
    expect(files).toContain('_.._etc_passwd fdp.exe.eml');
    const longName = files.find((f) => f.startsWith('Re'))!;
    expect(longName.length).toBeLessThanOrEqual(100);
    expect(longName.endsWith('.eml')).toBe(true);
    const eml = await simpleParser(readFileSync(join(h.settings.filesDir, 'prod', 'jobs', r.jobId, longName)));
    expect(eml.subject).toBe(long.subject.trim());
    expect(eml.attachments.map((a) => a.filename)).toEqual(['a.txt']);
    // A JSON list; the message shows its beginning (two whole mails do not fit in one Slack section).
    const shown = r.blocks.replace(/\\"/g, '"');
    expect(shown).toContain(`JSON result*\\n\`\`\`\\n[\\n  {\\n    "id": "${hostile.id}",`);
    expect(shown).toContain(`"eml_info": "jobs/${r.jobId}/_.._etc_passwd fdp.exe.eml"`);
    expect(await uploadedOf(uploadsBefore, files)).toEqual(files);
  });

  it('saves only the named attachments and names the ones not found', async () => {
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'attachments only',
      from: 'x@evil.example',
      attachments: [
        { name: 'invoice.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF') },
        { name: 'other.txt', content: 'other' },
      ],
    });
    const [some, all] = await Promise.all([
      soar(`graphmail save-email-to-the-case --mail-id ${msg.id} --save-only-email-attachments --attachment-to-save "INVOICE.pdf,missing.doc"`),
      soar(`graphmail save-email-to-the-case --mail-id ${msg.id} --save-only-email-attachments`),
    ]);
    expectOk(
      some,
      `Successfully saved the following attachments: invoice.pdf\nThe following attachments were not found in email with mail id: ${msg.id}: missing.doc`,
    );
    expect(filesIn(join(h.settings.filesDir, 'prod', 'jobs', some.jobId))).toEqual(['invoice.pdf']);
    expectOk(all, 'Successfully saved the following attachments: invoice.pdf, other.txt');
  });

  it('fails with the seed messages: unknown mailbox, unknown folder, unknown ids, a Graph error', async () => {
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', { subject: 'save forbidden', from: 'x@evil.example' });
    h.emulator.faults.set({
      prefix: `/v1.0/users/${encodeURIComponent(MAILBOX)}/messages/${encodeURIComponent(msg.id)}/$value`,
      failNext: [{ status: 403, body: { error: { code: 'ErrorAccessDenied', message: 'Access is denied.' } } }],
    });
    const [mailbox, folder, ids, graphError] = await Promise.all([
      soar(`graphmail save-email-to-the-case --search-in-mailbox nobody@demo.onmicrosoft.com --mail-id ${msg.id}`),
      soar(`graphmail save-email-to-the-case --folder-name "Inbox/Nope" --mail-id ${msg.id}`),
      soar('graphmail save-email-to-the-case --mail-id "AAMkAGRlbW8FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF=,<nope@evil.example>"'),
      soar(`graphmail save-email-to-the-case --mail-id ${msg.id}`),
    ]);
    expectFail(mailbox, 'Mailbox nobody@demo.onmicrosoft.com was not found.');
    expectFail(folder, `Action failed to run because the provided mailbox folder name Inbox/Nope was not found in the mailbox ${MAILBOX}`);
    expectFail(
      ids,
      'Failed to find any emails based on provided parameters!\nFailed to find email with ID AAMkAGRlbW8FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF=\nFailed to find email with ID <nope@evil.example>',
    );
    expectFail(graphError, 'Failed to execute action, the error is: ErrorAccessDenied: Access is denied.');
  });
});

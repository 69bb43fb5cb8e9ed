/**
 * Search Emails and Get Mailbox Account Out Of Facility Settings through the chat path: signed
 * Slack slash commands into the real runtime, real redis-server, the Microsoft 365 emulator.
 * Every success and failure message of the seed, many mailboxes (unknown ones included), folders
 * nested / case-insensitive / well-known / unknown, paging, throttling and progress.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_CLIENT_SECRET, type Message } from '../../emulator';
import { startHarness, type Harness } from '../helpers/harness';
import { chat, jsonOf, tableText } from './graph-mail-chat';

const D = '@demo.onmicrosoft.com';
const S1 = `s1${D}`;
const S2 = `s2${D}`;
const S3 = `s3${D}`;
const S4 = `s4${D}`;
const NOBODY = `nobody${D}`;
const NO_MAILBOX = `svc-scanner${D}`;

let h: Harness;
let c: ReturnType<typeof chat>;
const mail: Record<string, Message> = {};
const ago = (minutes: number): Date => new Date(Date.now() - minutes * 60_000);

beforeAll(async () => {
  h = await startHarness();
  c = chat(h, 'CS');
  const st = h.emulator.state;
  for (const upn of [S1, S2, S3, S4]) st.addUser({ userPrincipalName: upn });
  mail.invoice1 = st.addMessage(S1, 'inbox', { subject: 'Invoice 1 overdue', from: 'Billing <billing@fabrikam.example>', to: [S1], receivedDateTime: ago(10) });
  mail.invoice2 = st.addMessage(S1, 'inbox', { subject: 'invoice 2', from: 'billing@fabrikam.example', to: [S1], receivedDateTime: ago(20), isRead: true });
  mail.lunch = st.addMessage(S1, 'inbox', { subject: 'Lunch', from: `bob${D}`, to: [S1, S2], receivedDateTime: ago(30) });
  st.addMessage(S1, 'junkemail', { subject: 'You won a prize', from: 'lottery@spam.example', to: [S1], receivedDateTime: ago(40) });
  mail.invoice3 = st.addMessage(S2, 'inbox', { subject: 'INVOICE 3', from: 'billing@fabrikam.example', to: [S2], receivedDateTime: ago(5 * 24 * 60) });
  st.addFolder(S3, 'inbox', 'Cases');
  st.addFolder(S3, 'Inbox/Cases', 'Open');
  mail.case42 = st.addMessage(S3, 'Inbox/Cases/Open', { subject: 'Case 42 invoice', from: `alice${D}`, to: [S3], receivedDateTime: ago(60) });
  for (let i = 1; i <= 12; i++) st.addMessage(S4, 'inbox', { subject: `bulk ${i}`, from: 'news@example.org', to: [S4], receivedDateTime: ago(100 + i) });
});

afterAll(async () => {
  await h?.close();
});

afterEach(() => {
  h.emulator.faults.clear();
});

describe('Search Emails', () => {
  it('searches many mailboxes, names the unknown ones, and fills the Matching Mails table and JSON', async () => {
    const r = await c.run(`graphmail search-emails --search-in-mailbox ${S1},${S2},${S3},${NOBODY},${NO_MAILBOX} --subject-filter invoice`);
    expect(r.lines).toEqual([
      `Successfully found emails in the following mailboxes: ${S1}: 2, ${S2}: 1`,
      `Mailbox ${NOBODY} was not found.`,
      `Mailbox ${NO_MAILBOX} was not found.`,
    ]);
    expect(r.isSuccess).toBe(true);
    const table = tableText(r);
    for (const col of ['Mail ID', 'Subject', 'Sender', 'Receivers', 'Received Date']) expect(table).toContain(col);
    expect(table.indexOf('Mail ID')).toBeLessThan(table.indexOf('Subject'));
    expect(table.indexOf('Receivers')).toBeLessThan(table.indexOf('Received Date'));
    expect(table).toContain('Invoice 1 overdue');
    expect(table).toContain('billing@fabrikam');
    const json = jsonOf(r) as Array<Record<string, unknown>>;
    expect(json.map((m) => [m.mailbox, m.subject])).toEqual([
      [S1, 'Invoice 1 overdue'],
      [S1, 'invoice 2'],
      [S2, 'INVOICE 3'],
    ]);
    // Without Select All Fields For Return, the JSON holds the table's fields only.
    expect(Object.keys(json[0]!).sort()).toEqual(['from', 'id', 'mailbox', 'receivedDateTime', 'subject', 'toRecipients']);
    expect(json[0]!.id).toBe(mail.invoice1!.id);
    // behaviour.md 9: the found mails are attached as a JSON file, posted in the thread and linked.
    const file = join(h.settings.filesDir, 'prod', 'jobs', r.jobId, 'matching-mails.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(json);
    expect(JSON.stringify(r.message.blocks)).toContain('matching-mails.json');
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'files.getUploadURLExternal' && c.body.filename === 'matching-mails.json'));
  });

  it('Select All Fields For Return puts every field in the JSON', async () => {
    const r = await c.run(`graphmail search-emails --search-in-mailbox ${S2} --select-all-fields-for-return`);
    const [m] = jsonOf(r) as Array<Record<string, unknown>>;
    expect(m).toMatchObject({ mailbox: S2, id: mail.invoice3!.id, internetMessageId: mail.invoice3!.internetMessageId, isRead: false });
    expect(m!.body).toBeDefined();
  });

  it('Sender Filter equals (any case), Only Unread and Time Frame narrow the search', async () => {
    const [unread, recent, partial] = await Promise.all([
      c.run(`graphmail search-emails --search-in-mailbox ${S1},${S2} --sender-filter BILLING@fabrikam.example --only-unread`),
      c.run(`graphmail search-emails --search-in-mailbox ${S1},${S2} --sender-filter billing@fabrikam.example --time-frame-minutes 60`),
      // "equals", not "contains".
      c.run(`graphmail search-emails --search-in-mailbox ${S1} --sender-filter billing@fabrikam`),
    ]);
    expect(unread.lines).toEqual([`Successfully found emails in the following mailboxes: ${S1}: 1, ${S2}: 1`]);
    expect(recent.lines).toEqual([`Successfully found emails in the following mailboxes: ${S1}: 2`]);
    expect((jsonOf(recent) as Array<{ id: string }>).map((m) => m.id)).toEqual([mail.invoice1!.id, mail.invoice2!.id]);
    expect(partial.lines).toEqual(['Action was not able to find any emails based on the specified search criteria.']);
    expect(partial.isSuccess).toBe(false);
  });

  it('Mail IDs (id or internetMessageId) override the other filters; an unknown id is named', async () => {
    const ids = [mail.lunch!.id, mail.invoice3!.internetMessageId, 'AAMkAGRlbW8doesnotexistAAA='].join(',');
    const r = await c.run(`graphmail search-emails --search-in-mailbox ${S1},${S2} --mail-ids "${ids}" --subject-filter "matches nothing" --only-unread`);
    expect(r.lines).toEqual([
      `Successfully found emails in the following mailboxes: ${S1}: 1, ${S2}: 1`,
      'Failed to find email with ID AAMkAGRlbW8doesnotexistAAA=',
    ]);
    expect((jsonOf(r) as Array<{ id: string }>).map((m) => m.id)).toEqual([mail.lunch!.id, mail.invoice3!.id]);
  });

  it('Max Emails To Return caps each mailbox and follows @odata.nextLink; with no value Graph returns its default page (10)', async () => {
    const plain = await c.run(`graphmail search-emails --search-in-mailbox ${S4}`);
    expect(plain.lines).toEqual([`Successfully found emails in the following mailboxes: ${S4}: 10`]);
    const settings = h.emulator.state.settings;
    settings.graphMaxPageSize = 5; // every page at most 5: 12 mails need three pages
    try {
      const [all, seven] = await Promise.all([
        c.run(`graphmail search-emails --search-in-mailbox ${S4} --max-emails-to-return 50`),
        c.run(`graphmail search-emails --search-in-mailbox ${S4},${S1} --max-emails-to-return 7`),
      ]);
      expect(all.lines).toEqual([`Successfully found emails in the following mailboxes: ${S4}: 12`]);
      expect(seven.lines).toEqual([`Successfully found emails in the following mailboxes: ${S4}: 7, ${S1}: 3`]);
      // The newest seven, as Graph orders them.
      const table = tableText(seven);
      expect(table).toMatch(/bulk 7\b/);
      expect(table).not.toMatch(/bulk 8\b/);
    } finally {
      settings.graphMaxPageSize = 1000;
    }
  });

  it('folders: nested paths in any case, well-known names, and an unknown folder', async () => {
    const [nested, junk, unknown, partly] = await Promise.all([
      c.run(`graphmail search-emails --search-in-mailbox ${S3} --folder-name "INBOX/cases/OPEN"`),
      c.run(`graphmail search-emails --search-in-mailbox ${S1} --folder-name "junk email"`),
      c.run(`graphmail search-emails --search-in-mailbox ${S1} --folder-name Inbox/Nope`),
      c.run(`graphmail search-emails --search-in-mailbox ${S3},${S1} --folder-name inbox/cases/open`),
    ]);
    expect(nested.lines).toEqual([`Successfully found emails in the following mailboxes: ${S3}: 1`]);
    expect((jsonOf(nested) as Array<{ id: string }>)[0]!.id).toBe(mail.case42!.id);
    expect(junk.lines).toEqual([`Successfully found emails in the following mailboxes: ${S1}: 1`]);
    expect(unknown.lines).toEqual([`Failed to execute action, the error is: Folder Inbox/Nope was not found in mailbox ${S1}.`]);
    expect(unknown.isSuccess).toBe(false);
    expect(partly.lines).toEqual([
      `Successfully found emails in the following mailboxes: ${S3}: 1`,
      `Failed to execute action, the error is: Folder inbox/cases/open was not found in mailbox ${S1}.`,
    ]);
    expect(partly.isSuccess).toBe(true);
  });

  it('the seed failures: no match, no mailbox at all, a Graph error', async () => {
    h.emulator.faults.set({ prefix: `/v1.0/users/${encodeURIComponent(S2)}/mailFolders`, failNext: [{ status: 403 }] });
    const [none, noMailbox, denied] = await Promise.all([
      c.run(`graphmail search-emails --search-in-mailbox ${S1},${S3} --subject-filter "nothing like this"`),
      c.run(`graphmail search-emails --search-in-mailbox ${NOBODY},${NO_MAILBOX}`),
      c.run(`graphmail search-emails --search-in-mailbox ${S2}`),
    ]);
    expect(none.lines).toEqual(['Action was not able to find any emails based on the specified search criteria.']);
    expect(noMailbox.lines).toEqual([`Failed to find any of the provided mailboxes: ${NOBODY}, ${NO_MAILBOX}`]);
    expect(denied.lines).toEqual(['Failed to execute action, the error is: ErrorAccessDenied: Access is denied. Check credentials and try again.']);
    for (const r of [none, noMailbox, denied]) expect(r.isSuccess).toBe(false);
  });

  it("a wrong client secret fails every mailbox with one line: the identity platform's reason", async () => {
    await h.runtime.environments.setInstance('prod', 'microsoft-graph-mail', { 'secret-id': 'wrong-secret' });
    try {
      const r = await c.run(`graphmail search-emails --search-in-mailbox ${S1},${S2},${S3}`);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toMatch(/^Failed to execute action, the error is: AADSTS7000215: /);
      expect(r.isSuccess).toBe(false);
      expect(r.text).not.toContain('wrong-secret');
    } finally {
      await h.runtime.environments.setInstance('prod', 'microsoft-graph-mail', { 'secret-id': DEMO_CLIENT_SECRET });
    }
  });

  it('defaults to the Default Mailbox and the Inbox', async () => {
    const r = await c.run('graphmail search-emails --subject-filter "weekly soc report"');
    expect(r.lines).toEqual(['Successfully found emails in the following mailboxes: soc@demo.onmicrosoft.com: 1']);
  });

  it('a result too large to show: the message shows its start and counts it all, the file holds every mail', async () => {
    const big = `big${D}`;
    h.emulator.state.addUser({ userPrincipalName: big });
    for (let i = 0; i < 120; i++)
      h.emulator.state.addMessage(big, 'inbox', { subject: `phish wave ${i} ${'x'.repeat(60)}`, from: 'attacker@evil.example', to: [big] });
    const r = await c.run(`graphmail search-emails --search-in-mailbox ${big} --subject-filter "phish wave" --max-emails-to-return 500`);
    expect(r.lines).toEqual([`Successfully found emails in the following mailboxes: ${big}: 120`]);
    const blocks = JSON.stringify(r.message.blocks);
    expect(blocks).toMatch(/truncated \(about \d+ more characters\); the full JSON is attached as a file/);
    expect(blocks).toMatch(/\d+ more rows, see the attached file/);
    const items = JSON.parse(readFileSync(join(h.settings.filesDir, 'prod', 'jobs', r.jobId, 'matching-mails.json'), 'utf8')) as Array<{ subject: string }>;
    expect(items).toHaveLength(120);
    expect(new Set(items.map((m) => m.subject)).size).toBe(120);
  });

  it('45 mailboxes go out in $batch envelopes of at most 20 requests', async () => {
    const boxes = Array.from({ length: 45 }, (_, i) => `many${i}${D}`);
    for (const b of boxes) {
      h.emulator.state.addUser({ userPrincipalName: b });
      h.emulator.state.addMessage(b, 'inbox', { subject: `alert for ${b}`, from: 'siem@example.org', to: [b] });
    }
    const before = h.emulator.ledger.length;
    const r = await c.run(`graphmail search-emails --search-in-mailbox ${boxes.join(',')} --subject-filter alert`);
    expect(r.lines).toEqual([`Successfully found emails in the following mailboxes: ${boxes.map((b) => `${b}: 1`).join(', ')}`]);
    const envelopes = h.emulator.ledger.slice(before).filter((e) => e.path === '/v1.0/$batch');
    // One round of list requests: ceil(45 / 20) = 3 envelopes, each accepted (the emulator refuses more than 20).
    expect(envelopes).toHaveLength(3);
    expect(envelopes.every((e) => e.status === 200)).toBe(true);
  });

  it('shows progress as mailbox batches finish, and waits out a 429 Retry-After', async () => {
    h.emulator.faults.set({ prefix: `/v1.0/users/${encodeURIComponent(S2)}/mailFolders`, retryAfterSeconds: 2, failNext: [{ status: 429 }] });
    const started = Date.now();
    const r = await c.run(
      `graphmail search-emails --search-in-mailbox ${S1},${S2},${S3} --how-many-mailboxes-to-process-in-a-single-batch 1 --subject-filter invoice`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(r.lines).toEqual([`Successfully found emails in the following mailboxes: ${S1}: 2, ${S2}: 1`]);
    // The job's message (first posted after the Queued hold, then updated in place) showed progress.
    const shown = h.slack.calls
      .filter((call) => /^chat\.(postMessage|update)$/.test(call.method) && call.body.channel === r.channel)
      .map((call) => JSON.stringify(call.body));
    expect(shown.some((u) => /Searched [12] of 3 mailboxes/.test(u))).toBe(true);
  });
});

describe('Get Mailbox Account Out Of Facility Settings', () => {
  const OOF = 'graphmail get-mailbox-account-out-of-facility-settings';

  it('returns OOF settings for several users as a JSON list in the seed shape', async () => {
    const r = await c.run(`${OOF} --user alice${D},bob${D}`);
    expect(r.lines).toEqual([`Successfully returned OOF settings for alice${D}, bob${D}.`]);
    expect(r.isSuccess).toBe(true);
    const json = jsonOf(r) as Array<Record<string, unknown>>;
    expect(json).toHaveLength(2);
    expect(json[0]).toMatchObject({ availability: 'Away', activity: 'OffWork', statusMessage: null, outOfOfficeSettings: { isOutOfOffice: true } });
    expect(String((json[0]!.outOfOfficeSettings as { message: string }).message)).toContain('out of the office until Monday');
    expect(json[1]).toMatchObject({ outOfOfficeSettings: { isOutOfOffice: false, message: null } });
    expect(String(json[0]!['@odata.context'])).toMatch(/\/beta\/\$metadata#communications\/presences\/\$entity$/);
  });

  it('one user: the object itself; unknown users, users without settings and errors as the seed says', async () => {
    h.emulator.faults.set({
      prefix: `/beta/users/${encodeURIComponent(`bob${D}`)}/presence`,
      failNext: [{ status: 200, body: { id: 'x', availability: 'Offline', activity: 'Offline', statusMessage: null } }],
    });
    h.emulator.faults.set({ prefix: `/beta/users/${encodeURIComponent(S1)}/presence`, failNext: [{ status: 403 }] });
    const [one, partly, none, without, error] = await Promise.all([
      c.run(`${OOF} --user alice${D}`),
      c.run(`${OOF} --user alice${D},${NOBODY}`),
      c.run(`${OOF} --user ${NOBODY},ghost${D}`),
      c.run(`${OOF} --user bob${D}`),
      c.run(`${OOF} --user ${S1}`),
    ]);
    expect(one.lines).toEqual([`Successfully returned OOF settings for alice${D}.`]);
    expect(jsonOf(one)).toMatchObject({ outOfOfficeSettings: { isOutOfOffice: true } });
    expect(partly.lines).toEqual([
      `Successfully returned OOF settings for alice${D}.`,
      `Failed to find the following usernames in Office 365 service: ${NOBODY}.`,
    ]);
    expect(partly.isSuccess).toBe(true);
    expect(none.lines).toEqual([`Failed to find the following usernames in Office 365 service: ${NOBODY}, ghost${D}.`]);
    expect(none.isSuccess).toBe(false);
    expect(without.lines).toEqual([`Action wasn't able to find OOF settings for bob${D}.`]);
    expect(without.isSuccess).toBe(false);
    expect(error.lines).toEqual([
      `Error executing action "Get Mailbox Account Out Of Facility Settings". Reason: ${S1}: ErrorAccessDenied: Access is denied. Check credentials and try again.`,
    ]);
    expect(error.isSuccess).toBe(false);
  });
});

/**
 * Send Vote Email, Wait For Email From User and Wait For Vote Email Results through the chat path:
 * signed Slack slash commands into the real runtime (real redis-server, BullMQ workers polling
 * every 100 ms) against the Microsoft 365 emulator, where recipients answer as people do
 * (emulator/replies.ts): in the thread, from another mail system, by clicking a vote link, or
 * with an automatic out-of-office reply.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobIdFor } from '../../lib/ids';
import { DEMO_MAILBOXES, type Message } from '../../emulator';
import { automaticReply, parseMailto, replyTo, sendMailto } from '../../emulator/replies';
import { startHarness, MAILBOX, type Harness } from '../helpers/harness';

const BOB = DEMO_MAILBOXES.bob;
const ALICE = DEMO_MAILBOXES.alice;
const CHANNELS = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8'];

let h: Harness;
let seq = 0;

beforeAll(async () => {
  h = await startHarness({ asyncPollMs: 100 });
  for (const c of CHANNELS.slice(1)) await h.runtime.environments.bind(`slack:${c}`, 'prod');
  // The four-eyes rule has its own tests; here Send Vote Email runs at once.
  const meta = await h.runtime.environments.getMeta('prod');
  await h.runtime.environments.setMeta('prod', { ...meta, approvals: { requiredFor: [], approversNeeded: 1 } });
});

afterAll(async () => {
  await h?.close();
});

const unescape = (t: unknown) =>
  String(t ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * Sends `/soar <text>` from the next channel (Slack paces each channel); returns the job id.
 * Sending mail needs the approver role (U2); waiting needs an analyst (U1).
 */
async function start(text: string, user = 'U1'): Promise<string> {
  const triggerId = `votes-${Date.now()}-${seq}`;
  const channel = CHANNELS[seq++ % CHANNELS.length] as string;
  const res = await h.slash(text, { triggerId, channel, user });
  expect(res.status).toBe(200);
  const ack = await res.text();
  if (/Error/.test(ack)) throw new Error(`${text}: refused: ${ack.slice(0, 300)}`);
  return jobIdFor(`slack:${triggerId}`);
}

interface Final {
  text: string;
  /** Every section's text, Slack entities undone. */
  sections: string[];
}

/** The job's final message (the one that shows is_success). */
async function final(jobId: string, timeoutMs = 20000): Promise<Final> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = [...h.slack.messages.values()].find((x) => JSON.stringify(x).includes(jobId));
    if (m && /is_success/.test(unescape(m.text))) {
      const blocks = (m.blocks ?? []) as Array<{ text?: { text?: string } }>;
      return { text: unescape(m.text), sections: blocks.map((b) => unescape(b.text?.text)).filter(Boolean) };
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId}: no result; last: ${unescape(m?.text)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The code block under a section title (`*Matching Mails*`, `*JSON result*`). */
function codeUnder(r: Final, title: string): string {
  const s = r.sections.find((x) => x.startsWith(`*${title}*`));
  if (!s) throw new Error(`no ${title} in ${r.sections.join(' | ').slice(0, 500)}`);
  return (/```\n([\s\S]*?)\n```/.exec(s)?.[1] ?? '') as string;
}

/** The rows of the "Matching Mails" table (header and rule line left out). */
function tableRows(r: Final): string[] {
  return codeUnder(r, 'Matching Mails').split('\n').slice(2);
}

/** Waits until the job has polled at least `n` times (its state is in BullMQ's job data). */
async function polls(jobId: string, n: number, timeoutMs = 15000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await h.runtime.queues.actions.getJob(jobId);
    const attempt = Number(job?.data.attempt ?? 0);
    if (attempt >= n) return attempt;
    if (Date.now() > deadline) throw new Error(`job ${jobId}: ${attempt} polls, expected ${n}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the job's status line (shown in the chat message while it waits) matches. */
async function status(jobId: string, pattern: RegExp, timeoutMs = 15000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const progress = (await h.runtime.jobs.get(jobId))?.progress ?? '';
    if (pattern.test(progress)) return progress;
    if (Date.now() > deadline) throw new Error(`job ${jobId}: status ${pattern} not seen; last: ${progress}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A question the SOC mailbox sent (its Sent Items copy), delivered to the recipients' inboxes. */
function sentQuestion(subject: string, to: string[]): Message {
  const body = 'We saw a sign-in from a new country. Was it you? Reply to this email.';
  const sent = h.emulator.state.addMessage(MAILBOX, 'sentitems', { from: MAILBOX, to, subject, body, bodyType: 'text', isRead: true });
  h.emulator.state.deliver({
    from: MAILBOX,
    to,
    subject,
    body,
    bodyType: 'text',
    internetMessageId: sent.internetMessageId,
    conversationId: sent.conversationId,
  });
  return sent;
}

/** The copy of a sent mail in a recipient's mailbox. */
function copyIn(mailbox: string, sent: Message): Message {
  const m = [...h.emulator.state.mailbox(mailbox).messages.values()].find((x) => x.internetMessageId === sent.internetMessageId);
  if (!m) throw new Error(`no copy of ${sent.subject} in ${mailbox}`);
  return m;
}

/** Runs Send Vote Email through chat; returns the result and the sent mail (Sent Items copy). */
async function sendVote(subject: string, extra = ''): Promise<{ result: Final; sent: Message }> {
  const jobId = await start(
    `graphmail send-vote-email --subject "${subject}" --send-to ${BOB},${ALICE} --mail-content "<p>Block the sender domain contoso-helpdesk.co?</p>" ${extra}`,
    'U2',
  );
  const result = await final(jobId);
  const sent = [...h.emulator.state.mailbox(MAILBOX).messages.values()].find((m) => m.subject === subject && !m.isDraft);
  if (!sent) throw new Error(`${subject}: not sent; ${result.text}`);
  return { result, sent };
}

/** The vote links of a received vote mail, by option. */
function voteLinks(received: Message): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of received.body.content.matchAll(/<a href="(mailto:[^"]+)"[^>]*>([^<]+)<\/a>/g)) out[m[2] as string] = (m[1] as string).replace(/&amp;/g, '&');
  return out;
}

describe('Send Vote Email', () => {
  it('sends one HTML mail whose vote links answer with one click, and returns the sent message', async () => {
    const ledgerBefore = h.emulator.ledger.length;
    const { result, sent } = await sendVote('Approve blocking contoso-helpdesk.co?', '--structure-of-voting-options Approve/Reject');
    expect(result.text).toContain('Email was sent successfully.');
    expect(result.text).toContain('is_success: true');
    // The JSON result is the sent message as Graph returns it (seed), starting with its dates.
    const json = codeUnder(result, 'JSON result');
    expect(json).toContain(`"id": "${sent.id}"`);
    expect(json).toContain(`"internetMessageId": "${sent.internetMessageId}"`);
    expect(json).toContain(`"conversationId": "${sent.conversationId}"`);
    const sends = h.emulator.ledger.slice(ledgerBefore).filter((e) => /\/messages\/[^/]+\/send$/.test(e.path));
    expect(sends).toHaveLength(1);

    expect(sent.body.contentType).toBe('html');
    const received = copyIn(BOB, sent);
    const links = voteLinks(received);
    expect(Object.keys(links)).toEqual(['Approve', 'Reject']);
    for (const [option, href] of Object.entries(links)) {
      const { to, fields } = parseMailto(href);
      expect(to).toEqual([MAILBOX]);
      expect(fields.subject).toMatch(new RegExp(`^RE: Approve blocking contoso-helpdesk\\.co\\? \\[Vote: ${option}, ref [0-9a-f]{10}\\]$`));
      expect(fields.body?.split('\r\n')[0]).toBe(option);
      expect(fields['in-reply-to']).toBe(sent.internetMessageId);
    }
    expect(received.body.content).toContain('<p>Block the sender domain contoso-helpdesk.co?</p>');
  });

  it('offers Yes/No by default and takes every parameter of the seed', async () => {
    mkdirSync(join(h.settings.filesDir, 'prod', 'evidence'), { recursive: true });
    writeFileSync(join(h.settings.filesDir, 'prod', 'evidence', 'sign-ins.csv'), 'time,country\n02:14,NG\n');
    const { result, sent } = await sendVote(
      'Was this you?',
      `--cc ${DEMO_MAILBOXES.phish} --bcc soc-lead@demo.onmicrosoft.com --reply-to-recipients ${DEMO_MAILBOXES.phish} --attachments-paths evidence/sign-ins.csv --email-html-template "Email HTML Template"`,
    );
    // Attachment Location defaults to GCP Bucket: with no bucket the files root is used, and said so (behaviour.md 6).
    expect(result.text).toBe(
      'Email was sent successfully.\nNo GCP bucket is configured for environment prod: read the attachments from the local files root instead.\nis_success: true',
    );
    expect(Object.keys(voteLinks(copyIn(ALICE, sent)))).toEqual(['Yes', 'No']);
    expect(sent.ccRecipients.map((r) => r.emailAddress.address)).toEqual([DEMO_MAILBOXES.phish]);
    expect(sent.bccRecipients.map((r) => r.emailAddress.address)).toEqual(['soc-lead@demo.onmicrosoft.com']);
    expect(sent.replyTo.map((r) => r.emailAddress.address)).toEqual([DEMO_MAILBOXES.phish]);
    expect(sent.attachments.map((a) => a.name)).toEqual(['sign-ins.csv']);
    // Votes go back to the mailbox the wait action reads, whatever Reply-To says.
    expect(parseMailto(voteLinks(copyIn(ALICE, sent)).No as string).to).toEqual([MAILBOX]);
  });

  it('names the attachments it cannot find', async () => {
    const jobId = await start(
      `graphmail send-vote-email --subject "With evidence" --send-to ${BOB} --mail-content "see attached" --attachments-paths evidence/missing.pdf --attachment-location "Local File System"`,
      'U2',
    );
    const r = await final(jobId);
    expect(r.text).toContain('Action failed to run because the following specified attachments were not found: evidence/missing.pdf');
    expect(r.text).toContain('is_success: false');
  });
});

describe('Wait For Vote Email Results', () => {
  it("reports each recipient's vote; an out-of-office reply matching the exclude pattern does not count", async () => {
    const { sent } = await sendVote('Quarantine the invoice mails?', '--structure-of-voting-options Approve/Reject');
    const jobId = await start(`graphmail wait-for-vote-email-results --mail-id ${sent.id} --wait-stage-exclude-pattern "(?i)out of (the )?office"`);
    await polls(jobId, 2);
    automaticReply(h.emulator.state, copyIn(ALICE, sent), ALICE);
    expect(await status(jobId, /1 reply excluded by the Wait Stage Exclude pattern/)).toContain('0 of 2 answered');

    // Bob clicks Approve in his mail app: a new message (Outlook drops In-Reply-To), tied by the link's reference.
    sendMailto(h.emulator.state, BOB, voteLinks(copyIn(BOB, sent)).Approve as string);
    expect(await status(jobId, /1 of 2 answered/)).toContain(`${BOB}: Approve`);

    // Alice, back at her desk, answers in the thread.
    replyTo(h.emulator.state, copyIn(ALICE, sent), { from: ALICE, body: 'Reject\n\nWe still need mail from that vendor.' });
    const r = await final(jobId);
    expect(r.text).toBe(`Found the user ${BOB} reply: Approve.\nFound the user ${ALICE} reply: Reject.\nis_success: true`);
    expect(JSON.parse(codeUnder(r, 'JSON result'))).toEqual({
      Responses: [
        { recipient: BOB, vote: 'Approve' },
        { recipient: ALICE, vote: 'Reject' },
      ],
    });
    expect(codeUnder(r, 'Matching Mails').split('\n')[0]).toMatch(/^Mail ID\s+Received Date\s+Sender\s+Recipients\s+Subject$/);
    const rows = tableRows(r);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^AAMk\S*\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+bob@/);
    expect(rows[1]).toMatch(/\s+alice@/);
  });

  it('reads a vote from a reply in the thread and from another mail system (In-Reply-To only)', async () => {
    const { sent } = await sendVote('Reset the password of alice?');
    const jobId = await start(
      `graphmail wait-for-vote-email-results --mail-id "${sent.internetMessageId}" --folder-to-check-for-reply "inbox, Inbox/Phishing"`,
    );
    await polls(jobId, 1);
    replyTo(h.emulator.state, copyIn(BOB, sent), { from: BOB, body: 'yes, please do' });
    // Alice answers from her phone's mail app; an inbox rule files it under Inbox/Phishing.
    replyTo(h.emulator.state, copyIn(ALICE, sent), { from: ALICE, body: 'No', threading: 'headers', folder: 'Inbox/Phishing' });
    const r = await final(jobId);
    expect(r.text).toBe(`Found the user ${BOB} reply: Yes.\nFound the user ${ALICE} reply: No.\nis_success: true`);
  });
});

describe('Wait For Email From User', () => {
  it('completes when the reply arrives after N polls, posting its attachments in the thread', async () => {
    const sent = sentQuestion('Sign-in from Lagos', [BOB]);
    const jobId = await start(`graphmail wait-for-email-from-user --mail-id ${sent.id} --fetch-response-attachments`);
    const N = 3;
    await polls(jobId, N);
    expect(await status(jobId, /0 of 1 answered/)).toContain(`Waiting for ${BOB}.`);
    replyTo(h.emulator.state, copyIn(BOB, sent), {
      from: BOB,
      body: 'No, that was not me. Screenshot of the alert attached.',
      attachments: [
        { name: 'alert-screenshot.txt', contentType: 'text/plain', content: 'Sign-in blocked: Lagos, NG 02:14 UTC' },
        { name: 'logo.png', contentType: 'image/png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]), isInline: true, contentId: 'logo' },
      ],
    });
    const r = await final(jobId);
    expect(r.text).toBe(`Found the user ${BOB} reply: No, that was not me. Screenshot of the alert attached.\nis_success: true`);
    const job = await h.runtime.queues.actions.getJob(jobId);
    expect(job?.data.attempt).toBeGreaterThanOrEqual(N);
    expect(tableRows(r)).toHaveLength(1);

    // Only the real attachment is posted (not the inline logo), titled as the seed says.
    await h.slack.waitFor((calls) =>
      calls.some((c) => c.method === 'files.completeUploadExternal' && JSON.stringify(c.body).includes(`${BOB} reply attachment.`)),
    );
    const uploads = h.slack.calls.filter((c) => c.method === 'files.getUploadURLExternal' && /alert-screenshot|logo/.test(String(c.body.filename)));
    expect(uploads.map((c) => c.body.filename)).toEqual(['alert-screenshot.txt']);
    const folder = join(h.settings.filesDir, 'prod', 'jobs', jobId);
    const saved = readdirSync(folder).filter((f) => f.endsWith('alert-screenshot.txt'));
    expect(saved).toHaveLength(1);
    expect(readFileSync(join(folder, saved[0] as string), 'utf8')).toBe('Sign-in blocked: Lagos, NG 02:14 UTC');
  });

  it("takes the Mail ID from Send Email's JSON result (behaviour.md 11)", async () => {
    const sentJob = await start(
      `graphmail send-email --subject "Please confirm the wire transfer" --send-to ${ALICE} --mail-content "Did you ask for the wire transfer to account 4471?"`,
      'U2',
    );
    const { id } = JSON.parse(codeUnder(await final(sentJob), 'JSON result')) as { id: string };
    const jobId = await start(`graphmail wait-for-email-from-user --mail-id ${id}`);
    await polls(jobId, 1);
    const sent = h.emulator.state.findMessage(MAILBOX, id) as Message;
    replyTo(h.emulator.state, copyIn(ALICE, sent), { from: ALICE, body: 'No! I never asked for that.' });
    const r = await final(jobId);
    expect(r.text).toBe(`Found the user ${ALICE} reply: No! I never asked for that.\nis_success: true`);
  });

  it('matches replies by thread, not by subject: a mail with the same subject is not the answer', async () => {
    const sent = sentQuestion('Did you forward the payroll file?', [BOB]);
    // Before any answer: Bob writes about something else with the same subject.
    h.emulator.state.deliver({ from: BOB, to: [MAILBOX], subject: `RE: ${sent.subject}`, body: 'Different thread: the payroll file for March is ready.' });
    const jobId = await start(`graphmail wait-for-email-from-user --mail-id "${sent.internetMessageId}"`);
    await polls(jobId, 2);
    expect(await status(jobId, /check/)).toContain('0 of 1 answered');
    replyTo(h.emulator.state, copyIn(BOB, sent), { from: BOB, body: 'Yes, to our accountant.', threading: 'headers' });
    const r = await final(jobId);
    expect(r.text).toBe(`Found the user ${BOB} reply: Yes, to our accountant.\nis_success: true`);
  });

  it('with "Wait for All Recipients to Reply?" off, finishes at the first reply', async () => {
    const sent = sentQuestion('Who approved the MFA reset?', [BOB, ALICE]);
    const jobId = await start(`graphmail wait-for-email-from-user --mail-id ${sent.id} --wait-for-all-recipients-to-reply=false`);
    await polls(jobId, 1);
    replyTo(h.emulator.state, copyIn(ALICE, sent), { from: ALICE, body: 'I did, on the phone with Bob.' });
    const r = await final(jobId);
    expect(r.text).toBe(`Found the user ${ALICE} reply: I did, on the phone with Bob.\nis_success: true`);
  });

  it('keeps waiting through a Graph outage and says so while it waits', async () => {
    const sent = sentQuestion('Outage check', [BOB]);
    const jobId = await start(`graphmail wait-for-email-from-user --mail-id ${sent.id}`);
    await polls(jobId, 1);
    h.emulator.faults.set({ prefix: '/v1.0/users', methods: ['GET'], rate503: 1, retryAfterSeconds: 0 });
    try {
      expect(await status(jobId, /Last check failed/)).toMatch(/Last check failed \(.*ServiceUnavailable.*\); trying again\./);
    } finally {
      h.emulator.faults.clear();
    }
    replyTo(h.emulator.state, copyIn(BOB, sent), { from: BOB, body: 'Back online: it was me.' });
    const r = await final(jobId);
    expect(r.text).toBe(`Found the user ${BOB} reply: Back online: it was me.\nis_success: true`);
  });

  it('refuses an exclude pattern RE2 cannot run, before polling', async () => {
    const sent = sentQuestion('Pattern check', [BOB]);
    const jobId = await start(`graphmail wait-for-email-from-user --mail-id ${sent.id} --wait-stage-exclude-pattern "(?<=auto)reply"`);
    const r = await final(jobId);
    expect(r.text).toMatch(
      /^Failed to execute action, the error is: Wait Stage Exclude pattern "\(\?<=auto\)reply" is not a regular expression RE2 accepts \(.+\)\.\nis_success: false$/,
    );
    expect((await h.runtime.queues.actions.getJob(jobId))?.data.attempt).toBe(0);
  });

  it('says which mail it could not find', async () => {
    const jobId = await start('graphmail wait-for-email-from-user --mail-id "<nothing-like-this@demo.onmicrosoft.com>"');
    const r = await final(jobId);
    expect(r.text).toBe(
      `Failed to execute action, the error is: Failed to find email with ID <nothing-like-this@demo.onmicrosoft.com> of mailbox ${MAILBOX}.\nis_success: false`,
    );
  });
});

describe('--timeout', () => {
  it('lists the replies and one timeout line per silent recipient (both wait actions)', async () => {
    const question = sentQuestion('Timeout with one answer', [BOB, ALICE]);
    const { sent: vote } = await sendVote('Timeout vote');
    replyTo(h.emulator.state, copyIn(BOB, question), { from: BOB, body: 'Not me.' });
    sendMailto(h.emulator.state, BOB, voteLinks(copyIn(BOB, vote)).No as string);
    const waitJob = await start(`graphmail wait-for-email-from-user --mail-id ${question.id} --timeout 2s`);
    const voteJob = await start(`graphmail wait-for-vote-email-results --mail-id ${vote.id} --timeout 2s`);
    const [w, v] = await Promise.all([final(waitJob), final(voteJob)]);
    expect(w.text).toBe(`Found the user ${BOB} reply: Not me.\nTimeout getting reply from user: ${ALICE}.\nis_success: true`);
    expect(v.text).toBe(`Found the user ${BOB} reply: No.\nExceeded timeout to get a reply from user: ${ALICE}.\nis_success: true`);
    expect(JSON.parse(codeUnder(v, 'JSON result'))).toEqual({ Responses: [{ recipient: BOB, vote: 'No' }] });
  });

  it('fails when nobody replied', async () => {
    const { sent } = await sendVote('Nobody answers this');
    const jobId = await start(`graphmail wait-for-vote-email-results --mail-id ${sent.id} --timeout 1s`);
    const r = await final(jobId);
    expect(r.text).toBe('Action failed to receive any replies until timeout.\nis_success: false');
  });
});

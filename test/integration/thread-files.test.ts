/**
 * Files the bot posted, named by their file name (behaviour.md 6): Save Email To The Case posts
 * `<subject>.eml` and attachments in a Slack thread; a later `@chatsoar` in that thread attaches
 * them by name to Send Email (the same bytes arrive in the emulator's mailbox). Names from another
 * thread or channel are not found; a name that exists in the files root itself wins; an index
 * entry that leads out of the root is refused. The Redis index: newest wins, pruning, 14 days.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { jobIdFor } from '../../lib/ids';
import { Keys } from '../../store/keys';
import { ThreadFiles, THREAD_FILES_TTL_MS } from '../../store/thread-files';
import type { Message } from '../../emulator';
import { slackSignature } from '../helpers/fake-slack';
import { expectFail, expectOk, finalMessage, unescapeSlack } from '../helpers/job-result';
import { startHarness, MAILBOX, SLACK_SECRET, type Harness } from '../helpers/harness';

const BOB = 'bob@demo.onmicrosoft.com';

let h: Harness;
let seq = 0;

beforeAll(async () => {
  h = await startHarness();
  const env = h.runtime.environments;
  for (const c of ['CTF1', 'CTF2', 'CTF3', 'CTF4']) await env.bind(`slack:${c}`, 'prod');
  // The four-eyes rule is tested elsewhere: here an approver (U2) sends at once.
  await env.setMeta('prod', { ...(await env.getMeta('prod')), approvals: { requiredFor: [], approversNeeded: 1 } });
});

afterAll(async () => {
  await h?.close();
});

/** A Slack ts of our own (the mention's): unique per test run. */
function newTs(): string {
  return `${Math.floor(Date.now() / 1000) - 3600}.${String(900000 + ++seq).padStart(6, '0')}`;
}

interface Ran {
  jobId: string;
  text: string;
}

async function result(jobId: string, what: string): Promise<Ran> {
  return { jobId, text: unescapeSlack((await finalMessage(h.slack, jobId, what)).text) };
}

/** `@chatsoar <command>` as user U2 in `channel`: at channel level, or in the thread `thread`. Resolves with the job's final message. */
async function mention(channel: string, command: string, thread?: string): Promise<Ran> {
  const ts = newTs();
  const eventId = `Ev-tf-${process.pid}-${Date.now()}-${seq}`;
  const body = JSON.stringify({
    type: 'event_callback',
    team_id: 'T1',
    api_app_id: 'A1',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_mention', user: 'U2', text: `<@UBOT> ${command}`, channel, ts, ...(thread ? { thread_ts: thread } : {}) },
  });
  const res = await fetch(`${h.url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...slackSignature(SLACK_SECRET, body) },
    body,
  });
  expect(res.status).toBe(200);
  return result(jobIdFor(`slack:${eventId}`), command);
}

/** `/soar <command>` as U2 in `channel` (a slash command has no thread). */
async function slash(channel: string, command: string): Promise<Ran> {
  const triggerId = `tf-${process.pid}-${Date.now()}-${++seq}`;
  const res = await h.slash(command, { channel, user: 'U2', triggerId });
  expect(res.status).toBe(200);
  return result(jobIdFor(`slack:${triggerId}`), command);
}

/** Waits until the file titled `title` was uploaded to `channel`; returns the thread it went into. */
async function uploaded(channel: string, title: string): Promise<string | undefined> {
  const find = () =>
    h.slack.calls.find(
      (c) => c.method === 'files.completeUploadExternal' && c.body.channel_id === channel && JSON.stringify(c.body.files ?? '').includes(JSON.stringify(title)),
    );
  const deadline = Date.now() + 15000;
  while (!find()) {
    if (Date.now() > deadline) throw new Error(`${title} was not uploaded to ${channel}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const thread = find()!.body.thread_ts;
  return typeof thread === 'string' ? thread : undefined;
}

function received(subject: string): Message[] {
  return [...h.emulator.state.mailbox(BOB).messages.values()].filter((m) => m.subject === subject);
}

/** The attachments of the one mail Bob received with `subject`: name → bytes. */
function attachmentsOf(subject: string): Record<string, string> {
  const got = received(subject);
  expect(got).toHaveLength(1);
  const out: Record<string, string> = {};
  for (const a of got[0]!.attachments) if (a.kind === 'file') out[a.name] = a.content.toString('base64');
  return out;
}

const send = (subject: string, paths: string) =>
  `graphmail send-email --subject "${subject}" --send-to ${BOB} --mail-content "see attached" --attachments-paths "${paths}"`;

describe('files posted in a thread, named by their file name', () => {
  const pdfA = Buffer.concat([Buffer.from('%PDF-1.4 report A '), randomBytes(64)]);
  const pdfB = Buffer.concat([Buffer.from('%PDF-1.4 report B '), randomBytes(64)]);
  let thread: string;
  let eml: Buffer;

  beforeAll(async () => {
    const full = h.emulator.state.addMessage(MAILBOX, 'Inbox', { subject: 'TF Quarterly report', from: 'cfo@evil.example', body: 'numbers inside' });
    const withPdf = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'TF report attached',
      from: 'cfo@evil.example',
      attachments: [{ name: 'report.pdf', contentType: 'application/pdf', content: pdfA }],
    });
    // A top-level mention starts a thread under it: the job's message and its files go there.
    thread = newTs();
    const [saved, attachments] = await Promise.all([
      mention('CTF1', `graphmail save-email-to-the-case --mail-id ${full.id}`, thread),
      mention('CTF1', `graphmail save-email-to-the-case --mail-id ${withPdf.id} --save-only-email-attachments`, thread),
    ]);
    expectOk(saved, 'Email successfully saved!');
    expectOk(attachments, 'Successfully saved the following attachments: report.pdf');
    expect(await uploaded('CTF1', 'TF Quarterly report')).toBe(thread);
    expect(await uploaded('CTF1', 'report.pdf')).toBe(thread);
    eml = readFileSync(join(h.settings.filesDir, 'prod', 'jobs', saved.jobId, 'TF Quarterly report.eml'));
  });

  it('attaches the same bytes when a later command in that thread names them', async () => {
    const r = await mention('CTF1', send('TF same thread', 'TF Quarterly report.eml, report.pdf'), thread);
    expectOk(r, 'Email was sent successfully.');
    const got = attachmentsOf('TF same thread');
    expect(Object.keys(got).sort()).toEqual(['TF Quarterly report.eml', 'report.pdf']);
    expect(got['report.pdf']).toBe(pdfA.toString('base64'));
    expect(got['TF Quarterly report.eml']).toBe(eml.toString('base64'));
  });

  it('does not find the name in another thread of the channel, in another channel, or from a slash command elsewhere', async () => {
    const [otherThread, otherChannel, otherSlash] = await Promise.all([
      mention('CTF1', send('TF other thread', 'report.pdf'), newTs()),
      mention('CTF2', send('TF other channel', 'report.pdf'), thread),
      slash('CTF2', send('TF other slash', 'report.pdf')),
    ]);
    for (const r of [otherThread, otherChannel, otherSlash]) {
      expectFail(r, 'Action failed to run because specified attachments were not found: report.pdf');
      expect(r.text.split('\n')).toHaveLength(2); // one line, and is_success
    }
    expect(received('TF other thread')).toHaveLength(0);
    expect(received('TF other channel')).toHaveLength(0);
    expect(received('TF other slash')).toHaveLength(0);
  });

  it('takes the newest file of a name in the thread, and in the channel for a slash command', async () => {
    const newer = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'TF report again',
      from: 'cfo@evil.example',
      attachments: [{ name: 'report.pdf', contentType: 'application/pdf', content: pdfB }],
    });
    const callsBefore = h.slack.calls.length;
    expectOk(
      await mention('CTF1', `graphmail save-email-to-the-case --mail-id ${newer.id} --save-only-email-attachments`, thread),
      'Successfully saved the following attachments: report.pdf',
    );
    await h.slack.waitFor((calls) => calls.slice(callsBefore).some((c) => c.method === 'files.completeUploadExternal' && c.body.channel_id === 'CTF1'));
    const [inThread, atChannel] = await Promise.all([
      mention('CTF1', send('TF newest in thread', 'report.pdf'), thread),
      slash('CTF1', send('TF newest in channel', 'report.pdf')),
    ]);
    expectOk(inThread, 'Email was sent successfully.');
    expectOk(atChannel, 'Email was sent successfully.');
    expect(attachmentsOf('TF newest in thread')['report.pdf']).toBe(pdfB.toString('base64'));
    expect(attachmentsOf('TF newest in channel')['report.pdf']).toBe(pdfB.toString('base64'));
  });
});

describe('what a posted name cannot do', () => {
  it('yields to a file of that name in the files root itself; a path with a folder is a path', async () => {
    const posted = Buffer.from('notes as posted in the thread\n');
    const literal = Buffer.from('notes at the top of the files root\n');
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'TF notes',
      from: 'x@evil.example',
      attachments: [{ name: 'tf-notes.txt', content: posted }],
    });
    const thread = newTs();
    const saved = await mention('CTF3', `graphmail save-email-to-the-case --mail-id ${msg.id} --save-only-email-attachments`, thread);
    expectOk(saved, 'Successfully saved the following attachments: tf-notes.txt');
    expect(await uploaded('CTF3', 'tf-notes.txt')).toBe(thread);
    writeFileSync(join(h.settings.filesDir, 'prod', 'tf-notes.txt'), literal);
    const [byName, byPath] = await Promise.all([
      mention('CTF3', send('TF literal wins', 'tf-notes.txt'), thread),
      mention('CTF3', send('TF by path', `jobs/${saved.jobId}/tf-notes.txt`), thread),
    ]);
    expectOk(byName, 'Email was sent successfully.');
    expectOk(byPath, 'Email was sent successfully.');
    expect(attachmentsOf('TF literal wins')['tf-notes.txt']).toBe(literal.toString('base64'));
    expect(attachmentsOf('TF by path')['tf-notes.txt']).toBe(posted.toString('base64'));
  });

  it('refuses an index entry that leads out of the files root (written straight into Redis); nothing is sent', async () => {
    const thread = newTs();
    const key = new Keys(h.settings.redisPrefix).threadFiles('prod', 'slack:CTF4', thread);
    const at = Date.now();
    await h.runtime.redis.hset(
      key,
      'evil.txt',
      JSON.stringify({ path: '../../../../etc/hostname', at }),
      'abs.txt',
      JSON.stringify({ path: '/etc/hostname', at }),
    );
    const [relative, absolute] = await Promise.all([
      mention('CTF4', send('TF tampered relative', 'evil.txt'), thread),
      mention('CTF4', send('TF tampered absolute', 'abs.txt'), thread),
    ]);
    expectFail(
      relative,
      'Failed to execute action, the error is: Path evil.txt (posted in this thread as ../../../../etc/hostname) is outside the files root.',
    );
    expectFail(absolute, 'Failed to execute action, the error is: Path abs.txt (posted in this thread as /etc/hostname) is outside the files root.');
    expect(received('TF tampered relative')).toHaveLength(0);
    expect(received('TF tampered absolute')).toHaveLength(0);
  });
});

describe('the index in Redis', () => {
  let redis: Redis;
  let prefix: string;
  beforeAll(() => {
    redis = new Redis(process.env.TEST_REDIS_URL!);
    prefix = `tf-${randomBytes(4).toString('hex')}:`;
  });
  afterAll(() => redis.disconnect());

  it('keeps the newest path of a name per thread and per channel; threads and channels apart', async () => {
    const index = new ThreadFiles(redis, prefix);
    await index.record('prod', { channel: 'slack:C1', thread: '1.1' }, 'a.pdf', 'jobs/j-1/a.pdf');
    await index.record('prod', { channel: 'slack:C1', thread: '2.2' }, 'a.pdf', 'jobs/j-2/a.pdf');
    await index.record('prod', { channel: 'slack:C2' }, 'a.pdf', 'jobs/j-3/a.pdf');
    expect(await index.lookup('prod', { channel: 'slack:C1', thread: '1.1' }, ['a.pdf', 'b.pdf'])).toEqual(new Map([['a.pdf', 'jobs/j-1/a.pdf']]));
    expect(await index.lookup('prod', { channel: 'slack:C1', thread: '2.2' }, ['a.pdf'])).toEqual(new Map([['a.pdf', 'jobs/j-2/a.pdf']]));
    expect(await index.lookup('prod', { channel: 'slack:C1' }, ['a.pdf'])).toEqual(new Map([['a.pdf', 'jobs/j-2/a.pdf']]));
    expect(await index.lookup('prod', { channel: 'slack:C2' }, ['a.pdf'])).toEqual(new Map([['a.pdf', 'jobs/j-3/a.pdf']]));
    expect(await index.lookup('prod', { channel: 'slack:C2', thread: '1.1' }, ['a.pdf'])).toEqual(new Map());
    const ttl = await redis.pttl(new Keys(prefix).threadFiles('prod', 'slack:C1', '1.1'));
    expect(ttl).toBeGreaterThan(THREAD_FILES_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(THREAD_FILES_TTL_MS);
  });

  it('forgets names older than 14 days and the oldest beyond its limit; ignores what it did not write', async () => {
    const index = new ThreadFiles(redis, prefix, 3);
    const scope = { channel: 'teams:19:x@thread.tacv2', thread: '1700' };
    const now = Date.now();
    await index.record('prod', scope, 'old.txt', 'jobs/j-0/old.txt', now - THREAD_FILES_TTL_MS - 1000);
    expect(await index.lookup('prod', scope, ['old.txt'])).toEqual(new Map());
    for (const [i, n] of ['1.txt', '2.txt', '3.txt', '4.txt'].entries()) await index.record('prod', scope, n, `jobs/j-${i}/${n}`, now + i);
    const keys = new Keys(prefix);
    expect((await redis.hkeys(keys.threadFiles('prod', scope.channel, scope.thread))).sort()).toEqual(['2.txt', '3.txt', '4.txt']);
    expect(await redis.zcard(keys.threadFilesAt('prod', scope.channel, scope.thread))).toBe(3);
    await redis.hset(keys.threadFiles('prod', scope.channel, scope.thread), 'junk.txt', 'not json', 'nopath.txt', JSON.stringify({ at: now }));
    expect([...(await index.lookup('prod', scope, ['1.txt', '2.txt', 'junk.txt', 'nopath.txt'])).keys()]).toEqual(['2.txt']);
  });
});

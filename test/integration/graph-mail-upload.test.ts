/**
 * Attachments of 3 MB and more through Microsoft Graph upload sessions
 * (https://learn.microsoft.com/graph/outlook-large-attachments): the emulator's session and
 * upload URL checks, then Send Email / Forward Email through the chat path (real HTTP into
 * /slack/events, redis-server, the runtime's workers) with files of 10 MB and 3 MB + 1 byte,
 * upload PUTs failing 503/429, a job that runs again after its worker stopped, and a 151 MB file.
 * The emulator records every request to an upload URL (`state.uploadLog`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { FilesRoot } from '../../lib/files';
import type { ActionContext } from '../../handlers/kit/context';
import type { ActionResult } from '../../handlers/kit/outcome';
import { spec as sendEmail } from '../../handlers/microsoft-graph-mail/actions/send-email';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT, startEmulator, type Emulator, type Message, type UploadLogEntry } from '../../emulator';
import { startHarness, MAILBOX, type Harness } from '../helpers/harness';
import { chat } from './graph-mail-chat';

const BOB = 'bob@demo.onmicrosoft.com';
const KIB320 = 320 * 1024;
const MIB4 = 4 * 1024 * 1024;
const TEN_MB = 10_000_000;
const EDGE = 3 * 1024 * 1024 + 1;

let h: Harness;
let run: ReturnType<typeof chat>['run'];
const files: Record<string, Buffer> = {};
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  h = await startHarness();
  // Env prod's own files root (files are per environment).
  mkdirSync(join(h.settings.filesDir, 'prod'), { recursive: true });
  const env = h.runtime.environments;
  // Approvals are tested elsewhere: an approver (U2) runs sends at once.
  await env.setMeta('prod', { ...(await env.getMeta('prod')), approvals: { requiredFor: [], approversNeeded: 1 } });
  ({ run } = chat(h, 'UP'));
  for (const [name, size] of [
    ['evidence-10mb.bin', TEN_MB],
    ['edge-3mb-plus-1.bin', EDGE],
    ['flaky-10mb.bin', TEN_MB],
    ['rerun-10mb.bin', TEN_MB],
  ] as const) {
    files[name] = randomBytes(size);
    writeFileSync(join(h.settings.filesDir, 'prod', name), files[name]);
  }
  // 151 MB without writing 151 MB: a sparse file.
  const fd = openSync(join(h.settings.filesDir, 'prod', 'huge-151mb.bin'), 'w');
  ftruncateSync(fd, 151 * 1024 * 1024);
  closeSync(fd);
});

afterAll(async () => {
  await h?.close();
});

function withSubject(mailbox: string, subject: string): Message[] {
  return [...h.emulator.state.mailbox(mailbox).messages.values()].filter((m) => m.subject === subject);
}

interface FileAttachmentView {
  name: string;
  sha: string;
  bytes: number;
}

function fileAttachments(m: Message): FileAttachmentView[] {
  return m.attachments.flatMap((a) => (a.kind === 'file' ? [{ name: a.name, sha: sha(a.content), bytes: a.content.length }] : []));
}

function sendsDone(): number {
  return h.emulator.ledger.filter((e) => e.method === 'POST' && /\/send$/.test(e.path) && e.status === 202).length;
}

function sessionsCreated(): number {
  return h.emulator.ledger.filter((e) => /\/attachments\/createUploadSession$/.test(e.path) && e.status === 201).length;
}

/** Upload-URL requests from index `from` on, grouped by session. */
function uploadsSince(from: number): Map<string, UploadLogEntry[]> {
  const out = new Map<string, UploadLogEntry[]>();
  for (const e of h.emulator.state.uploadLog.slice(from)) {
    const list = out.get(e.sessionId ?? '') ?? [];
    list.push(e);
    out.set(e.sessionId ?? '', list);
  }
  return out;
}

function rangeOf(e: UploadLogEntry): { start: number; end: number; total: number } {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(e.contentRange ?? '');
  if (!m) throw new Error(`no Content-Range in ${JSON.stringify(e)}`);
  return { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) };
}

/** Accepted fragments cover the file once, in order; every one but the last is k × 320 KiB and ≤ 4 MiB. */
function expectWellCut(entries: UploadLogEntry[], size: number): number[] {
  const accepted = entries.filter((e) => e.method === 'PUT' && (e.status === 200 || e.status === 201));
  let next = 0;
  for (const [i, e] of accepted.entries()) {
    const r = rangeOf(e);
    expect(r.total).toBe(size);
    expect(r.start).toBe(next);
    expect(e.bodyBytes).toBe(r.end - r.start + 1);
    expect(e.bodyBytes).toBeLessThanOrEqual(MIB4);
    if (i < accepted.length - 1) expect(e.bodyBytes % KIB320).toBe(0);
    next = r.end + 1;
  }
  expect(next).toBe(size);
  expect(accepted.at(-1)!.status).toBe(201);
  for (const e of entries.filter((x) => x.method === 'PUT')) {
    expect(e.bodyBytes).toBeLessThanOrEqual(MIB4);
  }
  // The upload URL is pre-authenticated: no request to it carries the Graph token.
  expect(entries.filter((e) => e.authorization)).toEqual([]);
  return accepted.map((e) => e.bodyBytes);
}

describe('emulator upload sessions', () => {
  let emu: Emulator;
  let token: string;
  let draft: Message;
  const mb = encodeURIComponent(MAILBOX);

  beforeAll(async () => {
    emu = await startEmulator({ seed: true });
    const res = await fetch(`${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: DEMO_CLIENT_ID,
        client_secret: DEMO_CLIENT_SECRET,
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
    });
    token = ((await res.json()) as { access_token: string }).access_token;
    draft = emu.state.addMessage(MAILBOX, 'Drafts', { subject: 'emu draft', to: [BOB], body: 'x', isDraft: true });
  });

  afterAll(async () => {
    await emu?.close();
  });

  const graph = (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${emu.url}/v1.0/users/${mb}/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function session(size: number, messageId = draft.id): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await graph('POST', `messages/${messageId}/attachments/createUploadSession`, {
      AttachmentItem: { attachmentType: 'file', name: 'x.bin', size },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  const put = (url: string, bytes: Buffer, range: string | null, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', ...(range ? { 'content-range': range } : {}), ...headers },
      body: new Uint8Array(bytes),
    });

  it("creates a session on a draft; refuses sent messages, files over 150 MB and under 3 MB in Graph's error shape", async () => {
    const ok = await session(EDGE);
    expect(ok.status).toBe(201);
    expect(String(ok.body.uploadUrl)).toMatch(
      new RegExp(`^${emu.url}/api/v2\\.0/Users\\('[^']+'\\)/Messages\\('[^']+'\\)/AttachmentSessions\\('[^']+'\\)\\?authtoken=`),
    );
    expect(ok.body.nextExpectedRanges).toEqual(['0-']);
    expect(Date.parse(String(ok.body.expirationDateTime))).toBeGreaterThan(Date.now());

    const tooBig = await session(150 * 1024 * 1024 + 1);
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error).toMatchObject({ code: 'ErrorMessageSizeExceeded', message: expect.any(String), innerError: expect.any(Object) });
    const small = await session(1024);
    expect(small.status).toBe(400);
    expect((small.body.error as { code: string }).code).toBe('ErrorAttachmentSizeShouldNotBeLessThanMinimumSize');
    const sent = emu.state.addMessage(MAILBOX, 'Sent Items', { subject: 'already sent', to: [BOB], body: 'x' });
    const onSent = await session(EDGE, sent.id);
    expect(onSent.status).toBe(400);
    expect((onSent.body.error as { code: string }).code).toBe('ErrorInvalidOperation');
  });

  it('checks every PUT: no Authorization, a Content-Range contiguous with nextExpectedRanges, 320 KiB multiples; GET gives the state, DELETE cancels', async () => {
    const size = 2 * KIB320 * 5 + 1000; // 3,277,800 bytes: two fragments of 1.5625 MiB and a last one of 1,000
    const bytes = randomBytes(size);
    const { body } = await session(size);
    const url = String(body.uploadUrl);
    const first = bytes.subarray(0, 5 * KIB320);

    const withAuth = await put(url, first, `bytes 0-${first.length - 1}/${size}`, { authorization: `Bearer ${token}` });
    expect(withAuth.status).toBe(401);
    const noRange = await put(url, first, null);
    expect(noRange.status).toBe(400);
    expect(((await noRange.json()) as { error: { code: string } }).error.code).toBe('InvalidRequest');
    const odd = await put(url, bytes.subarray(0, 1000), `bytes 0-999/${size}`);
    expect(odd.status).toBe(400);
    expect(((await odd.json()) as { error: { code: string } }).error.code).toBe('invalidRange');
    const gap = await put(url, first, `bytes ${KIB320}-${KIB320 + first.length - 1}/${size}`);
    expect(gap.status).toBe(400);
    const tooLong = await put(url, randomBytes(13 * KIB320), `bytes 0-${13 * KIB320 - 1}/${size}`);
    expect(tooLong.status).toBe(400);

    const ok = await put(url, first, `bytes 0-${first.length - 1}/${size}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { nextExpectedRanges: string[] }).nextExpectedRanges).toEqual([String(first.length)]);
    const again = await put(url, first, `bytes 0-${first.length - 1}/${size}`);
    expect(again.status).toBe(400);
    const state = await fetch(url);
    expect(state.status).toBe(200);
    expect(((await state.json()) as { nextExpectedRanges: string[] }).nextExpectedRanges).toEqual([`${first.length}-${size - 1}`]);

    const second = bytes.subarray(first.length, 2 * first.length);
    expect((await put(url, second, `bytes ${first.length}-${2 * first.length - 1}/${size}`)).status).toBe(200);
    const last = await put(url, bytes.subarray(2 * first.length), `bytes ${2 * first.length}-${size - 1}/${size}`);
    expect(last.status).toBe(201);
    const location = last.headers.get('location') ?? '';
    expect(location).toMatch(/\/Attachments\('[^']+'\)$/);
    expect((await fetch(url)).status).toBe(404);

    const attachmentId = decodeURIComponent(/Attachments\('([^']+)'\)$/.exec(location)![1]!);
    const value = await graph('GET', `messages/${draft.id}/attachments/${attachmentId}/$value`);
    expect(sha(Buffer.from(await value.arrayBuffer()))).toBe(sha(bytes));
    const listed = (await (await graph('GET', `messages/${draft.id}/attachments?$select=name,size`)).json()) as { value: Array<Record<string, unknown>> };
    expect(listed.value).toEqual([expect.objectContaining({ name: 'x.bin', size: expect.any(Number) })]);
    expect(listed.value[0]).not.toHaveProperty('contentBytes');

    const cancelled = String((await session(EDGE)).body.uploadUrl);
    expect((await fetch(cancelled, { method: 'DELETE' })).status).toBe(204);
    expect((await put(cancelled, randomBytes(KIB320), `bytes 0-${KIB320 - 1}/${EDGE}`)).status).toBe(404);
    expect(emu.state.uploadLog.filter((e) => e.authorization).map((e) => e.status)).toEqual([401]);
  });

  it('applies the fault rules to upload URLs (503/429 with Retry-After, Graph error shape)', async () => {
    const url = String((await session(EDGE)).body.uploadUrl);
    emu.faults.set({ prefix: '/api/v2.0', methods: ['PUT'], retryAfterSeconds: 2, failNext: [{ status: 503 }, { status: 429 }] });
    const r1 = await put(url, randomBytes(KIB320), `bytes 0-${KIB320 - 1}/${EDGE}`);
    const r2 = await put(url, randomBytes(KIB320), `bytes 0-${KIB320 - 1}/${EDGE}`);
    expect([r1.status, r2.status]).toEqual([503, 429]);
    expect(r2.headers.get('retry-after')).toBe('2');
    expect(((await r2.json()) as { error: { code: string } }).error.code).toBe('TooManyRequests');
    expect((await fetch(url)).status).toBe(200);
    emu.faults.clear('/api/v2.0');
  });
});

/** An action context like the worker's, for running Send Email directly (twice, or stopped). */
async function directContext(jobId: string, signal: AbortSignal, onProgress: (text: string) => void = () => undefined): Promise<ActionContext> {
  const filesRoot = new FilesRoot(h.settings.filesDir, randomBytes(32), h.settings.publicUrl).forEnvironment('prod');
  return {
    environment: 'prod',
    instance: await h.runtime.environments.getInstance('prod', 'microsoft-graph-mail'),
    http: h.runtime.http,
    log: pino({ level: 'silent' }),
    progress: async (_done, _total, text) => onProgress(text ?? ''),
    files: filesRoot.forJob(jobId),
    attempt: 0,
    signal,
    saveInstanceParam: async () => undefined,
    publicUrl: h.settings.publicUrl,
    job: { id: jobId, requestedBy: 'slack:U2', conversationId: 'slack:C1', dryRun: false, timeoutAt: Date.now() + 3600_000 },
  };
}

describe('Send Email with large attachments', () => {
  it('attaches 10 MB and 3 MB + 1 byte files through upload sessions: one mail, the exact bytes, fragments of k × 320 KiB ≤ 4 MiB', async () => {
    const logFrom = h.emulator.state.uploadLog.length;
    const sends = sendsDone();
    const sessions = sessionsCreated();
    const t0 = Date.now();
    const r = await run(
      'graphmail send-email --subject "Large evidence" --send-to bob@demo.onmicrosoft.com --mail-content "see attached" --attachments-paths "evidence-10mb.bin, edge-3mb-plus-1.bin"',
      { user: 'U2' },
    );
    const ms = Date.now() - t0;
    expect(r.lines).toEqual(['Email was sent successfully.']);
    expect(r.isSuccess).toBe(true);
    expect(sendsDone() - sends).toBe(1);
    expect(sessionsCreated() - sessions).toBe(2);

    const [got, ...more] = withSubject(BOB, 'Large evidence');
    expect(more).toHaveLength(0);
    expect(fileAttachments(got!).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'edge-3mb-plus-1.bin', sha: sha(files['edge-3mb-plus-1.bin']!), bytes: EDGE },
      { name: 'evidence-10mb.bin', sha: sha(files['evidence-10mb.bin']!), bytes: TEN_MB },
    ]);
    const [sent] = withSubject(MAILBOX, 'Large evidence');
    expect(sent!.isDraft).toBe(false);
    expect(fileAttachments(sent!)).toHaveLength(2);

    const bySession = [...uploadsSince(logFrom).values()];
    expect(bySession).toHaveLength(2);
    const cuts = bySession.map((entries) => expectWellCut(entries, rangeOf(entries[0]!).total));
    expect(cuts.sort((a, b) => a.length - b.length)).toEqual([[EDGE], [3_932_160, 3_932_160, TEN_MB - 2 * 3_932_160]]);
    process.stdout.write(`upload: 10 MB + 3 MB+1 sent in ${ms} ms, fragments ${JSON.stringify(cuts)}\n`);
  });

  it('forwards a mail with a 3 MB + 1 byte file added to the forward draft', async () => {
    const original = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'Big forward original',
      from: 'alice@demo.onmicrosoft.com',
      to: [MAILBOX],
      body: 'x',
      attachments: [{ name: 'note.txt', content: 'small' }],
    });
    const r = await run(
      `graphmail forward-email --mail-id ${original.id} --subject "Big forward" --send-to bob@demo.onmicrosoft.com --mail-content "fyi" --attachments-paths edge-3mb-plus-1.bin`,
      { user: 'U2' },
    );
    expect(r.isSuccess).toBe(true);
    const [got, ...more] = withSubject(BOB, 'Big forward');
    expect(more).toHaveLength(0);
    expect(fileAttachments(got!).map((a) => [a.name, a.sha])).toEqual([
      ['note.txt', sha(Buffer.from('small'))],
      ['edge-3mb-plus-1.bin', sha(files['edge-3mb-plus-1.bin']!)],
    ]);
  });

  it('with 30 % of upload PUTs failing 503/429, resumes from nextExpectedRanges: one mail, one attachment, the exact bytes; Retry-After honoured', async () => {
    const logFrom = h.emulator.state.uploadLog.length;
    const sends = sendsDone();
    h.emulator.faults.setSeed(20240611);
    // The first PUT: 429 with Retry-After 1 s; then 15 % 503 and 18 % 429 (≈ 30 % in all), no wait.
    h.emulator.faults.set({
      prefix: '/api/v2.0',
      methods: ['PUT'],
      rate503: 0.15,
      rate429: 0.18,
      retryAfterSeconds: 0,
      failNext: [{ status: 429, headers: { 'retry-after': '1' } }, { status: 503 }],
    });
    const t0 = Date.now();
    let r;
    try {
      r = await run('graphmail send-email --subject "Flaky upload" --send-to bob@demo.onmicrosoft.com --mail-content "x" --attachments-paths flaky-10mb.bin', {
        user: 'U2',
      });
    } finally {
      h.emulator.faults.clear('/api/v2.0');
    }
    const ms = Date.now() - t0;
    expect(r.isSuccess).toBe(true);
    expect(sendsDone() - sends).toBe(1);
    const [got, ...more] = withSubject(BOB, 'Flaky upload');
    expect(more).toHaveLength(0);
    expect(fileAttachments(got!)).toEqual([{ name: 'flaky-10mb.bin', sha: sha(files['flaky-10mb.bin']!), bytes: TEN_MB }]);

    const entries = [...uploadsSince(logFrom).values()].flat();
    const puts = entries.filter((e) => e.method === 'PUT');
    const failed = puts.filter((e) => e.status === 503 || e.status === 429);
    const checks = entries.filter((e) => e.method === 'GET');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    // Every failed PUT is followed by a look at the session before the upload goes on.
    expect(checks.length).toBeGreaterThanOrEqual(failed.length);
    expectWellCut(entries, TEN_MB);
    // Retry-After: 1 s between the throttled first PUT and the next request to the upload URL.
    expect(Date.parse(entries[1]!.time) - Date.parse(entries[0]!.time)).toBeGreaterThanOrEqual(950);
    process.stdout.write(
      `upload under faults: ${puts.length} PUTs, ${failed.length} failed (${failed.filter((e) => e.status === 503).length}×503, ${failed.filter((e) => e.status === 429).length}×429), ${checks.length} session checks, ${ms} ms\n`,
    );
  });

  it('a job that runs again after its worker stopped mid-way sends once with one attachment (no second upload)', async () => {
    const abort = new AbortController();
    const progress: string[] = [];
    // The worker stops as soon as the file is on the draft (before the send).
    const ctx = await directContext('j-upload-rerun', abort.signal, (text) => {
      progress.push(text);
      if (text.endsWith('9.5 of 9.5 MB')) abort.abort();
    });
    const params = {
      'send-from': MAILBOX,
      subject: 'Rerun big',
      'send-to': [BOB],
      'mail-content': 'x',
      'mail-content-type': 'Text',
      'attachments-paths': ['rerun-10mb.bin'],
    };
    const sends = sendsDone();
    const sessions = sessionsCreated();
    const logFrom = h.emulator.state.uploadLog.length;

    const first = (await sendEmail.run!(ctx, params)) as ActionResult;
    expect(first.isSuccess).toBe(false);
    // 10,000,000 bytes in MiB, as the chat shows them.
    expect(progress).toEqual(['Attaching rerun-10mb.bin: 3.8 of 9.5 MB', 'Attaching rerun-10mb.bin: 7.5 of 9.5 MB', 'Attaching rerun-10mb.bin: 9.5 of 9.5 MB']);
    const [leftDraft] = withSubject(MAILBOX, 'Rerun big');
    expect(leftDraft!.isDraft).toBe(true);
    expect(fileAttachments(leftDraft!)).toHaveLength(1);
    expect(sendsDone() - sends).toBe(0);

    const again = { ...ctx, signal: new AbortController().signal, attempt: 1 };
    const second = (await sendEmail.run!(again, params)) as ActionResult;
    const third = (await sendEmail.run!(again, params)) as ActionResult;
    expect(second.isSuccess && third.isSuccess).toBe(true);
    expect(third.json).toEqual(second.json);
    expect(sendsDone() - sends).toBe(1);
    expect(sessionsCreated() - sessions).toBe(1);
    expect(h.emulator.state.uploadLog.slice(logFrom).filter((e) => e.method === 'PUT')).toHaveLength(3);
    const [got, ...more] = withSubject(BOB, 'Rerun big');
    expect(more).toHaveLength(0);
    expect(fileAttachments(got!)).toEqual([{ name: 'rerun-10mb.bin', sha: sha(files['rerun-10mb.bin']!), bytes: TEN_MB }]);
  });

  it('a session that disappears mid-way (expired, deleted: 404) is started again; the mail still gets the exact bytes once', async () => {
    const sends = sendsDone();
    const sessions = sessionsCreated();
    const logFrom = h.emulator.state.uploadLog.length;
    let dropped = 0;
    const ctx = await directContext('j-upload-lost-session', new AbortController().signal, () => {
      // After the first fragment, the service forgets every session (as when one expires).
      if (dropped++ === 0) h.emulator.state.uploadSessions.clear();
    });
    const params = {
      'send-from': MAILBOX,
      subject: 'Lost session',
      'send-to': [BOB],
      'mail-content': 'x',
      'mail-content-type': 'Text',
      'attachments-paths': ['evidence-10mb.bin'],
    };
    const r = (await sendEmail.run!(ctx, params)) as ActionResult;
    expect(r.isSuccess).toBe(true);
    expect(sendsDone() - sends).toBe(1);
    expect(sessionsCreated() - sessions).toBe(2);
    const bySession = [...uploadsSince(logFrom).values()];
    expect(bySession.map((entries) => entries.map((e) => `${e.method} ${e.status}`))).toEqual([
      ['PUT 200', 'PUT 404'],
      ['PUT 200', 'PUT 200', 'PUT 201'],
    ]);
    expectWellCut(bySession[1]!, TEN_MB);
    const [got, ...more] = withSubject(BOB, 'Lost session');
    expect(more).toHaveLength(0);
    expect(fileAttachments(got!)).toEqual([{ name: 'evidence-10mb.bin', sha: sha(files['evidence-10mb.bin']!), bytes: TEN_MB }]);
  });

  it('refuses a 151 MB file in one line and sends nothing', async () => {
    const sends = sendsDone();
    const sessions = sessionsCreated();
    const r = await run('graphmail send-email --subject "Too big" --send-to bob@demo.onmicrosoft.com --mail-content hi --attachments-paths huge-151mb.bin', {
      user: 'U2',
    });
    expect(r.isSuccess).toBe(false);
    expect(r.lines).toEqual([
      'Failed to execute action, the error is: Attachment huge-151mb.bin is 151.0 MB; Microsoft Graph attaches files of at most 150 MB.',
    ]);
    expect(sendsDone()).toBe(sends);
    expect(sessionsCreated()).toBe(sessions);
    expect(withSubject(MAILBOX, 'Too big')).toHaveLength(0);
    expect(withSubject(BOB, 'Too big')).toHaveLength(0);
  });

  it('never sent an Authorization header to an upload URL', () => {
    const log = h.emulator.state.uploadLog;
    expect(log.length).toBeGreaterThan(0);
    expect(log.filter((e) => e.authorization)).toEqual([]);
  });
});

/**
 * Path traversal (behaviour.md 6, 32): file names from mail and paths that users type cannot leave
 * the files root, and download links cannot be bent to read outside it.
 *
 * (a) FilesRoot.resolveUserPath, safeFileName and the signed-link check against a corpus of
 *     hostile names and paths, symlink escapes (existing, not yet existing, dangling, looping).
 * (b) The same through the real runtime: Download Attachments with hostile attachment names and
 *     Download Paths, Send Email with Attachments Paths, GET /files/<id> over raw HTTP.
 * test/integration/graph-mail-files.test.ts and graph-mail-send.test.ts keep the ordinary cases
 * (`../../x`, an RLO name, `a/b\c.txt`, `../../outside`, `/tmp/evil`, one symlinked folder);
 * the adversarial corpus is here.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { assertInsideRoot, FilesRoot, safeFileName } from '../../lib/files';
import { attachmentFileName, DownloadFolder } from '../../handlers/microsoft-graph-mail/download-folder';
import { jobIdFor } from '../../lib/ids';
import { startHarness, MAILBOX, type Harness } from '../helpers/harness';
import { unescapeSlack } from './security-helpers';

const BOB = 'bob@demo.onmicrosoft.com';
const SECRET = 'TOP-SECRET-outside-the-root';

/** Every file and folder under `dir` (links not followed), relative, sorted. */
function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      const rel = relative(base, path);
      return lstatSync(path).isDirectory() ? [rel, ...walk(path, base)] : [rel];
    })
    .sort();
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Two folders outside the root: one that must stay empty, one holding a secret to be read. */
function outsideDirs(): { empty: string; secretDir: string; secretFile: string } {
  const empty = mkdtempSync(join(tmpdir(), 'chatsoar-outside-'));
  const secretDir = mkdtempSync(join(tmpdir(), 'chatsoar-secret-'));
  const secretFile = join(secretDir, 'secret.txt');
  writeFileSync(secretFile, SECRET);
  return { empty, secretDir, secretFile };
}

/**
 * Symlinks planted inside the root, all leaving it: a folder, a file, a dangling link whose target
 * would be created outside, a link through another link, a loop and a relative `..` link.
 */
function plantLinks(root: string, out: ReturnType<typeof outsideDirs>): void {
  symlinkSync(out.empty, join(root, 'escape-dir'));
  symlinkSync(out.secretFile, join(root, 'secret-link'));
  symlinkSync(join(out.empty, 'made-through-dangling'), join(root, 'dangling'));
  symlinkSync(join(root, 'escape-dir'), join(root, 'link-to-link'));
  symlinkSync(join(root, 'loop-b'), join(root, 'loop-a'));
  symlinkSync(join(root, 'loop-a'), join(root, 'loop-b'));
  mkdirSync(join(root, 'nested', 'deeper'), { recursive: true });
  symlinkSync('../../..', join(root, 'nested', 'deeper', 'up'));
  // A dangling relative link whose `..` the kernel resolves from the link's real folder.
  const outRel = relative(dirname(root), out.empty);
  symlinkSync(`../../${outRel}/made-by-relative`, join(root, 'nested', 'rel-dangling'));
  // Links that stay inside are fine.
  mkdirSync(join(root, 'real-folder'));
  symlinkSync(join(root, 'real-folder'), join(root, 'inside-link'));
  // Seen from `a/b/c` (a link to a folder one level down) this dangling link's `../..` would stay
  // in the root; the kernel resolves it from real-folder, which leaves it.
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  symlinkSync(join(root, 'real-folder'), join(root, 'a', 'b', 'c'));
  symlinkSync(`../../${outRel}/made-by-relative`, join(root, 'real-folder', 'up2'));
}

/** Paths a user might type that must be refused with "Path … is outside the files root.". */
const ESCAPING_PATHS = [
  '..',
  '../',
  '../..',
  '../../etc/passwd',
  '..\\..\\etc\\passwd',
  '..\\',
  'a/../../b',
  'a\\..\\..\\b',
  'cases/7/../../../x',
  './../x',
  '/etc/passwd',
  '/',
  '/tmp',
  '\\etc\\passwd',
  'escape-dir',
  'escape-dir/',
  'escape-dir/new/file.txt',
  'escape-dir/x/../y',
  'secret-link',
  'dangling',
  'dangling/child',
  'link-to-link/new',
  'loop-a',
  'loop-a/x',
  'nested/deeper/up',
  'nested/deeper/up/etc/passwd',
  'nested/rel-dangling',
  'nested/rel-dangling/x',
  'a/b/c/up2',
  'a/b/c/up2/x',
  'inside-link/up2',
];

/** Paths that look hostile but name something inside the root, and where they land. */
const INSIDE_PATHS: Array<[string, string]> = [
  ['%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
  ['%2e%2e/%2e%2e/x', '%2e%2e/%2e%2e/x'],
  ['..%2f..%2fx', '..%2f..%2fx'],
  ['..foo', '..foo'],
  ['...', '...'],
  ['a/../b', 'b'],
  ['a\\b\\c.txt', 'a/b/c.txt'],
  ['./x', 'x'],
  ['.', ''],
  ['', ''],
  ['inside-link/new/file.txt', 'inside-link/new/file.txt'],
  ['real-folder/../real-folder/x', 'real-folder/x'],
  ['\u202Egpj.exe', '\u202Egpj.exe'],
];

describe('(a) FilesRoot and safeFileName against hostile input', () => {
  const out = outsideDirs();
  const root = mkdtempSync(join(tmpdir(), 'chatsoar-files-'));
  plantLinks(root, out);
  const files = new FilesRoot(root, randomBytes(32), 'http://127.0.0.1:3978');

  it.each(ESCAPING_PATHS)('refuses %j', (p) => {
    expect(() => files.resolveUserPath(p)).toThrow(`is outside the files root.`);
  });

  it('refuses absolute paths outside, including ones that share the root as a prefix', () => {
    for (const p of [out.empty, out.secretFile, `${root}-evil`, `${root}-evil/x`, `${root}/../x`, dirname(root)]) {
      expect(() => files.resolveUserPath(p)).toThrow(`Path ${p} is outside the files root.`);
    }
    expect(files.resolveUserPath(`${root}/abs/inside`)).toBe(join(root, 'abs', 'inside'));
  });

  it.each(INSIDE_PATHS)('keeps %j inside, literally (no URL decoding)', (p, rel) => {
    expect(files.resolveUserPath(p)).toBe(rel ? join(root, rel) : root);
  });

  it('refuses NUL bytes, names over 255 bytes and over-long paths with one line', () => {
    for (const p of ['a\u0000b', 'report.txt\u0000.pdf', '\u0000', '../\u0000']) {
      expect(() => files.resolveUserPath(p)).toThrow(/^Path .* is not a valid path: it contains a NUL character\.$/);
    }
    expect(() => files.resolveUserPath(`${'a'.repeat(256)}/x`)).toThrow(/has a name longer than 255 bytes\.$/);
    expect(() => files.resolveUserPath('\u4e2d'.repeat(86))).toThrow(/has a name longer than 255 bytes\.$/);
    expect(files.resolveUserPath('a'.repeat(255))).toBe(join(root, 'a'.repeat(255)));
    expect(() => files.resolveUserPath(Array(400).fill('abcdefghi').join('/'))).toThrow(/is too long\.$/);
    // The message shows no control characters and stays short.
    try {
      files.resolveUserPath(`../${'x'.repeat(1000)}\u202E\n`);
      throw new Error('not refused');
    } catch (err) {
      const message = (err as Error).message;
      expect(message).not.toMatch(/[\n\u202E]/);
      expect(message.length).toBeLessThan(260);
    }
  });

  it('nothing the checks did wrote outside the root', () => {
    for (const p of ESCAPING_PATHS) expect(() => files.resolveUserPath(p)).toThrow();
    expect(readdirSync(out.empty)).toEqual([]);
  });

  it('DownloadFolder refuses the same escapes before creating anything, and saves inside', async () => {
    for (const p of ['escape-dir/new/deeper', 'dangling', 'link-to-link/x', 'nested/rel-dangling/y']) {
      // As if FileStore.resolve had been skipped: the folder checks for itself.
      const folder = new DownloadFolder(root, join(root, p), p);
      await expect(folder.prepare()).rejects.toThrow(`Path ${p} is outside the files root.`);
    }
    expect(readdirSync(out.empty)).toEqual([]);
    const folder = new DownloadFolder(root, files.resolveUserPath('saved/here'), 'saved/here');
    const hostile = ['..', '.', ' ..', '../../etc/passwd', '..\\..\\evil.bat', '/etc/shadow', 'C:\\Windows\\evil.dll', '', 'a\u0000b.txt'];
    const saved = [];
    for (const name of hostile) saved.push(await folder.save(name, Buffer.from(name)));
    expect(saved).toEqual([
      'saved/here/file',
      'saved/here/file (1)',
      'saved/here/file (2)',
      'saved/here/_.._etc_passwd',
      'saved/here/_.._evil.bat',
      'saved/here/_etc_shadow',
      'saved/here/C__Windows_evil.dll',
      'saved/here/file (3)',
      'saved/here/ab.txt',
    ]);
    for (const rel of saved) expect(isInside(realpathSync(root), realpathSync(join(root, rel)))).toBe(true);
    // A symlink planted where a file goes is not followed.
    symlinkSync(join(out.empty, 'planted'), join(root, 'saved', 'here', 'planted.txt'));
    await expect(folder.save('planted.txt', Buffer.from('x'))).rejects.toThrow(/ELOOP/);
    expect(readdirSync(out.empty)).toEqual([]);
  });

  it('a job folder never writes through a symlink, planted on the way or where the file goes', async () => {
    mkdirSync(join(root, 'jobs', 'j-planted'), { recursive: true });
    symlinkSync(join(out.empty, 'through-file-link'), join(root, 'jobs', 'j-planted', 'report.zip'));
    await expect(files.forJob('j-planted').write('report.zip', 'data')).rejects.toThrow(/ELOOP/);
    symlinkSync(out.empty, join(root, 'jobs', 'j-linked'));
    await expect(files.forJob('j-linked').write('x.txt', 'data')).rejects.toThrow('is outside the files root.');
    expect(await files.forJob('../../escape').write('../../x.txt', 'data')).toBe('jobs/escape/x.txt');
    expect(readdirSync(out.empty)).toEqual([]);
  });

  const hostileNames: Array<[string, string]> = [
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\x', 'x'],
    ['/etc/passwd', 'passwd'],
    ['a/../../b', 'b'],
    ['C:\\Windows\\System32\\evil.dll', 'evil.dll'],
    ['\u202Egpj.exe', 'gpj.exe'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['x\u2066\u2069\u200f\u200e\u061c.pdf', 'x.pdf'],
    ['a\u0000b.txt', 'ab.txt'],
    ['\u0000', 'file'],
    ['line\r\nbreak\u2028.txt', 'linebreak.txt'],
    ['c1\u0085\u009b.txt', 'c1.txt'],
    ['.', 'file'],
    ['..', 'file'],
    ['...', 'file'],
    [' ..', 'file'],
    ['. .', 'file'],
    ['', 'file'],
    ['   ', 'file'],
    ['.bashrc', 'bashrc'],
    ['%2e%2e%2fx', '%2e%2e%2fx'],
    ['a<b>c:d"e|f?g*h', 'a_b_c_d_e_f_g_h'],
    ['\ud800broken\udfff.txt', 'broken.txt'],
  ];
  it.each(hostileNames)('safeFileName(%j) is %j', (name, expected) => {
    expect(safeFileName(name)).toBe(expected);
  });

  it('safeFileName never returns a path, a dot name or a name too long for the file system', () => {
    const corpus = [
      ...hostileNames.map(([n]) => n),
      ...ESCAPING_PATHS,
      'a'.repeat(300),
      `${'a'.repeat(300)}.pdf`,
      `${'\u4e2d'.repeat(100)}.txt`,
      `${'\u{1F600}'.repeat(99)}.eml`,
      `${'\u{1F600}'.repeat(300)}`,
      `x.${'e'.repeat(300)}`,
    ];
    for (const name of corpus) {
      for (const safe of [safeFileName(name), attachmentFileName(name), safeFileName(name, 60)]) {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may remain
        expect(safe).not.toMatch(/[/\\\u0000-\u001f\u202a-\u202e]/);
        expect(safe).not.toMatch(/^[.\s]/);
        expect(safe.length).toBeGreaterThan(0);
        expect(safe.length).toBeLessThanOrEqual(100);
        expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(240);
        expect(safe).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      }
    }
    // Cut names keep their extension and whole characters.
    expect(safeFileName(`${'a'.repeat(300)}.pdf`)).toBe(`${'a'.repeat(96)}.pdf`);
    expect(safeFileName(`${'\u4e2d'.repeat(100)}.txt`)).toBe(`${'\u4e2d'.repeat(78)}.txt`);
    expect(safeFileName(`${'\u{1F600}'.repeat(99)}.eml`)).toBe(`${'\u{1F600}'.repeat(48)}.eml`);
  });

  it('assertInsideRoot follows a symlinked root itself (the root may live behind a link)', () => {
    const realRoot = mkdtempSync(join(tmpdir(), 'chatsoar-realroot-'));
    const linkedRoot = `${realRoot}-link`;
    symlinkSync(realRoot, linkedRoot);
    const viaLink = new FilesRoot(linkedRoot, randomBytes(32), 'http://x');
    expect(viaLink.resolveUserPath('a/b')).toBe(join(linkedRoot, 'a', 'b'));
    symlinkSync(out.empty, join(realRoot, 'out'));
    expect(() => viaLink.resolveUserPath('out/x')).toThrow('is outside the files root.');
    expect(() => assertInsideRoot(linkedRoot, join(linkedRoot, 'out', 'x'), 'out/x')).toThrow('Path out/x is outside the files root.');
  });

  describe('signed download links', () => {
    const link = async () => {
      const rel = await files.forJob('j-links').write('report.txt', 'report');
      const url = new URL(files.signedUrl(rel));
      return { rel, id: url.pathname.split('/').pop()!, exp: url.searchParams.get('exp')!, sig: url.searchParams.get('sig')! };
    };
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const signedFor = (path: string) => {
      const url = new URL(files.signedUrl(path));
      return { id: url.pathname.split('/').pop()!, exp: url.searchParams.get('exp')!, sig: url.searchParams.get('sig')! };
    };

    it('takes the link as signed', async () => {
      const { rel, id, exp, sig } = await link();
      expect(files.verify(id, exp, sig)).toBe(join(root, rel));
    });

    it('refuses tampered ids, signatures and expiries', async () => {
      const { rel, id, exp, sig } = await link();
      const tampered = [
        [b64('../../etc/passwd'), exp, sig],
        [b64(`${rel}/../../../../etc/passwd`), exp, sig],
        [b64(`jobs/j-links/../../secret-link`), exp, sig],
        [b64(out.secretFile), exp, sig],
        [`${id}=`, exp, sig],
        [`${id}==`, exp, sig],
        [`${id}.`, exp, sig],
        [`${id.slice(0, 4)}%2e${id.slice(4)}`, exp, sig],
        [`../${id}`, exp, sig],
        [`${id}/..`, exp, sig],
        ['', exp, sig],
        [id, `${exp}0`, sig],
        [id, ` ${exp}`, sig],
        [id, `${exp}.0`, sig],
        [id, `0x${Number(exp).toString(16)}`, sig],
        [id, String(Date.now() - 1), sig],
        [id, exp, `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`],
        [id, exp, ''],
        [id, exp, `${sig}=`],
      ];
      for (const [i, e, s] of tampered) expect(files.verify(i!, e!, s!)).toBeNull();
    });

    it('refuses even a correctly signed path that leaves the root or is not a file', () => {
      for (const p of [
        '../../etc/passwd',
        '..\\..\\etc\\passwd',
        out.secretFile,
        'secret-link',
        'escape-dir/x',
        'dangling',
        'loop-a',
        'real-folder',
        '',
        'a\u0000b',
      ]) {
        const { id, exp, sig } = signedFor(p);
        expect(files.verify(id, exp, sig)).toBeNull();
      }
      // A signed file that is gone is the route's 404, not a 403.
      const { id, exp, sig } = signedFor('jobs/j-links/gone.txt');
      expect(files.verify(id, exp, sig)).toBe(join(root, 'jobs', 'j-links', 'gone.txt'));
    });
  });
});

describe('(b) through the real runtime', () => {
  let h: Harness;
  let out: ReturnType<typeof outsideDirs>;
  let root: string;
  let seq = 0;
  const CHANNELS = ['C1', 'C2', 'C3', 'C4'];

  beforeAll(async () => {
    h = await startHarness();
    const env = h.runtime.environments;
    for (const c of CHANNELS.slice(1)) await env.bind(`slack:${c}`, 'prod');
    // The four-eyes rule is tested elsewhere: the approver (U2) runs sends at once.
    await env.setMeta('prod', { ...(await env.getMeta('prod')), approvals: { requiredFor: [], approversNeeded: 1 } });
    root = join(h.settings.filesDir, 'prod');
    mkdirSync(root, { recursive: true });
    out = outsideDirs();
    plantLinks(root, out);
    writeFileSync(join(root, 'report.txt'), 'incident report\n');
  });

  afterAll(async () => {
    await h?.close();
  });

  interface Ran {
    jobId: string;
    text: string;
  }

  /** `/soar <text>` as the approver; waits for the job's final message. */
  async function soar(text: string): Promise<Ran> {
    const triggerId = `traversal-${Date.now()}-${seq}`;
    const channel = CHANNELS[seq++ % CHANNELS.length]!;
    const jobId = jobIdFor(`slack:${triggerId}`);
    const res = await h.slash(text, { triggerId, channel, user: 'U2' });
    expect(res.status).toBe(200);
    const ack = await res.text();
    const deadline = Date.now() + 25000;
    for (;;) {
      const m = [...h.slack.messages.values()].find((x) => JSON.stringify(x).includes(jobId));
      const shown = unescapeSlack(m?.text).replace(/\uff3f/g, '_');
      if (m && /is_success/.test(shown)) return { jobId, text: shown };
      if (Date.now() > deadline) throw new Error(`${text}: no result; ack: ${ack}; last: ${shown}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Nothing under the root leads outside it, except the links planted on purpose. */
  function expectEverythingInside(): void {
    const realRoot = realpathSync(root);
    for (const rel of walk(root)) {
      const path = join(root, rel);
      if (lstatSync(path).isSymbolicLink()) continue;
      expect(isInside(realRoot, realpathSync(path))).toBe(true);
    }
    expect(readdirSync(out.empty)).toEqual([]);
    for (const name of ['passwd', 'evil.bat', 'x', 'outside', 'made-by-bot']) {
      expect(existsSync(join(dirname(root), name))).toBe(false);
    }
    expect(existsSync(`${root}-evil`)).toBe(false);
  }

  it('Download Attachments saves hostile attachment names inside the Download Path', async () => {
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'Adversarial attachment names',
      from: 'attacker@evil.example',
      attachments: [
        { name: '..', content: 'dotdot' },
        { name: '.', content: 'dot' },
        { name: ' ..', content: 'space dotdot' },
        { name: '..\\..\\..\\evil.bat', content: 'bat' },
        { name: '/etc/passwd', content: 'root:x:0:0' },
        { name: 'C:\\Windows\\System32\\evil.dll', content: 'dll' },
        { name: '%2e%2e%2f%2e%2e%2fenc.txt', content: 'encoded' },
        { name: 'nul\u0000byte.txt', content: 'nul' },
        { name: `${'a'.repeat(300)}.pdf`, content: 'long' },
        { name: `${'\u4e2d'.repeat(100)}.txt`, content: 'wide' },
        { name: 'x\u2066\u200f.pdf\u2069', content: 'bidi' },
        { name: '', content: 'empty' },
      ],
    });
    const r = await soar(`graphmail download-attachments-from-email --mail-ids ${msg.id} --download-path hostile-names`);
    expect(r.text).toContain('is_success: true');
    const expected = [
      'file',
      'file (1)',
      'file (2)',
      '_.._.._evil.bat',
      '_etc_passwd',
      'C__Windows_System32_evil.dll',
      '%2e%2e%2f%2e%2e%2fenc.txt',
      'nulbyte.txt',
      `${'a'.repeat(96)}.pdf`,
      `${'\u4e2d'.repeat(78)}.txt`,
      'x.pdf',
      'attachment', // Graph's empty name, as message-attachments names it
    ];
    expect(r.text).toContain(`Downloaded ${expected.length} attachments. Files: ${expected.map((n) => `hostile-names/${n}`).join(', ')}.`);
    expect(readdirSync(join(root, 'hostile-names')).sort()).toEqual([...expected].sort());
    expectEverythingInside();
  });

  it('Download Attachments refuses Download Paths that leave the root, in one line, writing nothing', async () => {
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'payload for escapes',
      from: 'x@evil.example',
      attachments: [{ name: 'payload.txt', content: 'payload' }],
    });
    const paths = [
      '../..',
      '..\\..\\tmp',
      out.empty,
      `${root}-evil`,
      'escape-dir',
      'escape-dir/new/deeper',
      'link-to-link/new',
      'dangling',
      'nested/rel-dangling',
      'a/b/c/up2',
      'nested/deeper/up/tmp',
      'cases/../../x',
      'loop-a/x',
    ];
    const ran = await Promise.all(
      paths.map((p) => soar(`graphmail download-attachments-from-email --mail-ids ${msg.id} --download-path "${p.replace(/\\/g, '\\\\')}"`)),
    );
    for (const [i, r] of ran.entries()) {
      expect(r.text).toContain(`Error executing action. Reason: Path ${paths[i]} is outside the files root.`);
      expect(r.text).toContain('is_success: false');
      expect(r.text.split('\n').filter((l) => /outside the files root/.test(l))).toHaveLength(1);
      expect(r.text).not.toMatch(/\n\s+at /);
    }
    // A unique path under a link that leaves is refused too.
    const unique = await soar(
      `graphmail download-attachments-from-email --mail-ids ${msg.id} --download-path escape-dir --download-attachments-to-unique-path`,
    );
    expect(unique.text).toContain('Error executing action. Reason: Path escape-dir is outside the files root.');
    // Over-long names are refused in one line, not with the file system's error.
    const long = await soar(`graphmail download-attachments-from-email --mail-ids ${msg.id} --download-path ${'d'.repeat(300)}`);
    expect(long.text).toMatch(/Error executing action\. Reason: Path d+\.\.\. has a name longer than 255 bytes\./);
    expect(long.text).not.toContain('ENAMETOOLONG');
    expect(existsSync(join(out.empty, 'made-through-dangling'))).toBe(false);
    expect(existsSync(join(out.empty, 'made-by-relative'))).toBe(false);
    expectEverythingInside();
  });

  it('Download Attachments takes hostile-looking paths that stay inside, literally', async () => {
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'payload for inside paths',
      from: 'x@evil.example',
      attachments: [{ name: 'payload.txt', content: 'payload' }],
    });
    const cases: Array<[string, string]> = [
      ['%2e%2e%2f%2e%2e%2fenc', '%2e%2e%2f%2e%2e%2fenc'],
      ['cases\\win', 'cases/win'],
      ['a/../inside-again', 'inside-again'],
      [`${root}/absolute/inside`, 'absolute/inside'],
      ['inside-link/sub', 'inside-link/sub'],
    ];
    const ran = await Promise.all(
      cases.map(([p]) => soar(`graphmail download-attachments-from-email --mail-ids ${msg.id} --download-path "${p.replace(/\\/g, '\\\\')}"`)),
    );
    for (const [i, r] of ran.entries()) {
      const [, rel] = cases[i]!;
      expect(r.text).toContain(`Downloaded 1 attachments. Files: ${rel}/payload.txt.`);
      expect(existsSync(join(root, rel, 'payload.txt'))).toBe(true);
    }
    expect(existsSync(join(root, 'real-folder', 'sub', 'payload.txt'))).toBe(true);
    expectEverythingInside();
  });

  it('Send Email refuses Attachments Paths that leave the root and sends nothing', async () => {
    const subjects: string[] = [];
    const paths = [
      'secret-link',
      '..\\..\\..\\..\\etc\\passwd',
      'cases/../../../etc/passwd',
      out.secretFile,
      'escape-dir/secret.txt',
      'nested/deeper/up/etc/passwd',
      'dangling',
      'loop-a',
      'report.txt, secret-link',
    ];
    const ran = await Promise.all(
      paths.map((p, i) => {
        subjects.push(`traversal-send-${i}`);
        return soar(`graphmail send-email --subject traversal-send-${i} --send-to ${BOB} --mail-content hi --attachments-paths "${p.replace(/\\/g, '\\\\')}"`);
      }),
    );
    for (const [i, r] of ran.entries()) {
      const shown = paths[i]!.includes(',') ? 'secret-link' : paths[i];
      expect(r.text).toContain(`Failed to execute action, the error is: Path ${shown} is outside the files root.`);
      expect(r.text).toContain('is_success: false');
    }
    // A path that looks encoded is a name inside the root: not found, not decoded.
    const encoded = await soar(
      `graphmail send-email --subject traversal-send-enc --send-to ${BOB} --mail-content hi --attachments-paths %2e%2e%2f%2e%2e%2fetc%2fpasswd`,
    );
    expect(encoded.text).toContain('Action failed to run because specified attachments were not found: %2e%2e%2f%2e%2e%2fetc%2fpasswd');
    const sent = [...h.emulator.state.mailbox(BOB).messages.values()];
    for (const s of [...subjects, 'traversal-send-enc']) expect(sent.filter((m) => m.subject === s)).toHaveLength(0);
    for (const m of sent) for (const a of m.attachments) if (a.kind === 'file') expect(a.content.toString()).not.toContain(SECRET);
  });

  describe('GET /files/<id>', () => {
    /** Raw HTTP, so that the path goes out exactly as written (fetch would normalise `..`). */
    function get(path: string): Promise<{ status: number; body: string }> {
      const url = new URL(h.url);
      return new Promise((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        });
        req.on('error', reject);
        req.end();
      });
    }
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const parts = (signed: string) => {
      const url = new URL(signed);
      return { id: url.pathname.split('/').pop()!, exp: url.searchParams.get('exp')!, sig: url.searchParams.get('sig')! };
    };

    it('serves a signed file, and answers 403 or 404 to every tampered link without reading outside', async () => {
      const rel = await h.runtime.files.forJob('j-http').write('report.txt', 'served report');
      const { id, exp, sig } = parts(h.runtime.files.signedUrl(rel));
      const ok = await get(`/files/${id}?exp=${exp}&sig=${sig}`);
      expect(ok).toEqual({ status: 200, body: 'served report' });

      const q = `exp=${exp}&sig=${sig}`;
      const attempts = [
        `/files/${b64('../../etc/passwd')}?${q}`,
        `/files/${b64(out.secretFile)}?${q}`,
        `/files/${b64('secret-link')}?${q}`,
        `/files/${b64(`${rel}/../../../secret-link`)}?${q}`,
        `/files/${id}=?${q}`,
        `/files/${id}%3D%3D?${q}`,
        `/files/..%2F..%2F..%2Fetc%2Fpasswd?${q}`,
        `/files/%2e%2e%2f%2e%2e%2fsecret-link?${q}`,
        `/files/../../${relative('/', out.secretFile)}?${q}`,
        `/files/${id}/../../secret-link?${q}`,
        `/files/..?${q}`,
        `/files/${id}?exp=${Number(exp) + 1}&sig=${sig}`,
        `/files/${id}?exp=${exp}&sig=${sig.slice(1)}A`,
        `/files/${id}?exp=${exp}`,
        `/files/${id}?exp=${exp}&sig=${sig}&sig=${sig}`,
      ];
      // Correctly signed links to what lies outside (a leaked key would give these): still refused.
      for (const p of ['../../etc/passwd', 'secret-link', 'escape-dir', 'dangling', out.secretFile, 'nested/deeper/up/etc/passwd']) {
        const s = parts(h.runtime.files.signedUrl(p));
        attempts.push(`/files/${s.id}?exp=${s.exp}&sig=${s.sig}`);
      }
      for (const path of attempts) {
        const res = await get(path);
        expect([403, 404]).toContain(res.status);
        expect(res.body).not.toContain(SECRET);
        expect(res.body).not.toContain('root:');
      }
      // Signed, inside, but gone: 404.
      const gone = parts(h.runtime.files.signedUrl('jobs/j-http/gone.txt'));
      expect((await get(`/files/${gone.id}?exp=${gone.exp}&sig=${gone.sig}`)).status).toBe(404);
      expect(readdirSync(out.empty)).toEqual([]);
    });

    it('serves a file whose name is not Latin-1 (attachments in Chinese, Cyrillic, emoji)', async () => {
      const rel = await h.runtime.files.forJob('j-utf8').write('отчёт 报告 \u{1F600}.pdf', 'utf8 name');
      const { id, exp, sig } = parts(h.runtime.files.signedUrl(rel));
      const res = await get(`/files/${id}?exp=${exp}&sig=${sig}`);
      expect(res).toEqual({ status: 200, body: 'utf8 name' });
      expect((await get('/healthz')).status).toBe(200);
    });
  });
});

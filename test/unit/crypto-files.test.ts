import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../../store/crypto';
import { FilesRoot, safeFileName } from '../../lib/files';
import { jobIdFor } from '../../lib/ids';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(randomBytes(32).toString('base64'));
  it('round-trips and never stores the plain text', () => {
    const sealed = box.seal('s3cr3t-value', 'place');
    expect(sealed).not.toContain('s3cr3t');
    expect(box.open(sealed, 'place')).toBe('s3cr3t-value');
    expect(box.seal('x', 'place')).not.toBe(box.seal('x', 'place'));
  });
  it('refuses tampered data and a wrong key', () => {
    const sealed = box.seal('value', 'place');
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => box.open(tampered, 'place')).toThrow();
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed, 'place')).toThrow();
    expect(() => new SecretBox('c2hvcnQ=')).toThrow(/32 bytes/);
  });
});

describe('files root', () => {
  const root = mkdtempSync(join(tmpdir(), 'files-'));
  const files = new FilesRoot(root, randomBytes(32), 'http://localhost:3978');
  it('keeps user paths inside the root', () => {
    expect(files.resolveUserPath('a/b.txt')).toBe(join(root, 'a/b.txt'));
    expect(() => files.resolveUserPath('../etc/passwd')).toThrow(/outside the files root/);
    expect(() => files.resolveUserPath('/etc/passwd')).toThrow(/outside the files root/);
    mkdirSync(join(root, 'x'));
    symlinkSync('/etc', join(root, 'x', 'escape'));
    expect(() => files.resolveUserPath('x/escape/passwd')).toThrow(/outside the files root/);
  });
  it('refuses a path that does not exist yet under a symlink that leaves the root', () => {
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    symlinkSync(outside, join(root, 'link'));
    expect(() => files.resolveUserPath('link/new/file.txt')).toThrow('Path link/new/file.txt is outside the files root.');
    expect(() => files.resolveUserPath('link')).toThrow(/outside the files root/);
    mkdirSync(join(root, 'y'));
    expect(files.resolveUserPath('y/new/file.txt')).toBe(join(root, 'y/new/file.txt'));
  });
  it('sanitises names from mail', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('..\\..\\evil.exe')).toBe('evil.exe');
    expect(safeFileName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(safeFileName('')).toBe('file');
    expect(safeFileName(`${'a'.repeat(300)}.eml`)).toHaveLength(100);
    expect(safeFileName(' ..')).toBe('file');
    expect(Buffer.byteLength(safeFileName(`${'\u4e2d'.repeat(100)}.txt`))).toBeLessThanOrEqual(240);
  });
  it('signs download links that expire and cannot be forged', async () => {
    const rel = await files.forJob('j-1').write('report.zip', 'data');
    const url = new URL(files.signedUrl(rel));
    const id = url.pathname.split('/').pop()!;
    expect(files.verify(id, url.searchParams.get('exp')!, url.searchParams.get('sig')!)).toBe(join(root, rel));
    expect(files.verify(id, url.searchParams.get('exp')!, 'forged')).toBeNull();
    expect(files.verify(id, String(Date.now() - 1), url.searchParams.get('sig')!)).toBeNull();
    const other = Buffer.from('../../etc/passwd').toString('base64url');
    expect(files.verify(other, url.searchParams.get('exp')!, url.searchParams.get('sig')!)).toBeNull();
    // Node's base64url decoder skips stray characters: only the canonical id is taken.
    expect(files.verify(`${id}==`, url.searchParams.get('exp')!, url.searchParams.get('sig')!)).toBeNull();
  });
});

describe('job ids', () => {
  it('are short, typable, contain digits and are stable per request id', () => {
    const id = jobIdFor('slack:trig-1');
    expect(id).toMatch(/^j-\d{4}[0-9a-z]{4}$/);
    expect(jobIdFor('slack:trig-1')).toBe(id);
    expect(jobIdFor('slack:trig-2')).not.toBe(id);
  });
});

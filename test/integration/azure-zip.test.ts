/**
 * Save To Case Wall and Password Protect Zip with the real tools: the ZIP the action puts in the
 * thread opens with `7z x -pinfected` and `unzip -P infected`, and not without the password or
 * with a wrong one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MALWARE_ZIP_PASSWORD, zipFiles } from '../../handlers/kit/zip';
import { startAzureHarness, type AzureHarness } from '../helpers/azure-harness';
import { sampleBytes, startHttpTarget, type HttpTarget } from '../helpers/http-target';

const work = mkdtempSync(join(tmpdir(), 'chatsoar-zip-'));
let n = 0;

/** Extracts with a real tool into a fresh folder; returns the exit code and the extracted file's bytes (if any). */
function extract(tool: '7z' | 'unzip', zip: string, name: string, password?: string): { code: number; data?: Buffer } {
  const out = join(work, `out-${n++}`);
  const args =
    tool === '7z'
      ? ['x', '-y', `-o${out}`, ...(password !== undefined ? [`-p${password}`] : []), zip]
      : ['-o', ...(password !== undefined ? ['-P', password] : []), '-d', out, zip];
  // No password given: the tool asks on stdin, which is closed.
  const run = spawnSync(tool, args, { input: '', encoding: 'utf8', timeout: 20000 });
  const file = join(out, name);
  const data = existsSync(file) ? readFileSync(file) : undefined;
  return { code: run.status ?? -1, data };
}

function expectOpensOnlyWithPassword(zip: string, name: string, original: Buffer): void {
  for (const tool of ['7z', 'unzip'] as const) {
    const good = extract(tool, zip, name, MALWARE_ZIP_PASSWORD);
    expect({ tool, code: good.code }).toEqual({ tool, code: 0 });
    expect(good.data?.equals(original)).toBe(true);
    for (const password of [undefined, 'wrong', 'Infected']) {
      const bad = extract(tool, zip, name, password);
      expect({ tool, password, refused: bad.code !== 0 }).toEqual({ tool, password, refused: true });
      expect(bad.data?.equals(original) ?? false).toBe(false);
    }
  }
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kit/zip', () => {
  it('a ZipCrypto archive opens in 7z and unzip with "infected" only', async () => {
    const original = sampleBytes(70_000);
    const zip = join(work, 'kit.zip');
    writeFileSync(zip, await zipFiles([{ name: 'sample.bin', data: original }], { password: MALWARE_ZIP_PASSWORD }));
    expectOpensOnlyWithPassword(zip, 'sample.bin', original);
  });

  it('without a password it is a plain ZIP', async () => {
    const zip = join(work, 'plain.zip');
    writeFileSync(zip, await zipFiles([{ name: 'a.txt', data: Buffer.from('hello') }]));
    for (const tool of ['7z', 'unzip'] as const) expect(extract(tool, zip, 'a.txt').data?.toString()).toBe('hello');
  });
});

describe('Save To Case Wall', () => {
  let h: AzureHarness;
  let t: HttpTarget;
  const payload = Buffer.from('MZ\x90\x00 this would be a malicious executable');

  beforeAll(async () => {
    t = await startHttpTarget();
    h = await startAzureHarness();
    await h.runtime.environments.setInstance('prod', 'azure-api', { 'http-allow-list': [t.url] });
  });

  afterAll(async () => {
    await h?.close();
    await t?.close();
  });

  async function download(url: string, name: string): Promise<string> {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const file = join(work, `${n++}-${name}`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return file;
  }

  it('puts the response in the thread as a ZIP encrypted with "infected" (Password Protect Zip on by default)', async () => {
    const r = await h.run(`azure execute-http-request --url-path ${t.url}/malware --save-to-case-wall`);
    expect(r.text).toContain('Successfully executed API request.');
    expect(r.files.map((f) => f.name)).toEqual(['invoice.exe.zip']);
    const zip = await download(r.files[0]!.url, 'invoice.exe.zip');
    expectOpensOnlyWithPassword(zip, 'invoice.exe', payload);
    // The file goes to the Slack thread too.
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'files.getUploadURLExternal' && JSON.stringify(c.body).includes('invoice.exe.zip')), 20000);
    await h.slack.waitFor(
      (calls) => calls.some((c) => c.method === 'files.completeUploadExternal' && JSON.stringify(c.body).includes('password: infected')),
      20000,
    );
  });

  it('with Password Protect Zip off, the ZIP opens without a password', async () => {
    const r = await h.run(`azure execute-http-request --url-path ${t.url}/bytes?n=2048 --save-to-case-wall --password-protect-zip=false`);
    expect(r.files.map((f) => f.name)).toEqual(['sample.bin.zip']);
    const zip = await download(r.files[0]!.url, 'sample.bin.zip');
    for (const tool of ['7z', 'unzip'] as const) expect(extract(tool, zip, 'sample.bin').data?.equals(sampleBytes(2048))).toBe(true);
  });

  it('names a JSON response by its type', async () => {
    const r = await h.run(`azure execute-http-request --url-path ${t.url}/echo --save-to-case-wall`);
    expect(r.files.map((f) => f.name)).toEqual(['response.json.zip']);
  });
});

/**
 * `npm start` with nothing configured, as a real process: private redis-server, the Microsoft
 * 365 emulator, the demo environment and the web chat; a ping end to end; SIGTERM exits cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../helpers/harness';

const root = resolve(__dirname, '..', '..');

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms; output:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => pattern.test(l));
      if (line) {
        clearTimeout(timer);
        resolvePromise(line);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

describe('npm start (embedded defaults)', () => {
  let child: ChildProcess;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('brings up Redis, the emulator, the demo environment and the web chat; a ping works; SIGTERM stops it', async () => {
    const port = await freePort();
    const cwd = mkdtempSync(join(tmpdir(), 'chatsoar-start-'));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), LOG_LEVEL: 'warn' };
    child = spawn(process.execPath, ['--no-deprecation', '-r', join(root, 'test/helpers/register-ts.js'), join(root, 'bot/main.ts'), 'main'], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await waitForLine(child, /chatsoar is running: open http:\/\/localhost:\d+\//, 60000);
    expect(line).toContain(`http://localhost:${port}/`);

    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('chatsoar');
    const sent = await fetch(`http://127.0.0.1:${port}/webchat/api/rooms/demo/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'you', text: 'graphmail ping' }),
    });
    expect(sent.status).toBe(200);
    const deadline = Date.now() + 20000;
    let body = '';
    while (!body.includes('Successfully connected to the Microsoft Graph mail service with the provided connection parameters!')) {
      if (Date.now() > deadline) throw new Error(`no ping result; activities: ${body.slice(0, 2000)}`);
      body = await (await fetch(`http://127.0.0.1:${port}/webchat/api/rooms/demo/activities?since=0`)).text();
      await new Promise((r) => setTimeout(r, 100));
    }

    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90000);
});

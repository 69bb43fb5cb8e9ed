/**
 * `npm start` with nothing configured, as a real process: private redis-server, the Microsoft
 * 365 emulator, the demo environment and the web chat; a ping end to end; SIGTERM exits cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitForLine } from '../helpers/wait-for-line';
import { freePort } from '../helpers/harness';

const root = resolve(__dirname, '..', '..');

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
    let printed = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const line = await waitForLine(child, /chatsoar is running: open http:\/\/localhost:\d+\//, 60000);
    expect(line).toContain(`http://localhost:${port}/`);
    // behaviour.md 49: the banner names the demo mailboxes, the commands to try and how to approve as web:boss.
    const deadline0 = Date.now() + 5000;
    while (!/second tab/.test(printed) && Date.now() < deadline0) await new Promise((r) => setTimeout(r, 50));
    expect(printed).toMatch(/^Demo mailboxes: .*phish@demo\.onmicrosoft\.com/m);
    expect(printed).toMatch(/^ {2}3\. graphmail delete-email /m);
    expect(printed).toContain(`http://localhost:${port}/?user=boss in a second tab`);

    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('chatsoar');
    // The first screen is the demo's: its mailboxes and the commands to try.
    expect(html).toContain('alice@demo.onmicrosoft.com');
    expect(html).toContain('data-command="graphmail delete-email');
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

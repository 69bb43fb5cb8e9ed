/**
 * An admin sets up an environment through the web chat dialog, as a user does it: headless
 * Chromium on the local web chat page, the real runtime, the Microsoft 365 emulator. `soar admin`
 * shows the admin card; the admin creates an environment, binds the room to it, fills in the
 * Microsoft Graph Mail settings (the secret in a password field), and Test and save runs Ping
 * before anything is saved. Then `graphmail ping` in the room succeeds.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Browser, Locator, Page } from 'playwright-core';
import { mountWebchat } from '../../bot/webchat/routes';
import type { Listing } from '../../bot/webchat/store';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_MAILBOXES, DEMO_TENANT, startEmulator, type Emulator } from '../../emulator';
import { setupDemo } from '../../lib/demo';
import { startRuntime, type Runtime } from '../../lib/runtime';
import type { Settings } from '../../lib/settings';
import { artifact, CHROMIUM, hasChromium, launchChromium, watchPage } from './browser';

const PING_OK = 'Successfully connected to the Microsoft Graph mail service with the provided connection parameters!';
const ROOM = 'setup';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
    srv.on('error', reject);
  });
}

const describeBrowser = hasChromium ? describe : describe.skip;
if (!hasChromium) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the admin web chat end-to-end test: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

describeBrowser('admin dialog in web chat (runtime + emulator + headless Chromium)', () => {
  jest.setTimeout(60_000);
  let emulator: Emulator;
  let runtime: Runtime;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let url: string;
  let filesDir: string;

  beforeAll(async () => {
    const redisUrl = process.env.TEST_REDIS_URL;
    if (!redisUrl) throw new Error('TEST_REDIS_URL is not set (jest globalSetup starts redis-server)');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    filesDir = mkdtempSync(join(tmpdir(), 'chatsoar-admin-webchat-'));
    emulator = await startEmulator({ seed: true });
    const settings: Settings = {
      port,
      redisUrl,
      publicUrl: url,
      asyncPollMs: 100,
      botFramework: {},
      filesDir,
      webchat: true,
      redisPrefix: `t-${Date.now()}-${randomBytes(4).toString('hex')}:`,
    };
    runtime = await startRuntime({
      role: 'main',
      settings,
      redisUrl,
      secretsKey: randomBytes(32).toString('base64'),
      log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      mount: [mountWebchat],
    });
    // The demo makes web:you the admin of `demo`: an admin somewhere, who may create environments.
    await setupDemo(runtime.environments, emulator.url, { tenant: DEMO_TENANT, clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET, mailbox: DEMO_MAILBOXES.soc });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    problems = watchPage(page);
    await page.goto(`${url}/?room=${ROOM}&user=you`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await runtime?.close();
    await emulator?.close();
    if (filesDir) rmSync(filesDir, { recursive: true, force: true });
  });

  const botActivities = () => page.locator('[data-testid="activity"].from-bot');

  async function send(text: string): Promise<void> {
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-send').click();
    await page.locator('[data-testid="activity"].from-me').filter({ hasText: text }).last().waitFor();
  }

  /** The newest bot card that shows `text`, once it is there. */
  async function card(text: string): Promise<Locator> {
    const found = botActivities().filter({ hasText: text }).last();
    try {
      await found.waitFor({ timeout: 15_000 });
    } catch (err) {
      const shown = (await botActivities().allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim().slice(0, 300)).join('\n  ');
      throw new Error(`no bot card with "${text}"; the bot said:\n  ${shown}\n${(err as Error).message}`);
    }
    return found;
  }

  /** Picks an option of the card's choice input labelled `label`. */
  async function choose(c: Locator, label: string, option: string): Promise<void> {
    await c.getByLabel(label, { exact: false }).first().selectOption({ label: option });
  }

  async function fill(c: Locator, label: string, value: string): Promise<void> {
    await c.getByLabel(label, { exact: false }).first().fill(value);
  }

  async function press(c: Locator, title: string): Promise<void> {
    const before = await botActivities().count();
    await c.getByRole('button', { name: title, exact: true }).click();
    await botActivities().nth(before).waitFor({ timeout: 15_000 });
  }

  test('creates an environment, binds the room and saves Graph Mail settings after Ping succeeds', async () => {
    await send('soar admin');
    let c = await card('Pick an environment you administer');
    await choose(c, 'What to do', 'Create an environment');
    await press(c, 'Next');

    c = await card('You become the admin of the environment you create');
    await fill(c, 'Name', 'lab');
    await press(c, 'Create');

    c = await card('Environment lab created; you are its admin.');
    await choose(c, 'Environment', 'lab');
    await choose(c, 'What to do', 'Bind this channel to the environment');
    await press(c, 'Next');

    c = await card('is now bound to environment lab');
    await choose(c, 'Environment', 'lab');
    await choose(c, 'What to do', 'Settings: Microsoft Graph Mail');
    await press(c, 'Next');

    c = await card('Microsoft Graph Mail 17.0 settings of environment lab');
    const secret = c.getByLabel('Secret ID', { exact: false }).first();
    expect(await secret.getAttribute('type')).toBe('password');
    await fill(c, 'Azure AD endpoint', emulator.url);
    await fill(c, 'Microsoft Graph Endpoint', emulator.url);
    await fill(c, 'Client ID', DEMO_CLIENT_ID);
    await secret.fill(DEMO_CLIENT_SECRET);
    await fill(c, 'Tenant', DEMO_TENANT);
    await fill(c, 'Default Mailbox', 'not-a-mailbox');
    await press(c, 'Test and save');

    // The mistake is shown next to its field; nothing saved; the secret typed is kept (not shown).
    c = await card('Fix the marked field: Default Mailbox');
    await c.getByText('is not an email address', { exact: false }).first().waitFor();
    expect(await runtime.environments.hasInstance('lab', 'microsoft-graph-mail')).toBe(false);
    expect(await c.getByLabel('Secret ID', { exact: false }).first().inputValue()).toBe('');
    await c.screenshot({ path: artifact('admin-webchat-field-error.png') });
    await fill(c, 'Default Mailbox', DEMO_MAILBOXES.soc);
    await press(c, 'Test and save');

    c = await card(`Ping: ${PING_OK}`);
    await c.screenshot({ path: artifact('admin-webchat-saved.png') });
    expect((await runtime.environments.getInstance('lab', 'microsoft-graph-mail'))['secret-id']).toBe(DEMO_CLIENT_SECRET);
    expect(await runtime.environments.environmentOf(`web:${ROOM}`)).toBe('lab');

    // The room now works against the new environment.
    await send('graphmail ping');
    await botActivities().filter({ hasText: PING_OK }).filter({ hasText: 'lab' }).last().waitFor({ timeout: 30_000 });

    // No secret was ever sent to the page.
    const listing = (await (await fetch(`${url}/webchat/api/rooms/${ROOM}/activities?since=0`)).json()) as Listing;
    const botSide = listing.activities.filter((r) => (r.activity.from as { role?: string } | undefined)?.role !== 'user');
    expect(JSON.stringify(botSide)).not.toContain(DEMO_CLIENT_SECRET);
    await page.screenshot({ path: artifact('admin-webchat.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});

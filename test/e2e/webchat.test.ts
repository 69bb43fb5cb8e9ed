/**
 * The demo path end to end, as a user sees it: a `main` runtime (HTTP server, action and outbox
 * workers) with the web chat mounted, the Microsoft 365 emulator behind the `demo` environment,
 * and the page driven in headless Debian Chromium. A typed command travels as a real Bot
 * Framework activity through /api/messages; the queued message comes back through the web chat's
 * Bot Connector subset and is updated in place with the result (CONTRACT §7).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { mountWebchat } from '../../bot/webchat/routes';
import type { Listing } from '../../bot/webchat/store';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_MAILBOXES, DEMO_TENANT, startEmulator, type Emulator } from '../../emulator';
import { catalog } from '../../handlers/catalog';
import { setupDemo } from '../../lib/demo';
import { startRuntime, type Runtime } from '../../lib/runtime';
import type { Settings } from '../../lib/settings';
import { artifact, CHROMIUM, hasChromium, launchChromium, watchPage } from './browser';

const PING_OK = 'Successfully connected to the Microsoft Graph mail service with the provided connection parameters!';

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
  console.warn(`Skipping the web chat end-to-end test: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

describeBrowser('web chat end to end (runtime + emulator + headless Chromium)', () => {
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
    filesDir = mkdtempSync(join(tmpdir(), 'chatsoar-webchat-files-'));
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
    await setupDemo(runtime.environments, emulator.url, { tenant: DEMO_TENANT, clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET, mailbox: DEMO_MAILBOXES.soc });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
    problems = watchPage(page);
    await page.goto(`${url}/`);
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

  test('graphmail ping: the queued message is updated in place with the result', async () => {
    const before = await botActivities().count();
    await send('graphmail ping');

    // The outbox posts the queued message, then updates that same activity with the result.
    const first = botActivities().nth(before);
    await first.waitFor({ timeout: 15_000 });
    const id = await first.getAttribute('data-activity-id');
    expect(id).toBeTruthy();
    const result = page.locator(`[data-testid="activity"][data-activity-id="${id}"]`);
    try {
      await result.filter({ hasText: PING_OK }).waitFor({ timeout: 30_000 });
    } catch (err) {
      const shown = (await botActivities().allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()).join('\n  ');
      throw new Error(`the ping result did not appear in activity ${id}; the bot said:\n  ${shown}\n${(err as Error).message}`);
    }
    await expect(result.locator('.edited').count()).resolves.toBe(1);

    // The store agrees: one activity, created before its last change (PUT through the connector).
    const listing = (await (await fetch(`${url}/webchat/api/rooms/demo/activities?since=0`)).json()) as Listing;
    const rec = listing.activities.find((r) => r.id === id)!;
    expect(String(rec.activity.text)).toContain(PING_OK);
    expect(rec.activity.lastUpdated).toEqual(expect.any(String));
    expect(rec.revision).toBeGreaterThan(rec.seq);
    expect(listing.activities.filter((r) => String(r.activity.text ?? '').includes(PING_OK))).toHaveLength(1);
    await page.screenshot({ path: artifact('webchat-ping.png') });
  });

  test('help: a card button (Action.Execute, verb help) shows that integration’s help', async () => {
    const graph = catalog.find((i) => i.alias === 'graphmail')!;
    const before = await botActivities().count();
    await send('help');
    const helpCard = botActivities().nth(before);
    await helpCard.waitFor({ timeout: 15_000 });
    const button = helpCard.getByRole('button', { name: graph.name, exact: true });
    await button.waitFor();
    const afterHelp = await botActivities().count();

    await button.click();
    const answer = botActivities().nth(afterHelp);
    await answer.waitFor({ timeout: 15_000 });
    await answer.filter({ hasText: `soar ${graph.alias}` }).waitFor({ timeout: 15_000 });
    expect(await answer.textContent()).toContain(graph.name);
    // The click itself shows in the room, attributed to the user.
    await page.locator('[data-testid="activity"].from-me').filter({ hasText: graph.name }).last().waitFor();

    await helpCard.screenshot({ path: artifact('webchat-help-card.png') });
    await answer.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact('webchat.png') });
    expect(problems).toEqual([]);
  });

  test('four-eyes: an approver clicks Approve in web chat and the card closes with the outcome', async () => {
    await runtime.environments.grant('demo', 'approver', ['web:boss']);
    const before = await botActivities().count();
    await send('o365 stop-a-subscription --stop-a-subscription-for Audit.General');
    const card = botActivities().nth(before);
    await card.filter({ hasText: 'Approval needed' }).waitFor({ timeout: 15_000 });
    expect(await card.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(1);
    expect(await card.getByRole('button', { name: 'Reject', exact: true }).count()).toBe(1);
    const id = await card.getAttribute('data-activity-id');

    // The approver opens the same room as another user and clicks Approve on the same card.
    const boss = await browser.newPage({ viewport: { width: 1100, height: 860 } });
    const bossProblems = watchPage(boss);
    await boss.goto(`${url}/?room=demo&user=boss`);
    const bossCard = boss.locator(`[data-testid="activity"][data-activity-id="${id}"]`);
    await bossCard.getByRole('button', { name: 'Approve', exact: true }).click();
    await bossCard.filter({ hasText: 'Approved by web:boss' }).waitFor({ timeout: 15_000 });
    // Everyone sees the closed card: no buttons left, the outcome shown, in place.
    const closed = page.locator(`[data-testid="activity"][data-activity-id="${id}"]`);
    await closed.filter({ hasText: 'Approved by web:boss' }).waitFor({ timeout: 15_000 });
    expect(await closed.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    await boss.screenshot({ path: artifact('webchat-approval.png') });
    await boss.close();
    expect(bossProblems).toEqual([]);
  });
});

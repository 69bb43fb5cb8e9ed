/**
 * The demo path end to end, as a user sees it: a `main` runtime (HTTP server, action and outbox
 * workers) with the web chat mounted, the Microsoft 365 emulator behind the `demo` environment,
 * and the page driven in headless Debian Chromium. A typed command travels as a real Bot
 * Framework activity through /api/messages; the queued message comes back through the web chat's
 * Bot Connector subset and is updated in place with the result (contract.md §7).
 */
import type { Browser, Page } from 'playwright-core';
import type { Listing } from '../../bot/webchat/store';
import { catalog } from '../../handlers/catalog';
import type { Runtime } from '../../lib/runtime';
import { artifact, CHROMIUM, hasChromium, watchPage } from './browser';
import { PING_OK, startWebchatSystem, type WebchatSystem } from './webchat-system';

const describeBrowser = hasChromium ? describe : describe.skip;
if (!hasChromium) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the web chat end-to-end test: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

describeBrowser('web chat end to end (runtime + emulator + headless Chromium)', () => {
  jest.setTimeout(60_000);
  let sys: WebchatSystem;
  let runtime: Runtime;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let url: string;

  beforeAll(async () => {
    sys = await startWebchatSystem();
    ({ runtime, browser, page, problems, url } = sys);
  }, 60_000);

  afterAll(async () => {
    await sys?.close();
  });

  const botActivities = () => sys.botActivities();
  const send = (text: string) => sys.send(text);

  test('graphmail ping: the queued message is updated in place with the result', async () => {
    const before = await botActivities().count();
    // Slower than the acknowledgement's hold (behaviour.md 43), so that it is posted before the result.
    sys.emulator.faults.set({ prefix: '/v1.0/users', latencyMs: 2000 });
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
    sys.emulator.faults.clear('/v1.0/users');
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

/**
 * The demo's first ten minutes in headless Chromium (behaviour.md 43, 49): the first screen names
 * the demo mailboxes and offers three commands; clicking the search sends it and finds the
 * planted phish; the attachment extraction and the delete work as typed; the delete becomes one
 * approval card with its dry run on it and no message of its own left "Running"; `web:boss`
 * approves it from a second page and the card closes, with the result in its place, for both.
 * `npm run screenshots` (SCREENSHOTS=1) writes the first screen to docs/images/first-screen.png.
 */
import type { Page } from 'playwright-core';
import type { Listing } from '../../bot/webchat/store';
import { DEMO_MAILBOXES, DEMO_PHISH } from '../../emulator';
import { artifact, CHROMIUM, hasChromium, watchPage } from './browser';
import { picture } from './screens';
import { startWebchatSystem, type WebchatSystem } from './webchat-system';

const describeBrowser = hasChromium ? describe : describe.skip;
if (!hasChromium) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the demo loop browser test: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

/** A message that is not done yet. */
const UNFINISHED = /Running |Queued /;

describeBrowser('the demo loop: first screen, search, extract, delete with approval by web:boss', () => {
  jest.setTimeout(90_000);
  let sys: WebchatSystem;

  beforeAll(async () => {
    sys = await startWebchatSystem({ viewport: { width: 1100, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await sys?.close();
  });

  /** Waits until the outbox has delivered everything queued so far. */
  async function outboxIdle(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const counts = await sys.runtime.queues.outbox.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      if (Object.values(counts).every((n) => n === 0)) return;
      if (Date.now() > deadline) throw new Error(`the outbox is still busy: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The room as the server holds it: the bot's messages, text and card together. */
  async function botMessages(): Promise<Array<{ id: string; revision: number; text: string }>> {
    const listing = (await (await fetch(`${sys.url}/webchat/api/rooms/demo/activities?since=0`)).json()) as Listing;
    return listing.activities
      .filter((r) => (r.activity.from as { role?: string } | undefined)?.role !== 'user' && r.activity.type === 'message')
      .map((r) => ({ id: r.id, revision: r.revision, text: `${String(r.activity.text ?? '')} ${JSON.stringify(r.activity.attachments ?? [])}` }));
  }

  /** Waits until `page` shows every bot message at the server's revision, then says which ones look unfinished. */
  async function unfinishedOn(page: Page, messages: Array<{ id: string; revision: number }>): Promise<string[]> {
    await page.waitForFunction(
      (want) => want.every((m) => Number(document.querySelector(`[data-activity-id="${m.id}"]`)?.getAttribute('data-revision') ?? -1) >= m.revision),
      messages.map(({ id, revision }) => ({ id, revision })),
    );
    return page.locator('[data-testid="activity"].from-bot').filter({ hasText: UNFINISHED }).allTextContents();
  }

  /** The first bot message showing `pattern` (files a job posts in its thread arrive beside the next command's answer). */
  async function botText(page: Page, pattern: RegExp, timeout = 20_000): Promise<string> {
    const a = page.locator('[data-testid="activity"].from-bot').filter({ hasText: pattern }).first();
    await a.waitFor({ timeout });
    return (await a.textContent()) ?? '';
  }

  test('the tour works as the first screen says', async () => {
    const { page } = sys;
    const welcome = page.getByTestId('welcome');
    await welcome.waitFor();
    const shown = (await welcome.textContent()) ?? '';
    for (const mailbox of Object.values(DEMO_MAILBOXES)) expect(shown).toContain(mailbox);
    expect(shown).toContain(DEMO_PHISH.sender);
    const steps = welcome.locator('.tour .suggestion');
    expect(await steps.count()).toBe(3);
    const [search, extract, remove] = await steps.evaluateAll((bs) => bs.map((b) => b.getAttribute('data-command') ?? ''));
    expect(search).toMatch(/^graphmail search-emails /);
    expect(extract).toMatch(/^graphmail download-attachments-from-email /);
    expect(remove).toMatch(/^graphmail delete-email /);
    const href = await welcome.getByTestId('approver-link').getAttribute('href');
    expect(href).toBe('/?user=boss');
    await picture(page, 'first-screen.png');

    // 1. Clicking the search sends it as typed; it finds the planted phish.
    await steps.first().click();
    await page.locator('[data-testid="activity"].from-me').filter({ hasText: search! }).waitFor();
    expect(await welcome.isHidden()).toBe(true);
    const found = await botText(page, /is_success|Successfully|found/i);
    await botText(page, new RegExp(DEMO_PHISH.subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    expect(found).not.toMatch(/Failed to find any of the provided mailboxes/);

    // 2. The extraction, typed: the report's attachment and the one inside the attached original.
    await sys.send(extract!);
    const extracted = await botText(page, /Downloaded \d+ attachments/);
    expect(extracted).toContain('Mailbox_Quota_Notice.html');

    // 3. The delete, typed: one approval card, the dry run on it, nothing else left "Running".
    await outboxIdle();
    const before = (await botMessages()).length;
    await sys.send(remove!);
    const card = page.locator('[data-testid="activity"].from-bot').filter({ hasText: 'Approval needed' });
    await card.filter({ hasText: `Dry run: would delete 1 email(s) in ${DEMO_PHISH.mailbox}` }).waitFor({ timeout: 20_000 });
    // The preview's result is on the card, so the preview is over: all it posted has been delivered.
    await outboxIdle();
    const afterRequest = await botMessages();
    expect(afterRequest).toHaveLength(before + 1);
    expect(afterRequest.filter((m) => UNFINISHED.test(m.text)).map((m) => m.text.slice(0, 120))).toEqual([]);
    expect(await unfinishedOn(page, afterRequest)).toEqual([]);
    const id = await card.getAttribute('data-activity-id');

    // web:boss opens the page the first screen links to and approves.
    const boss = await sys.browser.newPage({ viewport: { width: 1100, height: 900 } });
    const bossProblems = watchPage(boss);
    await boss.goto(`${sys.url}${href}`);
    await boss.locator('#user-name').filter({ hasText: 'boss' }).waitFor();
    const bossCard = boss.locator(`[data-testid="activity"][data-activity-id="${id}"]`);
    await bossCard.getByRole('button', { name: 'Approve', exact: true }).click();

    // The card closes for both, and the result takes its place: one message from request to result.
    for (const p of [boss, page]) {
      const closed = p.locator(`[data-testid="activity"][data-activity-id="${id}"]`);
      await closed.filter({ hasText: /Successfully deleted emails/ }).waitFor({ timeout: 20_000 });
      expect(await closed.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
      expect(await closed.getByRole('button', { name: 'Reject', exact: true }).count()).toBe(0);
      expect(await closed.textContent()).toContain('approved by web:boss');
    }
    await outboxIdle();
    const final = await botMessages();
    expect(final).toHaveLength(before + 1);
    expect(final.filter((m) => UNFINISHED.test(m.text)).map((m) => m.text.slice(0, 120))).toEqual([]);
    for (const p of [boss, page]) expect(await unfinishedOn(p, final)).toEqual([]);
    // The phish is gone from Alice's inbox.
    const inbox = sys.emulator.state.resolveFolder(DEMO_PHISH.mailbox, 'inbox')!;
    const left = [...sys.emulator.state.mailbox(DEMO_PHISH.mailbox).messages.values()].filter((m) => m.folderId === inbox.id);
    expect(left.map((m) => m.subject)).not.toContain(DEMO_PHISH.subject);
    await boss.locator(`[data-testid="activity"][data-activity-id="${id}"]`).screenshot({ path: artifact('demo-loop-approved.png') });
    await boss.close();
    expect(bossProblems).toEqual([]);
    expect(sys.problems).toEqual([]);
  });
});

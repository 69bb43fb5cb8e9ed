/**
 * Keyboard and accessibility basics of the web chat, on the real demo (runtime, emulator, page in
 * headless Chromium): Enter sends and the message box keeps the focus; every card button is
 * reached by Tab; what the bot posts or changes is said by a polite live region; and an axe-core
 * scan finds no serious or critical violation with a search result, an approval card and an alert
 * card (posted by the demo's mail connector) on screen. The README's approval and alert pictures are taken here (SCREENSHOTS=1).
 */
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { CHROMIUM, hasChromium, watchPage } from './browser';
import { picture } from './screens';
import { startWebchatSystem, type WebchatSystem } from './webchat-system';

const SEARCH = 'graphmail search-emails --search-in-mailbox alice@demo.onmicrosoft.com';
const DELETE = 'graphmail delete-email --delete-in-mailbox alice@demo.onmicrosoft.com --subject-filter "your mailbox is almost full"';
const AXE = join(dirname(createRequire(__filename).resolve('axe-core/package.json')), 'axe.min.js');

function dirname(p: string): string {
  return p.slice(0, p.lastIndexOf('/'));
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/**
 * axe-core's serious and critical violations on the web chat as `user` sees it now, one line per
 * node. The page's CSP (script-src 'self') refuses an injected script, so axe runs in a second
 * viewer of the same room opened with the CSP bypassed; the page under test keeps its CSP.
 */
async function axeProblems(sys: WebchatSystem, expectText: string | null, user = 'you'): Promise<string[]> {
  const context = await sys.browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 860 } });
  try {
    const viewer = await context.newPage();
    await viewer.goto(`${sys.url}/?user=${user}`);
    if (expectText === null)
      await viewer.locator('#empty').waitFor(); // the first screen
    else await viewer.getByTestId('activity').filter({ hasText: expectText }).last().waitFor();
    await viewer.addScriptTag({ path: AXE });
    const violations = await viewer.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
      const res = await axe.run(document, { resultTypes: ['violations'] });
      return res.violations;
    });
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id} (${v.help}): ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`));
  } finally {
    await context.close();
  }
}

/** The accessible names of what Tab reaches, in order, starting from the top of the page. */
async function tabStops(page: Page, max: number): Promise<string[]> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.locator('body').focus();
  const names: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => {
      const e = document.activeElement as HTMLElement | null;
      if (!e || e === document.body) return '';
      return (e.getAttribute('aria-label') || e.textContent || e.id || e.tagName).replace(/\s+/g, ' ').trim();
    });
    if (names.length && name === names[0]) break; // wrapped around
    names.push(name);
  }
  return names;
}

const describeBrowser = hasChromium ? describe : describe.skip;
if (!hasChromium) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the accessibility tests: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

describeBrowser('web chat keyboard and accessibility (headless Chromium, axe-core)', () => {
  jest.setTimeout(90_000);
  let sys: WebchatSystem;
  let page: Page;
  const activeId = (p: Page) => p.evaluate(() => document.activeElement?.id ?? '');

  beforeAll(async () => {
    sys = await startWebchatSystem();
    page = sys.page;
    // Everything the live region says, as a screen reader would hear it one after the other.
    await page.evaluate(() => {
      const w = window as unknown as { __said: string[] };
      const region = document.querySelector('[data-testid="announcer"]')!;
      w.__said = [];
      new MutationObserver(() => {
        if (region.textContent) w.__said.push(region.textContent);
      }).observe(region, { childList: true, characterData: true, subtree: true });
    });
  }, 60_000);

  /** Waits until the live region has said something containing `text`. */
  async function heard(text: string): Promise<void> {
    try {
      await page.waitForFunction((t) => (window as unknown as { __said: string[] }).__said.some((s) => s.includes(t)), text, { timeout: 15_000 });
    } catch (err) {
      const said = await page.evaluate(() => (window as unknown as { __said: string[] }).__said);
      throw new Error(`the live region never said "${text}"; it said:\n  ${said.join('\n  ')}\n${(err as Error).message}`);
    }
  }

  afterAll(async () => {
    await sys?.close();
  });

  test('the first screen passes axe', async () => {
    expect(await axeProblems(sys, null)).toEqual([]);
  });

  test('Enter sends and keeps the focus in the message box; the result is announced in one line', async () => {
    const before = await sys.botActivities().count();
    const input = page.getByTestId('chat-input');
    await input.fill(SEARCH);
    await input.press('Enter');
    const card = sys.botActivities().nth(before);
    await card.filter({ hasText: 'Matching Mails' }).waitFor({ timeout: 30_000 });
    expect(await activeId(page)).toBe('chat-input');
    await heard('Search Emails');
    expect(await page.getByTestId('announcer').getAttribute('aria-live')).toBe('polite');
    // The log is not read out whole: the one-line announcement is.
    expect(await page.getByTestId('chat-log').getAttribute('aria-live')).toBe('off');
  });

  test('an approval card: Tab reaches its buttons; the approver approves by keyboard; 0 serious or critical axe violations', async () => {
    const before = await sys.botActivities().count();
    await sys.send(DELETE);
    const card = sys.botActivities().filter({ hasText: 'Approval needed' }).last();
    await card.waitFor({ timeout: 30_000 });
    await card.getByRole('button', { name: 'Approve', exact: true }).waitFor();
    expect(await sys.botActivities().count()).toBeGreaterThan(before);
    expect(await activeId(page)).toBe('chat-input');
    await card.scrollIntoViewIfNeeded();
    await picture(card, 'approval-card.png');

    const stops = await tabStops(page, 80);
    for (const name of ['Approve', 'Reject', 'Show JSON result', 'Send']) expect(stops).toContain(name);
    expect(stops.filter((n) => n.endsWith(': show the full Mail ID')).length).toBeGreaterThanOrEqual(1);
    expect(stops).toContain('chat-input');

    // With a search result and an approval card shown.
    expect(await axeProblems(sys, 'Approval needed')).toEqual([]);

    // The approver, in a second tab, approves with the keyboard; the focus comes back to the box.
    const id = await card.getAttribute('data-activity-id');
    const boss = await sys.browser.newPage({ viewport: { width: 1100, height: 860 } });
    const bossProblems = watchPage(boss);
    try {
      await boss.goto(`${sys.url}/?user=boss`);
      const bossCard = boss.locator(`[data-testid="activity"][data-activity-id="${id}"]`);
      await bossCard.getByRole('button', { name: 'Approve', exact: true }).focus();
      await boss.keyboard.press('Enter');
      await bossCard.filter({ hasText: 'Approved by web:boss' }).waitFor({ timeout: 15_000 });
      await boss.waitForFunction(() => document.activeElement?.id === 'chat-input');
      expect(bossProblems).toEqual([]);
    } finally {
      await boss.close();
    }
    const closed = page.locator(`[data-testid="activity"][data-activity-id="${id}"]`).filter({ hasText: 'Approved by web:boss' });
    await closed.waitFor({ timeout: 15_000 });
    await heard('chatsoar updated: ✅ Microsoft Graph Mail · Delete Email');
    await closed.scrollIntoViewIfNeeded();
    await picture(closed, 'approval-approved.png');
  });

  test('an alert card from the demo’s mail connector, and the whole page still passes axe', async () => {
    // The demo's phishing-report mailbox holds user reports: the connector posts one card each.
    await sys.send('admin connector add phish-reports --type microsoft-graph-mail-connector --every 5m --mail-address phish@demo.onmicrosoft.com');
    const card = sys.botActivities().filter({ hasText: 'Phishing report: Action required' }).last();
    await card.waitFor({ timeout: 30_000 });
    await heard('Phishing report: Action required');
    await card.scrollIntoViewIfNeeded();
    await picture(card, 'alert-card.png');
    // Every button shows its whole title (none cut to "Acknowle…").
    const cut = await card
      .locator('.ac-pushButton')
      .evaluateAll((buttons) => buttons.filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent));
    expect(cut).toEqual([]);
    expect(await axeProblems(sys, 'Phishing report: Action required')).toEqual([]);
    expect(sys.problems).toEqual([]);
  });
});

/**
 * A campaign in the web chat as an analyst meets it (contract.md §8), in headless Chromium: a
 * phishing wave planted in a few hundred mailboxes of the demo tenant, `campaign find` keeps one
 * message updated with its progress (Graph throttles a third of the requests, so the search takes
 * a few seconds), its result table reads well, `campaign purge` becomes an approval card with the
 * count, the mailboxes and a sample on it, and `web:boss` approves it from a second page.
 * `npm run screenshots` (SCREENSHOTS=1) writes docs/images/campaign-progress.png,
 * campaign-purge-card.png and campaign-purged.png.
 */
import { generateTenant } from '../../emulator';
import { hasChromium, CHROMIUM, watchPage } from './browser';
import { picture, tableProblems } from './screens';
import { startWebchatSystem, type WebchatSystem } from './webchat-system';

const describeBrowser = hasChromium ? describe : describe.skip;
if (!hasChromium) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the campaign browser test: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

const WAVE = { sender: 'billing@phish-wave.example', subject: 'Invoice 7781 overdue', internetMessageId: '<wave-7781@phish-wave.example>' };
const USERS = 300;
const COPIES = 40;

describeBrowser('a campaign in the web chat: progress in place, the purge card, web:boss approves', () => {
  jest.setTimeout(120_000);
  let sys: WebchatSystem;

  beforeAll(async () => {
    sys = await startWebchatSystem({ viewport: { width: 1100, height: 900 } });
    generateTenant(sys.emulator.state, {
      users: USERS,
      withoutMailbox: 2,
      withoutMail: 3,
      seed: 7,
      campaign: { copies: COPIES, ...WAVE, folders: ['Inbox', 'Junk Email'] },
    });
  }, 60_000);

  afterAll(async () => {
    await sys?.close();
  });

  test('find → purge card → approved by web:boss', async () => {
    const { page } = sys;
    await page.getByTestId('welcome').waitFor();

    // A third of Graph's answers are 429 with Retry-After: 1, so the search takes a few rounds.
    sys.emulator.faults.setSeed(3);
    sys.emulator.faults.set({ prefix: '/v1.0', rate429: 0.35, retryAfterSeconds: 1 });
    await sys.send(`campaign find --sender ${WAVE.sender} --subject "${WAVE.subject}"`);
    const job = sys.botActivities().first();
    // One message, updated in place: the progress first, then the result in its place.
    const progress = job.filter({ hasText: /Searched [\d,]+ of [\d,]+ mailboxes · [\d,]+ match\(es\)/ });
    await progress.waitFor({ timeout: 30_000 });
    await picture(progress, 'campaign-progress.png');
    const found = job.filter({ hasText: /Campaign c-[a-z2-7]{8}: \d+ matching mail/ });
    await found.waitFor({ timeout: 60_000 });
    sys.emulator.faults.clear();
    const foundText = (await found.textContent()) ?? '';
    const id = /Campaign (c-[a-z2-7]{8}): (\d+) matching mail/.exec(foundText)!;
    expect(Number(id[2])).toBe(COPIES);
    expect(await sys.botActivities().count()).toBeGreaterThanOrEqual(1);
    const layout = await tableProblems(found);
    expect(layout.cells).toBeGreaterThan(0);
    expect(layout.problems).toEqual([]);

    // The purge: an approval card showing what would move, before anything does.
    await sys.send(`campaign purge ${id[1]}`);
    const card = sys
      .botActivities()
      .filter({ hasText: 'Approval needed' })
      .filter({ hasText: `would move ${COPIES} mail(s)` });
    await card.waitFor({ timeout: 30_000 });
    const cardText = (await card.textContent()) ?? '';
    expect(cardText).toContain(WAVE.sender);
    expect(cardText).toContain('Sample');
    await picture(card, 'campaign-purge-card.png');
    const cardId = await card.getAttribute('data-activity-id');

    // The requester cannot approve; web:boss can.
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await sys.botActivities().filter({ hasText: 'You cannot approve your own request.' }).waitFor({ timeout: 20_000 });
    const boss = await sys.browser.newPage({ viewport: { width: 1100, height: 900 } });
    const bossProblems = watchPage(boss);
    await boss.goto(`${sys.url}/?user=boss`);
    await boss.locator('#user-name').filter({ hasText: 'boss' }).waitFor();
    await boss.locator(`[data-testid="activity"][data-activity-id="${cardId}"]`).getByRole('button', { name: 'Approve', exact: true }).click();
    const purged = page
      .locator(`[data-testid="activity"][data-activity-id="${cardId}"]`)
      .filter({ hasText: `purged: ${COPIES} mail(s) moved to Deleted Items` });
    await purged.waitFor({ timeout: 60_000 });
    const purgedLayout = await tableProblems(purged);
    expect(purgedLayout.cells).toBeGreaterThan(0);
    expect(purgedLayout.problems).toEqual([]);
    await picture(purged, 'campaign-purged.png');

    // Every planted copy is in Deleted Items now.
    const state = sys.emulator.state;
    const generated = state.generated!;
    const where = generated.copies.map((c) => {
      const mb = state.mailbox(c.mailbox);
      const m = [...mb.messages.values()].find((x) => x.internetMessageId === WAVE.internetMessageId);
      return m ? mb.folders.get(m.folderId)?.wellKnownName : 'missing';
    });
    expect(new Set(where)).toEqual(new Set(['deleteditems']));
    await boss.close();
    expect(bossProblems).toEqual([]);
    expect(sys.problems).toEqual([]);
  });
});

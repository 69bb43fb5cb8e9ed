/**
 * Tables people can read, on every platform: the "Matching Mails" table of Search Emails with
 * Graph-sized Mail IDs, checked where it is drawn, not only in its JSON.
 * - web chat: the real demo (runtime, emulator, page in headless Chromium); by layout (bounding
 *   boxes) no cell's text runs into another, at a desktop and a phone width; a Mail ID is shown
 *   shortened and one click shows it in full, equal to the JSON's;
 * - Teams: the same card as sent to Teams, drawn by the adaptivecards library with its own
 *   stylesheet (no web chat CSS), checked the same way, within the Table limits we keep;
 * - Slack (no table block): the aligned code block within Slack's limits.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { toAdaptiveCard, ADAPTIVE_MAX_BYTES, cardBytes } from '../../cards/adaptive';
import { resultMessage } from '../../cards/job-messages';
import { render } from '../../cards/render';
import { SLACK_MAX_BLOCKS, SLACK_MAX_SECTION_TEXT } from '../../cards/slack';
import { validateAdaptiveCard } from '../../cards/validate';
import { ELLIPSIS } from '../../cards/escape';
import { mailJson, matchingMailsTable } from '../../handlers/microsoft-graph-mail/mail-table';
import type { Message } from '../../handlers/microsoft-graph-mail/lookup';
import { artifact, CHROMIUM, hasChromium } from './browser';
import { picture, tableProblems } from './screens';
import { startWebchatSystem, type WebchatSystem } from './webchat-system';

const SEARCH = 'graphmail search-emails --search-in-mailbox alice@demo.onmicrosoft.com,bob@demo.onmicrosoft.com';
const cardsDist = join(dirname(createRequire(__filename).resolve('adaptivecards/package.json')), 'dist');

/** Mails as Graph returns them: 152-character ids, long subjects, several recipients. */
function graphSizedMails(n: number): Message[] {
  const id = (i: number): string => `AAMkAGRlbW8ALgAAAAAAHYQDEapmEc2byACqAC-EWg0A${String(i).padStart(4, '0')}${'Qx7Lk2Wm9Pq4Rz'.repeat(6)}AAAAAAEMAAA=`;
  return Array.from({ length: n }, (_, i) => ({
    id: id(i),
    subject: `Action required: your mailbox is almost full — verify your account within 24 hours (${i})`,
    from: { emailAddress: { address: 'it-support-notifications@contoso-helpdesk-secure-login.co' } },
    toRecipients: ['alice@demo.onmicrosoft.com', 'bob@demo.onmicrosoft.com', 'finance-team@demo.onmicrosoft.com'].map((address) => ({
      emailAddress: { address },
    })),
    receivedDateTime: `2026-12-07T04:${String(10 + i).padStart(2, '0')}:00Z`,
  })) as Message[];
}

function searchMessage(mails: Message[]) {
  return resultMessage(
    { jobId: 'j-4821', actionName: 'Search Emails', integrationName: 'Microsoft Graph Mail', requestedBy: 'web:you', environment: 'demo' },
    {
      kind: 'result',
      isSuccess: true,
      message: `Found ${mails.length} emails.`,
      tables: [matchingMailsTable(mails)],
      json: mails.map((m) => mailJson('alice@demo.onmicrosoft.com', m, false)),
    },
  );
}

const describeBrowser = hasChromium ? describe : describe.skip;
if (!hasChromium) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the table layout tests: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

describeBrowser('tables people can read (headless Chromium)', () => {
  jest.setTimeout(60_000);
  let sys: WebchatSystem;

  beforeAll(async () => {
    sys = await startWebchatSystem();
  }, 60_000);

  afterAll(async () => {
    await sys?.close();
  });

  test('web chat: a search table keeps every cell’s text in its cell; a Mail ID is shortened, in full one click away', async () => {
    const { page } = sys;
    const before = await sys.botActivities().count();
    await sys.send(SEARCH);
    const card = sys.botActivities().nth(before);
    await card.filter({ hasText: 'Matching Mails' }).waitFor({ timeout: 30_000 });

    for (const viewport of [
      { width: 1100, height: 860 },
      { width: 400, height: 860 },
    ]) {
      await page.setViewportSize(viewport);
      const { cells, problems } = await tableProblems(card, { wholeHeaderWords: viewport.width >= 800 });
      expect(cells).toBeGreaterThanOrEqual(15); // header + at least two mails, five columns
      expect({ viewport, problems }).toEqual({ viewport, problems: [] });
    }
    await page.setViewportSize({ width: 1100, height: 860 });

    // The Mail ID cell shows first … last characters; its tooltip and a click give the full id.
    const link = card.locator('[role="table"] a.ac-anchor').first();
    const full = await link.getAttribute('title');
    const shown = (await link.textContent())!;
    expect(full!.length).toBeGreaterThan(40);
    expect(shown).toBe(`${full!.slice(0, 11)}${ELLIPSIS}${full!.slice(-6)}`);
    expect(await link.getAttribute('aria-label')).toBe(`${shown}: show the full Mail ID`);
    const fullText = card.locator('[role="table"] .ac-richTextBlock').filter({ hasText: full! });
    expect(await fullText.count()).toBe(1);
    expect(await fullText.isVisible()).toBe(false); // hidden until asked
    await picture(card, 'search-table.png');
    await link.click();
    await fullText.waitFor({ state: 'visible' });
    expect((await tableProblems(card)).problems).toEqual([]);
    // The same id is in the JSON result (and its file).
    await card.getByRole('button', { name: 'Show JSON result' }).click();
    expect(await card.textContent()).toContain(`"id": "${full}"`);
    expect(sys.problems).toEqual([]);
  });

  test('Teams: the card as sent, drawn by the adaptivecards library alone, keeps cells apart within the Table limits', async () => {
    const msg = searchMessage(graphSizedMails(10));
    const card = render(msg, 'teams').attachments[0].content as { body: Array<Record<string, unknown>> };
    expect(validateAdaptiveCard(card)).toEqual({ ok: true, errors: [] });
    expect(cardBytes(card)).toBeLessThan(ADAPTIVE_MAX_BYTES);
    const container = card.body.find((b) => Array.isArray(b.items) && (b.items as Array<{ type: string }>).some((i) => i.type === 'Table'))!;
    const table = (container.items as Array<Record<string, unknown>>).find((i) => i.type === 'Table') as {
      columns: Array<{ width: number }>;
      rows: Array<{ cells: unknown[] }>;
    };
    // Limits we keep for Teams: at most 12 columns, integer weights, one row per mail plus the header.
    expect(table.columns).toHaveLength(5);
    for (const c of table.columns) expect(Number.isInteger(c.width) && c.width > 0).toBe(true);
    expect(table.rows).toHaveLength(11);
    // No text in the table is longer than a cell takes (200 characters, ids shortened).
    const texts = JSON.stringify(table.rows).match(/"text":"[^"]*"/g)!;
    expect(texts.filter((t) => t.length > 200 + 9)).toEqual([]);
    expect(JSON.stringify(toAdaptiveCard(msg))).toContain(graphSizedMails(1)[0].id); // the full id stays in the card's JSON

    const page: Page = await sys.browser.newPage({ viewport: { width: 1200, height: 900 } });
    try {
      await page.setContent('<!doctype html><html><body style="margin:0"><div id="host" class="card"></div></body></html>');
      await page.addStyleTag({ path: join(cardsDist, 'adaptivecards.css') });
      await page.addScriptTag({ path: join(cardsDist, 'adaptivecards.min.js') });
      // Teams gives a full-width card ("msteams": {"width": "Full"}) the conversation's width.
      for (const width of [1000, 860]) {
        await page.evaluate(
          ({ json, width }) => {
            const AC = (window as unknown as { AdaptiveCards: typeof import('adaptivecards') }).AdaptiveCards;
            const host = document.getElementById('host')!;
            host.style.width = `${width}px`;
            const c = new AC.AdaptiveCard();
            c.parse(json);
            host.replaceChildren(c.render()!);
          },
          { json: card, width },
        );
        const { cells, problems } = await tableProblems(page.locator('#host'));
        expect(cells).toBe(2 + 55); // the is_success fact, then the mails
        expect({ width, problems }).toEqual({ width, problems: [] });
      }
      // Not a README picture: the library's drawing stands in for Teams, it is not Teams.
      await page.locator('#host').screenshot({ path: artifact('teams-search-table.png') });
    } finally {
      await page.close();
    }
  });
});

// What needs no browser runs everywhere.
describe('tables in the card JSON and in Slack', () => {
  test('Adaptive Card: ids shortened with the full id hidden behind a toggle and as tooltip; short ids and other columns kept whole', () => {
    const mails = graphSizedMails(2);
    mails[1].id = 'AAMkShort=';
    const card = JSON.stringify(toAdaptiveCard(searchMessage(mails), { universal: true }));
    const id = mails[0].id;
    const short = `${id.slice(0, 11)}${ELLIPSIS}${id.slice(-6)}`;
    const parsed = JSON.parse(card) as unknown;
    const found: Array<Record<string, unknown>> = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') {
        found.push(n as Record<string, unknown>);
        Object.values(n).forEach(walk);
      }
    };
    walk(parsed);
    const run = found.find((n) => n.type === 'TextRun' && n.text === short)!;
    const toggle = run.selectAction as { type: string; tooltip: string; title: string; targetElements: string[] };
    expect(toggle).toMatchObject({ type: 'Action.ToggleVisibility', tooltip: id, title: `${short}: show the full Mail ID` });
    const target = found.find((n) => n.id === toggle.targetElements[0])!;
    expect(target.isVisible).toBe(false);
    expect(JSON.stringify(target)).toContain(id);
    // A short id stays as it is, with no toggle; the header and the other columns are not touched.
    expect(found.filter((n) => n.type === 'TextRun' && n.text === 'AAMkShort=' && !n.selectAction)).toHaveLength(1);
    expect(found.filter((n) => n.type === 'TextRun' && n.text === 'Mail ID')).toHaveLength(1);
    expect(found.filter((n) => n.type === 'TextRun' && n.text === mails[0].subject)).toHaveLength(1);
    expect(found.filter((n) => n.type === 'Action.ToggleVisibility' && n.tooltip)).toHaveLength(1);
  });

  test('Slack: the table is an aligned code block within Slack’s limits, Mail IDs shortened', () => {
    const mails = graphSizedMails(10);
    const { blocks } = render(searchMessage(mails), 'slack');
    expect(blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
    const texts = blocks.map((b) => {
      const t = (b as { text?: { text?: unknown } }).text?.text;
      return typeof t === 'string' ? t : '';
    });
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(SLACK_MAX_SECTION_TEXT);
    const table = texts.find((t) => t.startsWith('*Matching Mails*'))!;
    const lines = table.slice(table.indexOf('```\n') + 4, table.lastIndexOf('\n```')).split('\n');
    expect(lines).toHaveLength(12); // header, rule, ten mails
    // Aligned: every column starts where the header's does, and no line is wider than 130.
    const starts = (line: string): number[] => [...line.matchAll(/(?:^| {2})(\S)/g)].map((m) => m.index! + (m[0].length - 1));
    const columnStarts = starts(lines[0]);
    expect(columnStarts).toHaveLength(5);
    for (const line of lines.slice(2)) {
      for (const s of columnStarts) expect(line[s - 1] === undefined || line[s - 1] === ' ').toBe(true);
      expect(line.length).toBeLessThanOrEqual(130);
    }
    // The Mail ID keeps its first and last characters.
    const id = mails[0].id;
    expect(lines[2].startsWith(`${id.slice(0, 11)}${ELLIPSIS}${id.slice(-6)}`)).toBe(true);
  });
});

/**
 * The web chat page in headless Chromium against a stand-in bot (botbuilder's CloudAdapter on
 * /api/messages, answering through the web chat's Bot Connector subset): card rendering,
 * Action.Execute / Action.Submit round trips, an update in place re-rendered in the same element,
 * bot text never interpreted as HTML, and no CSP violation or script error.
 * The full product path (runtime, commands, emulator) is in webchat.test.ts.
 */
import restify, { type Server } from 'restify';
import Redis from 'ioredis';
import pino from 'pino';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ActivityTypes, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { Browser, Page } from 'playwright-core';
import { createAdapter } from '../../bot/teams/adapter';
import { mountWebchat } from '../../bot/webchat/routes';
import type { Runtime } from '../../lib/runtime';
import type { Settings } from '../../lib/settings';
import { artifact, CHROMIUM, hasChromium, launchChromium, watchPage } from './browser';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const OK = 'Successfully connected to the stand-in service with the provided connection parameters!';

function card(title: string, extra: Record<string, unknown>[] = [], actions: Record<string, unknown>[] = []): Activity['attachments'] {
  return [
    {
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: {
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: '1.5',
        body: [{ type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true }, ...extra],
        actions,
      },
    },
  ];
}

/** The stand-in bot: `card`, `queue` (and `finish`: its update in place), `xss`; clicks answered in the turn. */
function standInBot(server: Server): void {
  const adapter = createAdapter({});
  let queued = '';
  server.post('/api/messages', restify.plugins.bodyParser({ mapParams: false }), async (req, res) => {
    await adapter.process(req as never, res as never, async (ctx) => {
      const a = ctx.activity;
      if (a.type === ActivityTypes.Invoke) {
        const action = (a.value as { action: { verb: string; data: { topic?: string } } }).action;
        await ctx.sendActivity({ type: 'message', text: `help for ${action.data.topic}`, attachments: card(`Help · ${action.data.topic}`) });
        await ctx.sendActivity({
          type: ActivityTypes.InvokeResponse,
          value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Done' } },
        });
        return;
      }
      if (a.value) {
        await ctx.sendActivity(`submitted ${JSON.stringify(a.value)}`);
        return;
      }
      switch (a.text) {
        case 'card':
          await ctx.sendActivity({
            type: 'message',
            text: 'Pick an integration',
            attachments: card(
              'Pick an integration',
              [{ type: 'FactSet', facts: [{ title: 'Environment', value: 'demo' }] }],
              [
                { type: 'Action.Execute', title: 'Graph Mail', verb: 'help', data: { topic: 'graphmail' } },
                { type: 'Action.Execute', title: 'Azure API', verb: 'help', data: { topic: 'azure' } },
                { type: 'Action.Submit', title: 'Submit it', data: { verb: 'help', topic: 'o365' } },
              ],
            ),
          });
          return;
        case 'queue':
          queued = (await ctx.sendActivity({ type: 'message', text: 'Queued as job j-1234abcd', attachments: card('Queued as job j-1234abcd') }))!.id;
          return;
        case 'finish': {
          // As the outbox does it: a proactive turn that updates the queued message in place.
          const ref = TurnContext.getConversationReference(a) as ConversationReference;
          await adapter.continueConversationAsync('', ref, async (c) => {
            await c.updateActivity({
              type: 'message',
              id: queued,
              text: OK,
              conversation: c.activity.conversation,
              attachments: card('Job j-1234abcd succeeded', [{ type: 'TextBlock', text: OK, wrap: true }]),
            });
          });
          return;
        }
        case 'xss':
          await ctx.sendActivity({ type: 'message', text: '<img src=x onerror="window.__xss=1"> & <b>not bold</b>', textFormat: 'plain' });
          await ctx.sendActivity({ type: 'message', text: 'card fallback', attachments: card('<script>window.__xss=2</script> **still plain**') });
          return;
        default:
          await ctx.sendActivity(`echo: ${a.text}`);
      }
    });
  });
}

const describeBrowser = hasChromium ? describe : describe.skip;
if (!hasChromium) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the web chat browser tests: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

describeBrowser('web chat page (headless Chromium, stand-in bot)', () => {
  let server: Server;
  let redis: Redis;
  let base: string;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    server = restify.createServer({ handleUncaughtExceptions: false } as restify.ServerOptions);
    server.use(restify.plugins.queryParser({ mapParams: false }));
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    base = `http://127.0.0.1:${port}`;
    redis = new Redis(REDIS_URL);
    const settings: Settings = {
      port,
      publicUrl: base,
      asyncPollMs: 50,
      botFramework: {},
      filesDir: '/tmp',
      webchat: true,
      redisPrefix: `t-${Date.now()}-${randomBytes(4).toString('hex')}:`,
    };
    standInBot(server);
    mountWebchat(server, { redis, settings, log: pino({ level: 'silent' }) } as unknown as Runtime);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    problems = watchPage(page);
    await page.goto(`${base}/?room=pagetest&user=tester`);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    redis?.disconnect();
  });

  async function send(text: string): Promise<void> {
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-send').click();
  }

  const activity = (text: string) => page.getByTestId('activity').filter({ hasText: text });

  test('renders cards and round-trips Action.Execute and Action.Submit', async () => {
    await expect(page.locator('#room-name').textContent()).resolves.toBe('pagetest');
    await send('card');
    const mine = activity('card').first();
    await mine.waitFor();
    expect(await mine.getAttribute('class')).toContain('from-me');
    const bot = page.locator('[data-testid="activity"].from-bot').filter({ hasText: 'Pick an integration' });
    await bot.waitFor();
    await expect(bot.locator('.ac-adaptiveCard').count()).resolves.toBe(1);
    // The text is the card's title: shown once, not twice.
    await expect(bot.getByText('Pick an integration', { exact: true }).count()).resolves.toBe(1);
    await expect(bot.getByText('Environment').count()).resolves.toBe(1);

    await bot.getByRole('button', { name: 'Graph Mail' }).click();
    await activity('Help · graphmail').last().waitFor();
    await activity('pressed Graph Mail').waitFor();

    await bot.getByRole('button', { name: 'Submit it' }).click();
    await activity('submitted {"verb":"help","topic":"o365"}').waitFor();
    // A text-only activity shows its text; one with a card shows the card instead of repeating it.
    expect(await activity('submitted').locator('.text').count()).toBe(1);
    expect(await bot.locator('.text').count()).toBe(0);
  });

  test('an activity updated in place re-renders in the same element', async () => {
    await send('queue');
    const queued = page.locator('[data-testid="activity"].from-bot').filter({ hasText: 'Queued as job j-1234abcd' });
    await queued.waitFor();
    const handle = await queued.elementHandle();
    const id = await handle!.getAttribute('data-activity-id');
    const rev = Number(await handle!.getAttribute('data-revision'));
    const count = await page.getByTestId('activity').count();

    await send('finish');
    await page.locator(`[data-activity-id="${id}"]`).filter({ hasText: OK }).waitFor({ timeout: 10_000 });
    expect(await handle!.evaluate((e) => e.isConnected && e.textContent)).toContain(OK);
    expect(Number(await handle!.getAttribute('data-revision'))).toBeGreaterThan(rev);
    expect(await handle!.textContent()).not.toContain('Queued as job');
    expect(await handle!.$$('.edited')).toHaveLength(1);
    // Only the user's `finish` was added: the update did not add an activity.
    expect(await page.getByTestId('activity').count()).toBe(count + 1);
  });

  test('bot text is shown as text, never as HTML', async () => {
    await send('xss');
    const bot = page.locator('[data-testid="activity"].from-bot').filter({ hasText: 'not bold' });
    await bot.waitFor();
    expect(await bot.locator('.text').textContent()).toBe('<img src=x onerror="window.__xss=1"> & <b>not bold</b>');
    expect(await bot.locator('img[src="x"], b, script').count()).toBe(0);
    const cardBot = page.locator('[data-testid="activity"].from-bot').filter({ hasText: 'still plain' });
    await cardBot.waitFor();
    await expect(cardBot.getByText('<script>window.__xss=2</script> **still plain**').count()).resolves.toBe(1);
    expect(await cardBot.locator('script, strong').count()).toBe(0);
    expect(await cardBot.textContent()).not.toContain('card fallback');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });

  test('input history, errors shown inline, and a clean console', async () => {
    const input = page.getByTestId('chat-input');
    await input.fill('');
    await input.press('ArrowUp');
    expect(await input.inputValue()).toBe('xss');
    await input.fill('');
    await page.screenshot({ path: artifact('webchat-page.png'), fullPage: false });
    expect(problems).toEqual([]);
  });
});

/**
 * The demo as a user meets it, for the browser tests: a `main` runtime with the web chat mounted,
 * the Microsoft 365 emulator behind the `demo` environment (web:you is its admin), and a page of
 * headless Debian Chromium on the web chat, with the helpers to type and read.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Browser, Locator, Page } from 'playwright-core';
import { mountWebchat } from '../../bot/webchat/routes';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_FACTS, DEMO_MAILBOXES, DEMO_TENANT, startEmulator, type Emulator } from '../../emulator';
import { setupDemo } from '../../lib/demo';
import { startRuntime, type Runtime } from '../../lib/runtime';
import { freePort } from '../helpers/harness';
import { launchChromium, watchPage } from './browser';

export const PING_OK = 'Successfully connected to the Microsoft Graph mail service with the provided connection parameters!';

export interface WebchatSystem {
  url: string;
  runtime: Runtime;
  emulator: Emulator;
  browser: Browser;
  page: Page;
  /** Script errors, CSP violations and failed requests seen on the page. */
  problems: string[];
  botActivities(): Locator;
  /** Types `text` into the chat and waits until it shows as the user's message. */
  send(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function startWebchatSystem(opts: { path?: string; viewport?: { width: number; height: number } } = {}): Promise<WebchatSystem> {
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!redisUrl) throw new Error('TEST_REDIS_URL is not set (jest globalSetup starts redis-server)');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const filesDir = mkdtempSync(join(tmpdir(), 'chatsoar-webchat-'));
  const emulator = await startEmulator({ seed: true });
  const runtime = await startRuntime({
    role: 'main',
    settings: {
      port,
      redisUrl,
      publicUrl: url,
      asyncPollMs: 100,
      botFramework: {},
      trustedOrigins: [emulator.url],
      filesDir,
      webchat: true,
      redisPrefix: `t-${Date.now()}-${randomBytes(4).toString('hex')}:`,
    },
    redisUrl,
    secretsKey: randomBytes(32).toString('base64'),
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    mount: [mountWebchat],
  });
  await setupDemo(runtime.environments, emulator.url, {
    tenant: DEMO_TENANT,
    clientId: DEMO_CLIENT_ID,
    clientSecret: DEMO_CLIENT_SECRET,
    mailbox: DEMO_MAILBOXES.soc,
    facts: DEMO_FACTS,
  });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1100, height: 860 } });
  const problems = watchPage(page);
  await page.goto(`${url}${opts.path ?? '/'}`);

  const botActivities = () => page.locator('[data-testid="activity"].from-bot');
  return {
    url,
    runtime,
    emulator,
    browser,
    page,
    problems,
    botActivities,
    async send(text) {
      await page.getByTestId('chat-input').fill(text);
      await page.getByTestId('chat-send').click();
      await page.locator('[data-testid="activity"].from-me').filter({ hasText: text }).last().waitFor();
    },
    async close() {
      await browser.close();
      await runtime.close();
      await emulator.close();
      rmSync(filesDir, { recursive: true, force: true });
    },
  };
}

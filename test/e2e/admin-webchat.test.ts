/**
 * An admin sets up an environment through the web chat dialog, as a user does it: headless
 * Chromium on the local web chat page, the real runtime, the Microsoft 365 emulator. `soar admin`
 * shows the admin card; the admin creates an environment, binds the room to it, fills in the
 * Microsoft Graph Mail settings (the secret in a password field), and Test and save runs Ping
 * before anything is saved. Then `graphmail ping` in the room succeeds.
 */
import type { Locator } from 'playwright-core';
import type { Listing } from '../../bot/webchat/store';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_MAILBOXES, DEMO_TENANT } from '../../emulator';
import { artifact, CHROMIUM, hasChromium } from './browser';
import { PING_OK, startWebchatSystem, type WebchatSystem } from './webchat-system';

const ROOM = 'setup';

const describeBrowser = hasChromium ? describe : describe.skip;
if (!hasChromium) {
  // eslint-disable-next-line no-console
  console.warn(`Skipping the admin web chat end-to-end test: ${CHROMIUM} is missing (apt-get install -y chromium).`);
}

describeBrowser('admin dialog in web chat (runtime + emulator + headless Chromium)', () => {
  jest.setTimeout(60_000);
  let sys: WebchatSystem;

  beforeAll(async () => {
    // The demo makes web:you the admin of `demo`: an admin somewhere, who may create environments.
    sys = await startWebchatSystem({ path: `/?room=${ROOM}&user=you`, viewport: { width: 1100, height: 1400 } });
  }, 60_000);

  afterAll(async () => {
    await sys?.close();
  });

  const botActivities = () => sys.botActivities();
  const send = (text: string) => sys.send(text);

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
    await fill(c, 'Azure AD endpoint', sys.emulator.url);
    await fill(c, 'Microsoft Graph Endpoint', sys.emulator.url);
    await fill(c, 'Client ID', DEMO_CLIENT_ID);
    await secret.fill(DEMO_CLIENT_SECRET);
    await fill(c, 'Tenant', DEMO_TENANT);
    await fill(c, 'Default Mailbox', 'not-a-mailbox');
    await press(c, 'Test and save');

    // The mistake is shown next to its field; nothing saved; the secret typed is kept (not shown).
    c = await card('Fix the marked field: Default Mailbox');
    await c.getByText('is not an email address', { exact: false }).first().waitFor();
    expect(await sys.runtime.environments.hasInstance('lab', 'microsoft-graph-mail')).toBe(false);
    expect(await c.getByLabel('Secret ID', { exact: false }).first().inputValue()).toBe('');
    await c.screenshot({ path: artifact('admin-webchat-field-error.png') });
    await fill(c, 'Default Mailbox', DEMO_MAILBOXES.soc);
    await press(c, 'Test and save');

    c = await card(`Ping: ${PING_OK}`);
    await c.screenshot({ path: artifact('admin-webchat-saved.png') });
    expect((await sys.runtime.environments.getInstance('lab', 'microsoft-graph-mail'))['secret-id']).toBe(DEMO_CLIENT_SECRET);
    expect(await sys.runtime.environments.environmentOf(`web:${ROOM}`)).toBe('lab');

    // The room now works against the new environment.
    await send('graphmail ping');
    await botActivities().filter({ hasText: PING_OK }).filter({ hasText: 'lab' }).last().waitFor({ timeout: 30_000 });

    // No secret was ever sent to the page.
    const listing = (await (await fetch(`${sys.url}/webchat/api/rooms/${ROOM}/activities?since=0`)).json()) as Listing;
    const botSide = listing.activities.filter((r) => (r.activity.from as { role?: string } | undefined)?.role !== 'user');
    expect(JSON.stringify(botSide)).not.toContain(DEMO_CLIENT_SECRET);
    await sys.page.screenshot({ path: artifact('admin-webchat.png'), fullPage: true });
    expect(sys.problems).toEqual([]);
  });
});

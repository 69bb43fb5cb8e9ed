/**
 * The demo's tour and `soar help`'s examples (behaviour.md 45, 49): every command shown parses as
 * typed into an action with nothing missing; the tour names the demo mailboxes and the planted
 * phish; the demo's approvals cover every action that changes mail; the first screen escapes
 * what it shows.
 */
import { parseCommand } from '../../bot/commands';
import { helpExamples, topLevelHelp } from '../../bot/commands/help';
import { defaultRequiredFor } from '../../bot/access/approvals';
import { pageWithWelcome, tourHtml, WELCOME_END, WELCOME_START } from '../../bot/webchat/welcome';
import { DEMO_FACTS, DEMO_MAILBOXES, DEMO_PHISH } from '../../emulator';
import { catalog } from '../../handlers/catalog';
import { DEMO_APPROVALS, demoBanner, demoTour } from '../../lib/demo';

function parsesAsTyped(text: string): void {
  const cmd = parseCommand(text, catalog);
  if (cmd.kind !== 'action') throw new Error(`${text}: ${cmd.kind === 'error' ? cmd.message : cmd.kind}`);
  expect(cmd.missing.map((p) => p.id)).toEqual([]);
}

describe('the demo tour', () => {
  const tour = demoTour(DEMO_FACTS);

  it('names every demo mailbox and the planted phish', () => {
    expect(tour.mailboxes.map((m) => m.address)).toEqual(Object.values(DEMO_MAILBOXES));
    expect(tour.story).toContain(DEMO_PHISH.sender);
    expect(tour.story).toContain(DEMO_PHISH.mailbox);
    expect(tour.approver).toEqual({ user: 'boss', path: '/?user=boss' });
  });

  it('offers a search, an attachment extraction and a delete that parse as typed', () => {
    expect(tour.commands.map((c) => c.text.split(' ').slice(0, 2).join(' '))).toEqual([
      'graphmail search-emails',
      'graphmail download-attachments-from-email',
      'graphmail delete-email',
    ]);
    for (const c of tour.commands) parsesAsTyped(c.text);
    const [search, , remove] = tour.commands.map((c) => parseCommand(c.text, catalog));
    if (search?.kind !== 'action' || remove?.kind !== 'action') throw new Error('not actions');
    expect(search.params['search-in-mailbox']).toEqual(expect.arrayContaining([DEMO_PHISH.mailbox]));
    expect(search.params['sender-filter']).toBe(DEMO_PHISH.sender);
    expect(remove.params['delete-in-mailbox']).toEqual([DEMO_PHISH.mailbox]);
  });

  it('requires one approver for every action that changes mail', () => {
    expect([...DEMO_APPROVALS.requiredFor].sort()).toEqual(defaultRequiredFor(catalog).sort());
    expect(DEMO_APPROVALS.approversNeeded).toBe(1);
  });

  it('is in the start banner with the approver link', () => {
    const lines = demoBanner(tour, 'http://127.0.0.1:3978/');
    expect(lines.join('\n')).toContain('http://127.0.0.1:3978/?user=boss');
    for (const c of tour.commands) expect(lines).toContain(`  ${tour.commands.indexOf(c) + 1}. ${c.text}`);
  });

  it('is the first screen of the page, escaped', () => {
    const page = `<section>${WELCOME_START}<p>default</p>${WELCOME_END}</section>`;
    const shown = pageWithWelcome(page, tour);
    expect(shown).not.toContain('<p>default</p>');
    expect(shown).toContain('data-command="graphmail delete-email');
    expect(pageWithWelcome(page, undefined)).toBe(page);
    const hostile = tourHtml({ ...tour, story: '<img src=x onerror=alert(1)>', commands: [{ text: 'x" onclick="y', what: '<b>' }] });
    expect(hostile).not.toMatch(/<img|<b>|" onclick/);
  });
});

describe('soar help examples', () => {
  it('uses the environment Default Mailbox, else a placeholder', () => {
    const withMailbox = helpExamples(catalog, { defaultMailbox: 'soc@contoso.com' });
    expect(withMailbox.length).toBeGreaterThanOrEqual(2);
    expect(withMailbox.length).toBeLessThanOrEqual(3);
    for (const e of withMailbox) {
      expect(e).toContain('soc@contoso.com');
      parsesAsTyped(e);
    }
    for (const e of helpExamples(catalog)) expect(e).toContain('<mailbox>');
  });

  it('shows the demo tour as it is typed, and ends the top-level help', () => {
    const tour = demoTour(DEMO_FACTS);
    const examples = helpExamples(catalog, { commands: tour.commands.map((c) => c.text) });
    expect(examples).toEqual(tour.commands.map((c) => `soar ${c.text}`));
    for (const e of examples) parsesAsTyped(e);
    const doc = topLevelHelp(catalog, { commands: tour.commands.map((c) => c.text) });
    expect(doc.lines.slice(-4)).toEqual(['Examples:', ...examples.map((e) => `  ${e}`)]);
  });
});

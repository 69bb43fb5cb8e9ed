/** `soar campaign <step>` in the grammar and help (contract.md §8), against the real catalogue. */
import { parseCommand } from '../../bot/commands';
import { helpFor, helpText, integrationHelp, topLevelHelp } from '../../bot/commands/help';
import { catalog } from '../../handlers/catalog';

const graphMail = catalog.find((i) => i.id === 'microsoft-graph-mail')!;

describe('soar campaign', () => {
  it('each step is its campaign-<step> action; a value right after purge/restore/show is the campaign id', () => {
    const find = parseCommand('soar campaign find --sender a@evil.example --subject "Invoice 7" --since 3d', catalog);
    expect(find).toMatchObject({ kind: 'action', action: { id: 'campaign-find' }, params: { sender: 'a@evil.example', subject: 'Invoice 7', since: '3d' } });
    for (const step of ['purge', 'restore', 'show']) {
      expect(parseCommand(`campaign ${step} c-abcd2345`, catalog)).toMatchObject({
        kind: 'action',
        action: { id: `campaign-${step}` },
        params: { 'campaign-id': 'c-abcd2345' },
        given: ['campaign-id'],
        missing: [],
      });
      expect(parseCommand(`campaign ${step} --campaign-id c-abcd2345`, catalog)).toMatchObject({ kind: 'action', params: { 'campaign-id': 'c-abcd2345' } });
    }
    expect(parseCommand('campaign list', catalog)).toMatchObject({ kind: 'action', action: { id: 'campaign-list' }, missing: [] });
    expect(parseCommand('campaign purge --dry-run c-abcd2345', catalog)).toMatchObject({ kind: 'error' });
    expect(parseCommand('campaign purge c-abcd2345 --dry-run', catalog)).toMatchObject({ kind: 'action', options: { dryRun: true } });
    expect(parseCommand('campaign purge c-abcd2345 --campaign-id c-abcd2346', catalog)).toMatchObject({
      kind: 'error',
      message: 'Parameter --campaign-id is given twice.',
    });
    expect(parseCommand('campaign purge', catalog)).toMatchObject({ kind: 'action', missing: [{ id: 'campaign-id' }] });
    expect(parseCommand('campaign list c-abcd2345', catalog)).toMatchObject({ kind: 'error' });
  });

  it('an unknown step is one line with what was meant; campaign alone is its help', () => {
    expect(parseCommand('campaign purg c-abcd2345', catalog)).toEqual({
      kind: 'error',
      message: 'Unknown campaign command "purg". Did you mean campaign purge?',
      suggestions: ['campaign purge'],
    });
    expect(parseCommand('campaign', catalog)).toEqual({ kind: 'help', group: 'campaign' });
    expect(parseCommand('help campaign', catalog)).toEqual({ kind: 'help', group: 'campaign' });
    expect(parseCommand('help campaign restore', catalog)).toMatchObject({ kind: 'help', action: { id: 'campaign-restore' } });
  });

  it('is not an action of graphmail in chat or in its help', () => {
    expect(parseCommand('graphmail campaign-find --sender a@evil.example', catalog)).toMatchObject({
      kind: 'error',
      message: 'Unknown action "campaign-find" for Microsoft Graph Mail. Did you mean campaign find?',
    });
    expect(helpText(integrationHelp(graphMail))).not.toContain('campaign');
    expect(integrationHelp(graphMail).title).toBe('Microsoft Graph Mail 17.0 (microsoft-graph-mail, alias graphmail): 17 actions');
  });

  it('help: the top level names it, its own help lists the steps, a step shows its usage', () => {
    expect(topLevelHelp(catalog).lines).toContain(
      '  campaign find|purge|restore|show|list — find a phishing wave in every mailbox of the tenant, purge it with four eyes, restore it (soar help campaign)',
    );
    const group = helpFor(catalog, undefined, undefined, undefined, 'campaign');
    expect(group.title).toBe('soar campaign: 5 steps');
    expect(group.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}soar campaign find — Find a phishing wave/),
        expect.stringMatching(/^ {2}soar campaign purge <campaign-id> — .*\[changes mail, always four-eyes, --dry-run\]$/),
      ]),
    );
    const purge = helpFor(
      catalog,
      graphMail,
      graphMail.actions.find((a) => a.id === 'campaign-purge'),
    );
    expect(purge.lines).toEqual(
      expect.arrayContaining([
        'Usage: soar campaign purge <campaign-id>',
        '<campaign-id> is the same as --campaign-id <value>.',
        'Example: soar campaign purge c-abcd2345',
      ]),
    );
  });
});

/**
 * The Microsoft Graph Mail catalogue against its seed (read at test time from test/fixtures/seeds)
 * and the corrections of docs/behaviour.md, which are listed here explicitly. Drift in either
 * direction (a misspelt name, a lost parameter or message) fails.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { slug, type ActionSpec, type ParamSpec } from '../../handlers/kit/spec';
import { integration, instanceParams } from '../../handlers/microsoft-graph-mail/integration';
import { spec as connector } from '../../handlers/microsoft-graph-mail/connectors/microsoft-graph-mail-connector';

const repoRoot = resolve(__dirname, '..', '..');
const seedsDir = join(repoRoot, 'test', 'fixtures', 'seeds');
const seedFiles = readdirSync(seedsDir).filter((f) => f.startsWith('microsoft-graph-mail.') && f.endsWith('.txt'));
const seed = seedFiles.length === 1 ? readFileSync(join(seedsDir, seedFiles[0]), 'utf8') : '';
const behaviour = readFileSync(join(repoRoot, 'docs', 'behaviour.md'), 'utf8');

/** The seed's actions; the campaign actions beyond the seed (contract.md §8) are checked on their own below. */
const seedActions = integration.actions.filter((a) => !a.group);

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();
const lines = seed.split(/\r?\n/).map(norm);
const seedText = norm(seed);

/** behaviour.md 2: corrected messages, and the seed's typo'd text they replace. */
const CORRECTED_MESSAGES: Array<{ action: string; message: string; replaces: string }> = [
  {
    action: 'get-mailbox-account-out-of-facility-settings',
    message: 'Error executing action "Get Mailbox Account Out Of Facility Settings". Reason: ERROR_REASON',
    replaces: 'Error executing action "Add Identity Protection Detection Comment". Reason: ERROR_REASON',
  },
  {
    action: 'forward-email',
    message: 'Action failed to forward the email because the provided mailbox folder name was not found in the mailbox(es): MAILBOX: MAILBOX_FOLDER',
    replaces: 'Action failed to delete any emails because the provided mailbox folder name was not found in the mailbox(es): MAILBOX: MAILBOX_FOLDER',
  },
  {
    action: 'download-attachments-from-email',
    message:
      'In the mailboxes listed below, emails were found, but there were no attachments to download. Affected mailboxes: MAILBOXES. Mail IDs without attachments to download: LIST_OF_EMAIL_IDS.',
    replaces:
      'In the mailboxes listed below, emails were found, but there were no attachments to download. Affected mailboxes: MAILBOXES. Mail IDs without attachments to download: LIST_OF_EMAIL_IDS attachments.',
  },
];

/** Parameters beyond the seed's inputs for that action, each with the behaviour.md item that adds it. */
const EXTRA_PARAMS: Record<string, string[]> = {
  'search-emails': ['Mail IDs'], // behaviour.md 9
  'microsoft-graph-mail-connector': ['Verify SSL'], // behaviour.md 17
};

/** JSON results beyond the seed's "JSON result Available". */
const EXTRA_JSON: string[] = ['search-emails' /* behaviour.md 9 */, 'send-email' /* behaviour.md 11 */];

/** Messages whose success/failure side is not the one their position in the seed suggests. */
const SIDE_EXCEPTIONS: Record<string, string[]> = {
  // The seed prints it above its message table; as in Delete Email and Move Email To Folder, it is a failure.
  'search-emails': ['Action was not able to find any emails based on the specified search criteria.'],
};

/** Mailbox params that default to the instance's Default Mailbox (behaviour.md 7). */
const MAILBOX_PARAMS = ['Send From', 'Delete In Mailbox', 'Search In Mailbox', 'Move In Mailbox', 'Vote Mail Sent From'];

const DESCRIPTIONS = ['Action succeeded.', 'The action succeeded.', 'Action failed.', 'The action failed.'];
const isDescription = (l: string): boolean => DESCRIPTIONS.includes(l) || l.startsWith('Check ');

/** Line index where `name` stands alone as a heading, searching from `from`. */
function headingIndex(name: string, from: number): number {
  return lines.indexOf(name, from);
}

interface Section {
  start: number;
  end: number;
}

const actionsStart = lines.indexOf('Actions');
const connectorsStart = lines.indexOf('Connectors');
const sections = new Map<string, Section>();
{
  let from = actionsStart;
  const starts: Array<{ id: string; start: number }> = [];
  for (const a of seedActions) {
    const start = headingIndex(a.name, from + 1);
    starts.push({ id: a.id, start });
    if (start >= 0) from = start;
  }
  starts.forEach((s, i) => sections.set(s.id, { start: s.start, end: i + 1 < starts.length ? starts[i + 1].start : connectorsStart }));
}

function sectionLines(s: Section): string[] {
  return lines.slice(s.start, s.end);
}

/** The seed's parameters of a block: `Name Required|Optional` on one line, or the marker on the next. */
function seedParams(block: string[]): Array<{ name: string; required: boolean }> {
  const out: Array<{ name: string; required: boolean }> = [];
  block.forEach((l, i) => {
    const m = /^(.+) (Required|Optional)$/.exec(l);
    if (m) out.push({ name: m[1], required: m[2] === 'Required' });
    else if ((block[i + 1] === 'Required' || block[i + 1] === 'Optional') && l !== '') out.push({ name: l, required: block[i + 1] === 'Required' });
  });
  return out;
}

function between(block: string[], startMarker: string, endMarker: string): string[] {
  const s = block.indexOf(startMarker);
  const e = block.indexOf(endMarker, s + 1);
  return s >= 0 && e > s ? block.slice(s + 1, e) : [];
}

/** The seed's output-message lines of an action (descriptions dropped, inline descriptions cut off). */
function seedMessages(block: string[]): Array<{ message: string; index: number; succeededAt: number }> {
  const start = block.lastIndexOf('Output messages');
  const end = block.indexOf('Script result', start + 1);
  const out: Array<{ message: string; index: number; succeededAt: number }> = [];
  let succeededAt = -1;
  for (let i = start + 1; i < end; i++) {
    const l = block[i];
    if (l === '' || l.endsWith(':') || l === 'Output message Message description') continue;
    if (succeededAt < 0 && (l === 'Action succeeded.' || l === 'The action succeeded.' || / (The a|A)ction succeeded\.$/.test(l))) succeededAt = i;
    if (isDescription(l)) continue;
    const message = l.replace(/ (The a|A)ction succeeded\.$/, '');
    out.push({ message, index: i, succeededAt: -1 });
  }
  return out.map((m) => ({ ...m, succeededAt }));
}

function defaultMatchesType(p: ParamSpec): boolean {
  if (p.default === undefined) return true;
  switch (p.type) {
    case 'boolean':
      return typeof p.default === 'boolean';
    case 'integer':
      return typeof p.default === 'number' && Number.isInteger(p.default);
    case 'list':
    case 'email-list':
      return Array.isArray(p.default);
    case 'enum':
      return typeof p.default === 'string' && (p.options ?? []).includes(p.default);
    default:
      return typeof p.default === 'string';
  }
}

function checkParamShapes(owner: string, params: ParamSpec[]): void {
  const ids = params.map((p) => p.id);
  expect({ owner, duplicates: ids.filter((id, i) => ids.indexOf(id) !== i) }).toEqual({ owner, duplicates: [] });
  for (const p of params) {
    expect({ owner, name: p.displayName, id: p.id }).toEqual({ owner, name: p.displayName, id: slug(p.displayName) });
    expect({ owner, name: p.displayName, inSeed: seedText.includes(norm(p.displayName)) }).toEqual({ owner, name: p.displayName, inSeed: true });
    expect({ owner, name: p.displayName, defaultTyped: defaultMatchesType(p) }).toEqual({ owner, name: p.displayName, defaultTyped: true });
    expect({ owner, name: p.displayName, secret: p.type === 'password' }).toEqual({ owner, name: p.displayName, secret: p.secret === true });
    if (p.type === 'enum') expect((p.options ?? []).length).toBeGreaterThan(0);
    expect(p.description.length).toBeGreaterThan(0);
    expect(p.description).not.toContain('\n');
  }
}

/** Seed params in order vs spec params (minus behaviour.md extras), and the Required flags. */
function checkParamsAgainstSeed(owner: string, block: string[], params: ParamSpec[]): void {
  const extras = EXTRA_PARAMS[owner] ?? [];
  const fromSeed = seedParams(block);
  expect({ owner, names: params.filter((p) => !extras.includes(p.displayName)).map((p) => p.displayName) }).toEqual({
    owner,
    names: fromSeed.map((p) => p.name),
  });
  for (const p of params) {
    const s = fromSeed.find((x) => x.name === p.displayName);
    if (!s) continue;
    // behaviour.md 7 / 17: a param that defaults to the instance is never missing.
    const expected = p.defaultFromInstance ? false : s.required;
    expect({ owner, name: p.displayName, required: p.required }).toEqual({ owner, name: p.displayName, required: expected });
  }
}

describe('Microsoft Graph Mail catalogue vs its seed', () => {
  it('finds exactly one seed file', () => {
    expect(seedFiles).toHaveLength(1);
    expect(seed).toContain('Integration version: 17.0');
  });

  it('has the integration name, version and alias', () => {
    expect(integration.id).toBe(slug(integration.name));
    expect(lines[0]).toBe(integration.name);
    expect(seed).toContain(`Integration version: ${integration.version}`);
    expect(integration.alias).toBe('graphmail');
    expect(integration.jobs).toEqual([]);
  });

  it('has every action of the seed, in its order, each a heading of the seed', () => {
    expect(seedActions).toHaveLength(lines.filter((l) => l === 'Action inputs').length);
    let previous = actionsStart;
    for (const a of seedActions) {
      const s = sections.get(a.id)!;
      expect({ name: a.name, heading: s.start > previous }).toEqual({ name: a.name, heading: true });
      previous = Math.max(previous, s.start);
      expect(a.id).toBe(slug(a.name));
      expect(a.integration).toBe('microsoft-graph-mail');
      expect(a.description).not.toContain('\n');
    }
    const ids = seedActions.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  describe.each(seedActions.map((a): [string, ActionSpec] => [a.id, a]))('%s', (id, a) => {
    const block = sectionLines(sections.get(id) ?? { start: 0, end: 0 });

    it("has the seed's parameters, well-formed", () => {
      checkParamShapes(id, a.params);
      checkParamsAgainstSeed(id, between(block, 'Action inputs', 'Action outputs'), a.params);
      for (const p of a.params) {
        if (MAILBOX_PARAMS.includes(p.displayName))
          expect({ name: p.displayName, from: p.defaultFromInstance }).toEqual({ name: p.displayName, from: 'default-mailbox' });
        else expect(p.defaultFromInstance).toBeUndefined();
      }
    });

    it('has every seed output message verbatim, on the right side, or its behaviour.md correction', () => {
      const success = Object.values(a.messages.success);
      const all = [...success, ...Object.values(a.messages.failure)];
      expect(success.length).toBeGreaterThan(0);
      expect(Object.values(a.messages.failure).length).toBeGreaterThan(0);
      expect(new Set(all).size).toBe(all.length);
      const variants = CORRECTED_MESSAGES.filter((v) => v.action === id);
      const fromSeed = seedMessages(block);
      // Every message of the spec is a message of this action's seed section, or a listed correction.
      for (const m of all) {
        const inSeed = fromSeed.some((s) => s.message === m);
        const corrected = variants.some((v) => v.message === m);
        expect({ message: m, inSeedOrCorrected: inSeed || corrected }).toEqual({ message: m, inSeedOrCorrected: true });
      }
      // Every message of the seed is in the spec (typos replaced by their corrections).
      for (const s of fromSeed) {
        const v = variants.find((x) => x.replaces === s.message);
        const expected = v ? v.message : s.message;
        expect({ seed: s.message, inSpec: all.includes(expected) }).toEqual({ seed: s.message, inSpec: true });
        if (v) expect(all).not.toContain(v.replaces);
        // Side: before (or on) the "Action succeeded." line → success; after → failure.
        if (!v && !(SIDE_EXCEPTIONS[id] ?? []).includes(s.message)) {
          const side = s.succeededAt >= 0 && s.index <= s.succeededAt ? 'success' : 'failure';
          const actual = success.includes(s.message) ? 'success' : 'failure';
          expect({ message: s.message, side: actual }).toEqual({ message: s.message, side });
        }
      }
      for (const v of variants) expect(all).toContain(v.message);
    });

    it("has the seed's outputs: JSON result, tables, attachments", () => {
      const available = (what: string): boolean => block.includes(`${what} Available`);
      expect({ json: a.jsonResult === true }).toEqual({ json: available('JSON result') || EXTRA_JSON.includes(id) });
      expect({ attachments: a.attachments === true }).toEqual({ attachments: available('Case wall attachment') });
      expect({ tables: (a.tables ?? []).length > 0 }).toEqual({ tables: available('Case wall table') });
      for (const t of a.tables ?? []) {
        expect(block).toContain(`Table title: ${t.title}`);
        const c = block.indexOf('Columns:');
        const bullets = block.slice(c + 1).filter((l) => l !== '');
        expect(bullets.slice(0, t.columns.length)).toEqual(t.columns.map((col) => `• ${col}`));
      }
    });

    it('has the chat flags', () => {
      expect(a.entity === 'user').toBe(id === 'get-mailbox-account-out-of-facility-settings');
      expect(a.async === true).toBe(id.startsWith('wait-for-'));
      if (a.dryRun) expect(a.changesMail).toBe(true);
      if (a.async) expect(block).toContain('This action is asynchronous. Adjust the action timeout in the IDE accordingly.');
    });
  });

  it('has the campaign actions after the seed ones, grouped, the changing ones always four-eyes (contract.md §8)', () => {
    const grouped = integration.actions.filter((a) => a.group);
    expect(integration.actions.slice(seedActions.length)).toEqual(grouped);
    expect(grouped.map((a) => [a.id, a.group, a.changesMail === true, a.fourEyes ?? null])).toEqual([
      ['campaign-find', 'campaign', false, null],
      ['campaign-purge', 'campaign', true, 'always'],
      ['campaign-restore', 'campaign', true, 'always'],
      ['campaign-show', 'campaign', false, null],
      ['campaign-list', 'campaign', false, null],
    ]);
    for (const a of grouped) expect(a.id).toBe(slug(a.name));
  });

  it('marks the mail-changing actions', () => {
    const changing = seedActions
      .filter((a) => a.changesMail)
      .map((a) => a.id)
      .sort();
    expect(changing).toEqual(
      [
        'delete-email',
        'forward-email',
        'mark-email-as-junk',
        'mark-email-as-not-junk',
        'move-email-to-folder',
        'send-email',
        'send-email-html',
        'send-thread-reply',
        'send-vote-email',
      ].sort(),
    );
    const dry = seedActions
      .filter((a) => a.dryRun)
      .map((a) => a.id)
      .sort();
    expect(dry).toEqual(['delete-email', 'mark-email-as-junk', 'mark-email-as-not-junk', 'move-email-to-folder']);
  });

  it('applies the behaviour.md 8 folder defaults', () => {
    for (const a of seedActions) {
      const folder = a.params.find((p) => p.displayName === 'Folder Name');
      if (folder)
        expect({ action: a.id, default: folder.default }).toEqual({ action: a.id, default: a.id === 'mark-email-as-not-junk' ? 'Junk Email' : 'Inbox' });
    }
  });

  it('lists corrections that docs/behaviour.md really makes and the seed really needs', () => {
    for (const v of CORRECTED_MESSAGES) {
      expect(norm(behaviour)).toContain(norm(v.message));
      expect(seedText).toContain(norm(v.replaces));
      expect(seedText).not.toContain(norm(v.message));
    }
  });

  it('has the integration parameters, ids being the contract.md §5 keys', () => {
    const block = lines.slice(lines.indexOf('Integrate Microsoft Graph Mail with Google SecOps'), actionsStart);
    checkParamShapes('integration', instanceParams);
    checkParamsAgainstSeed(
      'integration',
      between(block, 'Parameter Description', 'For detailed instructions about configuring an integration in Google SecOps, see Configure integrations.'),
      instanceParams,
    );
    expect(instanceParams.map((p) => p.id)).toEqual([
      'azure-ad-endpoint',
      'microsoft-graph-endpoint',
      'client-id',
      'secret-id',
      'tenant',
      'default-mailbox',
      'verify-ssl',
    ]);
    expect(integration.params).toBe(instanceParams);
  });

  it('has the connector and its parameters', () => {
    expect(integration.connectors).toEqual([connector]);
    expect(connector.id).toBe(slug(connector.name));
    expect(connector.id).toBe('microsoft-graph-mail-connector');
    const start = lines.indexOf(connector.name, connectorsStart);
    expect(start).toBeGreaterThan(connectorsStart);
    const block = lines.slice(start);
    checkParamShapes(connector.id, connector.params);
    checkParamsAgainstSeed(connector.id, between(block, 'Parameters', 'Connector rules'), connector.params);
    // behaviour.md 17: connector param id → instance param id, both existing, and the same as defaultFromInstance.
    const map = connector.instanceParamMap ?? {};
    expect(map).toEqual({
      'azure-ad-endpoint': 'azure-ad-endpoint',
      'microsoft-graph-endpoint': 'microsoft-graph-endpoint',
      'client-id': 'client-id',
      'client-secret': 'secret-id',
      'tenant-directory-id': 'tenant',
      'mail-address': 'default-mailbox',
      'verify-ssl': 'verify-ssl',
    });
    for (const [from, to] of Object.entries(map)) {
      expect(connector.params.find((p) => p.id === from)?.defaultFromInstance).toBe(to);
      expect(instanceParams.some((p) => p.id === to)).toBe(true);
    }
    for (const p of connector.params) if (p.defaultFromInstance) expect(map[p.id]).toBe(p.defaultFromInstance);
  });
});

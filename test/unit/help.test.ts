/** Help at three levels, generated from the catalogue (contract.md §4). */
import { actionParams } from '../../bot/commands/catalog-lookup';
import { verbOf } from '../../bot/commands/grouped';
import {
  actionHelp,
  checkCatalog,
  exampleArg,
  helpFor,
  helpForCommand,
  helpText,
  integrationHelp,
  parseCommand,
  topLevelHelp,
  type HelpDoc,
} from '../../bot/commands';
import type { IntegrationSpec } from '../../handlers/kit/spec';
import {
  SECRET_DEFAULT,
  azureApi,
  deleteEmail,
  executeHttpRequest,
  fixtureCatalog,
  generateToken,
  graphMail,
  o365,
  outOfFacility,
  searchEmails,
  startSubscription,
  waitForVote,
} from '../fixtures/catalog-fixture';

function lineWith(doc: HelpDoc, needle: string): string {
  const line = doc.lines.find((l) => l.includes(needle));
  if (!line) throw new Error(`no line with ${needle} in:\n${helpText(doc)}`);
  return line;
}

describe('top-level help', () => {
  const doc = topLevelHelp(fixtureCatalog);

  it('lists every integration with its alias, id, version and action count', () => {
    expect(doc.title).toBe('chatsoar commands');
    expect(lineWith(doc, 'azure (azure-api)')).toMatch(/Azure API 1\.0: 4 actions, 1 not yet available/);
    expect(lineWith(doc, 'graphmail (microsoft-graph-mail)')).toMatch(/Microsoft Graph Mail 17\.0: 6 actions, 1 not yet available/);
    expect(lineWith(doc, 'o365 (o365-management-api)')).toMatch(/O365 Management API 7\.0: 3 actions$/);
  });

  it('lists the built-in commands and the global options', () => {
    for (const c of ['help <integration> [<action>]', 'jobs', 'cancel <job-id>', 'vote "<question>"', 'admin']) {
      expect(doc.lines.some((l) => l.trimStart().startsWith(c))).toBe(true);
    }
    expect(lineWith(doc, 'Global options')).toMatch(/--environment <name>.*--timeout <duration>.*default 1h.*--dry-run/);
  });

  it('is the help of `soar help` and of an empty line', () => {
    for (const text of ['soar help', '', 'soar']) {
      const cmd = parseCommand(text, fixtureCatalog);
      expect(cmd.kind).toBe('help');
      if (cmd.kind === 'help') expect(helpForCommand(cmd, fixtureCatalog)).toEqual(doc);
    }
    expect(helpFor(fixtureCatalog)).toEqual(doc);
  });
});

describe('integration help', () => {
  const doc = integrationHelp(graphMail);

  it('names the integration with its id and alias', () => {
    expect(doc.title).toBe('Microsoft Graph Mail 17.0 (microsoft-graph-mail, alias graphmail): 6 actions');
    expect(doc.lines).toContain('Usage: soar graphmail <action> [--<param> <value>]...');
  });

  it('has one line per action: slug, name, one-line description, marks', () => {
    expect(lineWith(doc, 'search-emails —')).toBe(
      '  search-emails — Search Emails: Search emails in the default mailbox, or other mailboxes, based on the provided search criteria. [async]',
    );
    expect(lineWith(doc, 'delete-email —')).toMatch(/Delete Email: Delete one or more emails from a mailbox\. \[changes mail, --dry-run\]$/);
    expect(lineWith(doc, 'send-email')).toMatch(/^ {2}send-email \(also send\) — Send Email: .* \[changes mail\]$/);
    expect(lineWith(doc, outOfFacility.id)).toMatch(/\[not yet available\]$/);
    expect(lineWith(doc, waitForVote.id)).toMatch(/\[async\]$/);
    const actionLines = doc.lines.filter((l) => / — /.test(l));
    expect(actionLines).toHaveLength(graphMail.actions.length);
  });

  it('keeps descriptions to their first sentence', () => {
    const line = lineWith(integrationHelp(azureApi), 'execute-http-request');
    expect(line).toMatch(/against a target URL\. \[async\]$/);
    expect(line).not.toMatch(/Asynchronous when waiting/);
  });

  it('is the help of `soar help <integration>` and `soar <integration>`', () => {
    for (const text of ['soar help graphmail', 'soar graphmail', 'soar help microsoft-graph-mail']) {
      const cmd = parseCommand(text, fixtureCatalog);
      if (cmd.kind !== 'help') throw new Error(cmd.kind);
      expect(helpFor(fixtureCatalog, cmd.integration, cmd.action)).toEqual(doc);
    }
  });
});

describe('action help', () => {
  it('has a usage line with the required params and a line per param', () => {
    const doc = actionHelp(azureApi, executeHttpRequest);
    expect(doc.title).toBe('Execute HTTP Request (Azure API)');
    expect(doc.lines).toContain('Usage: soar azure execute-http-request --url-path <url> [--<param> <value>]...');
    expect(doc.lines).toContain('Also: soar azure http');
    expect(lineWith(doc, '--url-path —')).toBe(
      '  --url-path — URL Path (url, required): The API endpoint where the request executes. Also --url. Example: --url-path https://example.com/path',
    );
    expect(lineWith(doc, '--method —')).toBe(
      '  --method — Method (enum, optional, default GET): The HTTP method. One of: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS. Example: --method GET',
    );
    expect(lineWith(doc, '--fail-on-4xx-5xx —')).toMatch(/Fail on 4xx\/5xx \(flag, optional, default true\).*Example: --fail-on-4xx-5xx=false$/);
    expect(lineWith(doc, '--save-to-case-wall —')).toMatch(/\(flag, optional, default false\).*Example: --save-to-case-wall$/);
    expect(lineWith(doc, '--request-timeout —')).toMatch(/\(integer, required, default 120\)/);
    expect(lineWith(doc, '--fields-to-return —')).toMatch(/\(list, required, default response_data,redirects,/);
    expect(lineWith(doc, '--headers —')).toMatch(/\(json, optional, default \{"Content-Type"/);
    expect(lineWith(doc, '--timeout <duration>')).toMatch(/default 1h/);
    expect(doc.lines.some((l) => l.includes('--dry-run'))).toBe(false);
    expect(doc.lines).toContain('Example: soar azure execute-http-request --url-path https://example.com/path');
  });

  it('marks secrets and never shows their default', () => {
    const doc = actionHelp(azureApi, generateToken);
    const line = lineWith(doc, '--client-secret —');
    expect(line).toMatch(/^ {2}--client-secret — Client Secret \(password, optional\) \(secret\): /);
    expect(helpText(doc)).not.toContain(SECRET_DEFAULT);
    expect(line).not.toMatch(/default/);
  });

  it('shows defaults from the instance, dry-run, changes mail and entities', () => {
    const del = actionHelp(graphMail, deleteEmail);
    expect(lineWith(del, '--delete-in-mailbox —')).toMatch(/\(email-list, required, default: the environment's default-mailbox\)/);
    expect(lineWith(del, '--dry-run —')).toBe('  --dry-run — report what would change, change nothing');
    expect(lineWith(del, 'Changes mail')).toBeDefined();
    expect(del.lines).toContain('Usage: soar graphmail delete-email --mail-ids <a,b,…> [--<param> <value>]...');
    const oof = actionHelp(graphMail, outOfFacility);
    expect(lineWith(oof, 'Not yet available')).toMatch(/Runs on User entities: --user a@x\.com,b@x\.com\./);
    expect(oof.lines).toContain('Usage: soar graphmail get-mailbox-account-out-of-facility-settings --user <a@x.com,b@x.com>');
  });

  it('lists enum options and an async timeout', () => {
    const doc = actionHelp(o365, startSubscription);
    expect(lineWith(doc, '--start-a-subscription-for —')).toMatch(
      /\(enum, required\).*One of: Audit\.General, Audit\.Exchange, Audit\.SharePoint, Audit\.AzureActiveDirectory, DLP\.All\. Example: --start-a-subscription-for Audit\.General$/,
    );
    expect(actionHelp(graphMail, searchEmails).lines.some((l) => l.includes('--timeout <duration>'))).toBe(true);
    expect(doc.lines.some((l) => l.includes('--timeout <duration>'))).toBe(false);
  });

  it('is the help of `soar help <integration> <action>` and `--help`', () => {
    for (const text of ['soar help azure execute-http-request', 'soar azure http --help', 'soar help AZURE-API Execute-HTTP-Request']) {
      const cmd = parseCommand(text, fixtureCatalog);
      if (cmd.kind !== 'help') throw new Error(cmd.kind);
      expect(helpFor(fixtureCatalog, cmd.integration, cmd.action)).toEqual(actionHelp(azureApi, executeHttpRequest));
    }
  });

  it('has no line breaks inside a line', () => {
    for (const i of fixtureCatalog) {
      for (const doc of [integrationHelp(i), ...i.actions.map((a) => actionHelp(i, a))]) {
        for (const l of [doc.title, ...doc.lines]) expect(l).not.toMatch(/\n/);
      }
    }
  });

  it('helpText is the title then the lines', () => {
    const doc = actionHelp(o365, startSubscription);
    expect(helpText(doc).split('\n')).toEqual([doc.title, ...doc.lines]);
  });
});

/** The examples that help shows must be accepted by the parser, for every action. */
function examplesParse(catalog: IntegrationSpec[]): void {
  for (const i of catalog) {
    for (const a of i.actions) {
      // A grouped action (contract.md §8) is typed under its word: `soar campaign find …`.
      const command = a.group ? `soar ${a.group} ${verbOf(a)}` : `soar ${i.alias} ${a.id}`;
      const all = `${command} ${actionParams(a).map(exampleArg).join(' ')}`;
      const cmd = parseCommand(all, catalog);
      if (cmd.kind !== 'action') throw new Error(`${all}: ${cmd.kind === 'error' ? cmd.message : cmd.kind}`);
      expect(cmd.missing).toEqual([]);
      expect(cmd.given).toEqual(actionParams(a).map((p) => p.id));
      const example = actionHelp(i, a)
        .lines.find((l) => l.startsWith('Example: '))!
        .slice('Example: '.length);
      const ex = parseCommand(example, catalog);
      if (ex.kind !== 'action') throw new Error(`${example}: ${ex.kind === 'error' ? ex.message : ex.kind}`);
      expect(ex.missing).toEqual([]);
    }
  }
}

describe('help and parser agree', () => {
  it('on the fixture catalogue', () => {
    examplesParse(fixtureCatalog);
  });

  // The real catalogue (handlers/catalog.ts), when it loads: no ambiguous names, examples parse.
  let real: IntegrationSpec[] | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    real = (require('../../handlers/catalog') as { catalog?: IntegrationSpec[] }).catalog;
  } catch {
    real = undefined;
  }
  (real ? it : it.skip)('on the real catalogue', () => {
    expect(checkCatalog(real!)).toEqual([]);
    examplesParse(real!);
    for (const i of real!) {
      expect(parseCommand(`soar help ${i.alias}`, real!)).toMatchObject({ kind: 'help', integration: { id: i.id } });
      for (const a of i.actions) {
        const asked = a.group ? `soar help ${a.group} ${verbOf(a)}` : `soar help ${i.id} ${a.id}`;
        expect(parseCommand(asked, real!)).toMatchObject({ kind: 'help', action: { id: a.id } });
        // Grouped actions are not actions of the integration in chat.
        if (a.group) expect(parseCommand(`soar help ${i.id} ${a.id}`, real!)).toMatchObject({ kind: 'error' });
      }
    }
  });
});

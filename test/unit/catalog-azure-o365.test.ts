/**
 * The Azure API 1.0 and O365 Management API 7.0 catalogues, checked against the seed texts read
 * at test time (test/fixtures/seeds) and the messages docs/behaviour.md gives, listed below.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { slug, type ActionSpec, type ConnectorSpec, type IntegrationId, type IntegrationSpec, type JobSpec, type ParamSpec } from '../../handlers/kit/spec';
import { integration as azure, instanceParams as azureInstanceParams } from '../../handlers/azure-api/integration';
import { integration as o365, instanceParams as o365InstanceParams } from '../../handlers/o365-management-api/integration';

const SEEDS_DIR = path.resolve(__dirname, '../fixtures/seeds');
const BEHAVIOUR_MD = path.resolve(__dirname, '../../docs/behaviour.md');
const HANDLERS_DIR = path.resolve(__dirname, '../../handlers');

function readSeed(id: IntegrationId): string {
  const file = fs.readdirSync(SEEDS_DIR).find((name) => name.startsWith(`${id}.`) && name.endsWith('.txt'));
  if (!file) throw new Error(`no seed for ${id} in ${SEEDS_DIR}`);
  return fs.readFileSync(path.join(SEEDS_DIR, file), 'utf8');
}

/** Whitespace normalisation: a line break (before a placeholder or anywhere) is one space (behaviour.md 2). */
const norm = (text: string): string => text.replace(/\s+/g, ' ').trim();
const escapeRe = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The name occurs in the seed as a whole phrase (not as part of a longer word), case-sensitively. */
function appearsAsName(seed: string, name: string): boolean {
  return new RegExp(`(?<![A-Za-z0-9])${escapeRe(norm(name))}(?![A-Za-z0-9])`).test(norm(seed));
}

/** Messages that docs/behaviour.md gives or corrects (they are not, or not verbatim, in the seed). */
const GIVEN_MESSAGES: Record<string, string[]> = {
  'azure-api': [
    // behaviour.md 25
    'Successfully executed API request.',
    'Successfully executed API request. Waiting for expected response values.',
    'Successfully executed API request, but the status code CODE was returned. Please check the request or try again later.',
    'Authorization URL generated successfully.',
    'Successfully connected to the Azure API.',
    // behaviour.md 26
    'Successfully fetched the refresh token and saved it to environment ENV.',
    "Failed to generate a token because the authorization URL that you provided is incorrect. The 'code' parameter is missing.",
    'Unable to generate the refresh token with the provided authorization URL.',
  ],
  'o365-management-api': [
    // behaviour.md 2: Stop a Subscription failure, typo corrected
    'Failed to execute command! Error is {0}',
  ],
};

/** behaviour.md 2 typo fixes: seed text → corrected message. */
const TYPO_FIXES: Record<string, string> = {
  'Failed to connect to execute command! Error is {0}': 'Failed to execute command! Error is {0}',
};

/** Parameters that docs/behaviour.md adds beyond the seed. */
const EXTRA_PARAMS: Record<string, string[]> = {
  'azure-api': ['HTTP Allow List'], // behaviour.md 30
  'o365-management-api': [],
};

/** behaviour.md 4: platform-only parameters, not parameters of chatsoar. */
const PLATFORM_ONLY = ['Instance Name', 'Description', 'Run Remotely'];

const CATALOGUES: Array<{
  spec: IntegrationSpec;
  instanceParams: ParamSpec[];
  name: string;
  version: string;
  alias: string;
  actions: string[];
  connectors: string[];
  jobs: string[];
}> = [
  {
    spec: azure,
    instanceParams: azureInstanceParams,
    name: 'Azure API',
    version: '1.0',
    alias: 'azure',
    actions: ['Execute HTTP Request', 'Get Authorization', 'Generate Token', 'Ping'],
    connectors: [],
    jobs: ['Refresh Token Renewal Job'],
  },
  {
    spec: o365,
    instanceParams: o365InstanceParams,
    name: 'O365 Management API',
    version: '7.0',
    alias: 'o365',
    actions: ['Ping', 'Start a Subscription', 'Stop a Subscription'],
    connectors: ['Office 365 Management API DLP Events Connector', 'Office 365 Management API Audit General Events Connector'],
    jobs: [],
  },
];

type Named = ActionSpec | ConnectorSpec | JobSpec;

/** Problems of one param list against the seed; empty when all is well. */
function paramProblems(where: string, params: ParamSpec[], seed: string, extras: string[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const p of params) {
    const at = `${where} / ${p.displayName}`;
    if (!extras.includes(p.displayName) && !appearsAsName(seed, p.displayName)) problems.push(`${at}: display name not in the seed`);
    if (PLATFORM_ONLY.includes(p.displayName)) problems.push(`${at}: platform-only parameter (behaviour.md 4)`);
    if (p.id !== slug(p.displayName)) problems.push(`${at}: id ${p.id} is not slug(displayName) ${slug(p.displayName)}`);
    for (const name of [p.id, ...(p.aliases ?? [])]) {
      if (name !== slug(name)) problems.push(`${at}: ${name} is not a slug`);
      if (seen.has(name)) problems.push(`${at}: duplicate id/alias ${name} (also ${seen.get(name)})`);
      seen.set(name, p.displayName);
    }
    if (!p.description || p.description.includes('\n')) problems.push(`${at}: description must be one line`);
    if (p.type === 'password' && !p.secret) problems.push(`${at}: password must be secret`);
    if (p.type === 'enum') {
      if (!p.options || p.options.length === 0) problems.push(`${at}: enum without options`);
      else if (p.default !== undefined && !p.options.includes(String(p.default))) problems.push(`${at}: default not among options`);
    } else if (p.options) problems.push(`${at}: options on a non-enum`);
    if (p.default !== undefined) {
      const d = p.default;
      const ok =
        p.type === 'boolean'
          ? typeof d === 'boolean'
          : p.type === 'integer'
            ? typeof d === 'number' && Number.isInteger(d)
            : p.type === 'list' || p.type === 'email-list'
              ? Array.isArray(d) && d.every((x) => typeof x === 'string')
              : p.type === 'json'
                ? typeof d === 'string' && isJson(d)
                : typeof d === 'string';
      if (!ok) problems.push(`${at}: default ${JSON.stringify(d)} is not a ${p.type}`);
    }
  }
  return problems;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function namedProblems(integration: IntegrationId, kind: string, spec: Named, seed: string): string[] {
  const problems: string[] = [];
  const at = `${kind} ${spec.name}`;
  if (spec.integration !== integration) problems.push(`${at}: integration ${spec.integration}`);
  if (!appearsAsName(seed, spec.name)) problems.push(`${at}: name not in the seed`);
  if (spec.id !== slug(spec.name)) problems.push(`${at}: id ${spec.id} is not slug(name) ${slug(spec.name)}`);
  if (!spec.description || spec.description.includes('\n')) problems.push(`${at}: description must be one line`);
  problems.push(...paramProblems(at, spec.params, seed, []));
  return problems;
}

function messageProblems(integration: IntegrationId, action: ActionSpec, seed: string): string[] {
  const problems: string[] = [];
  const seedText = norm(seed);
  const given = GIVEN_MESSAGES[integration] ?? [];
  const success = Object.values(action.messages.success);
  const failure = Object.values(action.messages.failure);
  if (success.length === 0) problems.push(`${action.name}: no success message`);
  if (failure.length === 0) problems.push(`${action.name}: no failure message`);
  for (const message of [...success, ...failure]) {
    if (message !== norm(message)) problems.push(`${action.name}: message has stray whitespace: ${message}`);
    if (!seedText.includes(norm(message)) && !given.includes(message)) problems.push(`${action.name}: message neither in seed nor behaviour.md: ${message}`);
  }
  return problems;
}

/** Splits the seed at the given whole-line headings (found in order); returns heading → section text. */
function sections(seed: string, headings: string[]): Map<string, string[]> {
  const lines = seed.split('\n');
  const starts: number[] = [];
  let from = 0;
  for (const heading of headings) {
    const at = lines.findIndex((line, i) => i >= from && line.trim() === heading);
    if (at < 0) throw new Error(`heading ${heading} not found in the seed`);
    starts.push(at);
    from = at + 1;
  }
  const out = new Map<string, string[]>();
  headings.forEach((heading, i) => out.set(heading, lines.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : lines.length)));
  return out;
}

/** Parameter display names of a seed section's tables. */
function seedParamNames(integration: IntegrationId, lines: string[]): string[] {
  const names: string[] = [];
  if (integration === 'azure-api') {
    // Rows: "<Display Name> |" followed by "Required. …" or "Optional. …".
    lines.forEach((line, i) => {
      const m = /^(.+) \|$/.exec(line);
      if (m && /^(Required|Optional)\./.test(lines[i + 1] ?? '')) names.push(m[1].trim());
    });
  } else {
    // Rows: "<Display Name> <Type> <Default> <Mandatory> <Description>".
    for (const line of lines) {
      const m = /^(.+?) (?:String|Password|Pasword|Checkbox|Integer|DDL|CSV)(?: |$)(?!(?:String|Password|Pasword|Checkbox|Integer|DDL|CSV)(?: |$))/.exec(line);
      if (m) names.push(m[1].trim());
    }
  }
  return names.filter((name) => !PLATFORM_ONLY.includes(name));
}

/** Output messages a seed section gives (success / failure), typo-corrected, blank ones left out. */
function seedMessages(integration: IntegrationId, lines: string[]): { success: string[]; failure: string[] } {
  const success: string[] = [];
  const failure: string[] = [];
  if (integration === 'azure-api') {
    const start = lines.findIndex((line) => line.trim() === 'Output messages');
    const end = lines.findIndex((line, i) => i > start && line.trim() === 'Script result');
    if (start < 0 || end < 0) return { success, failure };
    const table = lines.slice(start, end);
    const head = table.findIndex((line) => line.trim() === '|---|---|');
    const cells: string[] = [];
    let acc: string[] = [];
    for (const line of table.slice(head + 1)) {
      if (/\|\s*$/.test(line)) {
        acc.push(line.replace(/\|\s*$/, ''));
        cells.push(norm(acc.join('\n')));
        acc = [];
      } else acc.push(line);
    }
    for (let i = 0; i + 1 < cells.length; i += 2) {
      const [message, description] = [cells[i], cells[i + 1]];
      if (!message) continue; // blank in the seed: behaviour.md 25 gives it
      (description.startsWith('The action succeeded') ? success : failure).push(TYPO_FIXES[message] ?? message);
    }
  } else {
    for (const line of lines) {
      const m = /if (successful|critical error)[^"]*print "([^"]+)"/.exec(line);
      if (!m) continue;
      const message = norm(m[2]);
      (m[1] === 'successful' ? success : failure).push(TYPO_FIXES[message] ?? message);
    }
  }
  return { success, failure };
}

describe.each(CATALOGUES)('catalogue of $name', (cat) => {
  const id = cat.spec.id;
  const seed = readSeed(id);
  const all: Array<[string, Named]> = [
    ...cat.spec.actions.map((a): [string, Named] => ['action', a]),
    ...cat.spec.connectors.map((c): [string, Named] => ['connector', c]),
    ...cat.spec.jobs.map((j): [string, Named] => ['job', j]),
  ];

  it('names the integration as the seed and contract.md do', () => {
    expect(cat.spec.name).toBe(cat.name);
    expect(cat.spec.version).toBe(cat.version);
    expect(cat.spec.alias).toBe(cat.alias);
    expect(cat.spec.id).toBe(slug(cat.spec.name));
    expect(appearsAsName(seed, cat.spec.name)).toBe(true);
    expect(norm(seed)).toContain(`Integration version: ${cat.version}`);
    expect(cat.spec.params).toBe(cat.instanceParams);
  });

  it('lists every action, connector and job of the seed, by its seed name', () => {
    expect(cat.spec.actions.map((a) => a.name)).toEqual(cat.actions);
    expect(cat.spec.connectors.map((c) => c.name)).toEqual(cat.connectors);
    expect(cat.spec.jobs.map((j) => j.name)).toEqual(cat.jobs);
    for (const name of [...cat.actions, ...cat.connectors, ...cat.jobs]) expect([name, appearsAsName(seed, name)]).toEqual([name, true]);
    if (id === 'azure-api') {
      const used = [...norm(seed).matchAll(/Use the ([A-Z][A-Za-z0-9 ]*?) action to/g)].map((m) => m[1]);
      expect(new Set(used)).toEqual(new Set(cat.actions));
    }
  });

  it('has one spec file per action, connector and job, each imported by integration.ts', () => {
    const filesOf = (dir: string): string[] => {
      const full = path.join(HANDLERS_DIR, id, dir);
      return fs.existsSync(full)
        ? fs
            .readdirSync(full)
            .filter((f) => f.endsWith('.ts'))
            .sort()
        : [];
    };
    expect(filesOf('actions')).toEqual(cat.spec.actions.map((a) => `${a.id}.ts`).sort());
    expect(filesOf('connectors')).toEqual(cat.spec.connectors.map((c) => `${c.id}.ts`).sort());
    expect(filesOf('jobs')).toEqual(cat.spec.jobs.map((j) => `${j.id}.ts`).sort());
  });

  it('specs: names and param display names from the seed, ids are slugs, no duplicates', () => {
    const problems = all.flatMap(([kind, spec]) => namedProblems(id, kind, spec, seed));
    problems.push(...paramProblems('instance', cat.instanceParams, seed, EXTRA_PARAMS[id]));
    const ids = all.map(([kind, spec]) => `${kind}:${spec.id}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(problems).toEqual([]);
  });

  it('has exactly the parameters of each seed table (platform-only ones left out)', () => {
    const headings = ['Integration parameters', ...all.map(([, spec]) => spec.name)];
    const bySection = sections(seed, headings);
    const expectNames = (heading: string, params: ParamSpec[], extras: string[] = []): void => {
      const fromSeed = seedParamNames(id, bySection.get(heading) ?? []);
      expect([heading, params.map((p) => p.displayName)]).toEqual([heading, [...fromSeed, ...extras]]);
    };
    expectNames('Integration parameters', cat.instanceParams, EXTRA_PARAMS[id]);
    for (const [, spec] of all) expectNames(spec.name, spec.params);
  });

  it('messages are the seed verbatim (whitespace-normalised) or behaviour.md-given, and all seed messages are kept', () => {
    const problems = cat.spec.actions.flatMap((a) => messageProblems(id, a, seed));
    expect(problems).toEqual([]);
    const bySection = sections(
      seed,
      cat.spec.actions.map((a) => a.name),
    );
    for (const action of cat.spec.actions) {
      const fromSeed = seedMessages(id, bySection.get(action.name) ?? []);
      for (const m of fromSeed.success) expect([action.name, Object.values(action.messages.success)]).toEqual([action.name, expect.arrayContaining([m])]);
      for (const m of fromSeed.failure) expect([action.name, Object.values(action.messages.failure)]).toEqual([action.name, expect.arrayContaining([m])]);
      expect(fromSeed.failure.length).toBeGreaterThan(0);
    }
  });

  it('connector connection params map onto instance params', () => {
    const instanceIds = new Set(cat.instanceParams.map((p) => p.id));
    for (const connector of cat.spec.connectors) {
      const ids = new Set(connector.params.map((p) => p.id));
      const map = connector.instanceParamMap ?? {};
      expect(Object.keys(map).length).toBeGreaterThan(0);
      for (const [from, to] of Object.entries(map)) {
        expect([connector.id, from, ids.has(from)]).toEqual([connector.id, from, true]);
        expect([connector.id, to, instanceIds.has(to)]).toEqual([connector.id, to, true]);
      }
    }
  });
});

describe('catalogue details (behaviour.md, contract.md)', () => {
  const byId = <T extends { id: string }>(list: T[], id: string): T => {
    const found = list.find((x) => x.id === id);
    if (!found) throw new Error(`no ${id}`);
    return found;
  };

  it('uses the slugs contract.md §4 and §5 name', () => {
    expect(azure.actions.map((a) => a.id)).toContain('execute-http-request');
    expect(byId(azure.actions, 'execute-http-request').params.map((p) => p.id)).toContain('fail-on-4xx-5xx');
    expect(byId(o365.actions, 'start-a-subscription').params.map((p) => p.id)).toEqual(['start-a-subscription-for']);
    expect(o365.connectors.map((c) => c.id)).toEqual([
      'office-365-management-api-dlp-events-connector',
      'office-365-management-api-audit-general-events-connector',
    ]);
    expect(azure.jobs.map((j) => j.id)).toEqual(['refresh-token-renewal-job']);
    expect(azureInstanceParams.map((p) => p.id)).toEqual(
      expect.arrayContaining([
        'microsoft-login-api-root',
        'microsoft-graph-api-root',
        'client-id',
        'client-secret',
        'tenant-id',
        'refresh-token',
        'http-allow-list',
      ]),
    );
    expect(o365InstanceParams.map((p) => p.id)).toEqual(expect.arrayContaining(['api-root', 'azure-active-directory-id', 'client-id', 'client-secret']));
  });

  it('restores the lost defaults (contract.md §4, behaviour.md 28)', () => {
    const inst = (id: string): ParamSpec => byId(azureInstanceParams, id);
    expect(inst('microsoft-login-api-root').default).toBe('https://login.microsoftonline.com');
    expect(inst('microsoft-graph-api-root').default).toBe('https://graph.microsoft.com');
    expect(inst('redirect-url').default).toBe('$PUBLIC_URL/oauth/callback');
    expect(inst('scopes').default).toEqual(['https://graph.microsoft.com/.default']);
    expect(inst('verify-ssl').default).toBe(true);
    expect(inst('client-secret').secret).toBe(true);
    expect(inst('refresh-token').secret).toBe(true);
    const http = byId(azure.actions, 'execute-http-request');
    const p = (id: string): ParamSpec => byId(http.params, id);
    expect(p('method')).toMatchObject({ type: 'enum', default: 'GET', options: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] });
    expect(p('fields-to-return').default).toEqual(['response_data', 'redirects', 'response_code', 'cookies', 'response_headers', 'apparent_encoding']);
    expect(p('request-timeout').default).toBe(120);
    expect(JSON.parse(String(p('headers').default))).toEqual({ 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json' });
    expect(p('save-to-case-wall').default).toBe(false);
    expect(p('password-protect-zip').default).toBe(true);
    expect(p('base64-output').default).toBe(false);
    expect(http).toMatchObject({ async: true, changesMail: true, jsonResult: true, attachments: true });
    expect(byId(byId(azure.actions, 'get-authorization').params, 'oauth-scopes').default).toEqual(['https://graph.microsoft.com/.default']);
  });

  it('makes the content type a required enum without default (behaviour.md 21)', () => {
    for (const id of ['start-a-subscription', 'stop-a-subscription']) {
      const [p] = byId(o365.actions, id).params;
      expect(p).toMatchObject({
        type: 'enum',
        required: true,
        options: ['Audit.General', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.AzureActiveDirectory', 'DLP.All'],
      });
      expect(p.default).toBeUndefined();
    }
    expect(Object.values(byId(o365.actions, 'stop-a-subscription').messages.failure)).toEqual(['Failed to execute command! Error is {0}']);
  });

  it('lists only messages that docs/behaviour.md really gives, verbatim', () => {
    const behaviour = norm(fs.readFileSync(BEHAVIOUR_MD, 'utf8'));
    for (const message of Object.values(GIVEN_MESSAGES).flat()) expect([message, behaviour.includes(norm(message))]).toEqual([message, true]);
    for (const [typo, fixed] of Object.entries(TYPO_FIXES)) {
      expect(norm(readSeed('o365-management-api'))).toContain(typo);
      expect(behaviour).toContain(fixed);
    }
  });

  it('leaves out the platform-only parameters (behaviour.md 4)', () => {
    for (const p of [...azureInstanceParams, ...o365InstanceParams]) expect(PLATFORM_ONLY).not.toContain(p.displayName);
  });

  it('fails on a misspelled name, param or message', () => {
    const seed = readSeed('azure-api');
    expect(appearsAsName(seed, 'Execute HTTP Request')).toBe(true);
    expect(appearsAsName(seed, 'Execute HTTP Requst')).toBe(false);
    expect(appearsAsName(seed, 'Execute HTTP Reques')).toBe(false);
    const good = byId(azure.actions, 'execute-http-request');
    expect(namedProblems('azure-api', 'action', good, seed)).toEqual([]);
    const badName: ActionSpec = { ...good, name: 'Execute HTTP Requests', id: slug('Execute HTTP Requests') };
    expect(namedProblems('azure-api', 'action', badName, seed).length).toBeGreaterThan(0);
    const badParam: ActionSpec = { ...good, params: [...good.params.slice(1), { ...good.params[0], displayName: 'Methd', id: 'methd' }] };
    expect(namedProblems('azure-api', 'action', badParam, seed).length).toBeGreaterThan(0);
    const badId: ActionSpec = { ...good, params: [...good.params.slice(1), { ...good.params[0], id: 'verb' }] };
    expect(namedProblems('azure-api', 'action', badId, seed).length).toBeGreaterThan(0);
    const dup: ActionSpec = { ...good, params: [...good.params, good.params[0]] };
    expect(namedProblems('azure-api', 'action', dup, seed).length).toBeGreaterThan(0);
    const badMessage: ActionSpec = { ...good, messages: { ...good.messages, failure: { failed: 'Failed to execute API requests. Error: ERROR_REASON' } } };
    expect(messageProblems('azure-api', badMessage, seed).length).toBeGreaterThan(0);
    const o365Seed = readSeed('o365-management-api');
    const stop = byId(o365.actions, 'stop-a-subscription');
    expect(
      namedProblems('o365-management-api', 'action', { ...stop, name: 'Stop a Subscripton', id: slug('Stop a Subscripton') }, o365Seed).length,
    ).toBeGreaterThan(0);
  });
});

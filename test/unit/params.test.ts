/**
 * One rule for a parameter's value, whoever gives it: chat text, a dialog field, a CONFIG_FILE value
 * (YAML gives lists, booleans and numbers natively) or a stored schedule parameter. Each case goes
 * through all four and must come out as the same typed value, or be refused by all four.
 */
import { parse as parseYaml } from 'yaml';
import { checkForm } from '../../bot/admin/validate';
import { convertValue, parseCommand } from '../../bot/commands';
import { ConfigError, parseConfig } from '../../config/apply';
import { spec as executeHttpRequest } from '../../handlers/azure-api/actions/execute-http-request';
import { catalog } from '../../handlers/catalog';
import { applyDefaults, coerceParam, problemText, typedDefault, valueText, type ParamProblem } from '../../handlers/kit/params';
import { param, type ParamSpec, type ParamType } from '../../handlers/kit/spec';
import { scheduleParams } from '../../queue/schedule-params';

function spec(type: ParamType, extra: Partial<ParamSpec> = {}): ParamSpec {
  return param('Value', { type, required: false, description: '', ...extra });
}

type Outcome = { value: unknown } | { refused: string };

const chat = (p: ParamSpec, text: string): Outcome => {
  const r = convertValue(p, { value: text, literal: text, source: text, quoted: true });
  return r.ok ? { value: r.value } : { refused: r.message };
};

const form = (p: ParamSpec, text: string): Outcome => {
  const r = checkForm([p], { [p.id]: text }, new Set());
  return p.id in r.errors ? { refused: r.errors[p.id]! } : { value: r.values[p.id] };
};

/** The value as a YAML file would give it (`value: <yaml>`), typed as CONFIG_FILE types it. */
const yaml = (p: ParamSpec, text: string): Outcome => {
  const native: unknown = (parseYaml(`value: ${text}`) as { value: unknown }).value;
  const r = coerceParam(p, native, { placeholders: true });
  return r.ok ? { value: r.value } : { refused: problemText(r.problem) };
};

/** The value as stored for a connector or job (what the YAML or the dialog gave), typed at each run. */
const schedule = (p: ParamSpec, stored: unknown): Outcome => {
  try {
    return { value: scheduleParams([p], { [p.id]: stored }, {})[p.id] };
  } catch (err) {
    return { refused: (err as Error).message };
  }
};

describe('one rule for chat, dialogs, CONFIG_FILE and schedules', () => {
  it.each<[string, ParamSpec, string, string, unknown]>([
    // [what, spec, chat/form text, YAML text, typed value]
    ['a comma-separated list', spec('list'), 'Inbox, Archive', 'Inbox, Archive', ['Inbox', 'Archive']],
    ['a JSON array keeps commas inside items', spec('list'), '["Invoice, March.eml", "b"]', `'["Invoice, March.eml", "b"]'`, ['Invoice, March.eml', 'b']],
    ['a YAML list is a list', spec('list'), 'Inbox,Archive', '[ Inbox, Archive ]', ['Inbox', 'Archive']],
    [
      'email addresses, cleaned',
      spec('email-list'),
      'mailto:a@contoso.com; <b@contoso.com>',
      '[ "mailto:a@contoso.com", "<b@contoso.com>" ]',
      ['a@contoso.com', 'b@contoso.com'],
    ],
    ['a boolean word', spec('boolean'), 'yes', 'on', true],
    ['a YAML boolean', spec('boolean'), 'false', 'false', false],
    ['a whole number', spec('integer'), '25', '25', 25],
    ['an email address', spec('email'), 'mailto:soc@contoso.com', 'soc@contoso.com', 'soc@contoso.com'],
    ['an http(s) URL', spec('url'), ' https://graph.microsoft.com ', 'https://graph.microsoft.com', 'https://graph.microsoft.com'],
    ['an enum option in any case', spec('enum', { options: ['GET', 'POST'] }), 'post', 'Post', 'POST'],
    ['JSON text or a YAML map', spec('json'), '{"a": [1, 2]}', '{ a: [1, 2] }', { a: [1, 2] }],
    ['text as given', spec('string'), 'Inbox/cases', 'Inbox/cases', 'Inbox/cases'],
  ])('types %s the same way', (_what, p, text, yamlText, expected) => {
    expect(chat(p, text)).toEqual({ value: expected });
    expect(form(p, text)).toEqual({ value: expected });
    expect(yaml(p, yamlText)).toEqual({ value: expected });
    expect(schedule(p, text)).toEqual({ value: expected });
  });

  it.each<[string, ParamSpec, string, string, ParamProblem['kind'], RegExp]>([
    // [what, spec, chat/form text, YAML text, problem, how chat words it]
    ['a word that is not a boolean', spec('boolean'), 'maybe', 'maybe', 'boolean', /^Parameter --value: expected true or false, got "maybe"\.$/],
    ['a fraction for a whole number', spec('integer'), '1.5', '1.5', 'integer', /^Parameter --value: expected a whole number, got "1\.5"\.$/],
    [
      'a bad address in a list',
      spec('email-list'),
      'a@contoso.com, nobody',
      '[ a@contoso.com, nobody ]',
      'email',
      /^Parameter --value: "nobody" is not an email address\.$/,
    ],
    ['a bad address', spec('email'), 'soc at contoso', 'soc at contoso', 'email', /is not an email address/],
    [
      'a URL that is not http(s)',
      spec('url'),
      'file:///etc/passwd',
      'file:///etc/passwd',
      'url',
      /^Parameter --value: expected an http:\/\/ or https:\/\/ URL, got "file:\/\/\/etc\/passwd"\.$/,
    ],
    ['a value not among the options', spec('enum', { options: ['GET', 'POST'] }), 'FETCH', 'FETCH', 'enum', /is not one of GET, POST\./],
    ['broken JSON', spec('json'), '{"a":', `'{"a":'`, 'json', /^Parameter --value: invalid JSON \(/],
  ])('refuses %s everywhere', (_what, p, text, yamlText, kind, chatWording) => {
    const c = chat(p, text);
    expect(c).toEqual({ refused: expect.stringMatching(chatWording) });
    expect(form(p, text)).toHaveProperty('refused');
    const r = coerceParam(p, (parseYaml(`value: ${yamlText}`) as { value: unknown }).value, { placeholders: true });
    expect(r.ok ? 'accepted' : r.problem.kind).toBe(kind);
    expect(schedule(p, text)).toEqual({ refused: expect.stringMatching(/^value: /) });
  });

  it('refuses a map or a list where text is expected (CONFIG_FILE only can give one)', () => {
    expect(yaml(spec('string'), '{ a: 1 }')).toEqual({ refused: 'expected text, not a map' });
    expect(yaml(spec('string'), '[ a, b ]')).toEqual({ refused: 'expected text, not a list' });
    expect(yaml(spec('list'), '[ { a: 1 } ]')).toEqual({ refused: 'expected a list' });
  });

  it('shows a typed value as text that types back to the same value (dialog fields, admin show)', () => {
    const list = spec('list');
    for (const value of [
      ['Inbox', 'Archive'],
      ['Invoice, March.eml', 'b'],
    ])
      expect(chat(list, valueText(value))).toEqual({ value });
    const json = spec('json');
    expect(chat(json, valueText({ a: [1, 'x, y'] }))).toEqual({ value: { a: [1, 'x, y'] } });
    expect(valueText(['Inbox', 'Archive'])).toBe('Inbox,Archive');
  });

  it('takes a run-time placeholder in a URL only where it is resolved (CONFIG_FILE, schedules, defaults)', () => {
    const p = spec('url');
    expect(yaml(p, '"<Microsoft Graph API Root>/v1.0/organization"')).toEqual({ value: '<Microsoft Graph API Root>/v1.0/organization' });
    expect(schedule(p, '$PUBLIC_URL/oauth/callback')).toEqual({ value: '$PUBLIC_URL/oauth/callback' });
    expect(chat(p, '<Microsoft Graph API Root>/v1.0/me')).toHaveProperty('refused');
  });
});

describe('CONFIG_FILE checks email addresses and URLs as chat does', () => {
  const config = (integration: string) => `
environments:
  prod:
    integrations:
${integration}
`;
  function problem(text: string): string {
    try {
      parseConfig(text);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('the configuration was accepted');
  }

  it('refuses an address that is not one', () => {
    expect(problem(config('      microsoft-graph-mail:\n        default-mailbox: soc-at-contoso'))).toBe(
      'CONFIG_FILE: environments.prod.integrations.microsoft-graph-mail.default-mailbox: "soc-at-contoso" is not an email address',
    );
  });

  it('refuses a connector address and a URL root that are not ones', () => {
    const connector = `
environments:
  prod:
    connectors:
      - type: microsoft-graph-mail-connector
        params: { mail-address: "phish(at)contoso.com" }
`;
    expect(problem(connector)).toBe('CONFIG_FILE: environments.prod.connectors[0].params: mail-address: "phish(at)contoso.com" is not an email address');
    expect(problem(config('      azure-api:\n        test-url: ftp://10.1.2.3/health'))).toBe(
      'CONFIG_FILE: environments.prod.integrations.azure-api.test-url: "ftp://10.1.2.3/health" is not an http(s) URL',
    );
  });

  it('reads a list written as a JSON array as chat does', () => {
    const parsed = parseConfig(config(`      azure-api:\n        scopes: '["https://graph.microsoft.com/.default", "offline_access"]'`));
    expect(parsed.prod!.integrations['azure-api']!.scopes).toEqual(['https://graph.microsoft.com/.default', 'offline_access']);
  });
});

describe('defaults, applied once where a run’s params are built', () => {
  it('types every default as a given value would be', () => {
    for (const integration of catalog) {
      for (const action of integration.actions) {
        for (const p of action.params) {
          if (p.default === undefined) continue;
          const typed = coerceParam(p, p.default, { placeholders: true });
          expect({ param: `${action.id} --${p.id}`, ok: typed.ok }).toEqual({ param: `${action.id} --${p.id}`, ok: true });
          expect(typedDefault(p)).toEqual(typed.ok ? typed.value : undefined);
        }
      }
    }
  });

  it('fills what was not given: the instance’s value typed as the param, else the typed default; keeps what was given', () => {
    const params = applyDefaults(executeHttpRequest.params, { 'url-path': 'https://x.example', 'follow-redirects': false });
    expect(params).toMatchObject({
      method: 'GET',
      headers: { 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json' },
      'follow-redirects': false,
      'request-timeout': 120,
    });
    expect(params).not.toHaveProperty('url-params');

    const search = catalog.flatMap((i) => i.actions).find((a) => a.id === 'search-emails')!;
    expect(applyDefaults(search.params, {}, { instance: { 'default-mailbox': 'soc@contoso.com' } })).toMatchObject({
      'search-in-mailbox': ['soc@contoso.com'],
      'folder-name': 'Inbox',
    });
    expect(applyDefaults(search.params, { 'folder-name': 'Archive' }, { instance: { 'default-mailbox': '' } })).not.toHaveProperty('search-in-mailbox');
  });

  it('gives the grammar’s filled defaults the same values', () => {
    const cmd = parseCommand('soar azure execute-http-request --url-path https://x.example', catalog, { fillDefaults: true });
    if (cmd.kind !== 'action') throw new Error(cmd.kind);
    expect(cmd.params).toEqual(applyDefaults(executeHttpRequest.params, { 'url-path': 'https://x.example' }));
  });

  it('resolves $PUBLIC_URL in a default', () => {
    const p = spec('url', { default: '$PUBLIC_URL/oauth/callback' });
    expect(applyDefaults([p], {}, { publicUrl: 'https://bot.example/' })).toEqual({ value: 'https://bot.example/oauth/callback' });
  });
});

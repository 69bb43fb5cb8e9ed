/**
 * CONFIG_FILE validation: a misspelt key or a bad value stops the start with one line naming its
 * key path (before, a misspelt `approvals:` was silently ignored and `approvers-needed: 0` stored).
 */
import { ConfigError, parseConfig } from '../../config/apply';
import { configFileOrigins } from '../../config/trusted-origins';
import { normalizeOrigin } from '../../handlers/kit/ssrf';

const BASE = `
environments:
  prod:
    integrations:
      microsoft-graph-mail:
        azure-ad-endpoint: https://login.microsoftonline.com
        microsoft-graph-endpoint: https://graph.microsoft.com
        client-id: 00000000-0000-0000-0000-000000000000
        secret-id: \${env:CFG_SCHEMA_SECRET}
        tenant: contoso.onmicrosoft.com
        default-mailbox: soc@contoso.com
        verify-ssl: true
      azure-api:
        microsoft-login-api-root: https://login.microsoftonline.com
        test-url: http://10.1.2.3:8080/health
        http-allow-list: [ "https://partner.example:8443" ]
    channels: [ "slack:C0123ABCD", "teams:19:abc@thread.tacv2", "web:demo" ]
    admin-channel: "slack:C0123ABCD"
    http-allow-list: [ "https://api.partner.example" ]
    roles:
      admin:    [ "slack:U01ADMIN" ]
      analyst:  [ "slack:U02ANALYST", "teams:00000000-aad-object-id" ]
      approver: [ "slack:U03BOSS" ]
    approvals:
      required-for: [ delete-email, move-email-to-folder, execute-http-request:write ]
      approvers-needed: 1
    connectors:
      - name: phishing-inbox
        type: microsoft-graph-mail-connector
        channel: "slack:C0123ABCD"
        every: 60s
        params: { mail-address: phish@contoso.com, folder-to-check-for-emails: Inbox }
    jobs:
      - type: refresh-token-renewal-job
        every: 7d
        params: { integration-environments: '"prod"' }
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

const edit = (from: string, to: string): string => {
  expect(BASE).toContain(from);
  return BASE.replace(from, to);
};

beforeAll(() => {
  process.env.CFG_SCHEMA_SECRET = 'cfg-schema-secret';
});

describe('CONFIG_FILE schema', () => {
  it('accepts the contract example; ${env:NAME} is substituted and values typed', () => {
    const config = parseConfig(BASE);
    expect(config.prod!.integrations['microsoft-graph-mail']).toMatchObject({ 'secret-id': 'cfg-schema-secret', 'verify-ssl': true });
    expect(config.prod!.meta.approvals).toEqual({ requiredFor: ['delete-email', 'move-email-to-folder', 'execute-http-request:write'], approversNeeded: 1 });
    expect(config.prod!.connectors[0]).toMatchObject({ name: 'phishing-inbox', every: '60s' });
    expect(config.prod!.jobs[0]).toMatchObject({ name: 'refresh-token-renewal-job', every: '7d' });
  });

  it.each([
    [
      'a misspelt approvals: (aprovals)',
      edit('    approvals:', '    aprovals:'),
      'CONFIG_FILE: environments.prod: unknown key aprovals (did you mean approvals?)',
    ],
    [
      'a misspelt approvals: (approval)',
      edit('    approvals:', '    approval:'),
      'CONFIG_FILE: environments.prod: unknown key approval (did you mean approvals?)',
    ],
    [
      'approvers-needed: 0',
      edit('approvers-needed: 1', 'approvers-needed: 0'),
      'CONFIG_FILE: environments.prod.approvals.approvers-needed: must be at least 1',
    ],
    [
      'approvers-needed as text',
      edit('approvers-needed: 1', 'approvers-needed: two'),
      'CONFIG_FILE: environments.prod.approvals.approvers-needed: expected a whole number from 1 to 10',
    ],
    [
      'an unknown approval slug',
      edit('[ delete-email,', '[ delete-emails,'),
      'CONFIG_FILE: environments.prod.approvals.required-for[0]: "delete-emails" is not an action slug (did you mean delete-email?)',
    ],
    ['an unknown role', edit('approver: [', 'boss: ['), 'CONFIG_FILE: environments.prod.roles: unknown role boss (one of admin, approver, analyst, viewer)'],
    [
      'a user id without platform',
      edit('"slack:U03BOSS"', '"U03BOSS"'),
      'CONFIG_FILE: environments.prod.roles.approver[0]: "U03BOSS" is not a user id: use slack:<user id>, teams:<AAD object id> or web:<name>',
    ],
    [
      'an unknown connector type',
      edit('type: microsoft-graph-mail-connector', 'type: graph-mail-connector'),
      'CONFIG_FILE: environments.prod.connectors[0].type: unknown connector type "graph-mail-connector" (did you mean microsoft-graph-mail-connector?)',
    ],
    [
      'an unknown job type',
      edit('type: refresh-token-renewal-job', 'type: token-renewal'),
      'CONFIG_FILE: environments.prod.jobs[0].type: unknown job type "token-renewal" (did you mean refresh-token-renewal-job?)',
    ],
    [
      'a bad duration',
      edit('every: 60s', 'every: sometimes'),
      'CONFIG_FILE: environments.prod.connectors[0].every: "sometimes" is not a duration of at least 1s (e.g. 60s, 15m, 7d)',
    ],
    [
      'an unknown connector key',
      edit('        every: 60s', '        evrey: 60s'),
      'CONFIG_FILE: environments.prod.connectors[0]: unknown key evrey (did you mean every?)',
    ],
    [
      'an unknown connector parameter',
      edit('mail-address: phish', 'mail-adress: phish'),
      'CONFIG_FILE: environments.prod.connectors[0].params: unknown parameter mail-adress of microsoft-graph-mail-connector (did you mean mail-address?)',
    ],
    [
      'an unknown integration parameter',
      edit('        tenant: contoso', '        tennant: contoso'),
      'CONFIG_FILE: environments.prod.integrations.microsoft-graph-mail: unknown key tennant (did you mean tenant?)',
    ],
    [
      'an unknown integration',
      edit('      azure-api:', '      azure:'),
      'CONFIG_FILE: environments.prod.integrations: unknown integration azure (did you mean azure-api?)',
    ],
    [
      'a bad boolean',
      edit('verify-ssl: true', 'verify-ssl: maybe'),
      'CONFIG_FILE: environments.prod.integrations.microsoft-graph-mail.verify-ssl: expected true or false',
    ],
    [
      'a root that is not http(s)',
      edit('microsoft-graph-endpoint: https://graph.microsoft.com', 'microsoft-graph-endpoint: file:///etc/passwd'),
      'CONFIG_FILE: environments.prod.integrations.microsoft-graph-mail.microsoft-graph-endpoint: "file:///etc/passwd" is not an http(s) URL',
    ],
    [
      'an allow-list entry that is not an origin',
      edit('[ "https://api.partner.example" ]', '[ "gopher://x" ]'),
      'CONFIG_FILE: environments.prod.http-allow-list[0]: "gopher://x" is not an http(s) origin',
    ],
    [
      'a bad channel id',
      edit('"web:demo" ]', '"general" ]'),
      'CONFIG_FILE: environments.prod.channels[2]: "general" is not a channel id: use slack:<channel id>, teams:<conversation id> or web:<room>',
    ],
    [
      'channels given as one string',
      edit('channels: [ "slack:C0123ABCD", "teams:19:abc@thread.tacv2", "web:demo" ]', 'channels: slack:C0123ABCD'),
      'CONFIG_FILE: environments.prod.channels: expected a list',
    ],
    [
      'a missing environment variable',
      edit('CFG_SCHEMA_SECRET', 'CFG_SCHEMA_NOT_SET'),
      'CONFIG_FILE: environments.prod.integrations.microsoft-graph-mail.secret-id: environment variable CFG_SCHEMA_NOT_SET is not set.',
    ],
    [
      'a bad environment name',
      edit('  prod:\n', '  "prod env":\n'),
      'CONFIG_FILE: environments.prod env: environment names use 1 to 64 letters, digits, . _ - only',
    ],
    ['a misspelt top-level key', `${BASE}\nroless: {}\n`, 'CONFIG_FILE: unknown key roless (one of environments)'],
    ['no environments map', 'environment:\n  prod: {}\n', 'CONFIG_FILE: expected a top-level `environments:` map.'],
    [
      'two connectors of one name',
      edit(
        '    jobs:\n',
        '      - name: phishing-inbox\n        type: microsoft-graph-mail-connector\n        params: { mail-address: b@contoso.com }\n    jobs:\n',
      ),
      'CONFIG_FILE: environments.prod.connectors[1].name: another connector is named phishing-inbox; give each its own name',
    ],
    [
      'one channel in two environments',
      `${BASE}  lab:\n    channels: [ "web:demo" ]\n`,
      'CONFIG_FILE: environments.lab.channels[0]: web:demo is also listed in environment prod; a channel is bound to one environment',
    ],
    ['broken YAML', 'environments:\n  prod: [\n', expect.stringMatching(/^CONFIG_FILE: not valid YAML: [^\n]+$/)],
  ])('refuses %s in one line naming the key', (_name, text, expected) => {
    const line = problem(text);
    expect(line).not.toContain('\n');
    expect(line).toEqual(expected);
  });

  it("names the origins the file trusts, per environment (in the SSRF guard's form)", () => {
    const origins = (...list: string[]) => list.map((o) => normalizeOrigin(o)!).sort();
    const config = parseConfig(`${BASE}  lab:\n    http-allow-list: [ "http://192.168.1.10:9000/" ]\n`);
    expect(configFileOrigins(config, 'prod').sort()).toEqual(
      origins(
        'http://10.1.2.3:8080',
        'https://api.partner.example',
        'https://graph.microsoft.com',
        'https://login.microsoftonline.com',
        'https://partner.example:8443',
      ),
    );
    expect(configFileOrigins(config, 'lab')).toEqual(origins('http://192.168.1.10:9000'));
    expect(configFileOrigins(config, 'nope')).toEqual([]);
    expect(configFileOrigins(config)).toHaveLength(6);
  });
});

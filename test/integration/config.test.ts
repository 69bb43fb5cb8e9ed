/** CONFIG_FILE applied into a real Redis: secrets sealed, bindings and roles in place. */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { applyConfig, ConfigError, parseConfig } from '../../config/apply';
import { SecretBox } from '../../store/crypto';
import { EnvironmentStore } from '../../store/environments';

const YAML = `
environments:
  prod:
    integrations:
      microsoft-graph-mail:
        azure-ad-endpoint: https://login.microsoftonline.com
        microsoft-graph-endpoint: https://graph.microsoft.com
        client-id: 00000000-0000-0000-0000-000000000000
        secret-id: \${env:GRAPH_SECRET}
        tenant: contoso.onmicrosoft.com
        default-mailbox: soc@contoso.com
        verify-ssl: true
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

describe('CONFIG_FILE', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(process.env.TEST_REDIS_URL!);
  });
  afterAll(() => redis.disconnect());

  it('applies the contract example; the secret is sealed at rest and opens in memory', async () => {
    process.env.GRAPH_SECRET = 'graph-secret-value-123';
    const prefix = `cfg-${randomBytes(4).toString('hex')}:`;
    const store = new EnvironmentStore(redis, new SecretBox(randomBytes(32).toString('base64')), prefix);
    await applyConfig(parseConfig(YAML), store);
    expect(await store.list()).toEqual(['prod']);
    expect(await store.environmentOf('teams:19:abc@thread.tacv2')).toBe('prod');
    expect(await store.roleOf('prod', 'slack:U03BOSS')).toBe('approver');
    expect(await store.roleOf('prod', 'slack:U01ADMIN')).toBe('admin');
    const raw = await redis.hget(`${prefix}env:prod:inst:microsoft-graph-mail`, 'secret-id');
    expect(raw).toMatch(/^enc:v2:/);
    expect(raw).not.toContain('graph-secret-value-123');
    expect((await store.getInstance('prod', 'microsoft-graph-mail'))['secret-id']).toBe('graph-secret-value-123');
    expect((await store.showInstance('prod', 'microsoft-graph-mail'))['secret-id']).toBe('••••••');
    expect((await store.getMeta('prod')).approvals).toEqual({
      requiredFor: ['delete-email', 'move-email-to-folder', 'execute-http-request:write'],
      approversNeeded: 1,
    });
    expect((await store.schedules('prod', 'connectors'))[0]!.type).toBe('microsoft-graph-mail-connector');
  });

  it.each([
    ['an unknown integration key', YAML.replace('tenant: contoso', 'tenantx: contoso'), /unknown key tenantx/],
    ['an unknown integration', YAML.replace('microsoft-graph-mail:\n', 'graph-mail-x:\n'), /unknown integration graph-mail-x/],
    ['an unknown role', YAML.replace('approver: [', 'boss: ['), /unknown role boss/],
    ['a missing env variable', YAML.replace('GRAPH_SECRET', 'NOPE_NOT_SET'), /NOPE_NOT_SET is not set/],
    ['a bad boolean', YAML.replace('verify-ssl: true', 'verify-ssl: maybe'), /verify-ssl: expected true or false/],
  ])('refuses %s with a message naming it', (_n, text, message) => {
    process.env.GRAPH_SECRET = 'x';
    expect(() => parseConfig(text)).toThrow(ConfigError);
    expect(() => parseConfig(text)).toThrow(message);
  });
});

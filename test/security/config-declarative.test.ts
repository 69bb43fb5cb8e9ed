/**
 * Attack (succeeded before): an admin removed from CONFIG_FILE, or a channel removed from it, kept
 * the admin role / the binding after a restart, because the file was only ever added to Redis.
 * Now, for the environments the file names, its roles and bindings are the whole truth at each
 * start (one transaction); chat-made ones in environments it does not name are kept.
 */
import Redis from 'ioredis';
import { applyConfig, parseConfig } from '../../config/apply';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT } from '../../emulator';
import { startHarness, MAILBOX, type Harness } from '../helpers/harness';
import { unescapeSlack } from './security-helpers';

let h: Harness;

/** A start: the file's text parsed and applied to the running runtime's store. */
async function start(yaml: string): Promise<void> {
  await applyConfig(parseConfig(yaml), h.runtime.environments);
}

function secopsYaml(opts: { admins: string[]; channels: string[]; analysts?: string[] }): string {
  return `
environments:
  secops:
    integrations:
      microsoft-graph-mail:
        azure-ad-endpoint: ${h.emulator.url}
        microsoft-graph-endpoint: ${h.emulator.url}
        client-id: ${DEMO_CLIENT_ID}
        secret-id: \${env:DECL_TEST_SECRET}
        tenant: ${DEMO_TENANT}
        default-mailbox: ${MAILBOX}
    channels: [ ${opts.channels.map((c) => JSON.stringify(c)).join(', ')} ]
    roles:
      admin: [ ${opts.admins.map((u) => JSON.stringify(u)).join(', ')} ]
      analyst: [ ${(opts.analysts ?? ['slack:UANA']).map((u) => JSON.stringify(u)).join(', ')} ]
`;
}

async function slash(text: string, user: string, channel: string, triggerId?: string): Promise<string> {
  const res = await h.slash(text, { user, channel, triggerId });
  const body = await res.text();
  return body ? unescapeSlack((JSON.parse(body) as { text?: string }).text) : '(queued)';
}

beforeAll(async () => {
  process.env.DECL_TEST_SECRET = DEMO_CLIENT_SECRET;
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('security: CONFIG_FILE is declarative for the environments it names', () => {
  it('an admin and a channel removed from the file lose their access at the next start; chat-made access elsewhere stays', async () => {
    const env = h.runtime.environments;
    await start(secopsYaml({ admins: ['slack:UOPS', 'slack:UGONE'], channels: ['slack:CSEC', 'slack:COLD'] }));
    expect(await env.roleOf('secops', 'slack:UGONE')).toBe('admin');
    expect(await env.environmentOf('slack:COLD')).toBe('secops');

    // While running: the soon-removed admin adds a friend in chat; prod (not in the file) gets a chat-made admin and binding.
    const granted = await slash('admin role grant analyst slack:UFRIEND --environment secops', 'UGONE', 'CSEC');
    expect(granted).toMatch(/Granted analyst in environment secops/);
    await env.grant('prod', 'admin', ['slack:UPRODADMIN']);
    await env.bind('slack:CPROD2', 'prod');

    // Restart with UGONE and COLD taken out of the file.
    await start(secopsYaml({ admins: ['slack:UOPS'], channels: ['slack:CSEC'] }));

    expect(await env.roleOf('secops', 'slack:UGONE')).toBeUndefined();
    expect(await env.roleOf('secops', 'slack:UFRIEND')).toBeUndefined();
    expect(await env.roleOf('secops', 'slack:UOPS')).toBe('admin');
    expect(await env.roleOf('secops', 'slack:UANA')).toBe('analyst');
    expect(await env.environmentOf('slack:COLD')).toBeNull();
    expect(await env.channelsOf('secops')).toEqual(['slack:CSEC']);

    // The removed admin can no longer act as one, and the removed channel reaches nothing.
    const escalate = await slash('admin role grant admin slack:UEVIL --environment secops', 'UGONE', 'CSEC');
    expect(escalate).toMatch(/needs the admin role/);
    expect(await env.roleOf('secops', 'slack:UEVIL')).toBeUndefined();
    expect(await slash('graphmail ping', 'UANA', 'COLD')).toMatch(/This channel is not bound to an environment\./);

    // An environment the file does not name keeps its chat-made roles and bindings.
    expect(await env.roleOf('prod', 'slack:UPRODADMIN')).toBe('admin');
    expect(await env.roleOf('prod', 'slack:U1')).toBe('analyst');
    expect(await env.environmentOf('slack:CPROD2')).toBe('prod');
    expect(await env.environmentOf('slack:C1')).toBe('prod');
    expect((await env.getMeta('prod')).fileManaged).toBeFalsy();
    expect((await env.getMeta('secops')).fileManaged).toBe(true);
  });

  it('a channel the file moves to its environment leaves the chat-made one', async () => {
    const env = h.runtime.environments;
    await env.create('lab');
    await env.bind('slack:CMOVE', 'lab');
    await start(secopsYaml({ admins: ['slack:UOPS'], channels: ['slack:CSEC', 'slack:CMOVE'] }));
    expect(await env.environmentOf('slack:CMOVE')).toBe('secops');
    expect(await env.channelsOf('lab')).toEqual([]);
  });

  it('soar admin says the environment is managed by CONFIG_FILE (dialog and role change)', async () => {
    const granted = await slash('admin role grant viewer slack:UTEMP --environment secops', 'UOPS', 'CSEC');
    expect(granted).toMatch(
      /Granted viewer in environment secops to slack:UTEMP\. Environment secops is managed by CONFIG_FILE: roles and channel bindings changed here last until the next start; change the file to keep them\./,
    );
    await slash('admin', 'UOPS', 'CSEC', 'trig-decl-home');
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open' && c.body.trigger_id === 'trig-decl-home'));
    const view = h.slack.calls.find((c) => c.method === 'views.open' && c.body.trigger_id === 'trig-decl-home')!.body.view;
    expect(unescapeSlack(JSON.stringify(view))).toMatch(/Environment secops is managed by CONFIG_FILE/);
  });

  it('once the file no longer names an environment, it keeps its access and is no longer marked file-managed', async () => {
    const env = h.runtime.environments;
    await start('environments:\n  other:\n    channels: [ "slack:COTHER" ]\n');
    expect((await env.getMeta('secops')).fileManaged).toBeFalsy();
    expect(await env.roleOf('secops', 'slack:UOPS')).toBe('admin');
    expect(await env.environmentOf('slack:CSEC')).toBe('secops');
    const granted = await slash('admin role grant analyst slack:UNEW --environment secops', 'UOPS', 'CSEC');
    expect(granted).toMatch(/Granted analyst in environment secops/);
    expect(granted).not.toMatch(/CONFIG_FILE/);
  });

  it('another process never sees the roles of one configuration with the bindings of another', async () => {
    const env = h.runtime.environments;
    const a = parseConfig('environments:\n  swap:\n    channels: [ "slack:CA" ]\n    roles: { admin: [ "slack:UA" ] }\n');
    const b = parseConfig('environments:\n  swap:\n    channels: [ "slack:CB" ]\n    roles: { admin: [ "slack:UB" ] }\n');
    await applyConfig(a, env);
    const reader = new Redis(process.env.TEST_REDIS_URL!);
    const seen = new Set<string>();
    let done = false;
    const watching = (async () => {
      while (!done) {
        // What a bot process reads to judge a command from CA or CB, as one consistent snapshot.
        const res = await reader
          .multi()
          .hget(env.keys.roles('swap'), 'slack:UA')
          .hget(env.keys.roles('swap'), 'slack:UB')
          .get(env.keys.binding('slack:CA'))
          .get(env.keys.binding('slack:CB'))
          .exec();
        seen.add(JSON.stringify(res!.map(([, v]) => v)));
      }
    })();
    try {
      for (let i = 0; i < 30; i++) await applyConfig(i % 2 ? a : b, env);
    } finally {
      done = true;
      await watching;
      reader.disconnect();
    }
    expect([...seen].every((s) => s === JSON.stringify(['admin', null, 'swap', null]) || s === JSON.stringify([null, 'admin', null, 'swap']))).toBe(true);
    expect(seen.size).toBeGreaterThan(0);
  });
});

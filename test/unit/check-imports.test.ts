/** The layer rules of docs/architecture.md (scripts/import-rules.ts) refuse what they should, on a made-up import graph. */
import type { Dependency, DependencyTree } from 'dpdm';
import { violations } from '../../scripts/import-rules';

const dep = (id: string, request = id): Dependency => ({ issuer: '', request, kind: 'StaticImport' as Dependency['kind'], id });
const npm = (name: string): Dependency => dep(`node_modules/${name}/index.js`, name);
const imported = (tree: DependencyTree): string[] => violations(tree).map((line) => line.split(':')[0]);

describe('layer rules', () => {
  it('an action imports neither a chat SDK, bot/, the queue nor storage; kit, lib and store/keys.ts are fine', () => {
    const tree = {
      'handlers/m/actions/a.ts': [npm('@slack/bolt'), npm('botbuilder'), npm('bullmq'), dep('bot/dispatch.ts'), dep('queue/outbox.ts'), dep('store/jobs.ts')],
      'handlers/m/actions/b.ts': [dep('handlers/kit/http.ts'), dep('lib/log.ts'), dep('store/keys.ts'), npm('undici')],
    };
    expect(imported(tree)).toEqual([
      'handlers/m/actions/a.ts imports @slack/bolt',
      'handlers/m/actions/a.ts imports botbuilder',
      'handlers/m/actions/a.ts imports bullmq',
      'handlers/m/actions/a.ts imports bot/dispatch.ts',
      'handlers/m/actions/a.ts imports queue/outbox.ts',
      'handlers/m/actions/a.ts imports store/jobs.ts',
    ]);
  });

  it('the chat side imports the catalogue and the kit, never an action, a connector or a Microsoft 365 client', () => {
    const tree = {
      'bot/admin/x.ts': [dep('handlers/m/actions/a.ts'), dep('handlers/m/connectors/c.ts'), dep('handlers/m/client.ts'), npm('@azure/identity')],
      'bot/dispatch.ts': [dep('handlers/catalog.ts'), dep('handlers/kit/spec.ts'), npm('@slack/bolt')],
    };
    expect(imported(tree)).toEqual([
      'bot/admin/x.ts imports handlers/m/actions/a.ts',
      'bot/admin/x.ts imports handlers/m/connectors/c.ts',
      'bot/admin/x.ts imports handlers/m/client.ts',
      'bot/admin/x.ts imports @azure/identity',
    ]);
  });

  it('only entry points import lib/runtime.ts; the emulator shares nothing; product code reaches no test', () => {
    const tree = {
      'bot/webchat/routes.ts': [dep('lib/runtime.ts')],
      'bot/main.ts': [dep('lib/runtime.ts'), dep('emulator/index.ts')],
      'lib/runtime.ts': [dep('bot/dispatch.ts'), dep('queue/outbox.ts')],
      'emulator/graph.ts': [dep('lib/log.ts')],
      'cards/slack.ts': [dep('test/helpers/harness.ts'), dep('queue/outbox.ts')],
      'test/helpers/harness.ts': [dep('lib/runtime.ts'), dep('emulator/index.ts')],
    };
    expect(imported(tree)).toEqual([
      'bot/webchat/routes.ts imports lib/runtime.ts',
      'emulator/graph.ts imports lib/log.ts',
      'cards/slack.ts imports test/helpers/harness.ts',
      'cards/slack.ts imports queue/outbox.ts',
    ]);
  });
});

/**
 * The Teams app package and the Slack app manifest, checked offline against the official
 * schemas kept in manifest/teams/schema and manifest/slack/schema: the committed files are what the generators make, the
 * command lists come from the catalogue, the icons have the sizes Teams asks for, and the Slack
 * bot scopes are exactly those the code needs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BlobReader, configure, Uint8ArrayWriter, ZipReader } from '@zip.js/zip.js';
import { parseCommand } from '../../bot/commands';
import { catalog } from '../../handlers/catalog';
import { validateAgainst } from '../../manifest/json-schema';
import { buildTeamsPackage, packageVersion, teamsSchema, validateTeamsManifest } from '../../manifest/package-teams';
import { decodePng } from '../../manifest/png';
import { METHOD_SCOPES, slackManifest, slackManifestYaml, EXAMPLE_URL as SLACK_EXAMPLE, validateSlackManifest } from '../../manifest/slack-manifest';
import { exampleTeamsManifest, MAX_COMMANDS, teamsCommands } from '../../manifest/teams-manifest';

configure({ useWebWorkers: false });
const root = join(__dirname, '..', '..');
const BOT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

describe('Teams app manifest', () => {
  const committed = JSON.parse(readFileSync(join(root, 'manifest', 'teams', 'manifest.json'), 'utf8')) as Record<string, unknown>;

  it('the committed manifest.json is what the generator makes (npm run package:teams -- --write-example)', () => {
    expect(committed).toEqual(exampleTeamsManifest(packageVersion()));
  });

  it('is valid against the official v1.25 schema kept in the repo', () => {
    expect((teamsSchema() as { properties: { manifestVersion: { const: string } } }).properties.manifestVersion.const).toBe('1.25');
    expect(validateTeamsManifest(committed)).toEqual([]);
  });

  it('the validator catches what Teams would refuse', () => {
    const broken = JSON.parse(JSON.stringify(committed)) as Record<string, any>;
    broken.accentColor = 'blue';
    delete broken.developer;
    broken.bots[0].commandLists[0].commands.push(...broken.bots[0].commandLists[0].commands);
    broken.bots[0].scopes.push('everywhere');
    broken.name.short = 'a name far longer than thirty characters';
    const paths = validateTeamsManifest(broken).map((e) => `${e.path} ${e.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/accentColor does not match/),
        expect.stringMatching(/missing required property developer/),
        expect.stringMatching(/^\/bots\/0\/commandLists\/0\/commands more than 12 items/),
        expect.stringMatching(/^\/bots\/0\/scopes\/3 must be one of/),
        expect.stringMatching(/^\/name\/short longer than 30/),
      ]),
    );
  });

  it('has the bot in personal, team and group chat scopes, one command list per scope, generated from the catalogue', () => {
    const bot = (committed.bots as Array<Record<string, any>>)[0]!;
    expect(bot.scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(bot.commandLists.map((l: { scopes: string[] }) => l.scopes)).toEqual([['personal'], ['team'], ['groupChat']]);
    const commands = teamsCommands(catalog);
    expect(commands).toHaveLength(MAX_COMMANDS);
    for (const list of bot.commandLists) expect(list.commands).toEqual(commands);
    expect(commands.slice(0, 3).map((c) => c.title)).toEqual(['help', 'admin', 'jobs']);
    // Every command is one the bot understands as typed.
    for (const c of commands) {
      const parsed = parseCommand(c.title, catalog);
      expect({ title: c.title, kind: parsed.kind }).toEqual({
        title: c.title,
        kind: c.title === 'help' ? 'help' : c.title === 'admin' ? 'admin' : c.title === 'jobs' ? 'jobs' : 'action',
      });
    }
    for (const i of catalog) expect(commands.map((c) => c.title)).toContain(`${i.alias} ping`);
  });

  it('npm run package:teams builds a zip with manifest.json and the two icons at its root', async () => {
    const zip = await buildTeamsPackage({ appId: BOT_ID, botId: BOT_ID, publicUrl: 'https://bot.contoso.example/', version: '1.2.3' });
    const reader = new ZipReader(new BlobReader(new Blob([new Uint8Array(zip)])));
    const entries = await reader.getEntries();
    const files = new Map<string, Buffer>();
    for (const e of entries) if (!e.directory) files.set(e.filename, Buffer.from(await e.getData!(new Uint8ArrayWriter())));
    await reader.close();
    expect([...files.keys()].sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);

    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Record<string, any>;
    expect(validateTeamsManifest(manifest)).toEqual([]);
    expect(manifest.id).toBe(BOT_ID);
    expect(manifest.bots[0].botId).toBe(BOT_ID);
    expect(manifest.version).toBe('1.2.3');
    expect(manifest.validDomains).toEqual(['bot.contoso.example']);
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });

    const color = decodePng(files.get('color.png')!);
    expect([color.width, color.height, color.colorType, color.bitDepth]).toEqual([192, 192, 6, 8]);
    // Full colour: opaque everywhere, the accent in the corner, white in the middle.
    expect(color.rgba.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    expect([...color.rgba.slice(0, 4)]).toEqual([0x1d, 0x4e, 0xd8, 255]);

    const outline = decodePng(files.get('outline.png')!);
    expect([outline.width, outline.height, outline.colorType]).toEqual([32, 32, 6]);
    // Outline: white only, on a transparent background, with a visible shape.
    const alphas: number[] = [];
    for (let i = 0; i < outline.rgba.length; i += 4) {
      expect([outline.rgba[i], outline.rgba[i + 1], outline.rgba[i + 2]]).toEqual([255, 255, 255]);
      alphas.push(outline.rgba[i + 3]!);
    }
    expect(alphas[0]).toBe(0);
    expect(alphas[32 * 32 - 1]).toBe(0);
    expect(alphas.filter((a) => a === 255).length).toBeGreaterThan(60);
    expect(alphas[16 * 32 + 16]).toBe(0); // hollow: the middle is transparent

    // Standard tools open it, as Teams' upload does.
    const dir = mkdtempSync(join(tmpdir(), 'chatsoar-teams-'));
    writeFileSync(join(dir, 'app.zip'), zip);
    const listing = spawnSync('unzip', ['-l', join(dir, 'app.zip')], { encoding: 'utf8' });
    if (listing.status !== null && !listing.error) expect(listing.stdout).toMatch(/manifest\.json[\s\S]*color\.png[\s\S]*outline\.png/);
  });

  it('refuses ids that are not GUIDs, and the CLI says what to set', async () => {
    await expect(buildTeamsPackage({ appId: 'my-bot', botId: 'my-bot', publicUrl: 'https://x.example', version: '1.0.0' })).rejects.toThrow(/must be a GUID/);
    const run = spawnSync(process.execPath, ['-r', './test/helpers/register-ts.js', 'manifest/package-teams.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("package:teams: Give the bot's Microsoft App ID: set MicrosoftAppId or pass --bot-id <guid>.");
  });

  it('the CLI writes the zip', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'chatsoar-teams-cli-')), 'app.zip');
    const stdout = execFileSync(process.execPath, ['-r', './test/helpers/register-ts.js', 'manifest/package-teams.ts', '--out', out], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', MicrosoftAppId: BOT_ID, PUBLIC_URL: 'https://bot.contoso.example' },
    });
    expect(stdout).toContain(`Wrote ${out}`);
    expect(statSync(out).size).toBeGreaterThan(1000);
  });
});

describe('Slack app manifest', () => {
  it('the committed manifest.yml is what npm run manifest:slack prints for the example URL', () => {
    expect(readFileSync(join(root, 'manifest', 'slack', 'manifest.yml'), 'utf8')).toBe(slackManifestYaml(SLACK_EXAMPLE));
  });

  it('is valid against Slack’s manifest schema kept in the repo, and the validator catches a bad one', () => {
    const committed = parse(readFileSync(join(root, 'manifest', 'slack', 'manifest.yml'), 'utf8')) as Record<string, any>;
    expect(validateSlackManifest(committed)).toEqual([]);
    const bad = JSON.parse(JSON.stringify(committed)) as Record<string, any>;
    bad.features.slash_commands[0].command = 'soar';
    bad.display_information.name = 'x'.repeat(40);
    bad.settings.interactivity = { request_url: 'ftp://x' };
    const errors = validateSlackManifest(bad).map((e) => `${e.path} ${e.message}`);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/features\/slash_commands\/0\/command does not match/),
        expect.stringMatching(/^\/display_information\/name longer than 35/),
        expect.stringMatching(/^\/settings\/interactivity missing required property is_enabled/),
        expect.stringMatching(/^\/settings\/interactivity\/request_url does not match/),
      ]),
    );
  });

  it('has /soar, interactivity and the app_mention event on <PUBLIC_URL>/slack/events, path prefix kept', () => {
    const m = slackManifest('https://proxy.example.net/chatsoar/') as Record<string, any>;
    const url = 'https://proxy.example.net/chatsoar/slack/events';
    expect(m.features.slash_commands).toEqual([expect.objectContaining({ command: '/soar', url })]);
    expect(m.settings.interactivity).toEqual({ is_enabled: true, request_url: url });
    expect(m.settings.event_subscriptions).toEqual({ request_url: url, bot_events: ['app_mention'] });
    expect(validateAgainst(JSON.parse(readFileSync(join(root, 'manifest', 'slack', 'schema', 'manifest.schema.1.0.0.json'), 'utf8')), m)).toEqual([]);
  });

  it('asks for exactly the bot scopes the code uses, no more', () => {
    const sources: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith('.ts')) sources.push(readFileSync(p, 'utf8'));
      }
    };
    for (const dir of ['bot', 'queue', 'lib']) walk(join(root, dir));
    const code = sources.join('\n');
    const used = new Set<string>();
    if (/app\.command\('\/soar'/.test(code)) used.add('commands');
    if (/app\.event\('app_mention'/.test(code)) used.add('app_mentions:read');
    const methods = new Set<string>();
    for (const m of code.matchAll(/client\.(chat|views|files|conversations)\.(\w+)\(/g)) methods.add(`${m[1]}.${m[2]}`);
    if (/\.filesUploadV2\(/.test(code)) methods.add('filesUploadV2');
    for (const method of methods) {
      expect({ method, known: method in METHOD_SCOPES }).toEqual({ method, known: true });
      for (const scope of [METHOD_SCOPES[method] ?? []].flat()) used.add(scope);
    }
    // Posting job messages where /soar is typed needs chat:write.public in channels the bot has not joined.
    if (methods.has('chat.postMessage')) used.add('chat:write.public');
    const asked = (slackManifest(SLACK_EXAMPLE) as { oauth_config: { scopes: { bot: string[] } } }).oauth_config.scopes.bot;
    expect([...asked].sort()).toEqual([...used].sort());
  });

  it('npm run manifest:slack prints it for a URL and refuses a non-https one', () => {
    const ok = spawnSync(process.execPath, ['-r', './test/helpers/register-ts.js', 'manifest/slack-manifest.ts', 'https://bot.contoso.example'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(validateSlackManifest(parse(ok.stdout))).toEqual([]);
    expect(ok.stdout).toContain('url: https://bot.contoso.example/slack/events');
    const bad = spawnSync(process.execPath, ['-r', './test/helpers/register-ts.js', 'manifest/slack-manifest.ts', 'http://localhost:3978'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Slack only calls public https URLs');
  });
});

describe('set-up docs (docs/setup.md)', () => {
  const docs = readFileSync(join(root, 'docs', 'setup.md'), 'utf8');

  it('list every parameter of every integration instance, and every connector and job type', () => {
    for (const i of catalog) {
      const section = docs.split(`(\`${i.id}\`, alias \`${i.alias}\`)`)[1]?.split('####')[0] ?? '';
      expect({ integration: i.id, keys: i.params.map((p) => section.includes(`| \`${p.id}\` | ${p.displayName}`)) }).toEqual({
        integration: i.id,
        keys: i.params.map(() => true),
      });
      for (const s of [...i.connectors, ...i.jobs]) expect(docs).toContain(s.id);
    }
  });

  it('name the commands that exist', () => {
    expect(docs).toContain('npm run manifest:slack -- https://');
    expect(docs).toContain('npm run package:teams');
    for (const scope of (slackManifest(SLACK_EXAMPLE) as { oauth_config: { scopes: { bot: string[] } } }).oauth_config.scopes.bot)
      expect(docs).toContain(`| \`${scope}\` |`);
  });
});

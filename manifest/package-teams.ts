/**
 * `npm run package:teams [-- --app-id <guid>] [--bot-id <guid>] [--public-url https://…] [--out file.zip]`
 * builds the zip that Teams' "Upload a custom app" takes: manifest.json (validated against the
 * official schema kept in manifest/teams/schema), color.png (192×192) and outline.png (32×32)
 * at its root. Ids default to MicrosoftAppId, the URL to PUBLIC_URL. `--write-example` rewrites
 * the committed manifest/teams/manifest.json instead.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { configure, Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js';
import { colorIcon, outlineIcon } from './icons';
import { validateAgainst, type Schema, type SchemaError } from './json-schema';
import { exampleTeamsManifest, teamsManifest, type TeamsManifestOptions } from './teams-manifest';

configure({ useWebWorkers: false });

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
export const TEAMS_DIR = join(__dirname, 'teams');

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function teamsSchema(): Schema {
  return JSON.parse(readFileSync(join(TEAMS_DIR, 'schema', 'MicrosoftTeams.schema.json'), 'utf8')) as Schema;
}

export function validateTeamsManifest(manifest: unknown): SchemaError[] {
  return validateAgainst(teamsSchema(), manifest);
}

/** The zip's entries, checked: a manifest the schema accepts and the icons it names. */
export async function buildTeamsPackage(opts: TeamsManifestOptions): Promise<Buffer> {
  for (const [name, id] of [
    ['app id', opts.appId],
    ['bot id', opts.botId],
  ] as const) {
    if (!GUID.test(id)) throw new Error(`The ${name} must be a GUID (the bot's Microsoft App ID), got ${JSON.stringify(id)}.`);
  }
  const manifest = teamsManifest(opts);
  const errors = validateTeamsManifest(manifest);
  if (errors.length)
    throw new Error(
      `manifest.json does not match the Teams schema: ${errors
        .slice(0, 5)
        .map((e) => `${e.path} ${e.message}`)
        .join('; ')}`,
    );
  const writer = new ZipWriter(new Uint8ArrayWriter());
  const entries: Array<[string, Buffer]> = [
    ['manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)],
    ['color.png', colorIcon()],
    ['outline.png', outlineIcon()],
  ];
  for (const [name, data] of entries) await writer.add(name, new Uint8ArrayReader(new Uint8Array(data)));
  return Buffer.from(await writer.close());
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--write-example')) {
    const path = join(TEAMS_DIR, 'manifest.json');
    writeFileSync(path, `${JSON.stringify(exampleTeamsManifest(packageVersion()), null, 2)}\n`);
    process.stdout.write(`Wrote ${path}\n`);
    return;
  }
  const botId = arg(argv, 'bot-id') ?? process.env.MicrosoftAppId ?? '';
  const appId = arg(argv, 'app-id') ?? botId;
  const publicUrl = (arg(argv, 'public-url') ?? process.env.PUBLIC_URL ?? '').replace(/\/+$/, '');
  if (!botId) throw new Error("Give the bot's Microsoft App ID: set MicrosoftAppId or pass --bot-id <guid>.");
  if (!/^https:\/\/[^/]+/.test(publicUrl)) throw new Error('Give the public https URL of the bot: set PUBLIC_URL or pass --public-url https://…');
  const out = resolve(arg(argv, 'out') ?? join(TEAMS_DIR, 'build', 'chatsoar-teams.zip'));
  const zip = await buildTeamsPackage({ appId, botId, publicUrl, version: packageVersion() });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, zip);
  process.stdout.write(`Wrote ${out} (${zip.length} bytes): upload it in Teams → Apps → Manage your apps → Upload an app.\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`package:teams: ${err.message}\n`);
    process.exit(1);
  });
}

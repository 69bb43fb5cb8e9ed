/**
 * The Teams app manifest (schema v1.25), generated: the bot in personal, team and group chat
 * scopes, its command lists from the catalogue, icons from manifest/icons.ts. The committed
 * `manifest/teams/manifest.json` is this with example ids and URL; `package-teams.ts` fills the
 * real ones.
 */
import { catalog as defaultCatalog } from '../handlers/catalog';
import type { IntegrationSpec } from '../handlers/kit/spec';
import { ACCENT } from './icons';

export const MANIFEST_VERSION = '1.25';
export const SCHEMA_URL = `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`;
export const EXAMPLE_ID = '00000000-0000-0000-0000-000000000000';
export const EXAMPLE_URL = 'https://chatsoar.example.com';
/** Teams takes at most 12 commands per list. */
export const MAX_COMMANDS = 12;
const SCOPES = ['personal', 'team', 'groupChat'] as const;

export interface TeamsManifestOptions {
  /** The Teams app id (a GUID; the bot's Microsoft App ID may serve as both). */
  appId: string;
  /** The bot's Microsoft App ID (MicrosoftAppId). */
  botId: string;
  /** PUBLIC_URL: its host is the app's valid domain; developer links default to it. */
  publicUrl: string;
  version: string;
  websiteUrl?: string;
  privacyUrl?: string;
  termsOfUseUrl?: string;
  catalog?: IntegrationSpec[];
}

export interface BotCommand {
  title: string;
  description: string;
}

function firstSentence(text: string, max = 120): string {
  const s = text.split(/(?<=\.)\s/)[0]!.trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * The command menu: help, admin and jobs, then each integration's Ping, then the other actions
 * taken in turn from each integration (catalogue order), up to 12.
 */
export function teamsCommands(catalog: IntegrationSpec[] = defaultCatalog): BotCommand[] {
  const out: BotCommand[] = [
    { title: 'help', description: 'List the integrations and their actions' },
    { title: 'admin', description: 'Set up environments, channels, integrations, roles, connectors and jobs (admins)' },
    { title: 'jobs', description: 'Queued and running jobs in this channel' },
  ];
  const command = (i: IntegrationSpec, id: string): BotCommand => {
    const action = i.actions.find((a) => a.id === id)!;
    return { title: `${i.alias} ${action.id}`, description: firstSentence(action.description) };
  };
  for (const i of catalog) if (i.actions.some((a) => a.id === 'ping')) out.push(command(i, 'ping'));
  const queues = catalog.map((i) => i.actions.filter((a) => a.id !== 'ping').map((a) => command(i, a.id)));
  for (let round = 0; out.length < MAX_COMMANDS && queues.some((q) => q.length > round); round++) {
    for (const q of queues) if (q[round] && out.length < MAX_COMMANDS) out.push(q[round]!);
  }
  return out.slice(0, MAX_COMMANDS);
}

export function teamsManifest(opts: TeamsManifestOptions): Record<string, unknown> {
  const base = opts.publicUrl.replace(/\/+$/, '');
  const host = new URL(base).host;
  const commands = teamsCommands(opts.catalog);
  return {
    $schema: SCHEMA_URL,
    manifestVersion: MANIFEST_VERSION,
    version: opts.version,
    id: opts.appId,
    developer: {
      name: 'chatsoar',
      websiteUrl: opts.websiteUrl ?? `${base}/`,
      privacyUrl: opts.privacyUrl ?? `${base}/`,
      termsOfUseUrl: opts.termsOfUseUrl ?? `${base}/`,
    },
    name: { short: 'chatsoar', full: 'chatsoar — Microsoft 365 chat-ops for security teams' },
    description: {
      short: 'Investigate and clean up Microsoft 365 mail and audit events from chat.',
      full:
        'chatsoar runs Microsoft 365 security actions from chat: search and delete phishing mail across mailboxes, pull attachments, ' +
        'call any Microsoft Graph endpoint, approve destructive actions on cards (four-eyes), and receive mailbox and Office 365 ' +
        'audit/DLP alerts in channels. Type "help" to start; admins type "admin" to set up environments.',
    },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: ACCENT,
    bots: [
      {
        botId: opts.botId,
        scopes: [...SCOPES],
        supportsFiles: false,
        isNotificationOnly: false,
        commandLists: SCOPES.map((scope) => ({ scopes: [scope], commands })),
      },
    ],
    validDomains: [host],
  };
}

/** The committed example (ids and URL to be replaced when packaging). */
export function exampleTeamsManifest(version: string): Record<string, unknown> {
  return teamsManifest({ appId: EXAMPLE_ID, botId: EXAMPLE_ID, publicUrl: EXAMPLE_URL, version });
}

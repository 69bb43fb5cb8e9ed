/**
 * The Slack app manifest (schema v1) for a PUBLIC_URL: the `/soar` slash command,
 * interactivity (buttons, modals) and the `app_mention` event, all on `<PUBLIC_URL>/slack/events`,
 * and only the bot scopes chatsoar uses (SCOPE_USES says why each is there).
 * `npm run manifest:slack -- https://chatsoar.example.com` prints it (default: PUBLIC_URL).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { validateAgainst, type Schema, type SchemaError } from './json-schema';

export const EXAMPLE_URL = 'https://chatsoar.example.com';

/** Each bot scope and what in chatsoar needs it. */
export const SCOPE_USES: Record<string, string> = {
  commands: 'the /soar slash command',
  'chat:write': 'chat.postMessage, chat.update (job messages updated in place), chat.postEphemeral (private replies)',
  'chat:write.public': 'answering /soar in public channels the bot was not invited to',
  'files:write': 'files.getUploadURLExternal / files.completeUploadExternal (files in a job thread)',
  'app_mentions:read': 'the app_mention event (@chatsoar <command>)',
  'channels:history': 'conversations.history / conversations.replies: after an interrupted post, finding the message so it is not posted twice',
  'groups:history': 'the same in private channels',
  'im:history': 'the same in direct messages',
  'mpim:history': 'the same in group direct messages',
};

const HISTORY = ['channels:history', 'groups:history', 'im:history', 'mpim:history'];

/** Web API methods chatsoar calls, and the scopes each needs (null: none; a list: one per kind of channel). */
export const METHOD_SCOPES: Record<string, string | string[] | null> = {
  'conversations.history': HISTORY,
  'conversations.replies': HISTORY,
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  filesUploadV2: 'files:write',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'views.open': null,
  'views.update': null,
  'auth.test': null,
};

export function slackManifest(publicUrl: string): Record<string, unknown> {
  const base = publicUrl.replace(/\/+$/, '');
  const events = `${base}/slack/events`;
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: 'chatsoar',
      description: 'Microsoft 365 investigation and clean-up from chat, with approvals.',
      background_color: '#1d4ed8',
      long_description:
        'chatsoar runs Microsoft 365 security actions from Slack: search and delete phishing mail across mailboxes, pull attachments, ' +
        'call any Microsoft Graph endpoint, approve destructive actions with buttons (four-eyes), and post mailbox and Office 365 ' +
        'audit and DLP alerts to channels. Type /soar help to start; admins type /soar admin to set up environments.',
    },
    features: {
      bot_user: { display_name: 'chatsoar', always_online: true },
      slash_commands: [
        {
          command: '/soar',
          url: events,
          description: 'Run a Microsoft 365 action (/soar help lists them)',
          usage_hint: 'graphmail search-emails --search-in-mailbox soc@contoso.com',
          should_escape: false,
        },
      ],
    },
    oauth_config: { scopes: { bot: Object.keys(SCOPE_USES) } },
    settings: {
      event_subscriptions: { request_url: events, bot_events: ['app_mention'] },
      interactivity: { is_enabled: true, request_url: events },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    },
  };
}

export function slackManifestYaml(publicUrl: string): string {
  return (
    `# Slack app manifest for chatsoar at ${publicUrl.replace(/\/+$/, '')} (npm run manifest:slack -- <PUBLIC_URL>).\n` +
    `# Create the app at https://api.slack.com/apps → Create New App → From a manifest, and paste this.\n` +
    stringify(slackManifest(publicUrl), { lineWidth: 0 })
  );
}

export function slackSchema(): Schema {
  return JSON.parse(readFileSync(join(__dirname, 'slack', 'schema', 'manifest.schema.1.0.0.json'), 'utf8')) as Schema;
}

export function validateSlackManifest(manifest: unknown): SchemaError[] {
  return validateAgainst(slackSchema(), manifest);
}

function main(argv: string[]): void {
  const url = (argv.find((a) => !a.startsWith('-')) ?? process.env.PUBLIC_URL ?? '').replace(/\/+$/, '');
  if (!/^https:\/\/[^/\s]+/.test(url)) {
    throw new Error('Slack only calls public https URLs: npm run manifest:slack -- https://chatsoar.example.com (or set PUBLIC_URL).');
  }
  const errors = validateSlackManifest(slackManifest(url));
  if (errors.length) throw new Error(`the manifest does not match Slack's schema: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  process.stdout.write(slackManifestYaml(url));
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`manifest:slack: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

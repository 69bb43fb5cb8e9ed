/** contract.md §2: every environment variable, read once. */
export interface Settings {
  port: number;
  redisUrl?: string;
  configFile?: string;
  secretsKey?: string;
  publicUrl: string;
  asyncPollMs: number;
  slack?: { signingSecret: string; botToken: string; apiUrl: string };
  botFramework: {
    MicrosoftAppId?: string;
    MicrosoftAppPassword?: string;
    MicrosoftAppType?: string;
    MicrosoftAppTenantId?: string;
    /** Where Bot Framework signing keys are published (botbuilder's names); not read from the environment, tests point them at a fake. */
    ToBotFromChannelOpenIdMetadataUrl?: string;
    ToBotFromEmulatorOpenIdMetadataUrl?: string;
  };
  /** ALLOW_UNAUTHENTICATED_TEAMS=1 (development): unsigned activities are accepted while MicrosoftAppId is empty. */
  allowUnauthenticatedTeams?: boolean;
  /** TEAMS_TENANTS: Entra tenant ids (lowercase) whose Teams activities are accepted; empty: any. */
  teamsTenants?: string[];
  /** TEAMS_EXTRA_CHANNELS: Bot Framework channels accepted on /api/messages besides msteams (webchat, directline). */
  teamsExtraChannels?: string[];
  filesDir: string;
  webchat: boolean;
  /** WEBCHAT_PUBLIC=1: the web chat may be served on every interface (otherwise the server listens on loopback only). */
  webchatPublic?: boolean;
  /** TRUSTED_ORIGINS: origins (`scheme://host:port`) the operator trusts with non-public addresses, beside those CONFIG_FILE names. */
  trustedOrigins?: string[];
  /** Key prefix for Redis (tests run many instances on one Redis). */
  redisPrefix: string;
}

const EXTRA_CHANNELS = ['webchat', 'directline'];
const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
}

function checked(name: string, values: string[], ok: (v: string) => boolean, expected: string): string[] {
  const bad = values.find((v) => !ok(v));
  if (bad !== undefined) throw new Error(`${name}: "${bad.slice(0, 80)}" is not ${expected}; fix ${name} and start again.`);
  return values;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const port = Number(env.PORT ?? 3978);
  const slackOn = !!(env.SLACK_SIGNING_SECRET && env.SLACK_BOT_TOKEN);
  return {
    port,
    redisUrl: env.REDIS_URL || undefined,
    configFile: env.CONFIG_FILE || undefined,
    secretsKey: env.SECRETS_KEY || undefined,
    publicUrl: (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/$/, ''),
    asyncPollMs: Number(env.ASYNC_POLL_MS ?? 30000),
    slack: slackOn
      ? { signingSecret: env.SLACK_SIGNING_SECRET!, botToken: env.SLACK_BOT_TOKEN!, apiUrl: env.SLACK_API_URL || 'https://slack.com/api/' }
      : undefined,
    botFramework: {
      MicrosoftAppId: env.MicrosoftAppId || undefined,
      MicrosoftAppPassword: env.MicrosoftAppPassword || undefined,
      MicrosoftAppType: env.MicrosoftAppType || undefined,
      MicrosoftAppTenantId: env.MicrosoftAppTenantId || undefined,
    },
    allowUnauthenticatedTeams: env.ALLOW_UNAUTHENTICATED_TEAMS === '1',
    teamsTenants: checked('TEAMS_TENANTS', commaList(env.TEAMS_TENANTS), (t) => TENANT_ID.test(t), 'an Entra tenant id (a GUID, comma-separated)'),
    teamsExtraChannels: checked(
      'TEAMS_EXTRA_CHANNELS',
      commaList(env.TEAMS_EXTRA_CHANNELS),
      (c) => EXTRA_CHANNELS.includes(c),
      `a channel that can be enabled (${EXTRA_CHANNELS.join(', ')})`,
    ),
    filesDir: env.FILES_DIR || './.data/files',
    webchat: env.WEBCHAT === '1',
    webchatPublic: env.WEBCHAT_PUBLIC === '1',
    trustedOrigins: checked(
      'TRUSTED_ORIGINS',
      commaList(env.TRUSTED_ORIGINS),
      (o) => /^https?:\/\/[^/?#@\s]+\/?$/.test(o),
      'an origin (scheme://host:port, comma-separated)',
    ),
    redisPrefix: env.REDIS_PREFIX ?? 'chatsoar:',
  };
}

/** contract.md §2: every environment variable, read once. */
export interface Settings {
  port: number;
  redisUrl?: string;
  /** REDIS_SENTINELS (`host:port,…`) and REDIS_SENTINEL_NAME: Redis through Sentinel instead of REDIS_URL's host. */
  redisSentinels?: Array<{ host: string; port: number }>;
  redisSentinelName?: string;
  /** REDIS_TLS_CA: a PEM file of the CA certificates trusted for `rediss://` instead of the system's. */
  redisTlsCa?: string;
  /** SHUTDOWN_GRACE_MS: on SIGTERM a bot says not ready (/readyz 503) and keeps serving this long before it closes its port. */
  shutdownGraceMs?: number;
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

/** REDIS_SENTINELS: `host:port,…` (port 26379 when left out); throws a line naming the bad entry. */
function parseSentinels(value: string | undefined): Array<{ host: string; port: number }> {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^(\[[0-9a-fA-F:]+\]|[^:\s[\]]+)(?::(\d{1,5}))?$/.exec(entry);
      const port = Number(m?.[2] ?? 26379);
      if (!m || port < 1 || port > 65535) throw new Error(`REDIS_SENTINELS: "${entry.slice(0, 80)}" is not host:port; fix REDIS_SENTINELS and start again.`);
      return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
    });
}

function checkedMs(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}: "${value.slice(0, 40)}" is not a number of milliseconds; fix ${name} and start again.`);
  return n;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const port = Number(env.PORT ?? 3978);
  const slackOn = !!(env.SLACK_SIGNING_SECRET && env.SLACK_BOT_TOKEN);
  return {
    port,
    redisUrl: env.REDIS_URL || undefined,
    redisSentinels: parseSentinels(env.REDIS_SENTINELS),
    redisSentinelName: env.REDIS_SENTINEL_NAME || undefined,
    redisTlsCa: env.REDIS_TLS_CA || undefined,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS ? checkedMs('SHUTDOWN_GRACE_MS', env.SHUTDOWN_GRACE_MS) : undefined,
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

/** CONTRACT §2: every environment variable, read once. */
export interface Settings {
  port: number;
  redisUrl?: string;
  configFile?: string;
  secretsKey?: string;
  publicUrl: string;
  asyncPollMs: number;
  slack?: { signingSecret: string; botToken: string; apiUrl: string };
  botFramework: { MicrosoftAppId?: string; MicrosoftAppPassword?: string; MicrosoftAppType?: string; MicrosoftAppTenantId?: string };
  filesDir: string;
  webchat: boolean;
  /** Key prefix for Redis (tests run many instances on one Redis). */
  redisPrefix: string;
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
    slack: slackOn ? { signingSecret: env.SLACK_SIGNING_SECRET!, botToken: env.SLACK_BOT_TOKEN!, apiUrl: env.SLACK_API_URL || 'https://slack.com/api/' } : undefined,
    botFramework: {
      MicrosoftAppId: env.MicrosoftAppId || undefined,
      MicrosoftAppPassword: env.MicrosoftAppPassword || undefined,
      MicrosoftAppType: env.MicrosoftAppType || undefined,
      MicrosoftAppTenantId: env.MicrosoftAppTenantId || undefined,
    },
    filesDir: env.FILES_DIR || './.data/files',
    webchat: env.WEBCHAT === '1',
    redisPrefix: env.REDIS_PREFIX ?? 'chatsoar:',
  };
}

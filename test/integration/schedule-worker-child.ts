/**
 * A chatsoar worker process for the kill test: the runtime's worker role (actions, outbox,
 * connectors and jobs), configured from the environment. Prints `ready` once it runs.
 */
import { createLogger } from '../../lib/log';
import { startRuntime } from '../../lib/runtime';

async function main(): Promise<void> {
  const env = process.env;
  const redisUrl = env.REDIS_URL!;
  const settings = {
    port: 0,
    redisUrl,
    publicUrl: env.PUBLIC_URL!,
    asyncPollMs: 100,
    slack: { signingSecret: 'test-signing-secret-0123456789abcdef', botToken: 'xoxb-test-token-0123456789', apiUrl: env.SLACK_API_URL! },
    botFramework: {},
    filesDir: env.FILES_DIR!,
    webchat: false,
    redisPrefix: env.REDIS_PREFIX!,
  };
  const log = createLogger('silent');
  await startRuntime({ role: 'worker', settings, redisUrl, secretsKey: env.SECRETS_KEY!, log, cycleLockMs: Number(env.CYCLE_LOCK_MS ?? 30_000) });
  process.stdout.write('ready\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`child failed: ${String(err)}\n`);
  process.exit(1);
});

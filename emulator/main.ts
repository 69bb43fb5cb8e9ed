/**
 * CLI: starts the Microsoft 365 emulator and prints its URL as one JSON log line.
 *
 *   EMULATOR_PORT (default 0: a free port)   EMULATOR_HOST (default 127.0.0.1)
 *   EMULATOR_SEED=0 to start empty           EMULATOR_RANDOM_SEED=<n> for repeatable faults
 */
import pino from 'pino';
import { DEMO_CLIENT_ID, DEMO_MAILBOXES, DEMO_TENANT, startEmulator } from './index';

async function main(): Promise<void> {
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'm365-emulator' } });
  const port = Number(process.env.EMULATOR_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    log.error({ EMULATOR_PORT: process.env.EMULATOR_PORT }, 'EMULATOR_PORT must be a port number');
    process.exit(2);
  }
  const randomSeed = process.env.EMULATOR_RANDOM_SEED ? Number(process.env.EMULATOR_RANDOM_SEED) : undefined;
  const emu = await startEmulator({
    port,
    host: process.env.EMULATOR_HOST ?? '127.0.0.1',
    seed: process.env.EMULATOR_SEED !== '0',
    randomSeed: Number.isFinite(randomSeed) ? randomSeed : undefined,
  });
  log.info({ url: emu.url, tenant: DEMO_TENANT, clientId: DEMO_CLIENT_ID, mailboxes: Object.values(DEMO_MAILBOXES) }, 'Microsoft 365 emulator listening');
  const stop = (): void => {
    emu.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 50, msg: 'emulator failed to start', err: String(err) })}\n`);
  process.exit(1);
});

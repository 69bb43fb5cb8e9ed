/** Structured JSON logs (pino). Secrets are redacted by key and by value. */
import pino, { type Logger } from 'pino';

const REDACT_KEYS = [
  'password',
  'secret',
  'token',
  'authorization',
  'cookie',
  'clientSecret',
  'client_secret',
  'refresh_token',
  'access_token',
  'secret-id',
  'client-secret',
  'refresh-token',
  'certificate-password',
  'SECRETS_KEY',
];

const knownSecrets = new Set<string>();

/** Registers a secret value so that it is masked wherever it appears in a log line. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) knownSecrets.add(value);
}

export function maskSecrets(text: string): string {
  let out = text;
  for (const s of knownSecrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

const paths = REDACT_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`].map((p) => (/^[A-Za-z_$][\w$]*$/.test(k) ? p : p.replace(k, `["${k}"]`))));

/**
 * What a log line keeps of an `err`: class, message, stack, and `code` / `status` when present,
 * then the same of its cause. Not its other properties (pino's own serializer copies them all): an
 * HTTP library's error carries the request it failed on, headers and token included. Registered
 * secrets are masked in the message and stack like anywhere in the line (streamWrite below).
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err !== null && typeof err === 'object' ? { message: String(err) } : err;
  const e = err as Error & { code?: unknown; status?: unknown };
  return {
    type: e.constructor?.name ?? e.name,
    message: e.message,
    stack: e.stack,
    ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: e.code } : {}),
    ...(typeof e.status === 'number' ? { status: e.status } : {}),
    ...(e.cause !== undefined && depth < 3 ? { cause: serializeError(e.cause, depth + 1) } : {}),
  };
}

/** A logger with the redaction of every chatsoar log; `destination` for tests that read the lines. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: { write(line: string): void }): Logger {
  const options = {
    level,
    base: { app: 'chatsoar', pid: process.pid },
    redact: { paths, censor: '[REDACTED]' },
    serializers: { err: serializeError },
    hooks: {
      streamWrite(line: string) {
        return knownSecrets.size ? maskSecrets(line) : line;
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const rootLogger: Logger = createLogger();

export function childLogger(bindings: Record<string, unknown>): Logger {
  return rootLogger.child(bindings);
}

export type { Logger };

/** An error logged as `{ err }` keeps its stack and cause, never its attached request, never a secret. */
import { createLogger, registerSecret } from '../../lib/log';

function logged(err: unknown): Record<string, unknown> {
  const lines: string[] = [];
  createLogger('info', { write: (l) => lines.push(l) }).warn({ err }, 'failed');
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

it('keeps type, message, stack, code, status and cause', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const err = Object.assign(new TypeError('upstream failed', { cause }), { status: 502 });
  const line = logged(err);
  expect(line.err).toMatchObject({
    type: 'TypeError',
    message: 'upstream failed',
    status: 502,
    cause: { message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' },
  });
  expect(String((line.err as { stack: string }).stack)).toContain('log-errors.test.ts');
});

it('drops other properties (a request with its headers) and masks registered secrets in message and stack', () => {
  const secret = `xoxb-log-errors-${Date.now()}`;
  registerSecret(secret);
  const err = Object.assign(new Error(`call with ${secret} refused`), { config: { headers: { Authorization: 'Bearer not-registered' } } });
  const text = JSON.stringify(logged(err));
  expect(text).not.toContain(secret);
  expect(text).not.toContain('not-registered');
  expect(text).toContain('call with [REDACTED] refused');
});

it('a thrown string stays as it is', () => {
  expect(logged('plain reason').err).toBe('plain reason');
});

/**
 * Starts bot/main.ts as a real process (from the sources, as `npm start` runs the build) in a
 * temporary working folder, so that its ./.data is never the repository's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

export interface MainProcess {
  child: ChildProcess;
  cwd: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first line matching `pattern`; rejects when the process exits first or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** SIGKILL if it still runs (test clean-up). */
  kill(): void;
}

export function spawnMain(env: NodeJS.ProcessEnv, opts: { role?: string; cwd?: string } = {}): MainProcess {
  const cwd = opts.cwd ?? mkdtempSync(join(tmpdir(), 'chatsoar-main-'));
  const child = spawn(process.execPath, ['--no-deprecation', '-r', join(root, 'test/helpers/register-ts.js'), join(root, 'bot/main.ts'), opts.role ?? 'main'], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    cwd,
    output: () => out,
    exited,
    waitForLine(pattern, timeoutMs = 60_000) {
      return new Promise((resolveLine, reject) => {
        const done = (fn: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          fn();
        };
        const check = () => {
          const line = out.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) done(() => resolveLine(line));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms; output:\n${out}`))), timeoutMs);
        listeners.add(check);
        void exited.then((code) => done(() => reject(new Error(`the process exited (${code}) before a line matching ${pattern}; output:\n${out}`))));
        check();
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

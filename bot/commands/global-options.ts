/** The global options of every action (contract.md §4): --environment, --timeout, --dry-run, --help. */
import type { ActionSpec } from '../../handlers/kit/spec';
import { parseDuration } from '../../lib/duration';
import { parseBoolean, type RawValue } from './param-values';
import type { ActionOptions } from './parsed-command';
import { show } from './tokenize';

/** Longest `--timeout` accepted (actions and votes). */
export const MAX_TIMEOUT_MS = 7 * 86_400_000;

export type GlobalOption = 'environment' | 'timeout' | 'dry-run' | 'help';

/** The global options and their accepted spellings. */
export const GLOBAL_OPTION_NAMES: ReadonlyMap<string, GlobalOption> = new Map<string, GlobalOption>([
  ['environment', 'environment'],
  ['env', 'environment'],
  ['timeout', 'timeout'],
  ['dry-run', 'dry-run'],
  ['dryrun', 'dry-run'],
  ['help', 'help'],
]);

/** A `--timeout` value in ms, or what is wrong with it in a message that starts with `label`. */
export function parseTimeout(text: string, label: string): { ok: true; ms: number } | { ok: false; message: string } {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) return { ok: false, message: `${label}: expected a duration such as 90s, 30m, 2h or 1d, got ${show(text)}.` };
  if (ms > MAX_TIMEOUT_MS) return { ok: false, message: `${label}: at most 7d (got ${show(text)}).` };
  return { ok: true, ms };
}

/** Sets the global option `name` in `options`; returns what is wrong with its value, if anything. */
export function applyGlobal(name: GlobalOption, raw: RawValue, action: ActionSpec, options: ActionOptions): string | undefined {
  switch (name) {
    case 'environment': {
      const env = raw.value.trim();
      if (!env) return '--environment needs a name, e.g. --environment prod.';
      if (/\s/.test(env) || env.length > 100) return `--environment: ${show(raw.value)} is not an environment name.`;
      options.environment = env;
      return undefined;
    }
    case 'timeout': {
      const timeout = parseTimeout(raw.value, '--timeout');
      if (!timeout.ok) return timeout.message;
      options.timeoutMs = timeout.ms;
      return undefined;
    }
    case 'dry-run': {
      const b = parseBoolean(raw.value);
      if (b === undefined) return `--dry-run: expected true or false, got ${show(raw.value)}.`;
      if (b && !action.dryRun) return `--dry-run is not supported by ${action.name}.`;
      options.dryRun = b;
      return undefined;
    }
    default:
      return undefined;
  }
}

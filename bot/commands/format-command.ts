/** Action commands back to the text that `parseCommand` reads to the same params and options. */
import type { ParamSpec } from '../../handlers/kit/spec';
import { actionParams } from './catalog-lookup';
import type { ActionCommand } from './parsed-command';
import { quoteArg } from './tokenize';

/** The command line of a typed value: `--flag`, `--flag=false`, `--p "a b"`, `--json "{…}"`. */
export function formatParam(param: ParamSpec, value: unknown): string {
  const name = `--${param.id}`;
  if (param.type === 'boolean' && typeof value === 'boolean') return value ? name : `${name}=false`;
  let text: string;
  if (param.type === 'json') text = JSON.stringify(value) ?? 'null';
  else if (Array.isArray(value)) text = value.map(String).join(',');
  else text = String(value);
  return `${name} ${quoteArg(text)}`;
}

/**
 * The canonical text of an action command (`soar <alias> <action> --p v … [--environment e]
 * [--timeout 90s] [--dry-run]`).
 */
export function formatCommand(cmd: Pick<ActionCommand, 'integration' | 'action' | 'params' | 'options'>): string {
  const parts = ['soar', cmd.integration.alias, cmd.action.id];
  for (const p of actionParams(cmd.action)) {
    if (cmd.params[p.id] !== undefined) parts.push(formatParam(p, cmd.params[p.id]));
  }
  if (cmd.options.environment) parts.push(`--environment ${quoteArg(cmd.options.environment)}`);
  if (cmd.options.timeoutMs !== undefined) {
    const ms = cmd.options.timeoutMs;
    parts.push(`--timeout ${ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`}`);
  }
  if (cmd.options.dryRun) parts.push('--dry-run');
  return parts.join(' ');
}

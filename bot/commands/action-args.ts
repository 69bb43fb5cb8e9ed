/** The arguments after `soar <integration> <action>`: `--<param> <value>` and the global options. */
import { type ActionSpec, type IntegrationSpec, type ParamSpec, slug } from '../../handlers/kit/spec';
import { isHelpWord } from './builtins';
import { actionParams, findParam } from './catalog-lookup';
import { fail, flagName } from './command-error';
import { applyGlobal, GLOBAL_OPTION_NAMES, type GlobalOption } from './global-options';
import { convertValue, isEmpty, type RawValue, typedDefault } from './param-values';
import type { ActionOptions, ParsedCommand, ParseOptions } from './parsed-command';
import { show, type Token } from './tokenize';
import { unknownParam } from './unknown-names';

/** Words taken as a boolean's value in `--flag <word>` (the `=` form also takes y/n). */
const SPACED_BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', 'on', 'off', '1', '0']);

type Target = { kind: 'param'; param: ParamSpec } | { kind: 'global'; name: GlobalOption };

function tokenValue(tok: Token): RawValue {
  return { value: tok.value, literal: tok.literal, source: tok.source, quoted: tok.quoted };
}

export function parseActionArgs(integration: IntegrationSpec, action: ActionSpec, tokens: Token[], opts: ParseOptions): ParsedCommand {
  const ctx = { integration, action };
  const params: Record<string, unknown> = {};
  const given: string[] = [];
  const options: ActionOptions = { dryRun: false };
  const seenGlobals = new Set<GlobalOption>();
  let lastFlag: ParamSpec | undefined;
  let lastParam: ParamSpec | undefined;

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (!tok.option) {
      if (isHelpWord(tok)) return { kind: 'help', integration, action };
      const positional = i === 0 && action.positional ? findParam(action, action.positional) : undefined;
      if (positional) {
        // `soar campaign purge c-1a2b3c4d` is `--campaign-id c-1a2b3c4d` (contract.md §8).
        const converted = convertValue(positional, tokenValue(tok));
        if (!converted.ok) return fail(converted.message, { ...ctx, suggestions: converted.suggestions });
        params[positional.id] = converted.value;
        given.push(positional.id);
        continue;
      }
      if (lastParam?.secret && !lastFlag) {
        // Never echo what may be the rest of a secret typed without quotes.
        return fail(`Unexpected value after --${lastParam.id}: put a value with spaces in quotes.`, ctx);
      }
      if (lastFlag) {
        return fail(`Unexpected ${show(tok.value)} after --${lastFlag.id}: it is a flag (write --${lastFlag.id} or --${lastFlag.id}=false).`, ctx);
      }
      return fail(`Unexpected ${show(tok.value)} for ${action.name}: parameters are given as --<param> <value>.`, ctx);
    }
    lastFlag = undefined;
    lastParam = undefined;
    const key = slug(tok.option.name);
    if (!key) return fail(`Unexpected ${flagName(tok)}: a parameter name must follow the two dashes.`, ctx);
    const globalName = GLOBAL_OPTION_NAMES.get(key);
    const param = globalName ? undefined : findParam(action, key);
    const target: Target | undefined = globalName ? { kind: 'global', name: globalName } : param ? { kind: 'param', param } : undefined;
    if (!target) return unknownParam(integration, action, tok);

    if (target.kind === 'global' && target.name === 'help') return { kind: 'help', integration, action };
    const isBoolean = target.kind === 'global' ? target.name === 'dry-run' : target.param.type === 'boolean';
    let raw: RawValue;
    if (tok.option.value !== undefined) {
      raw = {
        value: tok.option.value,
        literal: tok.option.literal ?? tok.option.value,
        source: tok.option.source ?? tok.option.value,
        quoted: tok.option.quoted,
      };
    } else if (isBoolean) {
      const next = tokens[i + 1];
      if (next && !next.option && SPACED_BOOLEAN_WORDS.has(next.value.trim().toLowerCase())) {
        raw = tokenValue(next);
        i++;
      } else {
        raw = { value: 'true', literal: 'true', source: 'true', quoted: false };
        if (target.kind === 'param') lastFlag = target.param;
      }
    } else {
      const next = tokens[i + 1];
      const label = target.kind === 'param' ? `Parameter --${target.param.id}` : `--${target.name}`;
      if (!next || next.option) {
        const example = target.kind === 'param' ? '' : target.name === 'timeout' ? ' such as 30m' : ' such as prod';
        return fail(`${label} needs a value${example}.`, ctx);
      }
      raw = tokenValue(next);
      i++;
    }

    if (target.kind === 'global') {
      if (seenGlobals.has(target.name)) return fail(`--${target.name} is given twice.`, ctx);
      seenGlobals.add(target.name);
      const problem = applyGlobal(target.name, raw, action, options);
      if (problem) return fail(problem, ctx);
      continue;
    }

    const p = target.param;
    const converted = convertValue(p, raw);
    if (!converted.ok) return fail(converted.message, { ...ctx, suggestions: converted.suggestions });
    const before = given.indexOf(p.id);
    if (before >= 0) {
      // A value left empty may be given again (the form of behaviour.md 39 appends what was missing).
      if (!isEmpty(params[p.id])) return fail(`Parameter --${p.id} is given twice.`, ctx);
      given.splice(before, 1);
    }
    params[p.id] = converted.value;
    given.push(p.id);
    lastParam = p;
  }

  const missing = actionParams(action).filter((p) => p.required && isEmpty(params[p.id]) && p.default === undefined && p.defaultFromInstance === undefined);
  if (opts.fillDefaults) {
    for (const p of actionParams(action)) {
      if (params[p.id] === undefined && p.default !== undefined) params[p.id] = typedDefault(p);
    }
  }
  return { kind: 'action', integration, action, params, given, options, missing };
}

/** `Missing required parameter(s) for <Action Name>: --a, --b.` ('' when nothing is missing). */
export function missingMessage(cmd: { action: ActionSpec; missing: readonly ParamSpec[] }): string {
  if (!cmd.missing.length) return '';
  return `Missing required parameter(s) for ${cmd.action.name}: ${cmd.missing.map((p) => `--${p.id}`).join(', ')}.`;
}

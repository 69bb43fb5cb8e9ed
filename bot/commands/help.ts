/**
 * Help at three levels (contract.md §4), generated from the catalogue and returned as plain data
 * (`{ title, lines }`) that the card renderer lays out; `helpText` gives the plain-text form.
 */
import type { ActionSpec, IntegrationSpec, ParamSpec } from '../../handlers/kit/spec';
import { actionParams, ungroupedActions } from './catalog-lookup';
import { GROUP_WORDS, type GroupWord, groupedActions, verbOf } from './grouped';
import { MAX_TIMEOUT_MS } from './global-options';
import type { HelpCommand } from './parsed-command';
import { formatDuration } from '../../lib/duration';
import { quoteArg } from './tokenize';

export interface HelpDoc {
  title: string;
  lines: string[];
}

const ONE_LINE_MAX = 140;

/** The first sentence (or line) of a description, at most ~140 characters. */
export function oneLine(text: string): string {
  const flat = String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(flat);
  const first = m ? m[1] : flat;
  return first.length > ONE_LINE_MAX ? `${first.slice(0, ONE_LINE_MAX - 1).trimEnd()}…` : first;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What `soar help` knows of the channel's environment, for its examples. */
export interface HelpContext {
  /** Commands that work as typed there (the demo's tour), shown as they are. */
  commands?: string[];
  /** The environment's Default Mailbox (Microsoft Graph Mail), else a placeholder is shown. */
  defaultMailbox?: string;
}

/** Examples of everyday actions, each kept only when its action is in the catalogue. */
const EVERYDAY: Array<{ integration: string; action: string; args: (mailbox: string) => string }> = [
  { integration: 'microsoft-graph-mail', action: 'search-emails', args: (m) => `--search-in-mailbox ${m} --time-frame-minutes 60` },
  {
    integration: 'microsoft-graph-mail',
    action: 'download-attachments-from-email',
    args: (m) => `--search-in-mailbox ${m} --subject-filter "Invoice" --download-path cases/1`,
  },
  { integration: 'microsoft-graph-mail', action: 'delete-email', args: (m) => `--delete-in-mailbox ${m} --sender-filter attacker@example.com --dry-run` },
];

/** Two or three commands for the channel's environment: its own, or everyday ones on its Default Mailbox. */
export function helpExamples(catalog: readonly IntegrationSpec[], ctx: HelpContext = {}): string[] {
  if (ctx.commands?.length) return ctx.commands.slice(0, 3).map((c) => (/^soar\s/.test(c) ? c : `soar ${c}`));
  const mailbox = ctx.defaultMailbox || '<mailbox>';
  return EVERYDAY.flatMap((e) => {
    const integration = catalog.find((i) => i.id === e.integration);
    if (!integration?.actions.some((a) => a.id === e.action)) return [];
    return [`soar ${integration.alias} ${e.action} ${e.args(mailbox)}`];
  });
}

/** Top level: the integrations (alias, action count), the built-in commands, and examples for the environment. */
export function topLevelHelp(catalog: readonly IntegrationSpec[], ctx: HelpContext = {}): HelpDoc {
  const lines: string[] = ['Usage: soar <integration> <action> [--<param> <value>]...', '', 'Integrations:'];
  for (const i of catalog) {
    const actions = ungroupedActions(i);
    const unavailable = actions.filter((a) => !a.run).length;
    const count = plural(actions.length, 'action') + (unavailable ? `, ${unavailable} not yet available` : '');
    lines.push(`  ${i.alias} (${i.id}) — ${i.name} ${i.version}: ${count}`);
  }
  lines.push(
    '',
    'Commands:',
    '  help <integration> [<action>] — the actions of an integration, the parameters of an action',
    "  jobs — this channel's queued and running jobs",
    '  cancel <job-id> — stop a waiting or polling job',
    '  vote "<question>" [--options Approve/Reject] [--voters <user ids or a role>] [--timeout 30m] — ask the channel',
    '  admin — environments, channel bindings, integration settings, roles, connectors and jobs',
  );
  for (const group of GROUP_WORDS) {
    const verbs = groupedActions(catalog, group).map((g) => verbOf(g.action));
    if (verbs.length) lines.push(`  ${group} ${verbs.join('|')} — ${GROUP_SUMMARY[group]} (soar help ${group})`);
  }
  lines.push(
    '',
    "Global options on any action: --environment <name> (default: the channel's), --timeout <duration> for async actions (e.g. 90s, 30m, 2h; default 1h), --dry-run for actions that change mail and support it.",
  );
  const examples = helpExamples(catalog, ctx);
  if (examples.length) lines.push('', 'Examples:', ...examples.map((e) => `  ${e}`));
  else if (catalog[0]) lines.push(`Example: soar help ${catalog[0].alias}`);
  return { title: 'chatsoar commands', lines };
}

const GROUP_SUMMARY: Record<GroupWord, string> = {
  campaign: 'find a phishing wave in every mailbox of the tenant, purge it with four eyes, restore it',
};

/** The command that runs an action: `soar graphmail search-emails`, `soar campaign purge`. */
function commandOf(integration: IntegrationSpec, action: ActionSpec): string {
  return action.group ? `soar ${action.group} ${verbOf(action)}` : `soar ${integration.alias} ${action.id}`;
}

/** `soar help campaign`: the command word's actions (contract.md §8). */
export function groupHelp(catalog: readonly IntegrationSpec[], group: GroupWord): HelpDoc {
  const actions = groupedActions(catalog, group);
  const summary = GROUP_SUMMARY[group];
  const lines: string[] = [`${summary.charAt(0).toUpperCase()}${summary.slice(1)}.`, `Usage: soar ${group} <step> [--<param> <value>]...`, '', 'Steps:'];
  for (const { integration, action } of actions) {
    const positional = action.positional ? ` <${action.positional}>` : '';
    lines.push(`  ${commandOf(integration, action)}${positional} — ${oneLine(action.description)}${actionMarks(action)}`);
  }
  if (actions[0]) lines.push('', `Parameters of a step: soar help ${group} ${verbOf(actions[0].action)}`);
  return { title: `soar ${group}: ${plural(actions.length, 'step')}`, lines };
}

function actionMarks(action: ActionSpec): string {
  const marks: string[] = [];
  if (action.async) marks.push('async');
  if (action.changesMail) marks.push('changes mail');
  if (action.fourEyes === 'always') marks.push('always four-eyes');
  if (action.dryRun) marks.push('--dry-run');
  if (action.adminOnly) marks.push('admin only');
  if (!action.run) marks.push('not yet available');
  return marks.length ? ` [${marks.join(', ')}]` : '';
}

/** Integration level: one line per action (id, name, description, marks). */
export function integrationHelp(integration: IntegrationSpec): HelpDoc {
  const lines: string[] = [oneLine(integration.description), `Usage: soar ${integration.alias} <action> [--<param> <value>]...`, '', 'Actions:'];
  for (const a of ungroupedActions(integration)) {
    const aliases = a.aliases?.length ? ` (also ${a.aliases.join(', ')})` : '';
    lines.push(`  ${a.id}${aliases} — ${a.name}: ${oneLine(a.description)}${actionMarks(a)}`);
  }
  const first = ungroupedActions(integration)[0];
  lines.push('', `Parameters of an action: soar help ${integration.alias} ${first ? first.id : '<action>'}`);
  return {
    title: `${integration.name} ${integration.version} (${integration.id}, alias ${integration.alias}): ${plural(ungroupedActions(integration).length, 'action')}`,
    lines,
  };
}

/** A value that `parseCommand` accepts for `param`, as it would be typed. */
export function exampleValue(param: ParamSpec): string {
  if (!param.secret && param.default !== undefined) {
    const d = param.default;
    if (param.type === 'boolean') return String(d);
    return quoteArg(Array.isArray(d) ? d.join(',') : String(d));
  }
  if (param.type === 'string' && /(^|-)url($|-)/.test(param.id)) return 'https://example.com/path';
  if (param.type === 'string' && /(^|-)folder($|-)/.test(param.id)) return 'Inbox';
  if (param.id === 'campaign-id') return 'c-abcd2345';
  switch (param.type) {
    case 'boolean':
      return 'true';
    case 'integer':
      return '10';
    case 'list':
      return 'value1,value2';
    case 'json':
      return `'{"key": "value"}'`;
    case 'enum':
      return quoteArg(param.options?.[0] ?? 'value');
    case 'email':
      return 'user@contoso.com';
    case 'email-list':
      return 'user1@contoso.com,user2@contoso.com';
    case 'url':
      return 'https://example.com/path';
    case 'code':
      return '"<p>Hello</p>"';
    case 'password':
      return "'s3cret'";
    default:
      return '"some text"';
  }
}

/** `--p <value>` / `--flag` as shown in an example. */
export function exampleArg(param: ParamSpec): string {
  if (param.type === 'boolean') {
    const d = param.default;
    return d === true || d === 'true' ? `--${param.id}=false` : `--${param.id}`;
  }
  return `--${param.id} ${exampleValue(param)}`;
}

function placeholder(param: ParamSpec): string {
  switch (param.type) {
    case 'integer':
      return '<number>';
    case 'list':
      return '<a,b,…>';
    case 'email-list':
      return '<a@x.com,b@x.com>';
    case 'email':
      return '<email>';
    case 'url':
      return '<url>';
    case 'json':
      return "'<json>'";
    case 'enum':
      return `<${(param.options ?? []).join('|')}>`;
    default:
      return '<value>';
  }
}

function usageArg(param: ParamSpec): string {
  return param.type === 'boolean' ? `--${param.id}` : `--${param.id} ${placeholder(param)}`;
}

function describeDefault(param: ParamSpec): string | undefined {
  if (param.secret) return undefined;
  if (param.defaultFromInstance) return `default: the environment's ${param.defaultFromInstance}`;
  if (param.default === undefined) return undefined;
  const d = param.default;
  const text = Array.isArray(d) ? d.join(',') : String(d);
  return `default ${text === '' ? '""' : text}`;
}

/** One line per parameter: `--id — Display Name (type, required|optional, default …) (secret): description. Example: …`. */
export function paramLine(param: ParamSpec): string {
  const facts: string[] = [param.type === 'boolean' ? 'flag' : param.type, param.required ? 'required' : 'optional'];
  const def = describeDefault(param);
  if (def) facts.push(def);
  const extra: string[] = [];
  if (param.type === 'enum' && param.options?.length) extra.push(`One of: ${param.options.join(', ')}.`);
  if (param.aliases?.length) extra.push(`Also ${param.aliases.map((a) => `--${a}`).join(', ')}.`);
  extra.push(`Example: ${exampleArg(param)}`);
  const desc = oneLine(param.description);
  const secret = param.secret ? ' (secret)' : '';
  return `  --${param.id} — ${param.displayName} (${facts.join(', ')})${secret}${desc ? `: ${desc}` : ''} ${extra.join(' ')}`;
}

/** Action level: usage line, each parameter, the global options that apply. */
export function actionHelp(integration: IntegrationSpec, action: ActionSpec): HelpDoc {
  const params = actionParams(action);
  const required = params.filter((p) => p.required && p.default === undefined && !p.defaultFromInstance);
  const optional = params.filter((p) => !required.includes(p));
  const positional = action.positional ? required.find((p) => p.id === action.positional) : undefined;
  const usage = [
    commandOf(integration, action),
    ...required.map((p) => (p === positional ? `<${p.id}>` : usageArg(p))),
    ...(optional.length ? ['[--<param> <value>]...'] : []),
  ];
  const lines: string[] = [oneLine(action.description)];
  const marks: string[] = [];
  if (!action.run) marks.push('Not yet available in chatsoar.');
  if (action.async) marks.push('Runs asynchronously: the reply is updated until it is done or --timeout passes.');
  if (action.changesMail) marks.push('Changes mail (or other remote state).');
  if (action.fourEyes === 'always') marks.push('Always waits for a second person to approve (four-eyes).');
  if (action.adminOnly) marks.push('Needs the admin role of the environment.');
  if (action.privateResult) marks.push('Its result is shown to you alone.');
  if (action.entity === 'user') marks.push('Runs on User entities: --user a@x.com,b@x.com.');
  if (marks.length) lines.push(marks.join(' '));
  lines.push(`Usage: ${usage.join(' ')}`);
  const aliases = action.aliases?.length ? `Also: soar ${integration.alias} ${action.aliases.join(' | ')}` : undefined;
  if (positional) lines.push(`<${positional.id}> is the same as --${positional.id} <value>.`);
  if (aliases) lines.push(aliases);
  lines.push('', params.length ? 'Parameters:' : 'No parameters.');
  for (const p of params) lines.push(paramLine(p));
  lines.push('', 'Options:', "  --environment <name> — run in this environment instead of the channel's");
  if (action.async) lines.push(`  --timeout <duration> — give up after this long (e.g. 90s, 30m, 2h; default 1h, at most ${formatDuration(MAX_TIMEOUT_MS)})`);
  if (action.dryRun) lines.push('  --dry-run — report what would change, change nothing');
  const example = [commandOf(integration, action), ...required.map((p) => (p === positional ? exampleValue(p) : exampleArg(p)))].join(' ');
  lines.push('', `Example: ${example}`);
  return { title: `${action.name} (${integration.name})`, lines };
}

/** Help for `soar help [<integration> [<action>]]` (the dispatcher's entry point). */
export function helpFor(
  catalog: readonly IntegrationSpec[],
  integration?: IntegrationSpec,
  action?: ActionSpec,
  ctx?: HelpContext,
  group?: GroupWord,
): HelpDoc {
  if (integration && action) return actionHelp(integration, action);
  if (group) return groupHelp(catalog, group);
  if (integration) return integrationHelp(integration);
  return topLevelHelp(catalog, ctx);
}

/** Help for a parsed `{ kind: 'help' }` command. */
export function helpForCommand(cmd: HelpCommand, catalog: readonly IntegrationSpec[]): HelpDoc {
  return helpFor(catalog, cmd.integration, cmd.action, undefined, cmd.group);
}

/** Plain text: the title, then the lines. */
export function helpText(doc: HelpDoc): string {
  return [doc.title, ...doc.lines].join('\n');
}

/**
 * The text subcommands of contract.md §6, exactly its grammar; each calls the same operation as
 * the dialogs (bot/admin/ops), so validation, permissions and audit entries are the same.
 */
import type { ChatMessage } from '../../cards/message';
import { findIntegration, type AdminCommand } from '../commands';
import type { Incoming, Reply } from '../dispatch';
import { checkAdminOf, targetEnvironment } from './access';
import type { AdminDeps } from './deps';
import { describePolicy, setApprovals } from './ops/approvals';
import { auditView } from './ops/audit-view';
import { bindChannel, createEnvironment, deleteEnvironmentOp, listEnvironments, renameEnvironmentOp, unbindChannel } from './ops/environments';
import { instanceRows, saveInstance } from './ops/instance';
import { testSavedInstance } from './ping';
import { changeRole, roleRows } from './ops/roles';
import { addSchedule, changeSchedule, scheduleRows, singular, type ScheduleOp } from './ops/schedules';
import type { Actor, OpResult } from './result';
import type { ScheduleKind } from './schedule-control';
import { checkFlags } from './validate';

export const ADMIN_USAGE = [
  'soar admin  (opens the admin dialog)',
  'soar admin env create <name> | env rename <old> <new> | env delete <name> | env list',
  'soar admin bind <env>        soar admin unbind              (the current channel)',
  'soar admin set <integration> --<param> <value>...           (instance parameters)',
  'soar admin show <integration>                               (secrets shown as ••••••)',
  'soar admin test <integration>                               (runs its Ping)',
  'soar admin role grant <role> <user id>...    soar admin role revoke <role> <user id>...    soar admin role list',
  'soar admin connector add <name> --type <type> --every <duration> [--channel <id>] [--<param> <value>...]',
  'soar admin connector pause|resume|run|remove <name>          soar admin connector list',
  'soar admin job add|pause|resume|run|remove …                 soar admin job list',
  'soar admin approvals [--required-for <slugs>] [--approvers-needed <n>]',
  'soar admin audit [--since <duration or date>]',
  'Add --environment <name> to act on another environment than the channel’s.',
];

const TITLE = 'chatsoar admin';

/** Admin output (settings, roles, audit, environments, refusals) goes only to the admin who asked. */
export function adminReply(message: ChatMessage): Reply {
  return { kind: 'reply', private: true, confidential: true, message };
}

export function errorReply(message: string): Reply {
  return adminReply({ text: message, title: TITLE, status: 'error', lines: [message] });
}

function done(result: OpResult): Reply {
  if (!result.ok) {
    const extra = result.fields ? Object.values(result.fields).filter((m) => m !== result.message) : [];
    const lines = [result.message, ...extra];
    return adminReply({ text: lines.join('\n'), title: TITLE, status: 'error', lines });
  }
  return adminReply({ text: result.message, title: TITLE, status: 'succeeded', lines: [result.message] });
}

function usage(prefix: string): Reply {
  const lines = [prefix, ...ADMIN_USAGE].filter(Boolean);
  return adminReply({ text: lines.join('\n'), title: TITLE, status: prefix ? 'error' : 'info', lines });
}

/** Flags a subcommand does not take (beside --environment). */
function extraFlags(flags: Record<string, string | true>, allowed: string[] = []): string | undefined {
  const bad = Object.keys(flags).find((f) => !['environment', 'env', ...allowed].includes(f));
  return bad ? `Unexpected --${bad} here.` : undefined;
}

function environmentFlag(flags: Record<string, string | true>): string | undefined {
  const v = flags.environment ?? flags.env;
  return v === undefined ? undefined : v === true ? '' : v;
}

function withoutEnvironment(flags: Record<string, string | true>): Record<string, string | true> {
  const out = { ...flags };
  delete out.environment;
  delete out.env;
  return out;
}

export async function runAdminText(cmd: AdminCommand, incoming: Incoming, deps: AdminDeps): Promise<Reply> {
  const actor: Actor = { user: incoming.user, channel: incoming.channel, platform: incoming.platform, via: 'text' };
  const [head, ...rest] = cmd.positional.map((p) => p.trim());
  const sub = (head ?? '').toLowerCase();
  const flags = cmd.flags;

  const target = async (): Promise<{ ok: true; env: string } | { ok: false; message: string }> =>
    targetEnvironment(deps.environments, incoming.channel, environmentFlag(flags));

  switch (sub) {
    case 'help':
      return usage('');
    case 'env':
    case 'environment':
      return envCommand(deps, actor, rest, flags);
    case 'bind': {
      if (rest.length !== 1) return usage('Usage: soar admin bind <env>');
      const bad = extraFlags(flags);
      if (bad) return errorReply(bad);
      return done(await bindChannel(deps, actor, rest[0]!));
    }
    case 'unbind': {
      if (rest.length) return usage('Usage: soar admin unbind (it unbinds the current channel)');
      return done(await unbindChannel(deps, actor));
    }
    case 'set':
    case 'show':
    case 'test': {
      if (rest.length !== 1) return usage(`Usage: soar admin ${sub} <integration>${sub === 'set' ? ' --<param> <value>...' : ''}`);
      const integration = findIntegration(deps.catalog, rest[0]!);
      if (!integration)
        return errorReply(
          `Unknown integration ${JSON.stringify(rest[0]!.slice(0, 40))}: one of ${deps.catalog.map((i) => `${i.alias} (${i.id})`).join(', ')}.`,
        );
      const t = await target();
      if (!t.ok) return errorReply(t.message);
      const allowed = await checkAdminOf(deps.environments, t.env, actor.user);
      if (!allowed.ok) return errorReply(allowed.message);
      if (sub === 'set') {
        const given = withoutEnvironment(flags);
        if (!Object.keys(given).length)
          return errorReply(
            `Give at least one --<param> <value>. Parameters of ${integration.name}: ${integration.params.map((p) => `--${p.id}`).join(', ')}.`,
          );
        const checked = checkFlags(integration.params, given, integration.name);
        const errors = Object.values(checked.errors);
        if (errors.length) return adminReply({ text: errors.join('\n'), title: TITLE, status: 'error', lines: errors });
        return done(await saveInstance(deps, actor, t.env, integration, checked.values, checked.unset));
      }
      if (sub === 'show') {
        const bad = extraFlags(flags);
        if (bad) return errorReply(bad);
        const rows = await instanceRows(deps, t.env, integration);
        const title = `${integration.name} in ${t.env}`;
        const lines = rows.map(
          (r) => `${r.id}: ${r.value || '—'}${r.state === 'default' ? ' (default)' : r.state === 'missing' ? ' (required, not set)' : ''}`,
        );
        return adminReply({
          text: [title, ...lines].join('\n'),
          title,
          status: 'info',
          lines: [`Secrets are never shown; set them again with soar admin set ${integration.alias} --<param> <value>.`],
          tables: [
            {
              title,
              columns: ['Parameter', 'Value', 'State'],
              rows: rows.map((r) => [r.id, r.value || '—', r.state === 'missing' ? 'required, not set' : r.state]),
            },
          ],
        });
      }
      const bad = extraFlags(flags);
      if (bad) return errorReply(bad);
      const envFlag = environmentFlag(flags);
      const tested = await testSavedInstance(deps, actor, t.env, integration, () =>
        deps.dispatcher.command({ ...incoming, text: `${integration.alias} ping${envFlag ? ` --environment ${envFlag}` : ''}` }),
      );
      return typeof tested === 'string' ? errorReply(tested) : tested;
    }
    case 'role':
    case 'roles':
      return roleCommand(deps, actor, rest, flags, await target());
    case 'connector':
    case 'connectors':
      return scheduleCommand(deps, actor, 'connectors', rest, flags, await target());
    case 'job':
    case 'jobs':
      return scheduleCommand(deps, actor, 'jobs', rest, flags, await target());
    case 'approvals': {
      if (rest.length) return usage('Usage: soar admin approvals [--required-for <slugs>] [--approvers-needed <n>]');
      const bad = extraFlags(flags, ['required-for', 'approvers-needed']);
      if (bad) return errorReply(bad);
      const t = await target();
      if (!t.ok) return errorReply(t.message);
      const required = flags['required-for'];
      const needed = flags['approvers-needed'];
      if (required === undefined && needed === undefined) {
        const allowed = await checkAdminOf(deps.environments, t.env, actor.user);
        if (!allowed.ok) return errorReply(allowed.message);
        const line = `Approvals in ${t.env}: ${describePolicy((await deps.environments.getMeta(t.env)).approvals)}.`;
        return adminReply({ text: line, title: TITLE, status: 'info', lines: [line] });
      }
      return done(
        await setApprovals(deps, actor, t.env, {
          requiredFor: required === undefined ? undefined : required === true ? '' : required,
          approversNeeded: needed === undefined ? undefined : needed === true ? '' : needed,
        }),
      );
    }
    case 'audit': {
      if (rest.length) return usage('Usage: soar admin audit [--since <duration or date>]');
      const bad = extraFlags(flags, ['since']);
      if (bad) return errorReply(bad);
      const t = await target();
      if (!t.ok) return errorReply(t.message);
      const since = flags.since === true ? '' : flags.since;
      const view = await auditView(deps, actor.user, t.env, since);
      if (!view.ok) return errorReply(view.message);
      const line = `${view.entries} audit entr${view.entries === 1 ? 'y' : 'ies'} in ${t.env} since ${view.since}${view.entries > view.table.rows.length ? ` (latest ${view.table.rows.length} shown${view.file ? '; all in the file' : ''})` : ''}.`;
      return adminReply({
        text: line,
        title: `Audit log of ${t.env}`,
        status: 'info',
        lines: [line],
        tables: [view.table],
        files: view.files.length ? view.files : undefined,
      });
    }
    default:
      return usage(head ? `Unknown admin command ${JSON.stringify(head.slice(0, 40))}.` : '');
  }
}

async function envCommand(deps: AdminDeps, actor: Actor, rest: string[], flags: Record<string, string | true>): Promise<Reply> {
  const [op, ...names] = rest;
  const bad = extraFlags(flags);
  if (bad) return errorReply(bad);
  switch ((op ?? '').toLowerCase()) {
    case 'create':
      return names.length === 1 ? done(await createEnvironment(deps, actor, names[0]!)) : usage('Usage: soar admin env create <name>');
    case 'rename':
      return names.length === 2 ? done(await renameEnvironmentOp(deps, actor, names[0]!, names[1]!)) : usage('Usage: soar admin env rename <old> <new>');
    case 'delete':
      return names.length === 1 ? done(await deleteEnvironmentOp(deps, actor, names[0]!)) : usage('Usage: soar admin env delete <name>');
    case 'list': {
      const list = await listEnvironments(deps, actor);
      if (!list.ok) return errorReply(list.message);
      const lines = list.rows.length
        ? list.rows.map((r) => (r.admin ? `${r.name} (you are admin): ${r.channels.length ? r.channels.join(', ') : 'no channel bound'}` : `${r.name}`))
        : ['No environments yet.'];
      return adminReply({
        text: ['Environments', ...lines].join('\n'),
        title: 'Environments',
        status: 'info',
        lines: list.rows.length ? [] : lines,
        tables: list.rows.length
          ? [
              {
                title: 'Environments',
                columns: ['Environment', 'Channels', 'Your role'],
                rows: list.rows.map((r) => [r.name, r.admin ? r.channels.join(', ') || 'none' : '—', r.admin ? 'admin' : '—']),
              },
            ]
          : undefined,
      });
    }
    default:
      return usage('Usage: soar admin env create <name> | env rename <old> <new> | env delete <name> | env list');
  }
}

async function roleCommand(
  deps: AdminDeps,
  actor: Actor,
  rest: string[],
  flags: Record<string, string | true>,
  t: { ok: true; env: string } | { ok: false; message: string },
): Promise<Reply> {
  const bad = extraFlags(flags);
  if (bad) return errorReply(bad);
  const [op, role, ...users] = rest;
  const verb = (op ?? '').toLowerCase();
  if (!t.ok) return errorReply(t.message);
  if (verb === 'list') {
    const allowed = await checkAdminOf(deps.environments, t.env, actor.user);
    if (!allowed.ok) return errorReply(allowed.message);
    const rows = await roleRows(deps, t.env);
    return adminReply({
      text: [`Roles in ${t.env}`, ...rows.map((r) => `${r[0]}: ${r[1]}`)].join('\n'),
      title: `Roles in ${t.env}`,
      status: 'info',
      tables: [{ title: `Roles in ${t.env}`, columns: ['User', 'Role'], rows }],
    });
  }
  if ((verb !== 'grant' && verb !== 'revoke') || !role || !users.length)
    return usage(`Usage: soar admin role grant <role> <user id>... | soar admin role revoke <role> <user id>...`);
  return done(await changeRole(deps, actor, t.env, verb, role.toLowerCase(), users.join(' ')));
}

async function scheduleCommand(
  deps: AdminDeps,
  actor: Actor,
  kind: ScheduleKind,
  rest: string[],
  flags: Record<string, string | true>,
  t: { ok: true; env: string } | { ok: false; message: string },
): Promise<Reply> {
  const what = singular(kind);
  const [op, ...names] = rest;
  const verb = (op ?? '').toLowerCase();
  const usageLine = `Usage: soar admin ${what} add <name> --type <type> --every <duration> [--channel <id>] [--<param> <value>...] | ${what} pause|resume|run|remove <name> | ${what} list`;
  if (!t.ok) return errorReply(t.message);
  if (verb === 'list') {
    const bad = extraFlags(flags);
    if (bad) return errorReply(bad);
    const allowed = await checkAdminOf(deps.environments, t.env, actor.user);
    if (!allowed.ok) return errorReply(allowed.message);
    const rows = scheduleRows(await deps.environments.schedules(t.env, kind));
    const title = `${what === 'connector' ? 'Connectors' : 'Jobs'} in ${t.env}`;
    return adminReply({
      text: [title, ...(rows.length ? rows.map((r) => r.join(' · ')) : [`No ${kind} yet.`])].join('\n'),
      title,
      status: 'info',
      lines: rows.length ? undefined : [`No ${kind} yet.`],
      tables: rows.length ? [{ title, columns: ['Name', 'Type', 'Every', 'Channel', 'State'], rows }] : undefined,
    });
  }
  if (verb === 'add') {
    const params = withoutEnvironment(flags);
    const str = (k: string): string => (typeof params[k] === 'string' ? (params[k] as string) : '');
    let type = str('type');
    let name = names[0] ?? '';
    // `job add refresh-token-renewal-job --every 7d`: the name is the type.
    if (!type && name && deps.catalog.some((i) => (kind === 'connectors' ? i.connectors : i.jobs).some((s) => s.id === name.toLowerCase()))) type = name;
    if (!name && type) name = type;
    if (names.length > 1) return usage(usageLine);
    const every = str('every');
    const channel = params.channel === undefined ? undefined : str('channel');
    delete params.type;
    delete params.every;
    delete params.channel;
    return done(await addSchedule(deps, actor, t.env, kind, { name, type, every, channel, params }));
  }
  if (['pause', 'resume', 'run', 'remove'].includes(verb) && names.length === 1) {
    const bad = extraFlags(flags);
    if (bad) return errorReply(bad);
    return done(await changeSchedule(deps, actor, t.env, kind, verb as ScheduleOp, names[0]!));
  }
  return usage(usageLine);
}

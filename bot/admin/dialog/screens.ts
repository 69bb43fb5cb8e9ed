/**
 * The admin dialog's screens, built from the catalogue and the environment store. A screen
 * never carries a secret: secret fields are empty, with a placeholder saying whether one is
 * saved (or was typed earlier in this dialog).
 */
import type { AdminField, AdminScreen } from '../../../cards/admin-forms';
import type { MessageStatus } from '../../../cards/message';
import type { ConnectorSpec, IntegrationSpec, JobSpec, ParamSpec } from '../../../handlers/kit/spec';
import { ROLES } from '../../../store/roles';
import { adminEnvironments } from '../access';
import type { AdminDeps } from '../deps';
import { fileManagedLine, isFileManaged } from '../file-managed';
import { describePolicy } from '../ops/approvals';
import { auditView } from '../ops/audit-view';
import { storedIds } from '../ops/instance';
import { roleRows } from '../ops/roles';
import { RULE_KEYS, scheduleRows, scheduleSpecs, singular } from '../ops/schedules';
import type { ScheduleKind } from '../schedule-control';
import { needsValue } from '../validate';

export interface DialogUser {
  user: string;
  /** The conversation the dialog was opened from (bindings act on it). */
  channel: string;
}

/** A line shown at the top after an operation. */
export interface Status {
  ok: boolean;
  message: string;
}

export type Values = Record<string, string>;

export const TITLE = 'chatsoar admin';

export interface Section {
  key: string;
  title: string;
}

export function sections(deps: AdminDeps): Section[] {
  return [
    { key: 'bind', title: 'Bind this channel to the environment' },
    ...deps.catalog.map((i) => ({ key: `instance:${i.id}`, title: `Settings: ${i.name}` })),
    { key: 'roles', title: 'Roles' },
    { key: 'connectors', title: 'Connectors' },
    { key: 'jobs', title: 'Jobs' },
    { key: 'approvals', title: 'Approvals policy' },
    { key: 'audit', title: 'Audit log' },
    { key: 'create-env', title: 'Create an environment' },
    { key: 'rename-env', title: 'Rename the environment' },
    { key: 'delete-env', title: 'Delete the environment' },
    { key: 'unbind', title: 'Unbind this channel' },
  ];
}

function statusOf(status: Status | undefined, fallback: MessageStatus = 'info'): MessageStatus {
  return status ? (status.ok ? 'succeeded' : 'error') : fallback;
}

function statusLines(status: Status | undefined): string[] {
  return status ? [status.message] : [];
}

export async function homeScreen(deps: AdminDeps, who: DialogUser, env?: string, status?: Status): Promise<AdminScreen> {
  const mine = await adminEnvironments(deps.environments, who.user);
  const bound = await deps.environments.environmentOf(who.channel);
  const selected = env && mine.includes(env) ? env : bound && mine.includes(bound) ? bound : mine[0];
  const managed = (await Promise.all(mine.map(async (e) => ((await isFileManaged(deps.environments, e)) ? e : null)))).filter((e): e is string => !!e);
  return {
    id: 'home',
    title: TITLE,
    status: statusOf(status),
    lines: [
      ...statusLines(status),
      bound ? `This channel (${who.channel}) is bound to environment ${bound}.` : `This channel (${who.channel}) is not bound to an environment.`,
      ...(managed.length ? [fileManagedLine(managed)] : []),
      'Pick an environment you administer and what to do.',
    ],
    fields: [
      { id: 'environment', label: 'Environment', kind: 'choice', options: mine, value: selected, required: true },
      { id: 'section', label: 'What to do', kind: 'choice', options: sections(deps).map((s) => s.title), required: true },
    ],
    submit: { title: 'Next' },
    state: { _s: 'home' },
  };
}

export function envCreateScreen(errors: Values = {}, values: Values = {}): AdminScreen {
  return {
    id: 'env-create',
    title: 'Create an environment',
    status: 'info',
    lines: ['You become the admin of the environment you create.'],
    fields: [
      { id: 'name', label: 'Name', kind: 'text', required: true, value: values.name, placeholder: 'e.g. prod (letters, digits, . _ -)', error: errors.name },
    ],
    submit: { title: 'Create' },
    state: { _s: 'env-create' },
    back: true,
  };
}

export function envRenameScreen(env: string, errors: Values = {}, values: Values = {}): AdminScreen {
  return {
    id: 'env-rename',
    title: `Rename ${env}`,
    status: 'info',
    lines: [`Environment ${env} keeps its channels, roles, settings, connectors and jobs under the new name.`],
    fields: [{ id: 'new-name', label: 'New name', kind: 'text', required: true, value: values['new-name'], error: errors['new-name'] }],
    submit: { title: 'Rename' },
    state: { _s: 'env-rename', _e: env },
    back: true,
  };
}

export async function envDeleteScreen(deps: AdminDeps, env: string, errors: Values = {}): Promise<AdminScreen> {
  const channels = await deps.environments.channelsOf(env);
  return {
    id: 'env-delete',
    title: `Delete ${env}`,
    status: 'error',
    lines: [
      `Deleting ${env} removes its settings (secrets included), roles, connectors and jobs, and unbinds ${channels.length ? channels.join(', ') : 'no channel'}. This cannot be undone.`,
    ],
    fields: [{ id: 'confirm', label: `Type ${env} to confirm`, kind: 'text', required: true, error: errors.confirm }],
    submit: { title: 'Delete', style: 'destructive' },
    state: { _s: 'env-delete', _e: env },
    back: true,
  };
}

function fieldKind(p: ParamSpec): AdminField['kind'] {
  if (p.secret) return 'secret';
  switch (p.type) {
    case 'boolean':
      return 'toggle';
    case 'integer':
      return 'number';
    case 'enum':
      return 'choice';
    case 'code':
    case 'json':
      return 'multiline';
    default:
      return 'text';
  }
}

function shownDefault(p: ParamSpec): string | undefined {
  if (p.default === undefined || p.default === '') return undefined;
  return Array.isArray(p.default) ? p.default.join(',') : String(p.default);
}

/** One field for one parameter; `current` is the shown value (never a secret's). */
function paramField(p: ParamSpec, current: string | undefined, secretState: 'saved' | 'typed' | 'none', error?: string, fromInstance?: string): AdminField {
  const def = shownDefault(p);
  const help = [p.description, def !== undefined ? `Default: ${def}.` : '', fromInstance ? `Default: the environment's ${fromInstance}.` : '']
    .filter(Boolean)
    .join(' ');
  const field: AdminField = { id: p.id, label: p.displayName, kind: fieldKind(p), required: needsValue(p) && !fromInstance, help, error };
  if (field.kind === 'secret') {
    field.placeholder =
      secretState === 'saved' ? '•••••• saved — leave empty to keep it' : secretState === 'typed' ? '•••••• typed earlier — leave empty to keep it' : 'not set';
    return field;
  }
  if (field.kind === 'toggle') {
    field.value = current !== undefined ? String(current === 'true') : String(p.default === true);
    return field;
  }
  if (field.kind === 'choice') field.options = p.options;
  field.value = current;
  if (def !== undefined && current === undefined) field.placeholder = `default: ${def}`;
  return field;
}

export interface InstanceView {
  values?: Values;
  errors?: Values;
  status?: Status;
  draftId?: string;
  /** Secret ids typed earlier in this dialog (kept in the draft). */
  drafted?: string[];
}

export const SAVE_ANYWAY = 'save-even-if-ping-fails';

export async function instanceScreen(deps: AdminDeps, env: string, integration: IntegrationSpec, view: InstanceView = {}): Promise<AdminScreen> {
  const shown = await deps.environments.showInstance(env, integration.id);
  const stored = await storedIds(deps, env, integration);
  const drafted = new Set(view.drafted ?? []);
  const errors = view.errors ?? {};
  const fields = integration.params.map((p) => {
    const current = view.values ? view.values[p.id] : p.secret ? undefined : shown[p.id];
    const secretState = drafted.has(p.id) ? 'typed' : stored.has(p.id) ? 'saved' : 'none';
    return paramField(p, current === '' ? undefined : current, secretState, errors[p.id]);
  });
  fields.push({ id: SAVE_ANYWAY, label: 'Save even if the Ping test fails', kind: 'toggle', value: view.values?.[SAVE_ANYWAY] === 'true' ? 'true' : 'false' });
  return {
    id: 'instance',
    title: `${integration.name} · ${env}`,
    status: statusOf(view.status),
    lines: [
      ...statusLines(view.status),
      `${integration.name} ${integration.version} settings of environment ${env}.`,
      'Secrets are write-only: they are never shown; leave one empty to keep the saved value.',
      'Test and save runs the integration’s Ping with these values first, and saves only when it succeeds.',
    ],
    fields,
    submit: { title: 'Test and save', style: 'positive' },
    state: { _s: 'instance', _e: env, _i: integration.id, ...(view.draftId ? { _d: view.draftId } : {}) },
    back: true,
  };
}

export async function rolesScreen(deps: AdminDeps, env: string, status?: Status, errors: Values = {}, values: Values = {}): Promise<AdminScreen> {
  const rows = await roleRows(deps, env);
  return {
    id: 'roles',
    title: `Roles · ${env}`,
    status: statusOf(status),
    lines: [...statusLines(status), 'admin ⊃ approver ⊃ analyst ⊃ viewer. User ids: slack:<user id>, teams:<AAD object id>, web:<name>.'],
    tables: [{ title: `Roles in ${env}`, columns: ['User', 'Role'], rows }],
    fields: [
      { id: 'operation', label: 'Grant or revoke', kind: 'choice', options: ['grant', 'revoke'], value: values.operation ?? 'grant', required: true },
      { id: 'role', label: 'Role', kind: 'choice', options: [...ROLES].reverse(), value: values.role ?? 'analyst', required: true, error: errors.role },
      {
        id: 'users',
        label: 'Users',
        kind: 'text',
        required: true,
        value: values.users,
        placeholder: 'slack:U0123ABCD teams:<aad object id>',
        error: errors.users,
      },
    ],
    submit: { title: 'Apply' },
    state: { _s: 'roles', _e: env },
    back: true,
  };
}

export const SCHEDULE_OPS = ['add', 'pause', 'resume', 'run now', 'remove'];

export async function schedulesScreen(
  deps: AdminDeps,
  who: DialogUser,
  env: string,
  kind: ScheduleKind,
  status?: Status,
  errors: Values = {},
  values: Values = {},
): Promise<AdminScreen> {
  const what = singular(kind);
  const rows = scheduleRows(await deps.environments.schedules(env, kind));
  const types = scheduleSpecs(deps, kind).map((s) => s.id);
  const title = `${what === 'connector' ? 'Connectors' : 'Jobs'} · ${env}`;
  return {
    id: 'schedules',
    title,
    status: statusOf(status),
    lines: [
      ...statusLines(status),
      rows.length ? `${rows.length} ${rows.length === 1 ? what : kind} in ${env}.` : `No ${kind} in ${env} yet.`,
      `To add one, give its name, type and how often it runs; its parameters come next.`,
    ],
    tables: rows.length ? [{ title, columns: ['Name', 'Type', 'Every', 'Channel', 'State'], rows }] : undefined,
    fields: [
      { id: 'operation', label: 'Operation', kind: 'choice', options: SCHEDULE_OPS, value: values.operation ?? 'add', required: true },
      { id: 'name', label: 'Name', kind: 'text', required: true, value: values.name, error: errors.name },
      { id: 'type', label: 'Type (to add)', kind: 'choice', options: types, value: values.type ?? types[0], error: errors.type },
      {
        id: 'every',
        label: 'Every (to add)',
        kind: 'text',
        value: values.every,
        placeholder: kind === 'connectors' ? 'e.g. 60s' : 'e.g. 7d',
        error: errors.every,
      },
      {
        id: 'channel',
        label: kind === 'connectors' ? 'Channel (to add)' : 'Channel for warnings (to add, optional)',
        kind: 'text',
        value: values.channel,
        placeholder: kind === 'connectors' ? `default: this channel (${who.channel})` : 'default: the environment’s admin channel',
        error: errors.channel,
      },
    ],
    submit: { title: 'Next' },
    state: { _s: 'schedules', _e: env, _k: kind },
    back: true,
  };
}

export interface ScheduleDraft {
  kind: ScheduleKind;
  name: string;
  type: string;
  every: string;
  channel: string;
}

export function scheduleParamsScreen(env: string, spec: ConnectorSpec | JobSpec, draft: ScheduleDraft, errors: Values = {}, values: Values = {}): AdminScreen {
  const fromInstance = 'instanceParamMap' in spec ? (spec.instanceParamMap ?? {}) : {};
  const fields = spec.params.map((p) =>
    paramField(p, values[p.id] === '' ? undefined : values[p.id], 'none', errors[p.id], p.defaultFromInstance ?? fromInstance[p.id]),
  );
  if (draft.kind === 'connectors') {
    for (const key of RULE_KEYS) {
      fields.push({
        id: key,
        label: key === 'dynamic-list' ? 'Dynamic list (regexes)' : key === 'whitelist' ? 'Whitelist' : 'Blacklist',
        kind: 'text',
        value: values[key],
        help: 'Comma-separated (behaviour.md 19).',
        error: errors[key],
      });
    }
  }
  return {
    id: 'schedule-params',
    title: `${spec.name} · ${draft.name}`,
    status: 'info',
    lines: [
      `${spec.name}: ${spec.description}`,
      `Adding ${singular(draft.kind)} ${draft.name} to ${env}, every ${draft.every}${draft.channel ? `, posting to ${draft.channel}` : ''}. Empty fields take their defaults.`,
    ],
    fields,
    submit: { title: 'Add', style: 'positive' },
    state: { _s: 'schedule-params', _e: env, _k: draft.kind, _n: draft.name, _t: draft.type, _v: draft.every, _c: draft.channel },
    back: true,
  };
}

export async function approvalsScreen(deps: AdminDeps, env: string, status?: Status, errors: Values = {}, values: Values = {}): Promise<AdminScreen> {
  const policy = (await deps.environments.getMeta(env)).approvals;
  return {
    id: 'approvals',
    title: `Approvals · ${env}`,
    status: statusOf(status),
    lines: [...statusLines(status), `Now: ${describePolicy(policy)}.`],
    fields: [
      {
        id: 'required-for',
        label: 'Required for',
        kind: 'text',
        value: values['required-for'] ?? policy?.requiredFor?.join(','),
        help: 'Action slugs, comma-separated (e.g. delete-email, execute-http-request:write); empty or "default" for the default, "none" for nothing.',
        error: errors['required-for'],
      },
      {
        id: 'approvers-needed',
        label: 'Approvers needed',
        kind: 'number',
        value: values['approvers-needed'] ?? String(policy?.approversNeeded ?? 1),
        error: errors['approvers-needed'],
      },
    ],
    submit: { title: 'Save' },
    state: { _s: 'approvals', _e: env },
    back: true,
  };
}

export async function auditScreen(deps: AdminDeps, who: DialogUser, env: string, since = '7d'): Promise<AdminScreen> {
  const view = await auditView(deps, who.user, env, since);
  const base: AdminScreen = {
    id: 'audit',
    title: `Audit log · ${env}`,
    status: 'info',
    lines: [],
    fields: [{ id: 'since', label: 'Since', kind: 'text', value: since, placeholder: 'a duration (24h, 7d) or a date (2026-01-31)' }],
    submit: { title: 'Show' },
    state: { _s: 'audit', _e: env },
    back: true,
  };
  if (!view.ok) return { ...base, fields: base.fields.map((f) => ({ ...f, error: view.message })), status: 'error', lines: [view.message] };
  return {
    ...base,
    lines: [`${view.entries} entr${view.entries === 1 ? 'y' : 'ies'} since ${view.since}.${view.file ? ' The file has them all.' : ''}`],
    tables: [view.table],
    files: view.files.length ? view.files : undefined,
  };
}

/** A screen that only says no (a refused or broken step); nothing of the environment in it. */
export function refusalScreen(message: string): AdminScreen {
  return { id: 'refused', title: TITLE, status: 'error', lines: [message], fields: [], submit: { title: 'Close' }, state: { _s: 'refused' } };
}

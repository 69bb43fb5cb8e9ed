/**
 * The admin dialog, independent of the platform: a submitted screen (its hidden state and the
 * values typed) in, the next screen out. A change that succeeds leads back to the first screen
 * with a line saying what was done (a Slack modal has no Back button). Every step checks the admin role again; the operations
 * are the text commands' own (bot/admin/ops), so both write the same audit entries.
 */
import type { AdminScreen } from '../../../cards/admin-forms';
import type { IntegrationSpec } from '../../../handlers/kit/spec';
import type { Platform } from '../../../queue/types';
import { checkAdminAnywhere, checkAdminOf } from '../access';
import type { AdminDeps } from '../deps';
import { SecretDrafts } from '../drafts';
import { setApprovals } from '../ops/approvals';
import { bindChannel, createEnvironment, deleteEnvironmentOp, renameEnvironmentOp, unbindChannel } from '../ops/environments';
import { auditRefusedChange, checkInstanceChange, saveInstance, storedIds } from '../ops/instance';
import { changeRole } from '../ops/roles';
import { addSchedule, changeSchedule, checkScheduleBasics, type ScheduleOp } from '../ops/schedules';
import { pingCandidate } from '../ping';
import type { Actor } from '../result';
import type { ScheduleKind } from '../schedule-control';
import { checkForm } from '../validate';
import {
  approvalsScreen,
  auditScreen,
  envCreateScreen,
  envDeleteScreen,
  envRenameScreen,
  homeScreen,
  instanceScreen,
  refusalScreen,
  rolesScreen,
  SAVE_ANYWAY,
  scheduleParamsScreen,
  schedulesScreen,
  sections,
  type DialogUser,
  type Values,
} from './screens';

export interface DialogContext extends DialogUser {
  platform: Platform;
}

export type StepResult =
  /** The next screen (or the same one with a status line). */
  | { kind: 'screen'; screen: AdminScreen }
  /** The same screen with errors next to its fields; nothing was changed. */
  | { kind: 'errors'; screen: AdminScreen }
  /** A Ping runs first: show `waiting` now when the platform cannot wait, then `finish()`. */
  | { kind: 'slow'; waiting: AdminScreen; finish: () => Promise<AdminScreen> }
  /** Not allowed (or not possible): one line, nothing else shown. */
  | { kind: 'refused'; message: string };

function actorOf(ctx: DialogContext): Actor {
  return { user: ctx.user, channel: ctx.channel, platform: ctx.platform, via: 'dialog' };
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** Submitted values as strings (cards send numbers and booleans for some inputs). */
export function stringValues(data: Record<string, unknown>): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(data)) if (!k.startsWith('_') && k !== 'verb' && k !== 'msteams') out[k] = str(v);
  return out;
}

export function stateOf(data: Record<string, unknown>): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(data)) if (k.startsWith('_')) out[k] = str(v);
  return out;
}

/** The first screen; refused for someone who is admin nowhere. */
export async function openDialog(deps: AdminDeps, ctx: DialogContext, env?: string): Promise<StepResult> {
  const allowed = await checkAdminAnywhere(deps.environments, ctx.user);
  if (!allowed.ok) return { kind: 'refused', message: allowed.message };
  return { kind: 'screen', screen: await homeScreen(deps, ctx, env) };
}

function integrationOf(deps: AdminDeps, id: string): IntegrationSpec | undefined {
  return deps.catalog.find((i) => i.id === id);
}

function draftOwner(ctx: DialogContext, env: string, integration: string): string {
  return `${ctx.user}|${env}|${integration}`;
}

export async function submitStep(deps: AdminDeps, ctx: DialogContext, state: Values, values: Values): Promise<StepResult> {
  const allowed = await checkAdminAnywhere(deps.environments, ctx.user);
  if (!allowed.ok) return { kind: 'refused', message: allowed.message };
  const screen = state._s ?? 'home';
  if (screen === 'home') return fromHome(deps, ctx, values);
  if (screen === 'env-create') {
    const name = (values.name ?? '').trim();
    const r = await createEnvironment(deps, actorOf(ctx), name);
    if (!r.ok) return r.fields ? { kind: 'errors', screen: envCreateScreen(r.fields, values) } : { kind: 'refused', message: r.message };
    return { kind: 'screen', screen: await homeScreen(deps, ctx, name, { ok: true, message: r.message }) };
  }

  // Every other screen acts on one environment, which the actor must administer.
  const env = state._e ?? '';
  const admin = await checkAdminOf(deps.environments, env, ctx.user);
  if (!admin.ok) return { kind: 'refused', message: admin.message };

  switch (screen) {
    case 'env-rename': {
      const to = (values['new-name'] ?? '').trim();
      const r = await renameEnvironmentOp(deps, actorOf(ctx), env, to);
      if (!r.ok) return r.fields ? { kind: 'errors', screen: envRenameScreen(env, r.fields, values) } : { kind: 'refused', message: r.message };
      return { kind: 'screen', screen: await homeScreen(deps, ctx, to, { ok: true, message: r.message }) };
    }
    case 'env-delete': {
      if ((values.confirm ?? '').trim() !== env)
        return { kind: 'errors', screen: await envDeleteScreen(deps, env, { confirm: `Type ${env} exactly to delete it.` }) };
      const r = await deleteEnvironmentOp(deps, actorOf(ctx), env);
      if (!r.ok) return { kind: 'refused', message: r.message };
      const still = await checkAdminAnywhere(deps.environments, ctx.user);
      if (!still.ok) return { kind: 'screen', screen: { ...refusalScreen(`${r.message} You administer no other environment.`), status: 'succeeded' } };
      return { kind: 'screen', screen: await homeScreen(deps, ctx, undefined, { ok: true, message: r.message }) };
    }
    case 'instance':
      return submitInstance(deps, ctx, env, state, values);
    case 'roles': {
      const op = values.operation === 'revoke' ? 'revoke' : 'grant';
      const r = await changeRole(deps, actorOf(ctx), env, op, (values.role ?? '').trim().toLowerCase(), values.users ?? '');
      if (!r.ok)
        return r.fields ? { kind: 'errors', screen: await rolesScreen(deps, env, undefined, r.fields, values) } : { kind: 'refused', message: r.message };
      return { kind: 'screen', screen: await homeScreen(deps, ctx, env, { ok: true, message: r.message }) };
    }
    case 'schedules':
      return submitSchedules(deps, ctx, env, state, values);
    case 'schedule-params': {
      const kind = (state._k === 'jobs' ? 'jobs' : 'connectors') as ScheduleKind;
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(values)) if (v.trim() !== '') params[k] = v;
      const draft = { kind, name: state._n ?? '', type: state._t ?? '', every: state._v ?? '', channel: state._c ?? '' };
      const r = await addSchedule(deps, actorOf(ctx), env, kind, { name: draft.name, type: draft.type, every: draft.every, channel: draft.channel, params });
      if (!r.ok) {
        const spec = deps.catalog.flatMap((i) => (kind === 'connectors' ? i.connectors : i.jobs)).find((s) => s.id === draft.type);
        if (!spec || !r.fields) return { kind: 'refused', message: r.message };
        const paramErrors = Object.fromEntries(Object.entries(r.fields).map(([k, m]) => [k, m.replace(/^Parameter --[a-z0-9-]+:?\s*/, '')]));
        if (['name', 'type', 'every', 'channel'].some((k) => r.fields![k])) {
          return {
            kind: 'screen',
            screen: await schedulesScreen(deps, ctx, env, kind, { ok: false, message: r.message }, r.fields, {
              operation: 'add',
              name: draft.name,
              type: draft.type,
              every: draft.every,
              channel: draft.channel,
            }),
          };
        }
        return { kind: 'errors', screen: scheduleParamsScreen(env, spec, draft, paramErrors, values) };
      }
      return { kind: 'screen', screen: await homeScreen(deps, ctx, env, { ok: true, message: r.message }) };
    }
    case 'approvals': {
      const r = await setApprovals(deps, actorOf(ctx), env, { requiredFor: values['required-for'] ?? '', approversNeeded: values['approvers-needed'] ?? '1' });
      if (!r.ok)
        return r.fields ? { kind: 'errors', screen: await approvalsScreen(deps, env, undefined, r.fields, values) } : { kind: 'refused', message: r.message };
      return { kind: 'screen', screen: await homeScreen(deps, ctx, env, { ok: true, message: r.message }) };
    }
    case 'audit':
      return { kind: 'screen', screen: await auditScreen(deps, ctx, env, (values.since ?? '').trim() || '7d') };
    default:
      return { kind: 'screen', screen: await homeScreen(deps, ctx, env) };
  }
}

async function fromHome(deps: AdminDeps, ctx: DialogContext, values: Values): Promise<StepResult> {
  const section = sections(deps).find((s) => s.title === values.section || s.key === values.section);
  if (!section) {
    const screen = await homeScreen(deps, ctx, values.environment);
    screen.fields = screen.fields.map((f) => (f.id === 'section' ? { ...f, error: 'Pick what to do.' } : f));
    return { kind: 'errors', screen };
  }
  if (section.key === 'create-env') return { kind: 'screen', screen: envCreateScreen() };
  if (section.key === 'unbind') {
    const r = await unbindChannel(deps, actorOf(ctx));
    return { kind: 'screen', screen: await homeScreen(deps, ctx, values.environment, r) };
  }
  const env = (values.environment ?? '').trim();
  const admin = await checkAdminOf(deps.environments, env, ctx.user);
  if (!admin.ok) {
    const screen = await homeScreen(deps, ctx, undefined);
    screen.fields = screen.fields.map((f) => (f.id === 'environment' ? { ...f, error: admin.message } : f));
    return { kind: 'errors', screen };
  }
  switch (section.key) {
    case 'bind': {
      const r = await bindChannel(deps, actorOf(ctx), env);
      return { kind: 'screen', screen: await homeScreen(deps, ctx, env, r) };
    }
    case 'rename-env':
      return { kind: 'screen', screen: envRenameScreen(env) };
    case 'delete-env':
      return { kind: 'screen', screen: await envDeleteScreen(deps, env) };
    case 'roles':
      return { kind: 'screen', screen: await rolesScreen(deps, env) };
    case 'connectors':
    case 'jobs':
      return { kind: 'screen', screen: await schedulesScreen(deps, ctx, env, section.key) };
    case 'approvals':
      return { kind: 'screen', screen: await approvalsScreen(deps, env) };
    case 'audit':
      return { kind: 'screen', screen: await auditScreen(deps, ctx, env) };
    default: {
      const integration = integrationOf(deps, section.key.replace(/^instance:/, ''));
      if (!integration) return { kind: 'refused', message: 'Unknown section.' };
      return { kind: 'screen', screen: await instanceScreen(deps, env, integration) };
    }
  }
}

async function submitInstance(deps: AdminDeps, ctx: DialogContext, env: string, state: Values, values: Values): Promise<StepResult> {
  const integration = integrationOf(deps, state._i ?? '');
  if (!integration) return { kind: 'refused', message: 'Unknown integration.' };
  const drafts = new SecretDrafts(deps.environments);
  const owner = draftOwner(ctx, env, integration.id);
  const drafted = await drafts.read(owner, state._d);
  const stored = await storedIds(deps, env, integration);
  const checked = checkForm(integration.params, values, stored, drafted);
  const typedSecrets: Record<string, string> = {};
  for (const p of integration.params) if (p.secret && typeof checked.values[p.id] === 'string') typedSecrets[p.id] = checked.values[p.id] as string;
  // What is shown back: the typed non-secret values only.
  const shownValues: Values = {};
  for (const p of integration.params) if (!p.secret) shownValues[p.id] = values[p.id] ?? '';
  shownValues[SAVE_ANYWAY] = values[SAVE_ANYWAY] ?? 'false';

  const keepDraft = async (): Promise<{ draftId?: string; drafted: string[] }> => {
    const draftId = await drafts.keep(owner, typedSecrets, state._d);
    return { draftId, drafted: Object.keys({ ...drafted, ...typedSecrets }) };
  };

  if (Object.keys(checked.errors).length) {
    const kept = await keepDraft();
    return { kind: 'errors', screen: await instanceScreen(deps, env, integration, { values: shownValues, errors: checked.errors, ...kept }) };
  }

  // Nothing is sent before the change is known to keep to public (or operator-trusted) addresses and its secrets to their endpoints.
  const change = await checkInstanceChange(deps, env, integration, checked.values, checked.unset);
  if (Object.keys(change.fields).length) {
    await auditRefusedChange(deps, actorOf(ctx), env, integration, change.fields);
    const kept = await keepDraft();
    return { kind: 'errors', screen: await instanceScreen(deps, env, integration, { values: shownValues, errors: change.fields, ...kept }) };
  }

  const saveAnyway = values[SAVE_ANYWAY] === 'true';
  const finish = async (): Promise<AdminScreen> => {
    const current = await deps.environments.getInstance(env, integration.id);
    for (const id of [...checked.unset, ...change.dropped]) delete current[id];
    const candidate = { ...current, ...checked.values };
    const ping = await pingCandidate(deps, { environment: env, user: ctx.user, channel: ctx.channel }, integration, candidate, {
      typed: Object.keys(typedSecrets),
    });
    if (!ping.ok && !saveAnyway) {
      const kept = await keepDraft();
      return instanceScreen(deps, env, integration, {
        values: shownValues,
        status: { ok: false, message: `Ping failed, nothing was saved: ${ping.message}` },
        ...kept,
      });
    }
    const note = ping.ok ? 'Ping succeeded' : `saved although Ping failed: ${ping.message}`;
    const r = await saveInstance(deps, actorOf(ctx), env, integration, { ...checked.values, ...ping.rotated }, checked.unset, note);
    if (!r.ok) return refusalScreen(r.message);
    await drafts.drop(state._d);
    return homeScreen(deps, ctx, env, { ok: true, message: `${r.message}\nPing: ${ping.message}` });
  };
  const waiting = await instanceScreen(deps, env, integration, {
    values: shownValues,
    status: { ok: true, message: `Testing ${integration.name} with Ping…` },
  });
  waiting.status = 'running';
  waiting.fields = [];
  return { kind: 'slow', waiting, finish };
}

async function submitSchedules(deps: AdminDeps, ctx: DialogContext, env: string, state: Values, values: Values): Promise<StepResult> {
  const kind = (state._k === 'jobs' ? 'jobs' : 'connectors') as ScheduleKind;
  const op = (values.operation ?? 'add').trim();
  const name = (values.name ?? '').trim();
  if (op === 'add') {
    const basics = { name, type: (values.type ?? '').trim(), every: (values.every ?? '').trim(), channel: (values.channel ?? '').trim() };
    const checked = await checkScheduleBasics(deps, env, kind, basics, ctx.channel);
    if (Object.keys(checked.fields).length || !checked.spec)
      return { kind: 'errors', screen: await schedulesScreen(deps, ctx, env, kind, undefined, checked.fields, values) };
    return { kind: 'screen', screen: scheduleParamsScreen(env, checked.spec, { kind, ...basics, channel: checked.channel }) };
  }
  const mapped: Record<string, ScheduleOp> = { pause: 'pause', resume: 'resume', 'run now': 'run', run: 'run', remove: 'remove' };
  const scheduleOp = mapped[op];
  if (!scheduleOp) return { kind: 'errors', screen: await schedulesScreen(deps, ctx, env, kind, undefined, { operation: 'Pick an operation.' }, values) };
  const r = await changeSchedule(deps, actorOf(ctx), env, kind, scheduleOp, name);
  if (!r.ok)
    return r.fields
      ? { kind: 'errors', screen: await schedulesScreen(deps, ctx, env, kind, undefined, r.fields, values) }
      : { kind: 'refused', message: r.message };
  return { kind: 'screen', screen: await homeScreen(deps, ctx, env, { ok: true, message: r.message }) };
}

/** For platforms that can wait (Teams invokes, web chat): the final screen of any step. */
export async function settle(result: StepResult): Promise<StepResult> {
  if (result.kind !== 'slow') return result;
  return { kind: 'screen', screen: await result.finish() };
}

/** Environments: create, rename, delete, list; and binding the current channel (contract.md §6). */
import { environmentFolderInUse, moveEnvironmentFolder, retireEnvironmentFolder } from '../../../lib/environment-folders';
import { deleteEnvironment, renameEnvironment } from '../../../store/environment-admin';
import { adminEnvironments, checkAdminAnywhere, checkAdminOf, ENV_NAME } from '../access';
import type { AdminDeps } from '../deps';
import { withFileManagedNote } from '../file-managed';
import { audit, ok, refused, type Actor, type OpResult } from '../result';

function badName(name: string): string | undefined {
  if (!name) return 'Give the environment a name (letters, digits, . _ - only).';
  if (!ENV_NAME.test(name)) return `${JSON.stringify(name.slice(0, 70))} is not an environment name: use 1 to 64 letters, digits, . _ - only.`;
  return undefined;
}

export async function createEnvironment(deps: AdminDeps, actor: Actor, name: string): Promise<OpResult> {
  const allowed = await checkAdminAnywhere(deps.environments, actor.user);
  if (!allowed.ok) return refused(allowed.message);
  const bad = badName(name);
  if (bad) return refused(bad, { name: bad });
  if (!(await deps.environments.create(name))) return refused(`Environment ${name} already exists.`, { name: `Environment ${name} already exists.` });
  await deps.environments.grant(name, 'admin', [actor.user]);
  await audit(deps, actor, name, 'admin env create', `created environment ${name}; ${actor.user} is its admin`);
  return ok(`Environment ${name} created; you are its admin. Bind a channel to it with soar admin bind ${name}.`);
}

export async function renameEnvironmentOp(deps: AdminDeps, actor: Actor, from: string, to: string): Promise<OpResult> {
  const allowed = await checkAdminOf(deps.environments, from, actor.user);
  if (!allowed.ok) return refused(allowed.message);
  const bad = badName(to);
  if (bad) return refused(bad, { 'new-name': bad });
  if (from === to) return refused(`Environment ${from} already has that name.`, { 'new-name': 'That is its name already.' });
  const schedules = [...(await deps.environments.schedules(from, 'connectors')), ...(await deps.environments.schedules(from, 'jobs'))];
  if (deps.files && (await deps.environments.exists(from)) && !(await deps.environments.exists(to)) && (await environmentFolderInUse(deps.files, to))) {
    const message = `The files folder of ${to} is not empty (left by an earlier environment): the operator must move it out of the files root first, or pick another name.`;
    return refused(message, { 'new-name': message });
  }
  if (!(await renameEnvironment(deps.environments, from, to)))
    return refused(`Environment ${to} already exists.`, { 'new-name': `Environment ${to} already exists.` });
  if (deps.files) await moveEnvironmentFolder(deps.files, from, to);
  for (const kind of ['connectors', 'jobs'] as const) {
    for (const c of await deps.environments.schedules(to, kind)) {
      await deps.schedules.sync(from, kind, c.name, null);
      await deps.schedules.sync(to, kind, c.name, c);
    }
  }
  await audit(deps, actor, to, 'admin env rename', `renamed environment ${from} to ${to} (${schedules.length} connector(s)/job(s) moved)`);
  return ok(`Environment ${from} is now ${to}; its channels, roles, settings, connectors and jobs moved with it.`);
}

export async function deleteEnvironmentOp(deps: AdminDeps, actor: Actor, name: string): Promise<OpResult> {
  const allowed = await checkAdminOf(deps.environments, name, actor.user);
  if (!allowed.ok) return refused(allowed.message);
  const schedules = [
    ...(await deps.environments.schedules(name, 'connectors')).map((c) => ['connectors', c.name] as const),
    ...(await deps.environments.schedules(name, 'jobs')).map((c) => ['jobs', c.name] as const),
  ];
  const channels = (await deleteEnvironment(deps.environments, name)) ?? [];
  if (deps.files) await retireEnvironmentFolder(deps.files, name);
  for (const [kind, scheduleName] of schedules) await deps.schedules.sync(name, kind, scheduleName, null);
  // In the global log: the environment's own log was put aside with it.
  await audit(deps, actor, undefined, 'admin env delete', `deleted environment ${name}; unbound ${channels.length ? channels.join(', ') : 'no channel'}`);
  return ok(`Environment ${name} deleted${channels.length ? `; ${channels.length} channel(s) unbound: ${channels.join(', ')}` : ''}.`);
}

export interface EnvironmentRow {
  name: string;
  channels: string[];
  admin: boolean;
}

export async function listEnvironments(deps: AdminDeps, actor: Actor): Promise<{ ok: true; rows: EnvironmentRow[] } | { ok: false; message: string }> {
  const allowed = await checkAdminAnywhere(deps.environments, actor.user);
  if (!allowed.ok) return allowed;
  const mine = new Set(await adminEnvironments(deps.environments, actor.user));
  const names = await deps.environments.list();
  // Channels of environments you do not administer are not yours to see.
  const rows = await Promise.all(
    names.map(async (name) => ({ name, channels: mine.has(name) ? await deps.environments.channelsOf(name) : [], admin: mine.has(name) })),
  );
  return { ok: true, rows };
}

export async function bindChannel(deps: AdminDeps, actor: Actor, env: string): Promise<OpResult> {
  const allowed = await checkAdminOf(deps.environments, env, actor.user);
  if (!allowed.ok) return refused(allowed.message);
  const previous = await deps.environments.environmentOf(actor.channel);
  if (previous === env) return ok(`This channel (${actor.channel}) is already bound to environment ${env}.`);
  if (previous) {
    const also = await checkAdminOf(deps.environments, previous, actor.user);
    if (!also.ok) return refused(`This channel is bound to environment ${previous}; moving it needs the admin role there too. ${also.message}`);
  }
  await deps.environments.bind(actor.channel, env);
  await audit(deps, actor, env, 'admin bind', `bound ${actor.channel} to ${env}${previous ? ` (was ${previous})` : ''}`);
  return ok(await withFileManagedNote(deps.environments, [env, previous], `This channel (${actor.channel}) is now bound to environment ${env}.`));
}

export async function unbindChannel(deps: AdminDeps, actor: Actor): Promise<OpResult> {
  const env = await deps.environments.environmentOf(actor.channel);
  if (!env) return refused('This channel is not bound to an environment.');
  const allowed = await checkAdminOf(deps.environments, env, actor.user);
  if (!allowed.ok) return refused(allowed.message);
  await deps.environments.unbind(actor.channel);
  await audit(deps, actor, env, 'admin unbind', `unbound ${actor.channel} from ${env}`);
  return ok(await withFileManagedNote(deps.environments, [env], `This channel (${actor.channel}) is no longer bound to environment ${env}.`));
}

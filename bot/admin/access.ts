/**
 * The permission rules of contract.md §6: an admin of any environment may create environments;
 * every other admin operation needs the admin role in the environment it changes. Checked on
 * every text command, dialog step and submit (never trusted from a card or a modal).
 */
import type { EnvironmentStore } from '../../store/environments';

export const ENV_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export type Checked = { ok: true } | { ok: false; message: string };

export async function adminEnvironments(store: EnvironmentStore, user: string): Promise<string[]> {
  const names = await store.list();
  const roles = await Promise.all(names.map((env) => store.roleOf(env, user)));
  return names.filter((_, i) => roles[i] === 'admin');
}

/** The refusal for someone who is admin nowhere (one line, says whom to ask). */
export function notAnAdmin(user: string): string {
  return `soar admin needs the admin role in an environment. An admin can grant it with soar admin role grant admin ${user}.`;
}

export async function checkAdminAnywhere(store: EnvironmentStore, user: string): Promise<Checked> {
  return (await adminEnvironments(store, user)).length ? { ok: true } : { ok: false, message: notAnAdmin(user) };
}

export async function checkAdminOf(store: EnvironmentStore, env: string, user: string): Promise<Checked> {
  if (!(await store.exists(env))) return { ok: false, message: `There is no environment ${env}. soar admin env list shows them.` };
  if ((await store.roleOf(env, user)) !== 'admin') {
    return { ok: false, message: `Changing environment ${env} needs the admin role there. An admin of ${env} can run soar admin role grant admin ${user}.` };
  }
  return { ok: true };
}

/** `--environment <name>`, else the channel's binding. */
export async function targetEnvironment(
  store: EnvironmentStore,
  channel: string,
  given?: string,
): Promise<{ ok: true; env: string } | { ok: false; message: string }> {
  if (given !== undefined) {
    if (!ENV_NAME.test(given)) return { ok: false, message: `${JSON.stringify(given)} is not an environment name (letters, digits, . _ - only).` };
    return { ok: true, env: given };
  }
  const bound = await store.environmentOf(channel);
  if (!bound)
    return { ok: false, message: 'This channel is not bound to an environment. An admin can run soar admin bind <env>, or add --environment <name>.' };
  return { ok: true, env: bound };
}

/** Environments whose roles and bindings CONFIG_FILE sets at every start: admins are told so. */
import type { EnvironmentStore } from '../../store/environments';

export async function isFileManaged(store: EnvironmentStore, env: string): Promise<boolean> {
  return !!(await store.getMeta(env)).fileManaged;
}

export function fileManagedLine(envs: string[]): string {
  const names = envs.join(', ');
  return `${envs.length > 1 ? `Environments ${names} are` : `Environment ${names} is`} managed by CONFIG_FILE: roles and channel bindings changed here last until the next start; change the file to keep them.`;
}

/** `message`, followed by the CONFIG_FILE line when any of `envs` is file-managed. */
export async function withFileManagedNote(store: EnvironmentStore, envs: Array<string | null | undefined>, message: string): Promise<string> {
  const names = [...new Set(envs.filter((e): e is string => !!e))];
  const managed = (await Promise.all(names.map(async (e) => ((await isFileManaged(store, e)) ? e : null)))).filter((e): e is string => !!e);
  return managed.length ? `${message} ${fileManagedLine(managed)}` : message;
}

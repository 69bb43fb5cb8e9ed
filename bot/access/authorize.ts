/** Channel bindings and roles, checked on every command and every button click (behaviour.md 37). */
import type { ActionSpec } from '../../handlers/kit/spec';
import type { EnvironmentStore } from '../../store/environments';
import { roleAtLeast, type Role } from '../../store/roles';

/**
 * The role a request of `action` needs: what its effect needs (`need`), or admin for an action
 * that replaces the environment's credentials (the delegated sign-in).
 */
export function roleForAction(action: Pick<ActionSpec, 'adminOnly'>, need: Role): Role {
  return action.adminOnly ? 'admin' : need;
}

export type Access = { ok: true; environment: string; role: Role } | { ok: false; message: string };

export async function authorize(
  environments: EnvironmentStore,
  channel: string,
  user: string,
  need: Role,
  what: string,
  requestedEnvironment?: string,
): Promise<Access> {
  const bound = await environments.environmentOf(channel);
  if (!bound) return { ok: false, message: 'This channel is not bound to an environment. An admin can run soar admin bind <env>.' };
  if (requestedEnvironment && requestedEnvironment !== bound) {
    return { ok: false, message: `This channel is bound to environment ${bound}; it cannot use environment ${requestedEnvironment}.` };
  }
  const role = await environments.roleOf(bound, user);
  if (!role) return { ok: false, message: `You have no role in environment ${bound}.` };
  if (!roleAtLeast(role, need)) return { ok: false, message: `${what} needs the ${need} role.` };
  return { ok: true, environment: bound, role };
}

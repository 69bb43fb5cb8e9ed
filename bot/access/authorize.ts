/** Channel bindings and roles, checked on every command and every button click (behaviour.md 37). */
import type { ActionSpec } from '../../handlers/kit/spec';
import type { CommandRead, EnvironmentStore } from '../../store/environments';
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
  return judge(bound, bound ? () => environments.roleOf(bound, user) : async () => undefined, need, what, requestedEnvironment);
}

/** authorize over a binding and a role already read (EnvironmentStore.commandRead): the same answers. */
export function authorizeRead(read: Pick<CommandRead, 'environment' | 'role'>, need: Role, what: string, requestedEnvironment?: string): Access {
  const bound = read.environment;
  if (!bound) return { ok: false, message: NOT_BOUND };
  if (requestedEnvironment && requestedEnvironment !== bound) return { ok: false, message: otherEnvironment(bound, requestedEnvironment) };
  return decide(bound, read.role, need, what);
}

const NOT_BOUND = 'This channel is not bound to an environment. An admin can run soar admin bind <env>.';
const otherEnvironment = (bound: string, requested: string): string => `This channel is bound to environment ${bound}; it cannot use environment ${requested}.`;

async function judge(bound: string | null, roleOf: () => Promise<Role | undefined>, need: Role, what: string, requestedEnvironment?: string): Promise<Access> {
  if (!bound) return { ok: false, message: NOT_BOUND };
  if (requestedEnvironment && requestedEnvironment !== bound) return { ok: false, message: otherEnvironment(bound, requestedEnvironment) };
  return decide(bound, await roleOf(), need, what);
}

function decide(bound: string, role: Role | undefined, need: Role, what: string): Access {
  if (!role) return { ok: false, message: `You have no role in environment ${bound}.` };
  if (!roleAtLeast(role, need)) return { ok: false, message: `${what} needs the ${need} role.` };
  return { ok: true, environment: bound, role };
}

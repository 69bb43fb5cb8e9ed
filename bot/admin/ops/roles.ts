/** Roles: grant and revoke (admin ⊃ approver ⊃ analyst ⊃ viewer), never leaving an environment without an admin. */
import { isRole, ROLES, type Role } from '../../../store/roles';
import { checkAdminOf } from '../access';
import type { AdminDeps } from '../deps';
import { withFileManagedNote } from '../file-managed';
import { audit, ok, refused, type Actor, type OpResult } from '../result';

const USER_ID = /^(slack|teams|web):[^\s,;<>]{1,200}$/;

/**
 * User ids from text: `slack:U…`, `teams:<aad object id>`, `web:<name>`, separated by spaces
 * or commas; a Slack mention `<@U123|name>` is read as `slack:U123`.
 */
export function parseUserIds(text: string): { ids: string[]; bad: string[] } {
  const words = text.split(/[\s,;]+/).filter(Boolean);
  const ids: string[] = [];
  const bad: string[] = [];
  for (const w of words) {
    const mention = /^<@([A-Z0-9]+)(?:\|[^>]*)?>$/.exec(w);
    const id = mention ? `slack:${mention[1]}` : w;
    if (USER_ID.test(id)) ids.push(id.replace(/^(slack|teams|web):/i, (m) => m.toLowerCase()));
    else bad.push(w);
  }
  return { ids: [...new Set(ids)], bad };
}

export function roleProblem(role: string): string | undefined {
  return isRole(role) ? undefined : `${JSON.stringify(role.slice(0, 40))} is not a role: one of ${[...ROLES].reverse().join(', ')}.`;
}

function usersProblem(text: string): { ids: string[]; problem?: string } {
  const { ids, bad } = parseUserIds(text);
  if (bad.length)
    return {
      ids,
      problem: `${bad
        .slice(0, 3)
        .map((b) => JSON.stringify(b.slice(0, 40)))
        .join(', ')} ${bad.length > 1 ? 'are not user ids' : 'is not a user id'}: use slack:<user id>, teams:<AAD object id> or web:<name>.`,
    };
  if (!ids.length) return { ids, problem: 'Name at least one user: slack:<user id>, teams:<AAD object id> or web:<name>.' };
  return { ids };
}

export async function changeRole(deps: AdminDeps, actor: Actor, env: string, op: 'grant' | 'revoke', role: string, usersText: string): Promise<OpResult> {
  const allowed = await checkAdminOf(deps.environments, env, actor.user);
  if (!allowed.ok) return refused(allowed.message);
  const badRole = roleProblem(role);
  if (badRole) return refused(badRole, { role: badRole });
  const { ids, problem } = usersProblem(usersText);
  if (problem) return refused(problem, { users: problem });
  const r = role as Role;
  if (op === 'grant') {
    await deps.environments.grant(env, r, ids);
    await audit(deps, actor, env, 'admin role grant', `granted ${r} to ${ids.join(', ')}`);
    return ok(await withFileManagedNote(deps.environments, [env], `Granted ${r} in environment ${env} to ${ids.join(', ')}.`));
  }
  if (r === 'admin') {
    const admins = Object.entries(await deps.environments.usersWithRole(env))
      .filter(([, role]) => role === 'admin')
      .map(([u]) => u);
    if (admins.length && admins.every((a) => ids.includes(a))) {
      const message = `Environment ${env} would be left without an admin; grant admin to someone else first.`;
      return refused(message, { users: message });
    }
  }
  await deps.environments.revoke(env, r, ids);
  await audit(deps, actor, env, 'admin role revoke', `revoked ${r} from ${ids.join(', ')}`);
  return ok(await withFileManagedNote(deps.environments, [env], `Revoked ${r} in environment ${env} from ${ids.join(', ')}.`));
}

export async function roleRows(deps: AdminDeps, env: string): Promise<string[][]> {
  const users = await deps.environments.usersWithRole(env);
  return Object.entries(users)
    .sort(([a, ra], [b, rb]) => ROLES.indexOf(rb) - ROLES.indexOf(ra) || a.localeCompare(b))
    .map(([u, role]) => [u, role]);
}

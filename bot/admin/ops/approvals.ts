/** The four-eyes policy of an environment (contract.md §5 `approvals`). */
import { suggest } from '../../commands';
import { checkAdminOf } from '../access';
import type { AdminDeps } from '../deps';
import { audit, ok, refused, type Actor, type OpResult } from '../result';

export const DEFAULT_POLICY_TEXT = 'the default (every action that changes or sends mail, and Execute HTTP Request with a method other than GET/HEAD)';

/** Accepted `required-for` entries: action slugs, `execute-http-request:write`. */
export function approvalSlugs(deps: AdminDeps): string[] {
  const ids = new Set<string>();
  for (const i of deps.catalog) for (const a of i.actions) ids.add(a.id);
  return [...ids, 'execute-http-request:write'];
}

export interface ApprovalsChange {
  /** Comma-separated slugs; `default` clears it, `none` means nothing needs approval. */
  requiredFor?: string;
  approversNeeded?: string;
}

export async function setApprovals(deps: AdminDeps, actor: Actor, env: string, change: ApprovalsChange): Promise<OpResult> {
  const allowed = await checkAdminOf(deps.environments, env, actor.user);
  if (!allowed.ok) return refused(allowed.message);
  const fields: Record<string, string> = {};
  const meta = await deps.environments.getMeta(env);
  const next = { ...(meta.approvals ?? {}) };
  let clearRequired = false;
  if (change.requiredFor !== undefined) {
    const text = change.requiredFor.trim();
    if (!text || text.toLowerCase() === 'default') clearRequired = true;
    else if (text.toLowerCase() === 'none') next.requiredFor = [];
    else {
      const known = approvalSlugs(deps);
      const items = [
        ...new Set(
          text
            .split(/[\s,]+/)
            .map((s) => s.trim().toLowerCase())
            .filter(Boolean),
        ),
      ];
      const bad = items.filter((s) => !known.includes(s));
      if (bad.length) {
        const near = suggest(bad[0]!, known, 2);
        fields['required-for'] =
          `${JSON.stringify(bad[0]!.slice(0, 60))} is not an action slug${near.length ? `; did you mean ${near.join(' or ')}?` : ` (e.g. delete-email, move-email-to-folder, execute-http-request:write).`}`;
      } else next.requiredFor = items;
    }
  }
  if (change.approversNeeded !== undefined) {
    const n = Number(change.approversNeeded.trim());
    if (!/^\d+$/.test(change.approversNeeded.trim()) || n < 1 || n > 10) fields['approvers-needed'] = 'Approvers needed is a whole number from 1 to 10.';
    else next.approversNeeded = n;
  }
  if (change.requiredFor === undefined && change.approversNeeded === undefined) return refused('Give --required-for <slugs> and/or --approvers-needed <n>.');
  if (Object.keys(fields).length) return refused(Object.values(fields)[0]!, fields);
  if (clearRequired) delete next.requiredFor;
  await deps.environments.setMeta(env, { ...meta, approvals: next });
  const line = describePolicy(next);
  await audit(deps, actor, env, 'admin approvals', `approvals: ${line}`);
  return ok(`Approvals in ${env}: ${line}.`);
}

export function describePolicy(p: { requiredFor?: string[]; approversNeeded?: number } | undefined): string {
  const required = p?.requiredFor === undefined ? DEFAULT_POLICY_TEXT : p.requiredFor.length ? p.requiredFor.join(', ') : 'nothing';
  return `required for ${required}; ${p?.approversNeeded ?? 1} approver(s) needed`;
}

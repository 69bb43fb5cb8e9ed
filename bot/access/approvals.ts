/**
 * The four-eyes rule (contract.md §5 approvals): which requests wait for approvers. By default
 * every action that changes or sends mail, and Execute HTTP Request with a method other than
 * GET/HEAD (`execute-http-request:write`).
 */
import { changesState, type ActionSpec, type IntegrationSpec } from '../../handlers/kit/spec';
import type { EnvironmentMeta } from '../../store/environments';

export function defaultRequiredFor(catalog: IntegrationSpec[]): string[] {
  // A `fourEyes: 'always'` action needs no rule: it always waits (contract.md §8).
  return catalog.flatMap((i) =>
    i.actions.filter((a) => a.changesMail && a.fourEyes !== 'always').map((a) => (a.id === 'execute-http-request' ? `${a.id}:write` : a.id)),
  );
}

export function requiresApproval(action: ActionSpec, params: Record<string, unknown>, meta: EnvironmentMeta, catalog: IntegrationSpec[]): boolean {
  // contract.md §8: a campaign purge or restore always waits for a second person, whatever the rule.
  if (action.fourEyes === 'always') return true;
  const rules = meta.approvals?.requiredFor ?? defaultRequiredFor(catalog);
  return rules.some((rule) => {
    const [id, qualifier] = rule.split(':');
    if (id !== action.id) return false;
    return qualifier === 'write' ? changesState(action, params) : true;
  });
}

export function approversNeeded(meta: EnvironmentMeta): number {
  return Math.max(1, Math.floor(meta.approvals?.approversNeeded ?? 1));
}

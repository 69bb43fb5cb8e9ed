/** Roles: admin ⊃ approver ⊃ analyst ⊃ viewer (contract.md §5). */
export const ROLES = ['viewer', 'analyst', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function roleAtLeast(have: Role | undefined, need: Role): boolean {
  if (!have) return false;
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export function highestRole(roles: Iterable<Role>): Role | undefined {
  let best: Role | undefined;
  for (const r of roles) if (!best || ROLES.indexOf(r) > ROLES.indexOf(best)) best = r;
  return best;
}

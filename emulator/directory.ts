/** The directory: tenants, app registrations and users. */
import { DEMO_TENANT } from './demo-seed';
import { guid } from './ids';

export interface Tenant {
  id: string;
  displayName: string;
  /** Verified domains; the first is the default. */
  domains: string[];
  createdDateTime: string;
  countryLetterCode: string;
  city: string;
}

export interface AppCertificate {
  /** `x5t`: base64url SHA-1 of the certificate's DER (or `x5t#S256`: base64url SHA-256). */
  thumbprint: string;
  /** PEM public key or certificate used to verify client assertions. */
  publicKey: string;
}

export interface App {
  clientId: string;
  tenantId: string;
  displayName: string;
  secrets: string[];
  certificates: AppCertificate[];
  /** Registered redirect URIs; `*` accepts any. */
  redirectUris: string[];
  /** Public clients (no secret) may redeem codes and refresh tokens without a secret. */
  publicClient: boolean;
}

export interface User {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  officeLocation: string | null;
  hasMailbox: boolean;
  availability: string;
  activity: string;
}

export interface UserInput {
  userPrincipalName: string;
  displayName?: string;
  givenName?: string;
  surname?: string;
  jobTitle?: string;
  tenantId?: string;
  id?: string;
  mailbox?: boolean;
  /** The mail address (default: the UPN when the user has a mailbox, else null). A user may have one without a mailbox. */
  mail?: string | null;
}

export function newTenant(t: Partial<Tenant> & { id: string; domains: string[] }): Tenant {
  return {
    displayName: t.displayName ?? t.id,
    createdDateTime: t.createdDateTime ?? '2021-03-04T09:15:00Z',
    countryLetterCode: t.countryLetterCode ?? 'US',
    city: t.city ?? 'Redmond',
    ...t,
  };
}

/** True when `ref` is the tenant's id or one of its domains, case-insensitive. */
export function tenantAnswersTo(t: Tenant, ref: string): boolean {
  const r = ref.toLowerCase();
  return t.id.toLowerCase() === r || t.domains.some((d) => d.toLowerCase() === r);
}

export function newApp(a: Partial<App> & { clientId: string; tenantId: string }): App {
  return { displayName: a.clientId, secrets: [], certificates: [], redirectUris: ['*'], publicClient: false, ...a };
}

export function newUser(input: UserInput): User {
  const upn = input.userPrincipalName;
  const local = upn.split('@')[0] ?? upn;
  return {
    id: input.id ?? guid(),
    tenantId: input.tenantId ?? DEMO_TENANT,
    userPrincipalName: upn,
    mail: input.mail !== undefined ? input.mail : input.mailbox === false ? null : upn,
    displayName: input.displayName ?? local,
    givenName: input.givenName ?? null,
    surname: input.surname ?? null,
    jobTitle: input.jobTitle ?? null,
    officeLocation: null,
    hasMailbox: input.mailbox !== false,
    availability: 'Available',
    activity: 'Available',
  };
}

/** True when `ref` is the user's id, UPN or mail address, case-insensitive. */
export function userAnswersTo(u: User, ref: string): boolean {
  const r = ref.toLowerCase();
  return u.id.toLowerCase() === r || u.userPrincipalName.toLowerCase() === r || (u.mail ?? '').toLowerCase() === r;
}

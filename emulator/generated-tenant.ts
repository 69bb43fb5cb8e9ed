/**
 * A generated tenant (`POST /_emulator/generate`): thousands of users made from a seed, in memory
 * (nothing stored in the repo), for campaign tests and benchmarks. The same seed and input give
 * the same users, ids, mailboxes, folders and planted copies.
 *
 * - Users: `users` of them, `given.surname.00042@domain`; `withoutMail` have no mail address,
 *   `withoutMailbox` have one but no Exchange mailbox (their mail routes answer 404
 *   MailboxNotEnabledForRESTAPI), the rest have a mailbox. Which user is which is drawn from the seed.
 * - Mailboxes are built the first time they are used (`state.pendingMailboxes`), with folder and
 *   message ids derived from the seed, so generating 10,000 users costs a few milliseconds.
 * - `noise` ordinary mails per mailbox in the Inbox, over the last 7 days.
 * - `campaign`: `copies` copies of one phishing mail (same internetMessageId, sender, subject), one
 *   per chosen mailbox, each with its own message id; copy i lands in `folders[i % folders.length]`
 *   (ids, well-known names, display names or paths, created when missing; default Inbox).
 *
 * A new generation replaces the previous one's users; the demo users stay. `reset` removes it.
 */
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT } from './demo-seed';
import { newUser, type User } from './directory';
import { derivedIds, Prng, type DerivedIds } from './ids';
import { newMailbox, WELL_KNOWN_FOLDERS, type Folder, type Mailbox } from './mailbox';
import type { Message, Recipient } from './message';
import { messageFrom, parseAddress, type AddressInput } from './message-input';
import type { EmulatorState } from './state';

export interface GenerateCampaign {
  copies: number;
  sender: string;
  subject: string;
  internetMessageId: string;
  /** ISO time (default: an hour before the generation). */
  receivedDateTime?: string;
  /** Where copy i lands: `folders[i % folders.length]` (default `['Inbox']`). */
  folders?: string[];
  /** HTML body (default: a credential-phishing text with a link). */
  body?: string;
}

export interface GenerateInput {
  users: number;
  /** Users with a mail address but no mailbox. */
  withoutMailbox?: number;
  /** Users without a mail address (and so without a mailbox). */
  withoutMail?: number;
  /** Domain of the addresses (default: the tenant's first domain); added to the tenant's domains. */
  domain?: string;
  /** Tenant id (default the demo tenant; created, with the demo app, when missing). */
  tenant?: string;
  seed?: number;
  campaign?: GenerateCampaign;
  /** Ordinary mails per mailbox (default 0). */
  noise?: number;
}

/** Where a planted copy was put. */
export interface PlantedCopy {
  mailbox: string;
  userId: string;
  /** The folder as the input named it. */
  folderRef: string;
  folderId: string;
  /** Display name of that folder. */
  folder: string;
  id: string;
  immutableId: string;
}

export interface GeneratedTenant {
  seed: number;
  tenantId: string;
  domain: string;
  /** ISO time of the generation (times of generated mail are relative to it). */
  at: string;
  users: number;
  mailboxes: number;
  /** Addresses of the users with mail but no mailbox. */
  withoutMailbox: string[];
  /** UPNs of the users without a mail address. */
  withoutMail: string[];
  noise: number;
  campaign: GenerateCampaign | null;
  copies: PlantedCopy[];
  /** Every generated user id (what the next generation removes). */
  userIds: string[];
}

export const MAX_GENERATED_USERS = 200_000;
export const MAX_NOISE = 100;

const GIVEN = [
  'Ada',
  'Ahmed',
  'Aiko',
  'Alex',
  'Amara',
  'Ana',
  'Ben',
  'Carla',
  'Chen',
  'Dana',
  'David',
  'Elif',
  'Emma',
  'Farid',
  'Grace',
  'Hana',
  'Ivan',
  'Jade',
  'Jonas',
  'Kofi',
  'Lars',
  'Lea',
  'Liam',
  'Lucia',
  'Mateo',
  'Mei',
  'Nadia',
  'Noah',
  'Omar',
  'Priya',
  'Rosa',
  'Sam',
  'Sofia',
  'Tariq',
  'Uma',
  'Victor',
  'Wen',
  'Yara',
  'Yusuf',
  'Zoe',
];
const SURNAMES = [
  'Adams',
  'Alvarez',
  'Bauer',
  'Brown',
  'Costa',
  'Dubois',
  'Evans',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jensen',
  'Kim',
  'Kowalski',
  'Lopez',
  'Martin',
  'Meyer',
  'Moreau',
  'Nakamura',
  'Nguyen',
  'Novak',
  'Okafor',
  'Olsen',
  'Patel',
  'Petrov',
  'Quinn',
  'Rossi',
  'Santos',
  'Schmidt',
  'Silva',
  'Singh',
  'Smith',
  'Tanaka',
  'Taylor',
  'Usman',
  'Varga',
  'Wang',
  'Weber',
  'Yilmaz',
  'Zhang',
];
const JOBS = ['Accountant', 'Engineer', 'Sales Manager', 'Analyst', 'Designer', 'HR Partner', 'Support Agent', 'Buyer', 'Lawyer', 'Nurse'];
const NOISE = [
  { from: 'IT Service Desk <servicedesk@{domain}>', subject: 'Your ticket #{n} was updated' },
  { from: 'Payroll <payroll@{domain}>', subject: 'Your payslip for this month' },
  { from: 'Calendar <no-reply@{domain}>', subject: 'Reminder: team meeting tomorrow' },
  { from: 'Fabrikam Sales <sales@fabrikam.example>', subject: 'Quote {n} as discussed' },
  { from: 'News <newsletter@contoso-news.example>', subject: 'This week in the industry' },
  { from: 'Facilities <facilities@{domain}>', subject: 'Parking closed on Friday' },
];
const DEFAULT_BODY = '<p>Your mailbox password expires today. Keep it here: <a href="https://login.contoso-verify.example/keep">Keep my password</a></p>';

/** Throws (the control route answers 400) when the input is not usable. */
function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function validated(
  input: GenerateInput,
): Required<Omit<GenerateInput, 'campaign' | 'domain' | 'tenant'>> & Pick<GenerateInput, 'campaign' | 'domain' | 'tenant'> {
  check(count(input.users) && input.users >= 1 && input.users <= MAX_GENERATED_USERS, `users must be an integer from 1 to ${MAX_GENERATED_USERS}.`);
  const withoutMailbox = input.withoutMailbox ?? 0;
  const withoutMail = input.withoutMail ?? 0;
  const noise = input.noise ?? 0;
  check(count(withoutMailbox) && count(withoutMail), 'withoutMailbox and withoutMail must be integers ≥ 0.');
  check(withoutMailbox + withoutMail <= input.users, 'withoutMailbox + withoutMail must not exceed users.');
  check(count(noise) && noise <= MAX_NOISE, `noise must be an integer from 0 to ${MAX_NOISE}.`);
  const seed = input.seed ?? 1;
  check(typeof seed === 'number' && Number.isInteger(seed), 'seed must be an integer.');
  check(input.domain === undefined || (typeof input.domain === 'string' && /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(input.domain)), 'domain must be a domain name.');
  const c = input.campaign;
  if (c !== undefined) {
    check(typeof c === 'object' && c !== null, 'campaign must be an object.');
    check(count(c.copies), 'campaign.copies must be an integer ≥ 0.');
    check(c.copies <= input.users - withoutMailbox - withoutMail, 'campaign.copies must not exceed the mailboxes (one copy per mailbox).');
    for (const k of ['sender', 'subject', 'internetMessageId'] as const) check(typeof c[k] === 'string' && c[k] !== '', `campaign.${k} is required.`);
    check(c.receivedDateTime === undefined || !Number.isNaN(Date.parse(c.receivedDateTime)), 'campaign.receivedDateTime must be an ISO time.');
    check(
      c.folders === undefined || (Array.isArray(c.folders) && c.folders.length > 0 && c.folders.every((f) => typeof f === 'string' && f.trim() !== '')),
      'campaign.folders must be a non-empty list of folder names.',
    );
  }
  return { ...input, users: input.users, withoutMailbox, withoutMail, noise, seed };
}

/** The key a folder's derived id is made from: its well-known name, or `path:` and its lowercase path. */
function folderKey(ref: string): { key: string; parts: string[]; displayName: string } {
  const wk = (p: string): string | undefined => {
    const l = p.toLowerCase();
    return Object.entries(WELL_KNOWN_FOLDERS).find(([k, name]) => k === l || name.toLowerCase() === l)?.[0];
  };
  const parts = ref.split('/').filter(Boolean);
  const first = parts[0] ?? 'inbox';
  if (parts.length <= 1 && wk(first)) {
    const k = wk(first) as string;
    return { key: k, parts: [k], displayName: WELL_KNOWN_FOLDERS[k] as string };
  }
  const norm = parts.map((p, i) => (i === 0 && wk(p) ? (wk(p) as string) : p.toLowerCase()));
  return { key: `path:${norm.join('/')}`, parts, displayName: parts[parts.length - 1] as string };
}

/** The folder at `ref` in a mailbox being built, made (with derived ids) when missing. */
function ensureFolder(mb: Mailbox, ref: string, idFor: (key: string) => string): Folder {
  const { key, parts } = folderKey(ref);
  const all = [...mb.folders.values()];
  if (!key.startsWith('path:')) return all.find((f) => f.wellKnownName === key) as Folder;
  const norm = key.slice('path:'.length).split('/');
  let parent = mb.folders.get(mb.rootFolderId) as Folder;
  for (const [i, part] of parts.entries()) {
    const n = norm[i] as string;
    let f =
      i === 0 && WELL_KNOWN_FOLDERS[n] !== undefined
        ? all.find((x) => x.wellKnownName === n)
        : all.find((x) => x.parentFolderId === parent.id && x.displayName.toLowerCase() === n);
    if (!f) {
      const id = idFor(`path:${norm.slice(0, i + 1).join('/')}`);
      f = { id, displayName: part, parentFolderId: parent.id, wellKnownName: null, isHidden: false };
      mb.folders.set(id, f);
      all.push(f);
    }
    parent = f;
  }
  return parent;
}

/** A GUID from the generator: 4 draws, not `Prng.guid`'s 32 (10,000 users). */
function guidFrom(prng: Prng): string {
  const h = Array.from({ length: 4 }, () =>
    Math.floor(prng.next() * 0x100000000)
      .toString(16)
      .padStart(8, '0'),
  ).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function pick<T>(items: readonly T[], i: number): T {
  return items[i % items.length] as T;
}

/** Makes (or remakes) the generated tenant. Returns its description (also in `state.generated`). */
export function generateTenant(state: EmulatorState, raw: GenerateInput, now: Date = new Date()): GeneratedTenant {
  const input = validated(raw);
  const seed = input.seed;
  removeGenerated(state);

  const tenantId = input.tenant ?? DEMO_TENANT;
  const tenant =
    state.tenants.get(tenantId) ?? state.addTenant({ id: tenantId, displayName: tenantId, domains: [input.domain ?? `${tenantId}.onmicrosoft.com`] });
  if (![...state.apps.values()].some((a) => a.tenantId === tenant.id) && tenant.id === DEMO_TENANT) {
    state.addApp({ clientId: DEMO_CLIENT_ID, tenantId: tenant.id, displayName: 'chatsoar demo', secrets: [DEMO_CLIENT_SECRET], redirectUris: ['*'] });
  }
  const domain = (input.domain ?? tenant.domains[0] ?? 'demo.onmicrosoft.com').toLowerCase();
  if (!tenant.domains.some((d) => d.toLowerCase() === domain)) tenant.domains.push(domain);

  const prng = new Prng(seed);
  const n = input.users;
  // Which user is which: a seeded shuffle; the first ones lack mail, the next lack a mailbox,
  // then come the mailboxes that get a campaign copy.
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(prng.next() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  const kind = new Uint8Array(n); // 0 mailbox, 1 no mail, 2 mail without mailbox
  for (let k = 0; k < input.withoutMail; k++) kind[order[k] as number] = 1;
  for (let k = input.withoutMail; k < input.withoutMail + input.withoutMailbox; k++) kind[order[k] as number] = 2;
  const copies = input.campaign?.copies ?? 0;
  const start = input.withoutMail + input.withoutMailbox;
  const hit = order.slice(start, start + copies).sort((a, b) => a - b);
  const copyOf = new Map<number, number>(hit.map((userIndex, copyIndex) => [userIndex, copyIndex]));

  const at = now.toISOString();
  const campaign = input.campaign ? { ...input.campaign, folders: input.campaign.folders ?? ['Inbox'] } : null;
  const received = campaign?.receivedDateTime ?? new Date(now.getTime() - 3600_000).toISOString();
  const gen: GeneratedTenant = {
    seed,
    tenantId: tenant.id,
    domain,
    at,
    users: n,
    mailboxes: n - input.withoutMail - input.withoutMailbox,
    withoutMailbox: [],
    withoutMail: [],
    noise: input.noise,
    campaign,
    copies: [],
    userIds: [],
  };
  const idsOf = (i: number): DerivedIds => derivedIds(`${seed}|${i}`);
  for (let i = 0; i < n; i++) {
    const given = pick(GIVEN, Math.floor(prng.next() * GIVEN.length));
    const surname = pick(SURNAMES, Math.floor(prng.next() * SURNAMES.length));
    const upn = `${given}.${surname}.${String(i + 1).padStart(5, '0')}@${domain}`.toLowerCase();
    const user: User = newUser({
      id: guidFrom(prng),
      tenantId: tenant.id,
      userPrincipalName: upn,
      displayName: `${given} ${surname}`,
      givenName: given,
      surname,
      jobTitle: pick(JOBS, i),
      mailbox: kind[i] === 0,
      mail: kind[i] === 1 ? null : upn,
    });
    state.users.set(user.id, user);
    gen.userIds.push(user.id);
    if (kind[i] === 1) gen.withoutMail.push(upn);
    else if (kind[i] === 2) gen.withoutMailbox.push(upn);
    else {
      const copyIndex = copyOf.get(i);
      let planted: PlantedCopy | null = null;
      if (campaign && copyIndex !== undefined) {
        const ref = pick(campaign.folders, copyIndex);
        const f = folderKey(ref);
        const ids = idsOf(i);
        planted = {
          mailbox: upn,
          userId: user.id,
          folderRef: ref,
          folderId: ids.folder(f.key),
          folder: f.displayName,
          id: ids.item('campaign'),
          immutableId: ids.immutable('campaign'),
        };
        gen.copies.push(planted);
      }
      state.pendingMailboxes.set(upn, () => buildMailbox(user, i, gen, planted, received, idsOf(i)));
    }
  }
  state.generated = gen;
  return gen;
}

/** One generated mailbox, built on first use. */
function buildMailbox(user: User, i: number, gen: GeneratedTenant, planted: PlantedCopy | null, received: string, ids: DerivedIds): Mailbox {
  const idFor = ids.folder;
  const mb = newMailbox(user, idFor);
  const upn = user.userPrincipalName;
  const recipientOf = (a: AddressInput): Recipient => {
    const e = parseAddress(a);
    if (e.name === e.address && e.address.toLowerCase() === upn) e.name = user.displayName;
    return { emailAddress: e };
  };
  const store = (m: Message, folder: Folder, key: string): void => {
    m.id = ids.item(key);
    m.immutableId = ids.immutable(key);
    m.folderId = folder.id;
    mb.messages.set(m.id, m);
  };
  const inbox = ensureFolder(mb, 'inbox', idFor);
  const prng = new Prng((gen.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  const atMs = Date.parse(gen.at);
  for (let k = 0; k < gen.noise; k++) {
    const t = pick(NOISE, prng.int(0, NOISE.length - 1));
    const fill = (s: string): string => s.replace('{domain}', gen.domain).replace('{n}', String(prng.int(1000, 9999)));
    const when = new Date(atMs - prng.int(5, 7 * 24 * 60) * 60_000);
    const m = messageFrom(
      {
        from: fill(t.from),
        to: [upn],
        subject: fill(t.subject),
        body: `<p>${fill(t.subject)}</p>`,
        receivedDateTime: when,
        isRead: prng.next() < 0.6,
        // Given, not drawn: cheaper, and the same on every run.
        internetMessageId: `<noise.${gen.seed}.${i}.${k}@${gen.domain}>`,
        conversationId: `AAQkAGRlbW8${ids.item(`conversation|${k}`).slice(11, -4)}=`,
      },
      recipientOf,
    );
    store(m, inbox, `noise|${k}`);
  }
  if (planted && gen.campaign) {
    const c = gen.campaign;
    const m = messageFrom(
      { from: c.sender, to: [upn], subject: c.subject, body: c.body ?? DEFAULT_BODY, internetMessageId: c.internetMessageId, receivedDateTime: received },
      recipientOf,
    );
    store(m, ensureFolder(mb, planted.folderRef, idFor), 'campaign');
  }
  return mb;
}

/** Removes the generated users and their mailboxes (built or not). */
export function removeGenerated(state: EmulatorState): void {
  const gen = state.generated;
  if (!gen) return;
  for (const id of gen.userIds) {
    const u = state.users.get(id);
    if (!u) continue;
    state.users.delete(id);
    const key = u.userPrincipalName.toLowerCase();
    state.mailboxes.delete(key);
    state.pendingMailboxes.delete(key);
  }
  state.generated = null;
}

/** Where a planted copy is now: its current id and folder, or null when it no longer exists. */
export interface CopyLocation {
  mailbox: string;
  id: string;
  immutableId: string;
  folderId: string;
  folder: string;
}

/** Each planted copy where it is now (mailboxes not built yet still hold theirs where planted). */
export function copyLocations(state: EmulatorState): Array<PlantedCopy & { now: CopyLocation | null }> {
  const gen = state.generated;
  if (!gen) return [];
  return gen.copies.map((c) => {
    const mb = state.mailboxes.get(c.mailbox);
    if (!mb) {
      const pending = state.pendingMailboxes.has(c.mailbox);
      return { ...c, now: pending ? { mailbox: c.mailbox, id: c.id, immutableId: c.immutableId, folderId: c.folderId, folder: c.folder } : null };
    }
    let found: Message | undefined;
    for (const m of mb.messages.values()) if (m.immutableId === c.immutableId) found = m;
    const f = found ? mb.folders.get(found.folderId) : undefined;
    return {
      ...c,
      now: found ? { mailbox: c.mailbox, id: found.id, immutableId: found.immutableId, folderId: found.folderId, folder: f?.displayName ?? '' } : null,
    };
  });
}

/**
 * The embedded demo: a `demo` environment whose three integrations point at the built-in
 * Microsoft 365 emulator, bound to the local web chat room `web:demo`. Web chat users name
 * themselves, so the demo exists only on a machine that is not (yet) a deployment.
 */
import type { EnvironmentStore } from '../store/environments';

export const DEMO_ENV = 'demo';
export const DEMO_CHANNEL = 'web:demo';
export const DEMO_USER = 'web:you';
export const DEMO_APPROVER = 'web:boss';
const DEMO_USERS = [DEMO_USER, DEMO_APPROVER];

/** Any Slack or Bot Framework credential makes this a deployment: the first one found, by name. */
export function chatCredentialIn(env: NodeJS.ProcessEnv): string | undefined {
  return ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'MicrosoftAppId', 'MicrosoftAppPassword'].find((name) => !!env[name]);
}

export interface DemoInputs {
  role: string;
  configFile?: string;
  /** Environment names already stored. */
  environments: string[];
  /** What chatCredentialIn found. */
  credential?: string;
}

/** The demo runs only on `main` with no CONFIG_FILE, no environment but its own and no chat credential. */
export function demoAllowed(i: DemoInputs): boolean {
  return i.role === 'main' && !i.configFile && !i.credential && i.environments.every((e) => e === DEMO_ENV);
}

/** A real environment exists or is about to (CONFIG_FILE): the demo and its self-named admins go. */
export function realEnvironmentPresent(i: DemoInputs): boolean {
  return !!i.configFile || i.environments.some((e) => e !== DEMO_ENV);
}

/**
 * Deletes the demo environment (its keys, the bindings of its channels) and every role of the
 * demo's web users in any environment, in one transaction. Returns whether there was anything.
 */
export async function removeDemo(store: EnvironmentStore): Promise<boolean> {
  const { redis, keys } = store;
  const names = await redis.smembers(keys.envNames());
  const own: string[] = [];
  // Every key of one environment (meta, instances, roles, channels, schedules) is under env:<name>:.
  const pattern = keys.environmentAll(DEMO_ENV);
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    own.push(...found);
  } while (cursor !== '0');
  const channels = await redis.smembers(keys.channels(DEMO_ENV));
  const bound: string[] = [];
  for (const channel of new Set([...channels, DEMO_CHANNEL])) if ((await redis.get(keys.binding(channel))) === DEMO_ENV) bound.push(channel);
  const granted: string[] = [];
  for (const env of names) if ((await redis.hmget(keys.roles(env), ...DEMO_USERS)).some((r) => r !== null)) granted.push(env);
  if (!names.includes(DEMO_ENV) && !own.length && !bound.length && !granted.length) return false;

  const multi = redis.multi().srem(keys.envNames(), DEMO_ENV);
  if (own.length) multi.del(...own);
  if (bound.length) multi.del(...bound.map((c) => keys.binding(c)));
  for (const env of granted) multi.hdel(keys.roles(env), ...DEMO_USERS);
  await multi.exec();
  return true;
}

export interface DemoMailbox {
  address: string;
  /** What is in it, in a few words. */
  note: string;
}

/** What the emulator planted (emulator/demo-seed.ts), handed over by whoever starts it. */
export interface DemoFacts {
  mailboxes: DemoMailbox[];
  phish: {
    subject: string;
    sender: string;
    /** Who received it. */
    mailbox: string;
    /** Where it was reported, with the original attached. */
    reportedTo: string;
    /** A word of the report's subject. */
    reportSubject: string;
  };
}

/** The demo's first steps: the mailboxes and three commands that work as typed (behaviour.md 49). */
export interface DemoTour {
  mailboxes: DemoMailbox[];
  /** One sentence: what was planted and where. */
  story: string;
  commands: Array<{ text: string; what: string }>;
  /** The second user, an approver, and the page that signs in as them. */
  approver: { user: string; path: string };
}

/** Every action that changes or sends mail waits for one approver in the demo (behaviour.md 45, 49). */
export const DEMO_APPROVALS = {
  requiredFor: [
    'delete-email',
    'move-email-to-folder',
    'mark-email-as-junk',
    'mark-email-as-not-junk',
    'forward-email',
    'send-email',
    'send-email-html',
    'send-thread-reply',
    'send-vote-email',
    'stop-a-subscription',
    'execute-http-request:write',
  ],
  approversNeeded: 1,
};

/** The tour of the planted phish: find it, extract the attachments of its report, delete it with approval. */
export function demoTour(facts: DemoFacts): DemoTour {
  const { phish } = facts;
  // Everyone's inbox but the reports box: who else got it?
  const searched = facts.mailboxes
    .map((m) => m.address)
    .filter((a) => a !== phish.reportedTo)
    .join(',');
  return {
    mailboxes: facts.mailboxes,
    story: `A phishing mail from ${phish.sender} ("${phish.subject}") reached ${phish.mailbox}, who reported it to ${phish.reportedTo} with the original attached.`,
    commands: [
      {
        text: `graphmail search-emails --search-in-mailbox ${searched} --sender-filter ${phish.sender}`,
        what: 'Find the phish: who got mail from its sender?',
      },
      {
        text: `graphmail download-attachments-from-email --search-in-mailbox ${phish.reportedTo} --subject-filter "${phish.reportSubject}" --download-path reported --download-attachments-from-eml`,
        what: 'Extract the attachments of the report, those inside the attached original too.',
      },
      {
        text: `graphmail delete-email --delete-in-mailbox ${phish.mailbox} --sender-filter ${phish.sender}`,
        what: 'Delete it: the card shows the dry run and waits for an approver.',
      },
    ],
    approver: { user: DEMO_APPROVER.replace(/^web:/, ''), path: `/?user=${encodeURIComponent(DEMO_APPROVER.replace(/^web:/, ''))}` },
  };
}

/** The start banner's lines for the demo: mailboxes, commands to type, how to approve. */
export function demoBanner(tour: DemoTour, publicUrl: string): string[] {
  const base = publicUrl.replace(/\/+$/, '');
  return [
    `Demo mailboxes: ${tour.mailboxes.map((m) => `${m.address} (${m.note})`).join(', ')}.`,
    tour.story,
    'Try, in the web chat:',
    ...tour.commands.map((c, i) => `  ${i + 1}. ${c.text}`),
    `The delete waits for an approver: open ${base}${tour.approver.path} in a second tab and click Approve as ${tour.approver.user}.`,
  ];
}

export interface DemoCredentials {
  tenant: string;
  clientId: string;
  clientSecret: string;
  mailbox: string;
  /** What the emulator planted: the first screen and `soar help` show the tour built from it. */
  facts?: DemoFacts;
}

/**
 * Points every integration of the demo environment at `emulatorUrl` (its port changes per start),
 * makes changing mail wait for an approver, and keeps the tour for the first screen. Returns the tour.
 */
export async function setupDemo(store: EnvironmentStore, emulatorUrl: string, creds: DemoCredentials): Promise<DemoTour | undefined> {
  await store.create(DEMO_ENV);
  const tour = creds.facts ? demoTour(creds.facts) : undefined;
  const { demoTour: _old, ...meta } = await store.getMeta(DEMO_ENV);
  await store.setMeta(DEMO_ENV, { ...meta, demo: true, adminChannel: DEMO_CHANNEL, approvals: DEMO_APPROVALS, ...(tour ? { demoTour: tour } : {}) });
  await store.setInstance(DEMO_ENV, 'microsoft-graph-mail', {
    'azure-ad-endpoint': emulatorUrl,
    'microsoft-graph-endpoint': emulatorUrl,
    'client-id': creds.clientId,
    'secret-id': creds.clientSecret,
    tenant: creds.tenant,
    'default-mailbox': creds.mailbox,
    'verify-ssl': true,
  });
  await store.setInstance(DEMO_ENV, 'azure-api', {
    'microsoft-login-api-root': emulatorUrl,
    'microsoft-graph-api-root': emulatorUrl,
    'client-id': creds.clientId,
    'client-secret': creds.clientSecret,
    'tenant-id': creds.tenant,
    'test-url': `${emulatorUrl}/v1.0/organization`,
    scopes: [`${emulatorUrl}/.default`],
    'verify-ssl': true,
  });
  await store.setInstance(DEMO_ENV, 'o365-management-api', {
    'api-root': emulatorUrl,
    'azure-active-directory-id': creds.tenant,
    'client-id': creds.clientId,
    'client-secret': creds.clientSecret,
    'oauth2-login-endpoint-url': emulatorUrl,
    'verify-ssl': true,
  });
  await store.bind(DEMO_CHANNEL, DEMO_ENV);
  await store.grant(DEMO_ENV, 'admin', [DEMO_USER]);
  await store.grant(DEMO_ENV, 'approver', [DEMO_APPROVER]);
  return tour;
}

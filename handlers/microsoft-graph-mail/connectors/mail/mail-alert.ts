/**
 * A mail event → an alert (behaviour.md 18, 33): the Alert Name Template's name or the subject,
 * the Case Name Template's `custom_case_name`, the environment label, the sender and subject
 * first, and buttons to search or delete the mail, to search the sender's other mail and to find
 * the campaign it belongs to.
 */
import { environmentLabel, fieldValue, fillTemplate } from '../../../kit/alert-fields';
import type { Alert } from '../../../kit/schedule';

function arg(value: string): string {
  return /^[^\s"'\\]+$/.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

export interface MailAlertInput {
  id: string;
  event: Record<string, unknown>;
  params: Record<string, unknown>;
  mailbox: string;
  folder: string;
  /** Graph id of the mail in the mailbox (the buttons' Mail IDs). */
  mailId: string;
  origPrefix: string;
  attachPrefix: string;
  perFile: boolean;
  eml?: { name: string; data: Buffer | string };
}

export function mailAlert(i: MailAlertInput): Alert {
  const p = (prefix: string, key: string): string => (prefix ? `${prefix}_${key}` : key);
  const e = i.event;
  const subject = str(e[p(i.origPrefix, 'subject')]) ?? '';
  const from = str(e[p(i.origPrefix, 'from')]) ?? '';
  const attachedSubject = str(e[p(i.attachPrefix, 'subject')]);
  const attachedFrom = str(e[p(i.attachPrefix, 'from')]);
  const caseName = fillTemplate(i.params['case-name-template'], e);
  if (caseName) e.custom_case_name = caseName;
  const defaultName = (i.perFile ? attachedSubject : undefined) ?? (subject || '(no subject)');
  const name = fillTemplate(i.params['alert-name-template'], e) ?? defaultName;
  const urls = str(e[p(i.origPrefix, 'urls')]) ?? str(e[p(i.origPrefix, 'matches')]);
  const sender = ((i.perFile ? attachedFrom : undefined) ?? from).split(',')[0]!.trim();
  const phishSubject = (i.perFile ? attachedSubject : undefined) ?? subject;
  return {
    id: i.id,
    name,
    time: str(e[p(i.origPrefix, 'date')]),
    product: str(fieldValue(e, String(i.params['product-field-name'] ?? ''))),
    eventName: str(fieldValue(e, String(i.params['event-field-name'] ?? ''))),
    rule: [from, subject ? `"${subject}"` : ''].filter(Boolean).join(' · '),
    who: from || undefined,
    environment: environmentLabel(e, i.params['environment-field-name'], i.params['environment-regex-pattern'], '') || undefined,
    caseName: caseName ?? undefined,
    facts: [
      { title: 'Mailbox', value: `${i.mailbox} (${i.folder})` },
      ...(str(e[p(i.origPrefix, 'to')]) ? [{ title: 'To', value: String(e[p(i.origPrefix, 'to')]) }] : []),
      ...(attachedSubject || attachedFrom
        ? [{ title: 'Attached mail', value: [attachedFrom, attachedSubject ? `"${attachedSubject}"` : ''].filter(Boolean).join(' · ') }]
        : []),
      ...(urls ? [{ title: 'Found', value: urls.length > 500 ? `${urls.slice(0, 500)}…` : urls }] : []),
    ],
    event: e,
    buttons: [
      {
        title: 'Search the mail',
        command: `graphmail search-emails --search-in-mailbox ${arg(i.mailbox)} --folder-name ${arg(i.folder)} --mail-ids ${arg(i.mailId)}`,
      },
      // The sender's other mail (of a reported mail file: its sender's), in a form to adjust (mailbox, time frame) before it runs.
      ...(sender
        ? [
            {
              title: 'Search this sender',
              command: `graphmail search-emails --search-in-mailbox ${arg(i.mailbox)} --sender-filter ${arg(sender)}`,
              form: true,
            },
            // The same wave in every mailbox of the tenant (contract.md §8), in a form to adjust first.
            {
              title: 'Find the campaign',
              command: `campaign find --sender ${arg(sender)}${phishSubject ? ` --subject ${arg(phishSubject)}` : ''}`,
              form: true,
            },
          ]
        : []),
      {
        title: 'Delete the mail',
        command: `graphmail delete-email --delete-in-mailbox ${arg(i.mailbox)} --folder-name ${arg(i.folder)} --mail-ids ${arg(i.mailId)}`,
        style: 'destructive',
      },
    ],
    attachments: i.eml ? [i.eml] : undefined,
  };
}

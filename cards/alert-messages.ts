/**
 * Connector cards (contract.md §7.6, behaviour.md 33): one alert card per source event, the digest
 * card when a cycle brings more than the channel can take, and connector warnings. The analyst
 * reads who, what, when, policy and severity first; buttons run chat commands (roles checked
 * again when clicked). An alert card also carries its triage: Acknowledge, Assign to me, Close
 * with a reason and Escalate, and shows everyone who did what (`triagedAlertMessage`).
 */
import type { Alert } from '../handlers/kit/schedule';
import type { CardActionButton, ChatMessage } from './message';

/** The verbs of an alert card's triage buttons (bot/alerts/actions.ts answers them). */
export const ALERT_VERBS = {
  acknowledge: 'alert-ack',
  assign: 'alert-assign',
  close: 'alert-close',
  escalate: 'alert-escalate',
  /** Teams Universal Actions: a viewer's client asks for the card as it is now. */
  refresh: 'alert-refresh',
} as const;

/** A button that opens the run form prefilled with its command instead of running it (behaviour.md 39). */
export const PREFILL_FORM_VERB = 'prefill-form';

/** The longest close reason kept. */
export const CLOSE_REASON_MAX = 500;

export interface AlertSource {
  /** The connector's configured name. */
  connector: string;
  environment: string;
}

/** Event JSON shown collapsed on the card (the renderer truncates; the full file is linked). */
const CARD_JSON_CHARS = 2500;

function fact(title: string, value: string | undefined): Array<{ title: string; value: string }> {
  return value !== undefined && value !== '' ? [{ title, value }] : [];
}

export function alertMessage(alert: Alert, source: AlertSource, files: Array<{ name: string; url: string }> = []): ChatMessage {
  const what = alert.rule ?? alert.eventName ?? '';
  const summary = [alert.who, what, alert.time].filter(Boolean).join(' · ');
  const text = [`Alert: ${alert.name}`, summary, alert.severity ? `Severity: ${alert.severity}` : '', `Event ID: ${alert.id}`].filter(Boolean).join('\n');
  const json = JSON.stringify(alert.event, null, 2);
  return {
    text,
    title: alert.name,
    status: 'alert',
    lines: summary ? [summary] : undefined,
    facts: [
      ...fact('Who', alert.who),
      ...fact('What', what),
      ...fact('When', alert.time),
      ...fact('Severity', alert.severity),
      ...fact('Environment', alert.environment),
      ...fact('Case', alert.caseName),
      ...(alert.facts ?? []),
      ...fact('Product', alert.product),
      ...fact('Event', alert.eventName && alert.eventName !== what ? alert.eventName : undefined),
      { title: 'Event ID', value: alert.id },
    ],
    tables: alert.tables?.length ? alert.tables : undefined,
    json: { title: 'Event JSON', content: json.length > CARD_JSON_CHARS ? `${json.slice(0, CARD_JSON_CHARS)}\n…` : json },
    files: files.length ? files : undefined,
    actions: alert.buttons?.length
      ? alert.buttons.map((b) =>
          b.form
            ? { title: b.title, verb: PREFILL_FORM_VERB, data: { command: b.command }, style: b.style ?? 'default' }
            : { title: b.title, verb: 'run-form', data: { command: b.command, fields: [] }, style: b.style ?? 'default' },
        )
      : undefined,
    footer: `connector ${source.connector} · ${source.environment}`,
  };
}

/** Who did what to an alert (store/alerts.ts keeps it); times are epoch ms. */
export interface AlertTriageView {
  acknowledged?: { by: string; at: number };
  assigned?: { to: string; by: string; at: number };
  escalated?: { by: string; at: number };
  closed?: { by: string; at: number; reason: string };
}

/** `2026-12-07 05:01 UTC` */
function when(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** One line per triage step, in the order they are read: acknowledged, assigned, escalated, closed. */
export function triageLines(t: AlertTriageView): string[] {
  const lines: string[] = [];
  if (t.acknowledged) lines.push(`Acknowledged by ${t.acknowledged.by} at ${when(t.acknowledged.at)}.`);
  if (t.assigned) lines.push(`Assigned to ${t.assigned.to}${t.assigned.by !== t.assigned.to ? ` by ${t.assigned.by}` : ''} at ${when(t.assigned.at)}.`);
  if (t.escalated) lines.push(`Escalated to the admin channel by ${t.escalated.by} at ${when(t.escalated.at)}.`);
  if (t.closed) lines.push(`Closed by ${t.closed.by} at ${when(t.closed.at)}: ${t.closed.reason}`);
  return lines;
}

/** The triage buttons an alert in state `t` offers; `ref` says which alert a click is about. */
function triageButtons(t: AlertTriageView, ref: Record<string, unknown>): CardActionButton[] {
  if (t.closed) return [];
  return [
    ...(t.acknowledged ? [] : [{ title: 'Acknowledge', verb: ALERT_VERBS.acknowledge, data: ref, style: 'positive' as const }]),
    { title: 'Assign to me', verb: ALERT_VERBS.assign, data: ref },
    {
      title: 'Close…',
      verb: ALERT_VERBS.close,
      data: ref,
      ask: {
        inputs: [{ id: 'reason', label: 'Reason for closing', type: 'multiline', required: true, placeholder: 'e.g. false positive: internal newsletter' }],
        submit: 'Close alert',
      },
    },
    ...(t.escalated ? [] : [{ title: 'Escalate', verb: ALERT_VERBS.escalate, data: ref, style: 'destructive' as const }]),
  ];
}

/**
 * The alert card as everyone should see it now: `base` (what `alertMessage` drew when the alert
 * was posted) with who acknowledged, took, escalated or closed it, and the triage buttons that
 * are left (none once closed, or for a viewer who may not act). `ref` names the alert in the
 * buttons' data; Teams refreshes the card with it (Universal Actions).
 */
export function triagedAlertMessage(base: ChatMessage, triage: AlertTriageView, ref: { environment: string; alert: string }, canAct = true): ChatMessage {
  const lines = triageLines(triage);
  const data = { environment: ref.environment, alert: ref.alert };
  const investigate = base.actions ?? [];
  const actions = [...(canAct ? triageButtons(triage, data) : []), ...investigate];
  return {
    ...base,
    text: [base.text, ...lines].join('\n'),
    status: triage.closed ? 'closed' : base.status,
    lines: [...(base.lines ?? []), ...lines],
    actions: actions.length ? actions : undefined,
    // No user list: Teams refreshes the card for every viewer in a conversation of up to 60
    // members, and offers a manual refresh in larger ones (the update in place reaches all anyway).
    refresh: { verb: ALERT_VERBS.refresh, data },
  };
}

/** What the admin channel gets when someone escalates an alert: what, where, who, and the event's files. */
export function escalationMessage(
  base: ChatMessage,
  info: { name: string; eventId: string; channel: string; connector: string; environment: string; by: string; link?: string },
): ChatMessage {
  const head = `Escalated by ${info.by}: alert "${info.name}" (event ${info.eventId}) in ${info.channel}.`;
  return {
    text: [head, ...(info.link ? [info.link] : [])].join('\n'),
    title: `Escalated: ${info.name}`,
    status: 'alert',
    lines: [head],
    facts: [
      { title: 'Alert', value: info.name },
      { title: 'Event ID', value: info.eventId },
      { title: 'Posted in', value: info.channel },
      ...(info.link ? [{ title: 'Link', value: info.link }] : []),
      { title: 'Escalated by', value: info.by },
      ...(base.facts ?? []).filter((f) => ['Who', 'What', 'When', 'Severity'].includes(f.title)),
    ],
    files: base.files,
    footer: `connector ${info.connector} · ${info.environment}`,
  };
}

export interface DigestSummary {
  count: number;
  /** Earliest and latest event time. */
  from?: string;
  to?: string;
  /** Alerts per rule/operation, most frequent first. */
  byRule: Array<[string, number]>;
  /** Why there is a digest, e.g. "more than 25 alerts in one cycle". */
  reason: string;
}

export function digestMessage(d: DigestSummary, source: AlertSource, file?: { name: string; url: string }): ChatMessage {
  const head = `${d.count} alerts from connector ${source.connector} in one digest (${d.reason}).`;
  const range = d.from && d.to ? `Events from ${d.from} to ${d.to}.` : '';
  const lines = [head, range, 'Every event is in the attached JSON file.'].filter(Boolean);
  return {
    text: lines.join('\n'),
    title: `Alert digest: ${d.count} alerts`,
    status: 'alert',
    lines,
    facts: [{ title: 'Alerts', value: String(d.count) }, ...fact('From', d.from), ...fact('To', d.to), { title: 'Environment', value: source.environment }],
    tables: d.byRule.length
      ? [{ title: 'Alerts by rule', columns: ['Rule', 'Alerts'], rows: d.byRule.slice(0, 20).map(([rule, n]) => [rule, String(n)]) }]
      : undefined,
    files: file ? [file] : undefined,
    footer: `connector ${source.connector} · ${source.environment}`,
  };
}

/** A connector or job problem for the channel or the admin channel (one line, no stack). */
export function connectorWarningMessage(text: string, source: AlertSource): ChatMessage {
  return { text, title: `Connector ${source.connector}`, status: 'error', lines: [text], footer: `connector ${source.connector} · ${source.environment}` };
}

export function jobWarningMessage(text: string, job: string, environment: string): ChatMessage {
  return { text, title: `Job ${job}`, status: 'error', lines: [text], footer: `job ${job} · ${environment}` };
}

/**
 * Connector cards (contract.md §7.6, behaviour.md 33): one alert card per source event, the digest
 * card when a cycle brings more than the channel can take, and connector warnings. The analyst
 * reads who, what, when, policy and severity first; buttons run chat commands (roles checked
 * again when clicked).
 */
import type { Alert } from '../handlers/kit/schedule';
import type { ChatMessage } from './message';

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
      ? alert.buttons.map((b) => ({ title: b.title, verb: 'run-form', data: { command: b.command, fields: [] }, style: b.style ?? 'default' }))
      : undefined,
    footer: `connector ${source.connector} · ${source.environment}`,
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

/**
 * Audit.General events → alerts (Audit General Events Connector; behaviour.md 22, 33). Type of
 * Operation Filter and Status Filter are blacklists, or whitelists with "Use operation and
 * status filters as whitelist"; the connector's whitelist / blacklist match Workload. Entity
 * Keys to Create Additional Events turn matching entities of the event's `Data` into additional
 * events, shown in the same card (one source event, one card).
 */
import { inList, listParam } from '../../kit/alert-fields';
import type { Alert, AlertButton } from '../../kit/schedule';
import { arg, commonFields, passesRules } from './event-fields';

type Event = Record<string, unknown>;

export interface AuditSettings {
  params: Record<string, unknown>;
  rules: { whitelist: string[]; blacklist: string[] };
  environment: string;
}

function statusOf(event: Event): unknown[] {
  return [event.ResultStatus, event.Status].filter((v) => v !== undefined && v !== null);
}

/** The entities of an Audit.General event: `Data.Entities` (Data is JSON text) or `Entities`. */
function entitiesOf(event: Event): Array<Record<string, unknown>> {
  let data: unknown = event.Data;
  // Text that cannot hold an `Entities` key is not parsed (most events carry none).
  if (typeof data === 'string' && !data.includes('Entities') && !data.includes('\\u')) data = undefined;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      data = undefined;
    }
  }
  const list = (data && typeof data === 'object' ? (data as Event).Entities : undefined) ?? event.Entities;
  return Array.isArray(list) ? list.filter((e): e is Record<string, unknown> => !!e && typeof e === 'object') : [];
}

/** Entities that carry one of the keys (a property name, or their Type), as additional events. */
export function additionalEvents(event: Event, keys: string[]): Array<Record<string, unknown>> {
  if (!keys.length) return [];
  const wanted = keys.map((k) => k.toLowerCase());
  return entitiesOf(event)
    .filter((e) => Object.keys(e).some((k) => wanted.includes(k.toLowerCase())) || wanted.includes(String(e.Type ?? '').toLowerCase()))
    .map((e, i) => ({ ...e, Id: `${String(event.Id)}:${i + 1}`, ParentId: event.Id, CreationTime: event.CreationTime, Operation: event.Operation }));
}

export function auditAlertBuilder(s: AuditSettings): (event: Event) => Alert | null {
  const operations = listParam(s.params['type-of-operation-filter']);
  const statuses = listParam(s.params['status-filter']);
  const asWhitelist = s.params['use-operation-and-status-filters-as-whitelist'] === true;
  const whitelistAsBlacklist = s.params['use-whitelist-as-a-blacklist'] === true;
  const entityKeys = listParam(s.params['entity-keys-to-create-additional-events']);

  return (event) => {
    if (typeof event.Id !== 'string' || !event.Id) return null;
    const opListed = inList(operations, event.Operation);
    const statusListed = statusOf(event).some((v) => inList(statuses, v));
    if (asWhitelist) {
      if (operations.length && !opListed) return null;
      if (statuses.length && !statusListed) return null;
    } else if (opListed || statusListed) return null;
    if (!passesRules(event.Workload, s.rules, whitelistAsBlacklist, inList)) return null;

    const common = commonFields(event, s.params, s.environment);
    const extra = additionalEvents(event, entityKeys);
    const columns = [...new Set(extra.flatMap((e) => Object.keys(e)).filter((k) => !['Id', 'ParentId', 'CreationTime', 'Operation', '$id'].includes(k)))].slice(
      0,
      6,
    );
    const operation = String(event.Operation ?? '');
    const workload = String(event.Workload ?? '');
    const named = typeof event.Name === 'string' && event.Name ? event.Name : '';
    const who = [event.UserId, event.AlertEntityId].find((v) => typeof v === 'string' && v.includes('@')) ?? event.UserId;
    const buttons: AlertButton[] = [];
    const mail = entitiesOf(event).find((e) => String(e.Type ?? '').toLowerCase() === 'mailmessage' && typeof e.Recipient === 'string');
    if (mail && typeof mail.Sender === 'string') {
      buttons.push({
        title: 'Search mail from the sender',
        command: `graphmail search-emails --search-in-mailbox ${arg(String(mail.Recipient))} --sender-filter ${arg(mail.Sender)}`,
      });
    }
    return {
      id: event.Id,
      name: named ? `${named} (${operation})` : `${operation} (${workload})`,
      time: common.time,
      product: common.product,
      eventName: common.eventName,
      rule: [operation, workload].filter(Boolean).join(' · '),
      who: typeof who === 'string' ? who : undefined,
      severity: typeof event.Severity === 'string' ? event.Severity : undefined,
      environment: common.environment,
      facts: [
        ...statusOf(event)
          .slice(0, 1)
          .map((v) => ({ title: 'Status', value: String(v) })),
        ...(event.ObjectId ? [{ title: 'Object', value: String(event.ObjectId) }] : []),
        ...(event.ClientIP ? [{ title: 'Client IP', value: String(event.ClientIP) }] : []),
      ],
      tables: extra.length
        ? [
            {
              title: 'Additional events',
              columns: ['Id', ...columns],
              rows: extra.map((e) => [
                String(e.Id),
                ...columns.map((c) => (e[c] === undefined ? '' : typeof e[c] === 'object' ? JSON.stringify(e[c]) : String(e[c]))),
              ]),
            },
          ]
        : undefined,
      event: extra.length ? { ...event, AdditionalEvents: extra } : event,
      buttons,
    };
  };
}

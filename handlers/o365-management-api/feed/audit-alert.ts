/**
 * Audit.General events → alerts (Audit General Events Connector; behaviour.md 22, 33). Type of
 * Operation Filter and Status Filter are blacklists, or whitelists with "Use operation and
 * status filters as whitelist"; the connector's whitelist / blacklist match Workload. Entity
 * Keys to Create Additional Events turn matching entities of the event's `Data` into additional
 * events, shown in the same card (one source event, one card).
 */
import { listParam } from '../../kit/alert-fields';
import type { Alert, AlertButton } from '../../kit/schedule';
import { arg, commonFieldReaders, listMatcher, rulesFilter, type CommonFieldReaders } from './event-fields';

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
  return additionalOf(
    event,
    entitiesOf(event),
    keys.map((k) => k.toLowerCase()),
  );
}

function additionalOf(event: Event, entities: Array<Record<string, unknown>>, wanted: string[]): Array<Record<string, unknown>> {
  return entities
    .filter((e) => Object.keys(e).some((k) => wanted.includes(k.toLowerCase())) || wanted.includes(String(e.Type ?? '').toLowerCase()))
    .map((e, i) => ({ ...e, Id: `${String(event.Id)}:${i + 1}`, ParentId: event.Id, CreationTime: event.CreationTime, Operation: event.Operation }));
}

const NOT_COLUMNS = new Set(['Id', 'ParentId', 'CreationTime', 'Operation', '$id']);

/**
 * An audit event's alert. What only a card shows (product, event name, name, who, severity,
 * facts, buttons) is read from the event when a card asks for it: a flood's digest reads the id,
 * time, rule and event of every alert, and nothing else.
 */
class AuditAlert implements Alert {
  constructor(
    private readonly source: Event,
    private readonly fields: CommonFieldReaders,
    readonly id: string,
    readonly time: string | undefined,
    readonly environment: string,
    readonly rule: string,
    readonly tables: Alert['tables'],
    readonly event: unknown,
  ) {}

  get product(): string {
    return this.fields.product(this.source);
  }

  get eventName(): string {
    return this.fields.eventName(this.source);
  }

  get name(): string {
    const e = this.source;
    const operation = String(e.Operation ?? '');
    return typeof e.Name === 'string' && e.Name ? `${e.Name} (${operation})` : `${operation} (${String(e.Workload ?? '')})`;
  }

  get who(): string | undefined {
    const e = this.source;
    const who = [e.UserId, e.AlertEntityId].find((v) => typeof v === 'string' && v.includes('@')) ?? e.UserId;
    return typeof who === 'string' ? who : undefined;
  }

  get severity(): string | undefined {
    return typeof this.source.Severity === 'string' ? this.source.Severity : undefined;
  }

  get facts(): Array<{ title: string; value: string }> {
    const e = this.source;
    return [
      ...statusOf(e)
        .slice(0, 1)
        .map((v) => ({ title: 'Status', value: String(v) })),
      ...(e.ObjectId ? [{ title: 'Object', value: String(e.ObjectId) }] : []),
      ...(e.ClientIP ? [{ title: 'Client IP', value: String(e.ClientIP) }] : []),
    ];
  }

  get buttons(): AlertButton[] {
    const mail = entitiesOf(this.source).find((e) => String(e.Type ?? '').toLowerCase() === 'mailmessage' && typeof e.Recipient === 'string');
    if (!mail || typeof mail.Sender !== 'string') return [];
    return [
      {
        title: 'Search mail from the sender',
        command: `graphmail search-emails --search-in-mailbox ${arg(String(mail.Recipient))} --sender-filter ${arg(mail.Sender)}`,
      },
    ];
  }
}

function additionalTable(extra: Array<Record<string, unknown>>): Alert['tables'] {
  const columns = [...new Set(extra.flatMap((e) => Object.keys(e)).filter((k) => !NOT_COLUMNS.has(k)))].slice(0, 6);
  return [
    {
      title: 'Additional events',
      columns: ['Id', ...columns],
      rows: extra.map((e) => [String(e.Id), ...columns.map((c) => (e[c] === undefined ? '' : typeof e[c] === 'object' ? JSON.stringify(e[c]) : String(e[c])))]),
    },
  ];
}

/**
 * The alert of each event, or null when a filter drops it. Built for floods (a digest reads every
 * event's alert): the parameters are read and the lists lowered once, and per event only what
 * the filters and the digest need (AuditAlert).
 */
export function auditAlertBuilder(s: AuditSettings): (event: Event) => Alert | null {
  const operations = listParam(s.params['type-of-operation-filter']);
  const statuses = listParam(s.params['status-filter']);
  const asWhitelist = s.params['use-operation-and-status-filters-as-whitelist'] === true;
  const wanted = listParam(s.params['entity-keys-to-create-additional-events']).map((k) => k.toLowerCase());
  const opListed = listMatcher(operations);
  const statusListed = listMatcher(statuses);
  const passesRules = rulesFilter(s.rules, s.params['use-whitelist-as-a-blacklist'] === true);
  const fields = commonFieldReaders(s.params, s.environment);
  // The rule text of each Operation and Workload seen, made once (the first 1,000 pairs): a flood
  // has a few of them, and the digest counts its events by this text (a string made per event
  // would be hashed per event there too).
  const ruleTexts = new Map<string, Map<string, string>>();
  let ruleTextCount = 0;
  const ruleOf = (operation: string, workload: string): string => {
    let text = ruleTexts.get(operation)?.get(workload);
    if (text === undefined) {
      text = operation && workload ? `${operation} · ${workload}` : operation || workload;
      if (ruleTextCount < 1000) {
        let byWorkload = ruleTexts.get(operation);
        if (!byWorkload) ruleTexts.set(operation, (byWorkload = new Map()));
        byWorkload.set(workload, text);
        ruleTextCount++;
      }
    }
    return text;
  };

  return (event) => {
    if (typeof event.Id !== 'string' || !event.Id) return null;
    const opIsListed = opListed(event.Operation);
    const statusIsListed = statuses.length > 0 && (statusListed(event.ResultStatus) || statusListed(event.Status));
    if (asWhitelist) {
      if (operations.length && !opIsListed) return null;
      if (statuses.length && !statusIsListed) return null;
    } else if (opIsListed || statusIsListed) return null;
    if (!passesRules(event.Workload)) return null;

    const extra = wanted.length ? additionalOf(event, entitiesOf(event), wanted) : [];
    const operation = String(event.Operation ?? '');
    const workload = String(event.Workload ?? '');
    return new AuditAlert(
      event,
      fields,
      event.Id,
      fields.time(event),
      fields.environment(event),
      ruleOf(operation, workload),
      extra.length ? additionalTable(extra) : undefined,
      extra.length ? { ...event, AdditionalEvents: extra } : event,
    );
  };
}

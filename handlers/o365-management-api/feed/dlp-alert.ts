/**
 * DLP.All events → alerts (DLP Events Connector; behaviour.md 22, 23, 33). Type of Operation Filter
 * and Type of Policy Filter are blacklists; the connector's whitelist / blacklist match the
 * event's Workload. The card leads with the user, the policy and rule, the severity and what
 * was shared with whom.
 */
import { listParam } from '../../kit/alert-fields';
import type { Alert, AlertButton } from '../../kit/schedule';
import { arg, commonFieldsOf, listMatcher, rulesFilter } from './event-fields';
import { maskFindings } from './mask';

type Event = Record<string, unknown>;

const SEVERITY_RANK: Record<string, number> = { low: 1, medium: 2, high: 3 };

interface Policy {
  PolicyName?: string;
  Rules?: Array<{ RuleName?: string; Severity?: string; ConditionsMatched?: { SensitiveInformation?: Array<{ SensitiveInformationTypeName?: string }> } }>;
}

function policies(event: Event): Policy[] {
  return Array.isArray(event.PolicyDetails) ? (event.PolicyDetails as Policy[]) : [];
}

export interface DlpSettings {
  params: Record<string, unknown>;
  rules: { whitelist: string[]; blacklist: string[] };
  environment: string;
}

export function dlpAlertBuilder(s: DlpSettings): (event: Event) => Alert | null {
  const operationFilter = listParam(s.params['type-of-operation-filter']);
  const policyFilter = listParam(s.params['type-of-policy-filter']);
  const mask = s.params['mask-findings'] === true;
  const operationListed = listMatcher(operationFilter);
  const policyListed = listMatcher(policyFilter);
  const passesRules = rulesFilter(s.rules, s.params['use-whitelist-as-a-blacklist'] === true);
  const commonFields = commonFieldsOf(s.params, s.environment);

  return (event) => {
    if (typeof event.Id !== 'string' || !event.Id) return null;
    if (operationListed(event.Operation)) return null;
    const pols = policies(event);
    if (policyFilter.length && pols.some((p) => policyListed(p.PolicyName))) return null;
    if (!passesRules(event.Workload)) return null;

    const shown = mask ? (structuredClone(event) as Event) : event;
    if (mask) maskFindings(shown);
    const common = commonFields(shown);
    const rules = pols.flatMap((p) =>
      (p.Rules ?? []).map((r) => ({
        policy: p.PolicyName ?? '',
        rule: r.RuleName ?? '',
        severity: r.Severity ?? '',
        types: (r.ConditionsMatched?.SensitiveInformation ?? []).map((x) => x.SensitiveInformationTypeName ?? ''),
      })),
    );
    const severity = rules
      .map((r) => r.severity)
      .filter(Boolean)
      .sort((a, b) => (SEVERITY_RANK[b.toLowerCase()] ?? 0) - (SEVERITY_RANK[a.toLowerCase()] ?? 0))[0];
    const policyNames = [...new Set(pols.map((p) => p.PolicyName).filter(Boolean))].join(', ');
    const ruleText = rules
      .map((r) => (r.rule ? `${r.policy} / ${r.rule}` : r.policy))
      .filter(Boolean)
      .join('; ');
    const exchange = (event.ExchangeMetaData ?? null) as { From?: string; To?: string[]; Subject?: string; MessageID?: string } | null;
    const sharePoint = (event.SharePointMetaData ?? null) as { FileName?: string; FilePathUrl?: string } | null;
    const types = [...new Set(rules.flatMap((r) => r.types).filter(Boolean))].join(', ');
    const object = exchange?.Subject ? `Mail "${exchange.Subject}"` : sharePoint?.FileName ? `File ${sharePoint.FileName}` : String(event.ObjectId ?? '');

    const buttons: AlertButton[] = [];
    if (exchange?.MessageID && exchange.From) {
      buttons.push({
        title: 'Search the mail',
        command: `graphmail search-emails --search-in-mailbox ${arg(exchange.From)} --folder-name "Sent Items" --mail-ids ${arg(exchange.MessageID)}`,
      });
      buttons.push({
        title: 'Delete the mail',
        command: `graphmail delete-email --delete-in-mailbox ${arg(exchange.From)} --folder-name "Sent Items" --mail-ids ${arg(exchange.MessageID)}`,
        style: 'destructive',
      });
    }
    return {
      id: event.Id,
      name: `${String(event.Operation ?? 'DLP')}: ${policyNames || 'DLP policy'}`,
      time: common.time,
      product: common.product,
      eventName: common.eventName,
      rule: ruleText || undefined,
      who: typeof event.UserId === 'string' ? event.UserId : undefined,
      severity,
      environment: common.environment,
      facts: [
        { title: 'Workload', value: String(event.Workload ?? '') },
        ...(object ? [{ title: 'Object', value: object }] : []),
        ...(exchange?.To?.length ? [{ title: 'Recipients', value: exchange.To.join(', ') }] : []),
        ...(types ? [{ title: 'Sensitive info', value: types }] : []),
      ],
      event: shown,
      buttons,
    };
  };
}

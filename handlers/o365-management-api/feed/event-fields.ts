/** Fields every Office 365 Management API alert shares: product, event name, environment label, time. */
import { environmentLabel, fieldValue } from '../../kit/alert-fields';

export const PRODUCT = 'Office 365 Management API';

export interface CommonFields {
  product: string;
  eventName: string;
  environment: string;
  time?: string;
}

/** CreationTime is UTC without a zone in the audit schema. */
export function eventTime(event: Record<string, unknown>): string | undefined {
  const t = event.CreationTime;
  if (typeof t !== 'string' || !t) return undefined;
  return /(Z|[+-]\d\d:?\d\d)$/i.test(t) ? t : `${t}Z`;
}

function text(v: unknown): string | undefined {
  return v === undefined || v === null || typeof v === 'object' ? undefined : String(v);
}

export function commonFields(event: Record<string, unknown>, params: Record<string, unknown>, environment: string): CommonFields {
  return {
    product: text(fieldValue(event, String(params['product-field-name'] ?? ''))) ?? PRODUCT,
    eventName: text(fieldValue(event, String(params['event-field-name'] ?? ''))) ?? String(event.Operation ?? ''),
    environment: environmentLabel(event, params['environment-field-name'], params['environment-regex-pattern'], environment),
    time: eventTime(event),
  };
}

/** Workload rules (behaviour.md 19, 22): whitelist (or, used as a blacklist, its opposite) and blacklist. */
export function passesRules(
  workload: unknown,
  rules: { whitelist: string[]; blacklist: string[] },
  whitelistAsBlacklist: boolean,
  inList: (l: string[], v: unknown) => boolean,
): boolean {
  if (rules.whitelist.length) {
    const listed = inList(rules.whitelist, workload);
    if (whitelistAsBlacklist ? listed : !listed) return false;
  }
  return !(rules.blacklist.length && inList(rules.blacklist, workload));
}

/** A chat command argument, quoted when it has to be. */
export function arg(value: string): string {
  return /^[^\s"'\\]+$/.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

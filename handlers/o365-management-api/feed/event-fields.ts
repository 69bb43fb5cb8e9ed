/** Fields every Office 365 Management API alert shares: product, event name, environment label, time. */
import { environmentLabeler, fieldReader } from '../../kit/alert-fields';

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

/** Each common field of an event, read on its own (a digest reads the time only). */
export interface CommonFieldReaders {
  product(event: Record<string, unknown>): string;
  eventName(event: Record<string, unknown>): string;
  environment(event: Record<string, unknown>): string;
  time(event: Record<string, unknown>): string | undefined;
}

/** The common fields' readers of a cycle: the parameters are read (the pattern compiled) once. */
export function commonFieldReaders(params: Record<string, unknown>, environment: string): CommonFieldReaders {
  const product = fieldReader(String(params['product-field-name'] ?? ''));
  const eventName = fieldReader(String(params['event-field-name'] ?? ''));
  const label = environmentLabeler(params['environment-field-name'], params['environment-regex-pattern'], environment);
  // The time of the last CreationTime seen, kept: a flood's events come many to a second (the
  // audit schema's precision), and one string for them all is compared at once by the digest.
  let lastCreation: unknown;
  let lastTime: string | undefined;
  return {
    product: (event) => text(product(event)) ?? PRODUCT,
    eventName: (event) => text(eventName(event)) ?? String(event.Operation ?? ''),
    environment: label,
    time: (event) => {
      if (event.CreationTime !== lastCreation) {
        lastCreation = event.CreationTime;
        lastTime = eventTime(event);
      }
      return lastTime;
    },
  };
}

/** The common fields of each event of a cycle (see commonFieldReaders). */
export function commonFieldsOf(params: Record<string, unknown>, environment: string): (event: Record<string, unknown>) => CommonFields {
  const read = commonFieldReaders(params, environment);
  return (event) => ({ product: read.product(event), eventName: read.eventName(event), environment: read.environment(event), time: read.time(event) });
}

/**
 * inList(list, value) for one list and many values (kit/alert-fields: case-insensitive, trimmed):
 * the list is lowered once into a set, and an empty list answers without looking at the value.
 */
export function listMatcher(list: string[]): (value: unknown) => boolean {
  if (!list.length) return () => false;
  const set = new Set(list.map((x) => x.trim().toLowerCase()));
  return (value) => value !== undefined && value !== null && set.has(String(value).trim().toLowerCase());
}

/** Workload rules (behaviour.md 19, 22): whitelist (or, used as a blacklist, its opposite) and blacklist; the lists lowered once. */
export function rulesFilter(rules: { whitelist: string[]; blacklist: string[] }, whitelistAsBlacklist: boolean): (workload: unknown) => boolean {
  const white = listMatcher(rules.whitelist);
  const black = listMatcher(rules.blacklist);
  const hasWhite = rules.whitelist.length > 0;
  return (workload) => {
    if (hasWhite) {
      const listed = white(workload);
      if (whitelistAsBlacklist ? listed : !listed) return false;
    }
    return !black(workload);
  };
}

/** A chat command argument, quoted when it has to be. */
export function arg(value: string): string {
  return /^[^\s"'\\]+$/.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

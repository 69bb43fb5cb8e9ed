/**
 * The time windows one cycle lists (seed: Fetch Max Hours Backwards, Fetch Backwards Time
 * Interval, Events Padding Period; behaviour.md 24): from the checkpoint — on the first cycle Fetch
 * Max Hours Backwards ago — to now, in steps of the interval. Every cycle looks at least the
 * padding period back (content blobs are published late), never further than Fetch Max Hours
 * Backwards and never past the API's 7 days; no window is longer than 24 hours.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The API refuses a start more than 7 days back; keep a margin for clock skew. */
const API_MARGIN = 5 * MINUTE;

export interface WindowPlan {
  now: number;
  /** Start of the first window not yet fully read (epoch ms), from the checkpoint. */
  checkpoint?: number;
  maxHoursBackwards: number;
  intervalMinutes: number;
  paddingMinutes: number;
}

export interface Window {
  start: number;
  end: number;
}

export function planWindows(p: WindowPlan): Window[] {
  const floor = Math.max(p.now - p.maxHoursBackwards * HOUR, p.now - 7 * DAY + API_MARGIN);
  let start = p.checkpoint ?? floor;
  start = Math.min(start, p.now - Math.max(0, p.paddingMinutes) * MINUTE);
  start = Math.max(start, floor);
  const step = Math.min(Math.max(1, p.intervalMinutes), 1440) * MINUTE;
  const out: Window[] = [];
  for (let s = start; s < p.now; s += step) out.push({ start: s, end: Math.min(s + step, p.now) });
  return out;
}

/** behaviour.md 24: what the API cannot serve is refused when the connector is configured. */
export function windowProblem(params: Record<string, unknown>): string | null {
  const interval = Number(params['fetch-backwards-time-interval-minutes']);
  const hours = Number(params['fetch-max-hours-backwards']);
  const padding = Number(params['events-padding-period-minutes']);
  const max = Number(params['max-events-to-fetch']);
  if (!(interval >= 1) || interval > 1440)
    return 'Fetch Backwards Time Interval (minutes) must be between 1 and 1440: the O365 Management API lists at most 24 hours per request.';
  if (!(hours >= 1) || hours > 168)
    return 'Fetch Max Hours Backwards must be between 1 and 168: the O365 Management API returns events of the last 7 days, not older.';
  if (!(padding >= 0)) return 'Events Padding Period (minutes) must be 0 or more.';
  if (!(max >= 1)) return 'Max events to fetch must be at least 1.';
  return null;
}

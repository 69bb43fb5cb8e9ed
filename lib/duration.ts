/**
 * Durations as typed in chat (contract.md §4 `--timeout 90s | 30m | 2h`, vote `--timeout 30m`,
 * admin `--every 60s`): a number with a unit, several of them in a row (`1h30m`), or plain
 * seconds (`120`).
 */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  msec: 1,
  msecs: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  wk: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)/y;

/**
 * Parses `90s`, `30m`, `2h`, `1d`, `1w`, `500ms`, `1h30m`, `1h 30m`, `1.5h`, `2 hours` or a plain
 * number of seconds (`120`). Case-insensitive. Returns milliseconds (rounded to a whole ms), or
 * `null` when the text is not a duration (empty, negative, unknown unit, not finite, above ~100
 * years).
 */
export function parseDuration(text: string): number | null {
  if (typeof text !== 'string') return null;
  const t = text.trim().toLowerCase();
  if (!t || t.length > 64) return null;
  if (/^\d+(?:\.\d+)?$|^\.\d+$/.test(t)) return finish(Number(t) * 1000);
  let total = 0;
  let pos = 0;
  let parts = 0;
  while (pos < t.length) {
    while (t[pos] === ' ') pos++;
    if (pos >= t.length) break;
    PART.lastIndex = pos;
    const m = PART.exec(t);
    if (!m) return null;
    const unit = UNIT_MS[m[2]];
    if (unit === undefined) return null;
    total += Number(m[1]) * unit;
    pos = PART.lastIndex;
    parts++;
  }
  return parts ? finish(total) : null;
}

function finish(ms: number): number | null {
  if (!Number.isFinite(ms) || ms < 0 || ms > 100 * 365 * 86_400_000) return null;
  return Math.round(ms);
}

/**
 * Compact form that `parseDuration` reads back: `45s`, `30m`, `1h30m`, `2d3h`, `1m30s`, `250ms`,
 * `0s`. Shows at most the two largest non-zero units (an age or a timeout, not a stopwatch),
 * except that sub-second values show `ms`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms));
  if (rest < 1000) return `${sign}${rest === 0 ? '0s' : `${rest}ms`}`;
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const out: string[] = [];
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || out.length > 0) out.push(n > 0 ? `${n}${name}` : '');
    if (out.length === 2) break;
  }
  return sign + out.join('');
}

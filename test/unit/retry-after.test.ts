/** The one reading of Retry-After (handlers/kit/wait.ts), used by the HTTP layer, Graph batches, upload sessions and the Teams sender. */
import { retryAfterMs } from '../../handlers/kit/wait';

describe('retryAfterMs', () => {
  it('reads seconds, capped at a minute unless the caller says otherwise', () => {
    expect(retryAfterMs({ 'retry-after': '3' }, 0)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': '0' }, 5)).toBe(0);
    expect(retryAfterMs({ 'retry-after': '600' }, 0)).toBe(60_000);
    expect(retryAfterMs({ 'retry-after': '600' }, 0, 5000)).toBe(5000);
    expect(retryAfterMs({ 'retry-after': '600' }, 0, Infinity)).toBe(600_000);
  });

  it('reads an HTTP date (a past one: no wait)', () => {
    const in10s = new Date(Date.now() + 10_000).toUTCString();
    const wait = retryAfterMs({ 'retry-after': in10s }, 0);
    expect(wait).toBeGreaterThan(8000);
    expect(wait).toBeLessThanOrEqual(10_000);
    expect(retryAfterMs({ 'retry-after': new Date(Date.now() - 60_000).toUTCString() }, 0)).toBe(0);
  });

  it('without one, backs off from 250 ms doubling to 8 s (and never past the cap)', () => {
    expect([0, 1, 2, 5, 9].map((attempt) => retryAfterMs({}, attempt))).toEqual([250, 500, 1000, 8000, 8000]);
    expect(retryAfterMs({ 'retry-after': 'soon' }, 1)).toBe(500);
    expect(retryAfterMs({}, 9, 2000)).toBe(2000);
  });
});

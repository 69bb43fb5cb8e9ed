/** "Did you mean …?" for integrations, actions, parameters and enum values. */

/** Longest input we compare; anything longer gets no suggestion (keeps a 20k-char typo cheap). */
const MAX_INPUT = 64;

/**
 * Optimal-string-alignment (restricted Damerau–Levenshtein) distance: insertions, deletions,
 * substitutions and transpositions of two adjacent characters each cost 1.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  const la = a.length;
  const lb = b.length;
  let prev2 = new Array<number>(lb + 1).fill(0);
  let prev = new Array<number>(lb + 1);
  let cur = new Array<number>(lb + 1);
  for (let j = 0; j <= lb; j++) prev[j] = j;
  for (let i = 1; i <= la; i++) {
    cur[0] = i;
    for (let j = 1; j <= lb; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[lb];
}

/** Edits allowed for a word of `len` characters: 1 up to 6 characters, then one per 3. */
function limitFor(len: number): number {
  return Math.max(1, Math.floor((len - 1) / 3));
}

/** Contiguous runs of `-`-separated segments of a slug: `a-b-c` → a, b, c, a-b, b-c (not a-b-c). */
function subSlugs(candidate: string): string[] {
  const parts = candidate.split('-');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j <= parts.length; j++) {
      if (i === 0 && j === parts.length) continue;
      out.push(parts.slice(i, j).join('-'));
    }
  }
  return out;
}

/**
 * How close `input` is to `candidate` (lower is better), or undefined when it is not a
 * plausible typo / abbreviation of it. Both are compared lowercased.
 */
export function closeness(input: string, candidate: string): number | undefined {
  const a = input.toLowerCase();
  const b = candidate.toLowerCase();
  if (!a || !b || a.length > MAX_INPUT) return undefined;
  if (a === b) return 0;
  let best: number | undefined;
  const consider = (score: number): void => {
    if (best === undefined || score < best) best = score;
  };
  if (Math.abs(a.length - b.length) <= limitFor(Math.max(a.length, b.length))) {
    const d = editDistance(a, b);
    if (d <= limitFor(Math.min(a.length, b.length) + 1)) consider(d);
  }
  if (a.length >= 2 && b.startsWith(a)) consider(1 + (b.length - a.length) / (10 * b.length));
  else if (a.length >= 3 && b.includes(a)) consider(1.5 + (b.length - a.length) / (10 * b.length));
  if (a.length >= 3 && b.includes('-')) {
    for (const piece of subSlugs(b)) {
      if (Math.abs(a.length - piece.length) > limitFor(piece.length)) continue;
      const d = editDistance(a, piece);
      if (d <= limitFor(piece.length) && d < piece.length) consider(d + 1.2);
    }
  }
  return best;
}

/** The best (at most `max`) candidates for a mistyped `input`, best first, without duplicates. */
export function suggest(input: string, candidates: readonly string[], max = 3): string[] {
  const scored: Array<{ c: string; s: number; i: number }> = [];
  const seen = new Set<string>();
  candidates.forEach((c, i) => {
    if (seen.has(c)) return;
    seen.add(c);
    const s = closeness(input, c);
    if (s !== undefined) scored.push({ c, s, i });
  });
  scored.sort((x, y) => x.s - y.s || x.i - y.i);
  // Only those about as good as the best one.
  const cutoff = scored.length ? scored[0].s + 1 : 0;
  return scored
    .filter((x) => x.s <= cutoff)
    .slice(0, max)
    .map((x) => x.c);
}

/** `a`, `a or b`, `a, b or c`. */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

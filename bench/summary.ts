/**
 * One row of the summary in bench/results/latest.json (`summary`): a figure beside its floor
 * measured in the same run. Every benchmark returns its rows in `BenchResult.summary`; bench/run.ts
 * gathers them (rows of benchmarks not run this time are kept from the previous file).
 */
export interface SummaryRow {
  /** What is measured, e.g. "/soar ack p99 at 15/s (ms)". */
  figure: string;
  /** chatsoar's figure. */
  value: number;
  /** The floor's figure from the same run (what the same machine does with the bare minimum). */
  baseline: number;
  /** value / baseline. */
  ratio: number;
  /** The goal on the ratio, written as a comparison: "<= 1.2" or ">= 0.5". */
  goal: string;
  /** Whether the ratio meets the goal. */
  met: boolean;
}

/** A row with its ratio and `met` computed from the goal ("<= x" or ">= x"). */
export function summaryRow(figure: string, value: number, baseline: number, goal: string): SummaryRow {
  const ratio = Math.round((value / baseline) * 1000) / 1000;
  const m = /^(<=|>=)\s*([\d.]+)$/.exec(goal.trim());
  if (!m) throw new Error(`summary goal must read "<= x" or ">= x": ${goal}`);
  const limit = Number(m[2]);
  const met = m[1] === '<=' ? ratio <= limit : ratio >= limit;
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return { figure, value: round(value), baseline: round(baseline), ratio, goal, met };
}

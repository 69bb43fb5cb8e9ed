import type { SummaryRow } from './summary';

/** What every benchmark module (`bench/*.bench.ts`) exports: `run(): Promise<BenchResult>`. */
export interface BenchResult {
  name: string;
  /** Figures written to bench/results/latest.json (medians, baselines, ratios). */
  results: Record<string, unknown>;
  /** Markdown lines printed to the console. */
  table: string[];
  /** Rows of latest.json's `summary` (each figure beside its floor from the same run). */
  summary?: SummaryRow[];
}

/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line) against a
 * private redis-server, prints their tables and writes bench/results/latest.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startPrivateRedis } from '../lib/redis-server';
import type { BenchResult } from './bench';
import type { SummaryRow } from './summary';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const names = readdirSync(__dirname)
    .filter((f) => /\.bench\.js$/.test(f))
    .map((f) => f.replace(/\.bench\.js$/, ''))
    .filter((n) => !only.length || only.includes(n))
    .sort();
  const redis = await startPrivateRedis(mkdtempSync(join(tmpdir(), 'chatsoar-bench-redis-')), (l) => console.log(l));
  process.env.TEST_REDIS_URL = redis.url;
  const all: Record<string, unknown> = {};
  const rows: Record<string, SummaryRow[]> = {};
  try {
    for (const name of names) {
      console.log(`\n## ${name}`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(join(__dirname, `${name}.bench.js`)) as { run(): Promise<BenchResult> };
      const result = await mod.run();
      for (const line of result.table) console.log(line);
      all[result.name] = result.results;
      if (result.summary) rows[result.name] = result.summary;
    }
  } finally {
    await redis.stop();
  }
  // Running some benchmarks keeps the others' last figures (each entry carries its own date).
  const dir = resolve(__dirname, '..', '..', 'bench', 'results');
  const file = join(dir, 'latest.json');
  mkdirSync(dir, { recursive: true });
  const before = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { benchmarks?: Record<string, unknown>; summary?: Array<SummaryRow & { benchmark: string }> })
    : {};
  const previous = before.benchmarks ?? {};
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version };
  const dated = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, { date: new Date().toISOString(), machine, ...(v as object) }]));
  // One summary: this run's rows, then the rows of benchmarks not run this time (from the previous file).
  const summary = [
    ...Object.entries(rows).flatMap(([benchmark, list]) => list.map((row) => ({ benchmark, ...row }))),
    ...(before.summary ?? []).filter((row) => !(row.benchmark in all)),
  ];
  if (summary.length) {
    console.log('\n## summary\n');
    console.log('| benchmark | figure | value | baseline | ratio | goal | met |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const r of summary) console.log(`| ${r.benchmark} | ${r.figure} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.goal} | ${r.met ? 'yes' : 'no'} |`);
  }
  writeFileSync(file, `${JSON.stringify({ machine, summary, benchmarks: { ...previous, ...dated } }, null, 2)}\n`);
  console.log('\nResults written to bench/results/latest.json');
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench failed: ${err.message}`);
    process.exit(1);
  },
);

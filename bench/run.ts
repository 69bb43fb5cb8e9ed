/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line) against a
 * private redis-server, prints their tables and writes bench/results/latest.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startPrivateRedis } from '../lib/redis-server';
import type { BenchResult } from './bench';

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
  try {
    for (const name of names) {
      console.log(`\n## ${name}`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(join(__dirname, `${name}.bench.js`)) as { run(): Promise<BenchResult> };
      const result = await mod.run();
      for (const line of result.table) console.log(line);
      all[result.name] = result.results;
    }
  } finally {
    await redis.stop();
  }
  // Running some benchmarks keeps the others' last figures (each entry carries its own date).
  const dir = resolve(__dirname, '..', '..', 'bench', 'results');
  const file = join(dir, 'latest.json');
  mkdirSync(dir, { recursive: true });
  const previous = existsSync(file) ? ((JSON.parse(readFileSync(file, 'utf8')) as { benchmarks?: Record<string, unknown> }).benchmarks ?? {}) : {};
  const machine = { cpus: cpus().length, node: process.version };
  const dated = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, { date: new Date().toISOString(), machine, ...(v as object) }]));
  writeFileSync(file, `${JSON.stringify({ benchmarks: { ...previous, ...dated } }, null, 2)}\n`);
  console.log('\nResults written to bench/results/latest.json');
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench failed: ${err.message}`);
    process.exit(1);
  },
);

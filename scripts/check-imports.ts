/**
 * Checks the import rules of docs/architecture.md on the run-time import graph (dpdm compiles each
 * file first, so imports used only as types, which the build drops, are left out): no import
 * cycles, and no layer imports what scripts/import-rules.ts forbids it. `npm run lint` runs it.
 */
import { parseCircular, parseDependencyTree } from 'dpdm';
import { violations } from './import-rules';

const SOURCES = ['bot', 'queue', 'handlers', 'cards', 'store', 'lib', 'config', 'emulator', 'manifest', 'bench', 'scripts', 'test'];

async function main(): Promise<void> {
  const started = Date.now();
  const tree = await parseDependencyTree(
    SOURCES.map((dir) => `${dir}/**/*.ts`),
    { context: process.cwd(), transform: true, extensions: ['.ts', '.js', '.json'], tsconfig: 'tsconfig.json', skipDynamicImports: false },
  );
  const files = Object.keys(tree).filter((f) => !f.includes('node_modules/')).length;
  const cycles = parseCircular(tree);
  const broken = violations(tree);
  for (const cycle of cycles) console.error(`import cycle: ${[...cycle, cycle[0]].join(' → ')}`);
  for (const line of broken) console.error(`layer rule: ${line}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`check-imports: ${files} files, ${cycles.length} run-time import cycles, ${broken.length} layer rule violations (${seconds} s)`);
  if (cycles.length || broken.length) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

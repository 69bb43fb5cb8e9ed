/**
 * The repository stands on its own: nothing reads or cites a path outside it, and every
 * "behaviour.md N" / "contract.md §N" a file cites is an item or section those docs really have.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|js|md|json|yml|yaml|html|css)$/.test(f) && f !== 'package-lock.json' && !f.startsWith('test/fixtures/seeds/'))
  // A file deleted in the working tree is still listed by git until the deletion is committed.
  .filter((f) => existsSync(join(root, f)));
const texts = tracked.map((file) => ({ file, text: read(file) }));

const behaviourItems = new Set([...read('docs/behaviour.md').matchAll(/^### (\d+)\./gm)].map((m) => m[1]));
const contract = read('docs/contract.md');
const contractSections = new Set([...contract.matchAll(/^## §(\d+)\./gm)].map((m) => m[1]));
const contractPoints = new Set([...contract.matchAll(/\*\*§(\d+\.\d+) /g)].map((m) => m[1]));

describe('the repository stands on its own', () => {
  it('has the seed fixtures and both docs', () => {
    expect(behaviourItems.size).toBeGreaterThanOrEqual(50);
    expect([...contractSections].sort()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('reads and cites nothing outside the repository', () => {
    const outside = texts.filter(
      ({ file, text }) =>
        file !== 'test/unit/doc-citations.test.ts' &&
        /\.\.\/shared|shared\/(seeds|DECISIONS|CONTRACT)|\b(DECISIONS|CONTRACT|ARCHITECTURE|NOTES)(\.md)?\s*(§|\d)/.test(text),
    );
    expect(outside.map((t) => t.file)).toEqual([]);
  });

  it('cites only behaviour items and contract sections that exist', () => {
    const broken: string[] = [];
    for (const { file, text } of texts) {
      for (const m of text.matchAll(/behaviour\.md((?:[ ,/]+(?:and )?\d+)+)/g)) {
        for (const n of m[1]!.match(/\d+/g) ?? []) if (!behaviourItems.has(n)) broken.push(`${file}: behaviour.md ${n}`);
      }
      for (const m of text.matchAll(/contract\.md ((?:§[\d.]+[,/ ]*)+)/g)) {
        for (const ref of m[1]!.match(/§[\d.]+\d/g) ?? []) {
          const id = ref.slice(1);
          if (!(id.includes('.') ? contractPoints.has(id) : contractSections.has(id))) broken.push(`${file}: contract.md ${ref}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

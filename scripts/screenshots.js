'use strict';
/*
 * `npm run screenshots`: the README's pictures (docs/images/*.png), taken by the browser tests that
 * check those very screens (test/e2e/demo-loop.test.ts, tables.test.ts, a11y.test.ts, campaign-webchat.test.ts) run with
 * SCREENSHOTS=1, so a picture cannot show what the tests no longer see. Needs redis-server and
 * chromium (as `npm test`); the status icons need a colour emoji font (fonts-noto-color-emoji).
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const images = join(root, 'docs', 'images');
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const say = (line) => process.stdout.write(`[screenshots] ${line}\n`);

if (!existsSync(chromium)) {
  say(`${chromium} is missing: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  process.exit(1);
}
const emoji = spawnSync('fc-list', [':charset=1f6a8'], { encoding: 'utf8' });
if (emoji.status === 0 && !emoji.stdout.trim()) say('no colour emoji font: the status icons will show as boxes (apt-get install -y fonts-noto-color-emoji).');

const started = Date.now();
const jest = spawnSync(
  join(root, 'node_modules', '.bin', 'jest'),
  ['--runInBand', 'test/e2e/demo-loop.test.ts', 'test/e2e/tables.test.ts', 'test/e2e/a11y.test.ts', 'test/e2e/campaign-webchat.test.ts'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SCREENSHOTS: '1' },
  },
);
if (jest.status !== 0) {
  say('the browser tests failed: the pictures were not all taken.');
  process.exit(jest.status ?? 1);
}
for (const name of readdirSync(images).filter((n) => n.endsWith('.png'))) {
  const st = statSync(join(images, name));
  say(`${st.mtimeMs >= started ? 'wrote' : 'kept '} docs/images/${name} (${Math.round(st.size / 1024)} KB)`);
}

'use strict';
/* Copies non-TypeScript assets (card templates, web chat page) next to the compiled code. */
const { cpSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
for (const dir of ['cards/templates', 'bot/webchat']) {
  const from = join(root, dir);
  if (existsSync(from)) cpSync(from, join(root, 'dist', dir), { recursive: true, filter: (src) => !src.endsWith('.ts') });
}

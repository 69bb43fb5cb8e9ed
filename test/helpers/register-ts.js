'use strict';
/* Lets tests start real chatsoar processes from the TypeScript sources (node -r this file),
 * compiling each .ts file with @swc/core as it is required. Compiled files are kept on disk by
 * content hash, so the many processes a test starts (a worker restarted 20 times, say) compile
 * each file once instead of once per start. */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const cacheDir = join(__dirname, '..', '..', 'node_modules', '.cache', 'chatsoar-register-ts');
let swc;

require.extensions['.ts'] = function compile(module, filename) {
  const source = readFileSync(filename, 'utf8');
  const cached = join(cacheDir, `${createHash('sha256').update(filename).update('\0').update(source).digest('hex')}.js`);
  let code;
  try {
    code = readFileSync(cached, 'utf8');
  } catch {
    swc ??= require('@swc/core');
    code = swc.transformSync(source, {
      filename,
      sourceMaps: 'inline',
      jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
      module: { type: 'commonjs' },
    }).code;
    // Written aside and renamed: another process starting at the same moment never reads half a file.
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, cached);
  }
  module._compile(code, filename);
};

#!/usr/bin/env node
/*
 * `npm start`, `npm run start:bot|start:worker`, `npm test`, `npm run bench`: each works as the
 * very first command on a fresh clone. It brings what is missing (npm ci, a build, Debian
 * packages when root) and says in one line what it is doing.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { constants } = require('node:os');
const { existsSync, statSync, readdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const say = (line) => process.stdout.write(`${line}\n`);

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function ensureNodeModules() {
  const stamp = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs - 1000) return;
  say('Installing npm dependencies (npm ci)…');
  if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) process.exit(1);
}

/** Debian packages the tests need; installed when missing and we are root. */
function ensureDebianPackages(pkgs) {
  const missing = pkgs.filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
  if (!missing.length) return;
  if (process.getuid && process.getuid() !== 0) {
    say(`Missing system packages: ${missing.join(' ')} — install them with: sudo apt-get install -y ${missing.join(' ')}`);
    return;
  }
  say(`Installing Debian packages: ${missing.join(' ')} (apt-get)…`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (/\.(ts|json|html|css|js)$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function ensureBuild() {
  const stamp = join(root, 'dist', '.build-stamp');
  const sources = ['bot', 'handlers', 'cards', 'queue', 'store', 'emulator', 'config', 'lib', 'bench', 'test/helpers']
    .map((d) => join(root, d))
    .filter(existsSync);
  const newest = Math.max(...sources.map(newestMtime), statSync(join(root, 'tsconfig.build.json')).mtimeMs);
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest) return;
  say('Building (tsc)…');
  if (run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json']) !== 0) process.exit(1);
  run('node', [join(root, 'scripts', 'copy-assets.js')]);
  writeFileSync(stamp, new Date().toISOString());
}

/**
 * Runs a long-lived process; a signal sent to this launcher only (a process manager, `npm`
 * forwarding a stop) reaches it too, so that it stops what it started (its redis-server).
 */
function runForwardingSignals(cmd, args) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    say(`could not start ${cmd}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}

/** Runs jest and ends with the plain closing line `jest: N passed, N failed` that CI reads. */
function runJest(args) {
  const results = join(root, '.data', 'jest-results.json');
  require('node:fs').mkdirSync(join(root, '.data'), { recursive: true });
  const status = run(join(root, 'node_modules', '.bin', 'jest'), ['--json', `--outputFile=${results}`, ...args]);
  try {
    const r = JSON.parse(require('node:fs').readFileSync(results, 'utf8'));
    say(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
  } catch {
    say('jest: no results file (the run did not finish)');
  }
  return status;
}

const task = process.argv[2];
ensureNodeModules();
switch (task) {
  case 'main':
  case 'bot':
  case 'worker':
    ensureBuild();
    runForwardingSignals('node', ['--no-deprecation', join(root, 'dist', 'bot', 'main.js'), task]);
    break;
  case 'test':
    ensureDebianPackages([
      ['redis-server', 'redis-server'],
      ['chromium', 'chromium'],
      ['7z', 'p7zip-full'],
      ['unzip', 'unzip'],
    ]);
    say('Type-checking (tsc --noEmit)…');
    if (run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--noEmit']) !== 0) process.exit(1);
    // The build npm start and npm run bench run from (its own tsconfig: no jest types): it must compile too.
    ensureBuild();
    process.exit(runJest(process.argv.slice(3)));
    break;
  case 'bench':
    ensureDebianPackages([['redis-server', 'redis-server']]);
    ensureBuild();
    process.exit(run('node', ['--no-deprecation', join(root, 'dist', 'bench', 'run.js'), ...process.argv.slice(3)]));
    break;
  default:
    say(`unknown task ${task}`);
    process.exit(2);
}

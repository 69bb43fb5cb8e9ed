/**
 * The deployable image and compose file, checked without a container engine (issue 19 item 3):
 * the compose file parses and sets only environment variables the product reads; the image
 * starts the command the tests start (bot/main.ts compiled to dist/bot/main.js, the role as its
 * argument); HEALTHCHECK asks /readyz; the runtime stage runs as an unprivileged user with the
 * production dependencies only; every file the Dockerfile copies exists and reaches the build
 * context; every folder bot/main.ts needs at run time is copied.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';

const root = resolve(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** Folders of product code (what runs in the image). */
const PRODUCT = ['bot', 'cards', 'config', 'emulator', 'handlers', 'lib', 'queue', 'store'];

function productFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return productFiles(path);
    return /\.ts$/.test(e.name) && !/\.(test|spec)\.ts$/.test(e.name) ? [path] : [];
  });
}

/** Environment variables the product reads: `env.X` / `env['X']` in lib/settings.ts (contract.md §2), `process.env.X` anywhere. */
function variablesRead(): Set<string> {
  const names = new Set<string>();
  for (const m of read('lib/settings.ts').matchAll(/\benv(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[['"]([A-Za-z_][A-Za-z0-9_]*)['"]\])/g)) names.add(m[1] ?? m[2]!);
  for (const file of PRODUCT.flatMap(productFiles))
    for (const m of read(file).matchAll(/\bprocess\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[['"]([A-Za-z_][A-Za-z0-9_]*)['"]\])/g)) names.add(m[1] ?? m[2]!);
  return names;
}

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** The Dockerfile as stages of instructions (continuation lines joined, comments dropped). */
function dockerfile(): Stage[] {
  const text = read('Dockerfile')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!;
      stages.push({ base: from[1]!, name: from[2] ?? String(stages.length), instructions: [] });
    } else if (stages.length) stages[stages.length - 1]!.instructions.push({ op, args });
  }
  return stages;
}

const ops = (stage: Stage, op: string): string[] => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

/** `["a", "b"]` (exec form) → ['a', 'b']. */
function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`not the exec form: ${args}`);
  return parsed.map(String);
}

/** Whether a path of the repository is left out of the build context by .dockerignore. */
function ignored(path: string): boolean {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return patterns.some((p) => {
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    return re.test(path);
  });
}

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, { image?: string; build?: unknown; command?: string[]; environment?: Record<string, string>; healthcheck?: unknown }>;
    volumes?: Record<string, unknown>;
  };
  const chatsoar = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('chatsoar'));

  it('runs Redis with AOF on a volume, two bots and two workers of the one image', () => {
    const redis = compose.services.redis!;
    expect(String(redis.command)).toMatch(/--appendonly yes/);
    expect(String(redis.command)).toMatch(/--maxmemory-policy noeviction/);
    expect((redis as { volumes?: string[] }).volumes?.some((v) => /^[\w-]+:\/data$/.test(v) && v.split(':')[0]! in (compose.volumes ?? {}))).toBe(true);
    const roles = chatsoar.map(([, s]) => s.command?.[0]).sort();
    expect(roles).toEqual(['bot', 'bot', 'worker', 'worker']);
    expect(new Set(chatsoar.map(([, s]) => s.image)).size).toBe(1);
  });

  it('gives every bot and worker the same environment, naming only variables the product reads', () => {
    const known = variablesRead();
    // The scan finds the variables it must (a scan that finds nothing would pass anything).
    for (const name of ['REDIS_URL', 'SECRETS_KEY', 'CONFIG_FILE', 'PUBLIC_URL', 'SLACK_SIGNING_SECRET', 'MicrosoftAppId', 'FILES_DIR', 'LOG_LEVEL'])
      expect(known).toContain(name);
    const environments = chatsoar.map(([, s]) => s.environment ?? {});
    for (const env of environments) expect(env).toEqual(environments[0]);
    const unknown = Object.keys(environments[0]!).filter((name) => !known.has(name));
    expect(unknown).toEqual([]);
    for (const name of ['REDIS_URL', 'SECRETS_KEY', 'CONFIG_FILE', 'PUBLIC_URL', 'FILES_DIR']) expect(Object.keys(environments[0]!)).toContain(name);
  });

  it('starts each service in a role bot/main.ts accepts', () => {
    const accepted = /\[([^\]]+)\]\.includes\(role\)/.exec(read('bot/main.ts'))![1]!.match(/[a-z]+/g)!;
    for (const [, s] of chatsoar) expect(accepted).toContain(s.command?.[0]);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile();
  const runtime = stages[stages.length - 1]!;
  const byName = new Map(stages.map((s) => [s.name, s]));

  it('builds in stages and runs the last one', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(ops(stages[0]!, 'RUN').join('\n')).toMatch(/npm ci(?! --omit)/);
    expect(ops(stages[0]!, 'RUN').join('\n')).toMatch(/tsc -p tsconfig\.build\.json/);
  });

  it('starts `node dist/bot/main.js <role>`: the build of bot/main.ts that npm run start:bot|start:worker runs and the tests start', () => {
    const argv = [...execForm(ops(runtime, 'ENTRYPOINT').pop()!), ...execForm(ops(runtime, 'CMD').pop()!)];
    // scripts/launch.js (npm run start:bot / start:worker): node [flags] dist/bot/main.js <task>.
    const launch = /runForwardingSignals\('node', \[([^\]]*)\]\)/.exec(read('scripts/launch.js'))![1]!;
    const launched = launch
      .replace(/join\(root, ([^)]*)\)/g, (_, parts: string) => `'${parts.replace(/['\s]/g, '').split(',').join('/')}'`)
      .split(',')
      .map((a) => a.trim().replace(/^'|'$/g, ''));
    expect(launched).toEqual(['--no-deprecation', 'dist/bot/main.js', 'task']);
    expect(argv).toEqual(['node', '--no-deprecation', 'dist/bot/main.js', 'bot']);
    // dist/bot/main.js is bot/main.ts compiled (rootDir ".", outDir "dist"), which the resilience suite and the e2e tests start.
    const tsconfig = JSON.parse(read('tsconfig.json')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(tsconfig.compilerOptions).toMatchObject({ rootDir: '.', outDir: 'dist' });
    expect(read('test/resilience/system.ts')).toMatch(/join\(root, 'bot\/main\.ts'\), role\]/);
    expect(read('test/helpers/main-process.ts')).toMatch(/join\(root, 'bot\/main\.ts'\), opts\.role/);
  });

  it('checks health on /readyz, runs as an unprivileged user, with production dependencies only', () => {
    const health = ops(runtime, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0]).toMatch(/\/readyz/);
    const user = ops(runtime, 'USER').pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    // The user is set before the start command, after the last RUN (which still needs root).
    const order = runtime.instructions.map((i) => i.op);
    expect(order.lastIndexOf('USER')).toBeGreaterThan(order.lastIndexOf('RUN'));
    // node_modules come from a stage that ran `npm ci --omit=dev` (or this one runs it), never a full install.
    const modules = ops(runtime, 'COPY').find((c) => /node_modules/.test(c));
    const from = modules ? /--from=(\S+)/.exec(modules)?.[1] : undefined;
    const source = from ? byName.get(from) : runtime;
    expect(source).toBeDefined();
    expect(ops(source!, 'RUN').join('\n')).toMatch(/npm ci --omit=dev/);
    expect(ops(runtime, 'RUN').join('\n')).not.toMatch(/npm (ci|install)(?! --omit=dev)/);
    for (const env of ops(runtime, 'ENV'))
      for (const name of env.match(/([A-Za-z_][A-Za-z0-9_]*)=/g) ?? []) expect(variablesRead()).toContain(name.slice(0, -1));
  });

  it('copies only files that exist and reach the build context, and every folder bot/main.ts needs', () => {
    const copied: string[] = [];
    for (const stage of stages) {
      for (const copy of ops(stage, 'COPY')) {
        if (/--from=/.test(copy)) continue;
        const parts = copy.split(/\s+/).filter((p) => !p.startsWith('--'));
        for (const src of parts.slice(0, -1)) {
          expect({ src, exists: existsSync(join(root, src)) }).toEqual({ src, exists: true });
          expect({ src, ignored: ignored(src) }).toEqual({ src, ignored: false });
          copied.push(src);
        }
      }
    }
    // Every folder reached from bot/main.ts by relative imports is copied into the build.
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of read(file).matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g)) {
        const target = resolve(root, dirname(file), m[1] ?? m[2]!);
        const candidates = [`${target}.ts`, join(target, 'index.ts')].filter((p) => existsSync(p) && statSync(p).isFile());
        if (candidates[0]) visit(relative(root, candidates[0]));
      }
    };
    visit('bot/main.ts');
    const folders = new Set([...seen].map((f) => f.split('/')[0]!));
    expect(folders.size).toBeGreaterThan(5);
    for (const folder of folders) expect(copied).toContain(folder);
  });
});

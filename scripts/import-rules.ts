/**
 * The layer rules of docs/architecture.md: what each folder must not import at run time, and why.
 * scripts/check-imports.ts applies them to the import graph.
 */
import type { DependencyTree } from 'dpdm';

/** The chat platforms' SDKs and the bot's web server: the chat side's libraries. */
const CHAT_SDKS = /^npm:(@slack\/(bolt|web-api|oauth)|botbuilder|botframework-|restify)/;
/** Libraries that call Microsoft 365. */
const M365_SDKS = /^npm:(@microsoft\/microsoft-graph-client|@azure\/identity)/;

const oneOf = (...patterns: RegExp[]): RegExp => new RegExp(patterns.map((p) => `(?:${p.source})`).join('|'));

interface Rule {
  /** Files the rule applies to (paths relative to the repository). */
  from: RegExp;
  /** What they must not import: repository paths, or `npm:<specifier>` for packages. */
  forbidden: RegExp;
  /** Imports of `forbidden` that are allowed all the same. */
  allowed?: RegExp;
  why: string;
}

export const RULES: Rule[] = [
  {
    from: /^handlers\//,
    forbidden: oneOf(/^(bot|queue|cards|config|emulator|store)\//, /^lib\/runtime\.ts$/, /^npm:bullmq/, CHAT_SDKS),
    allowed: /^store\/keys\.ts$/,
    why: 'an action runs in the worker with nothing but its ActionContext: no chat SDK, bot/, queue, storage or cards',
  },
  {
    from: /^bot\//,
    forbidden: oneOf(/^handlers\/[^/]+\/(actions|connectors)\//, /^handlers\/[^/]+\/client\.ts$/, M365_SDKS),
    why: 'the chat side never calls Microsoft 365: actions and their clients run in the worker',
  },
  {
    from: /^cards\//,
    forbidden: oneOf(/^(bot|queue|store|config)\//, CHAT_SDKS),
    why: 'cards turn a ChatMessage into each platform’s format; they send and store nothing',
  },
  {
    from: /^store\//,
    forbidden: oneOf(/^(bot|queue|cards|config)\//, /^npm:bullmq/, CHAT_SDKS),
    why: 'storage keeps records in Redis; it knows nothing of who shows or queues them',
  },
  {
    from: /^queue\//,
    forbidden: oneOf(/^(bot|config)\//, CHAT_SDKS),
    why: 'the workers post through the ChatSender port (queue/chat-sender.ts) that bot/ implements',
  },
  {
    from: /^config\//,
    forbidden: oneOf(/^bot\//, CHAT_SDKS),
    why: 'CONFIG_FILE is applied to the stores and schedules, not through the chat side',
  },
  {
    from: /^lib\/(?!runtime\.ts$)/,
    forbidden: /^(bot|queue|cards|config)\//,
    why: 'lib/ is shared plumbing; only lib/runtime.ts, the composition root, wires the layers together',
  },
  {
    from: /^emulator\//,
    forbidden: /^(bot|queue|handlers|cards|store|config|lib)\//,
    why: 'the emulator plays Microsoft 365 and shares no code with the bot that calls it',
  },
  {
    from: /^(bot|queue|handlers|cards|store|lib|config|manifest)\//,
    forbidden: /^(emulator|test|bench)\//,
    why: 'product code does not reach into tests, benchmarks or the emulator (bot/main.ts, the entry point, excepted)',
  },
  {
    from: /^(?!bot\/main\.ts$|bot\/worker-thread\.ts$|lib\/runtime\.ts$|test\/|bench\/|scripts\/)/,
    forbidden: /^lib\/runtime\.ts$/,
    why: 'lib/runtime.ts is the composition root: only entry points start it; the parts it wires get what they need passed in',
  },
];

/** Entry points may wire anything. */
const ENTRY_POINTS = /^(bot\/main\.ts|lib\/runtime\.ts)$/;

function targetOf(dep: { id: string | null; request: string }): string {
  if (dep.id && !dep.id.includes('node_modules/')) return dep.id;
  return `npm:${dep.request}`;
}

export function violations(tree: DependencyTree): string[] {
  const out: string[] = [];
  for (const [file, deps] of Object.entries(tree)) {
    for (const dep of deps ?? []) {
      const target = targetOf(dep);
      for (const rule of RULES) {
        if (!rule.from.test(file) || !rule.forbidden.test(target) || rule.allowed?.test(target)) continue;
        if (ENTRY_POINTS.test(file) && !target.startsWith('npm:') && !/^(test|bench)\//.test(target)) continue;
        out.push(`${file} imports ${target.replace(/^npm:/, '')}: ${rule.why}`);
      }
    }
  }
  return out;
}

/**
 * An environment's SSRF allow-list and the origins the operator trusts.
 *
 * The allow-list holds the origins of the roots and endpoints of its integration instances (Graph,
 * login, management, Test URL; defaults included) and its `http-allow-list`s. Such an origin may
 * reach a non-public address only when the operator named it: in CONFIG_FILE, in TRUSTED_ORIGINS,
 * or by writing it to the store directly (demo and test set-up). What a chat admin sets is not
 * trusted, so a host name they chose never reaches a non-public address, whatever it resolves to.
 */
import type { Redis } from 'ioredis';
import { instanceWithDefaults } from '../handlers/kit/instance';
import { proxyUrl } from '../handlers/kit/proxy';
import type { IntegrationSpec, ParamSpec } from '../handlers/kit/spec';
import { normalizeOrigin } from '../handlers/kit/ssrf';
import type { EnvironmentStore } from './environments';
import type { Keys } from './keys';

/** A parameter that names where requests go (the OAuth Redirect URL is ours, not a target). */
export function namesTarget(p: ParamSpec): boolean {
  return (p.type === 'url' && !/redirect/.test(p.id)) || p.id === 'http-allow-list' || p.id === 'proxy-server-address';
}

/** The entries one target parameter holds: a URL, a list of origins, or a proxy's host:port. */
export function targetEntries(p: ParamSpec, value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  const items = Array.isArray(value) ? value.map(String) : p.type === 'url' ? [String(value)] : String(value).split(',');
  return items.map((s) => s.trim()).filter(Boolean);
}

/** `scheme://host:port` of one entry, or null when it is not an http(s) origin. */
export function entryOrigin(p: ParamSpec, entry: string): string | null {
  // A value starting with a run-time placeholder (`<Microsoft Graph API Root>/…`) names a root listed on its own.
  if (/^\s*(\$|<)/.test(entry)) return null;
  if (p.id === 'proxy-server-address') {
    try {
      return normalizeOrigin(proxyUrl(entry));
    } catch {
      return null;
    }
  }
  return normalizeOrigin(entry);
}

/** The origins the target parameters among `values` name. */
export function targetOrigins(params: readonly ParamSpec[], values: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const p of params) {
    if (!namesTarget(p)) continue;
    for (const entry of targetEntries(p, values[p.id])) {
      const origin = entryOrigin(p, entry);
      if (origin) out.add(origin);
    }
  }
  return [...out];
}

/**
 * Which origins the operator trusts with non-public addresses: TRUSTED_ORIGINS (process settings)
 * and, in Redis, those CONFIG_FILE and set-up wrote per environment (and all of them together, for
 * the HTTP layer, which serves every environment).
 */
export class OperatorTrust {
  private readonly fromSettings: Set<string>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    trustedOrigins: readonly string[] = [],
  ) {
    this.fromSettings = new Set(trustedOrigins.map(normalizeOrigin).filter((o): o is string => !!o));
  }

  /** Adds origins the operator named for `env` (`replace`: they are all it trusts now, as CONFIG_FILE declares). */
  async record(env: string, origins: Iterable<string>, opts: { replace?: boolean } = {}): Promise<void> {
    const list = [...new Set([...origins].map(normalizeOrigin).filter((o): o is string => !!o))];
    if (!list.length && !opts.replace) return;
    const multi = this.redis.multi();
    if (opts.replace) multi.del(this.keys.trustedOrigins(env));
    if (list.length) multi.sadd(this.keys.trustedOrigins(env), ...list).sadd(this.keys.trustedOrigins(), ...list);
    await multi.exec();
  }

  /** Whether `origin` is trusted: for `env`, or (without it) for any environment. */
  async has(origin: string, env?: string): Promise<boolean> {
    const o = normalizeOrigin(origin);
    if (!o) return false;
    if (this.fromSettings.has(o)) return true;
    return (await this.redis.sismember(this.keys.trustedOrigins(env), o)) === 1;
  }

  /** has() for many origins of `env`, in one read (the few origins an operator named). */
  async forEnvironment(env: string): Promise<(origin: string) => boolean> {
    const recorded = new Set(await this.redis.smembers(this.keys.trustedOrigins(env)));
    return (origin) => {
      const o = normalizeOrigin(origin);
      return !!o && (this.fromSettings.has(o) || recorded.has(o));
    };
  }
}

const shippedOrigins = new WeakMap<IntegrationSpec[], Set<string>>();

/** Origins of the seeds' own defaults (Microsoft's public clouds): the product ships them. Worked out once per catalogue. */
function defaultOrigins(catalog: IntegrationSpec[]): Set<string> {
  const known = shippedOrigins.get(catalog);
  if (known) return known;
  const out = new Set<string>();
  shippedOrigins.set(catalog, out);
  for (const integration of catalog) {
    const defaults = instanceWithDefaults(integration.params, {}, '');
    for (const o of targetOrigins(integration.params, defaults)) out.add(o);
  }
  return out;
}

/**
 * The environment's allow-list as the SSRF guard uses it: an origin on it may reach non-public
 * addresses, so only those the operator trusts (or the seeds' defaults) are on it.
 */
export async function environmentAllowList(store: EnvironmentStore, environment: string, catalog: IntegrationSpec[], publicUrl: string): Promise<string[]> {
  // The meta, every integration's instance and the origins the operator trusts read side by side
  // (one round trip), used in catalogue order; a Redis hash is never empty, so an empty answer is
  // an instance that does not exist.
  const [trusts, meta, stored] = await Promise.all([
    store.trust.forEnvironment(environment),
    store.getMeta(environment),
    Promise.all(
      catalog.map(async (integration) => {
        const shown = await store.showInstance(environment, integration.id);
        return Object.keys(shown).length ? shown : undefined;
      }),
    ),
  ]);
  const candidates = new Map<string, string>();
  const add = (origin: string | null) => {
    if (origin && !candidates.has(origin)) candidates.set(origin, new URL(origin).origin);
  };
  for (const entry of meta.httpAllowList ?? []) add(normalizeOrigin(entry));
  catalog.forEach((integration, i) => {
    const shown = stored[i];
    if (!shown) return;
    const instance = instanceWithDefaults(integration.params, shown, publicUrl);
    for (const p of integration.params) {
      if (!namesTarget(p)) continue;
      for (const entry of targetEntries(p, instance[p.id])) add(entryOrigin(p, entry));
    }
  });
  const shipped = defaultOrigins(catalog);
  return [...candidates].filter(([origin]) => shipped.has(origin) || trusts(origin)).map(([, shown]) => shown);
}

/**
 * The origins CONFIG_FILE names: integration roots, endpoints and Test URLs, URL parameters of
 * its connectors and jobs, and the allow-lists. The operator wrote them, so the SSRF guard may
 * let them reach non-public addresses that a chat admin could not set.
 */
import { allConnectors, allJobs, catalog } from '../handlers/catalog';
import type { ParamSpec } from '../handlers/kit/spec';
import { normalizeOrigin } from '../handlers/kit/ssrf';
import type { ChatsoarConfig, EnvironmentConfig } from './apply';

/** A parameter that names where requests go (the OAuth Redirect URL is ours, not a target). */
function namesTarget(p: ParamSpec): boolean {
  return (p.type === 'url' && !/redirect/.test(p.id)) || p.id === 'http-allow-list';
}

function valuesOf(params: ParamSpec[], values: Record<string, unknown>): unknown[] {
  return params.filter(namesTarget).flatMap((p) => [values[p.id], ...(p.aliases ?? []).map((a) => values[a])]);
}

function environmentOrigins(env: EnvironmentConfig): string[] {
  const raw: unknown[] = [...(env.meta.httpAllowList ?? [])];
  for (const integration of catalog) raw.push(...valuesOf(integration.params, env.integrations[integration.id] ?? {}));
  for (const [list, specs] of [
    [env.connectors, allConnectors()],
    [env.jobs, allJobs()],
  ] as const) {
    for (const c of list) raw.push(...valuesOf(specs.find((s) => s.id === c.type)?.params ?? [], c.params));
  }
  const out = new Set<string>();
  for (const value of raw.flatMap((v) => (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : []))) {
    // A value starting with a run-time placeholder (`<Microsoft Graph API Root>/…`) names a root listed on its own.
    if (typeof value !== 'string' || /^\s*(\$|<)/.test(value)) continue;
    const origin = normalizeOrigin(value);
    if (origin) out.add(origin);
  }
  return [...out];
}

/**
 * Origins the validated CONFIG_FILE names, for one environment or (without `environment`) for
 * all of them. Prefer the per-environment form: an origin one environment's file entry names
 * should not become reachable from another environment's chat settings.
 */
export function configFileOrigins(config: ChatsoarConfig, environment?: string): string[] {
  const envs = environment === undefined ? Object.values(config) : config[environment] ? [config[environment]!] : [];
  return [...new Set(envs.flatMap(environmentOrigins))];
}

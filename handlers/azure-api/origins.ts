/**
 * Which origins the Azure API instance names: they make up the environment's SSRF allow-list
 * (behaviour.md 30) and are the only hosts that receive the integration's token.
 */
import type { ActionContext } from '../kit/context';
import { normalizeOrigin } from '../kit/ssrf';
import { scopesOf } from './client';

function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(',');
  return [];
}

function origins(values: unknown[]): string[] {
  return [
    ...new Set(
      values
        .flatMap(listOf)
        .map(normalizeOrigin)
        .filter((o): o is string => !!o),
    ),
  ];
}

/** The configured roots and endpoints: Graph, login and Test URL. */
export function configuredOrigins(instance: Record<string, unknown>): string[] {
  return origins([instance['microsoft-graph-api-root'], instance['microsoft-login-api-root'], instance['test-url']]);
}

/**
 * The allow-list the runtime passes as `ctx.allowList` (store/allow-list.ts): the configured roots
 * and `http-allow-list`s the operator trusts. A root a chat admin set is not on it, so a name they
 * chose never reaches a non-public address (public ones need no allow-list).
 */
export function allowListOf(ctx: ActionContext): string[] {
  return origins([ctx.allowList ?? []]);
}

/**
 * Origins that get `Authorization: Bearer <token>`: the configured roots and the resources the
 * Scopes ask for (e.g. `https://management.azure.com/.default` names Azure Resource Manager).
 */
export function tokenOrigins(instance: Record<string, unknown>): Set<string> {
  const scopeResources = scopesOf(instance).filter((s) => /^https?:\/\//i.test(s));
  return new Set([...configuredOrigins(instance), ...origins(scopeResources)]);
}

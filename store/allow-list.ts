/**
 * An environment's SSRF allow-list (DECISIONS 30): the origins of the roots and endpoints of its
 * integration instances (Graph, login, management, Test URL; defaults included) and its `http-allow-list`.
 */
import { instanceWithDefaults } from '../handlers/kit/instance';
import type { IntegrationSpec } from '../handlers/kit/spec';
import type { EnvironmentStore } from './environments';

export async function environmentAllowList(store: EnvironmentStore, environment: string, catalog: IntegrationSpec[], publicUrl: string): Promise<string[]> {
  const meta = await store.getMeta(environment);
  const out = new Set<string>(meta.httpAllowList ?? []);
  for (const integration of catalog) {
    if (!(await store.hasInstance(environment, integration.id))) continue;
    const instance = instanceWithDefaults(integration.params, await store.showInstance(environment, integration.id), publicUrl);
    for (const p of integration.params) {
      const value = instance[p.id];
      // Roots and endpoints only: the OAuth Redirect URL is ours, not a place requests may go.
      if (p.type !== 'url' || /redirect/.test(p.id) || typeof value !== 'string') continue;
      try {
        out.add(new URL(value).origin);
      } catch {
        /* not a URL: nothing to allow */
      }
    }
  }
  return [...out];
}

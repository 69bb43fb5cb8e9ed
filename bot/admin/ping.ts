/**
 * "Test with Ping before saving" (dialogs): the integration's own Ping `run`, in this process,
 * on the values typed in the dialog over the saved ones, with nothing saved. The result is the
 * seed's Ping message. Bounded in time so that a dialog answers within the platform's deadline.
 * (Saved settings are tested with `soar admin test`, which queues the Ping like any action.)
 */
import type { ActionContext } from '../../handlers/kit/context';
import { reasonOf, UserError } from '../../handlers/kit/errors';
import { instanceWithDefaults } from '../../handlers/kit/instance';
import type { IntegrationSpec } from '../../handlers/kit/spec';
import type { AdminDeps } from './deps';

export interface PingOutcome {
  ok: boolean;
  message: string;
  /** Secret values the Ping rotated (e.g. a refresh token): saved with the rest when saving. */
  rotated: Record<string, string>;
}

export const DIALOG_PING_MS = 10_000;

export async function pingCandidate(
  deps: AdminDeps,
  who: { environment: string; user: string; channel: string },
  integration: IntegrationSpec,
  values: Record<string, unknown>,
  budgetMs = DIALOG_PING_MS,
): Promise<PingOutcome> {
  const ping = integration.actions.find((a) => a.id === 'ping');
  if (!ping?.run) return { ok: false, message: `${integration.name} has no Ping to test with yet.`, rotated: {} };
  const rotated: Record<string, string> = {};
  const abort = new AbortController();
  const deadline = Date.now() + budgetMs;
  const ctx: ActionContext = {
    environment: who.environment,
    instance: instanceWithDefaults(integration.params, values, deps.publicUrl),
    http: deps.http,
    log: deps.log.child({ test: `${integration.id}/ping`, environment: who.environment }),
    progress: async () => undefined,
    files: {
      root: '',
      resolve: () => {
        throw new UserError('Files are not available while testing settings.');
      },
      write: async () => {
        throw new UserError('Files are not available while testing settings.');
      },
    },
    attempt: 0,
    signal: abort.signal,
    saveInstanceParam: async (id, value) => {
      rotated[id] = value;
    },
    publicUrl: deps.publicUrl,
    job: { id: `admin-test-${Date.now().toString(36)}`, requestedBy: who.user, conversationId: who.channel, dryRun: false, timeoutAt: deadline },
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<PingOutcome>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve({ ok: false, message: `Ping did not answer within ${Math.round(budgetMs / 1000)} s; check the endpoints and the network.`, rotated: {} });
    }, budgetMs);
  });
  const run = (async (): Promise<PingOutcome> => {
    try {
      const outcome = await ping.run!(ctx, {});
      if (outcome.kind !== 'result') return { ok: false, message: 'Ping did not finish.', rotated };
      return { ok: outcome.isSuccess, message: outcome.message, rotated };
    } catch (err) {
      return { ok: false, message: `Ping failed: ${reasonOf(err)}`, rotated };
    }
  })();
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * "Test with Ping before saving" (dialogs): the integration's own Ping `run`, in this process,
 * on the values typed in the dialog over the saved ones, with nothing saved. The result is the
 * seed's Ping message. Bounded in time so that a dialog answers within the platform's deadline.
 * Saved settings are tested with `soar admin test`, which queues the Ping like any action.
 * Neither sends a stored secret to endpoints it was not saved with, and every attempt is audited.
 */
import { createActionContext, noFiles } from '../../handlers/kit/create-context';
import { reasonOf } from '../../handlers/kit/errors';
import { instanceWithDefaults } from '../../handlers/kit/instance';
import type { IntegrationSpec } from '../../handlers/kit/spec';
import { unboundSecrets } from '../../store/secret-endpoints';
import type { Reply } from '../dispatch';
import type { AdminDeps } from './deps';
import type { Actor } from './result';

export interface PingOutcome {
  ok: boolean;
  message: string;
  /** Secret values the Ping rotated (e.g. a refresh token): saved with the rest when saving. */
  rotated: Record<string, string>;
}

export const DIALOG_PING_MS = 10_000;

function secretsElsewhere(integration: IntegrationSpec, ids: string[]): string {
  const them = ids.length === 1 ? 'it' : 'them';
  return `The stored ${ids.map((id) => `--${id}`).join(', ')} of ${integration.name} ${ids.length === 1 ? 'was' : 'were'} saved with other endpoints, so nothing was sent: type ${them} again with the endpoints (soar admin set ${integration.alias} ${ids.map((id) => `--${id} …`).join(' ')}).`;
}

async function auditPing(
  deps: AdminDeps,
  who: { environment: string; user: string; channel: string },
  via: string,
  event: string,
  detail: string,
): Promise<void> {
  await deps.audit.write({ environment: who.environment, actor: who.user, event, detail: `${detail} · in ${who.channel} via ${via}` });
}

/**
 * Runs the Ping on `values` (saved settings with the dialog's over them). `typed`: the secrets
 * typed in this change, which go to these endpoints; any other secret must have been saved with them.
 */
export async function pingCandidate(
  deps: AdminDeps,
  who: { environment: string; user: string; channel: string },
  integration: IntegrationSpec,
  values: Record<string, unknown>,
  opts: { typed?: readonly string[]; budgetMs?: number } = {},
): Promise<PingOutcome> {
  const outcome = await runPing(deps, who, integration, values, opts);
  await auditPing(deps, who, 'dialog', 'admin ping', `${integration.id}: ${outcome.ok ? 'succeeded' : 'failed'}: ${outcome.message}`);
  return outcome;
}

async function runPing(
  deps: AdminDeps,
  who: { environment: string; user: string; channel: string },
  integration: IntegrationSpec,
  values: Record<string, unknown>,
  { typed = [], budgetMs = DIALOG_PING_MS }: { typed?: readonly string[]; budgetMs?: number },
): Promise<PingOutcome> {
  const ping = integration.actions.find((a) => a.id === 'ping');
  if (!ping?.run) return { ok: false, message: `${integration.name} has no Ping to test with yet.`, rotated: {} };
  const elsewhere = await unboundSecrets(deps.environments, who.environment, integration.id, values, typed);
  if (elsewhere.length) return { ok: false, message: secretsElsewhere(integration, elsewhere), rotated: {} };
  const rotated: Record<string, string> = {};
  const abort = new AbortController();
  const deadline = Date.now() + budgetMs;
  const ctx = createActionContext({
    environment: who.environment,
    instance: instanceWithDefaults(integration.params, values, deps.publicUrl),
    http: deps.http,
    log: deps.log.child({ test: `${integration.id}/ping`, environment: who.environment }),
    files: noFiles('Files are not available while testing settings.'),
    signal: abort.signal,
    saveInstanceParam: async (id, value) => {
      rotated[id] = value;
    },
    publicUrl: deps.publicUrl,
    job: { id: `admin-test-${Date.now().toString(36)}`, requestedBy: who.user, conversationId: who.channel, dryRun: false, timeoutAt: deadline },
  });
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

/**
 * `soar admin test`: the saved settings' Ping, queued like any action (`queue`), unless a stored
 * secret was saved with other endpoints than the stored ones (then a refusal line, nothing sent).
 */
export async function testSavedInstance(
  deps: AdminDeps,
  actor: Actor,
  environment: string,
  integration: IntegrationSpec,
  queue: () => Promise<Reply>,
): Promise<Reply | string> {
  const who = { environment, user: actor.user, channel: actor.channel };
  const stored = await deps.environments.showInstance(environment, integration.id);
  const elsewhere = await unboundSecrets(deps.environments, environment, integration.id, stored);
  if (elsewhere.length) {
    const line = secretsElsewhere(integration, elsewhere);
    await auditPing(deps, who, actor.via, 'admin test', `${integration.id}: refused: ${line}`);
    return line;
  }
  const reply = await queue();
  const what = reply.kind === 'queued' ? `Ping queued as job ${reply.jobId}` : `Ping not queued: ${reply.message.text.split('\n')[0]}`;
  await auditPing(deps, who, actor.via, 'admin test', `${integration.id}: ${what}`);
  return reply;
}

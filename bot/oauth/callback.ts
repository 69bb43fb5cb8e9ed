/**
 * `GET /oauth/callback` (contract.md §3): the redirect URI of the delegated sign-in, which makes it
 * one click when PUBLIC_URL is reachable. The `state` must be one Get Authorization handed out;
 * the redirect then runs Generate Token as the user who started the sign-in, in the channel they
 * started it from (bot/ never calls Microsoft 365 itself: a worker redeems the code, stores the
 * refresh token encrypted and reports in chat). The page waits briefly and shows the result.
 */
import type { Request, Response, Server } from 'restify';
import { redirectProblem, SIGN_IN_FAILED, UNKNOWN_STATE } from '../../handlers/azure-api/delegated';
import { RedisOAuthStates, STATE_TTL_SECONDS } from '../../handlers/azure-api/oauth-states';
import { reasonOf } from '../../handlers/kit/errors';
import { escapeHtml } from '../../handlers/kit/html';
import { fill } from '../../handlers/kit/outcome';
import type { RouteContext } from '../route-context';
import type { Platform } from '../../queue/types';
import { Keys } from '../../store/keys';
import { quoteArg } from '../commands';

/** How long the page waits for Generate Token before pointing to the chat. */
const WAIT_MS = 20_000;

const pageText = (text: string): string => escapeHtml(text, { apostrophes: true });

function page(res: Response, status: number, title: string, lines: string[]): void {
  const body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${pageText(title)}</title></head><body><h1>${pageText(title)}</h1>${lines
    .map((l) => `<p>${pageText(l)}</p>`)
    .join('')}</body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  });
  res.end(body);
}

function queryValue(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown> | undefined)?.[name];
  const one = Array.isArray(value) ? value[0] : value;
  return typeof one === 'string' && one.trim() ? one.trim() : undefined;
}

function platformOf(channel: string): Platform | undefined {
  if (channel.startsWith('slack:')) return 'slack';
  if (channel.startsWith('teams:')) return 'teams';
  if (channel.startsWith('web:')) return 'webchat';
  return undefined;
}

/** Why a redirect without a known state is refused (nobody can be told in chat, so the page says it). */
function refusal(req: Request): string {
  return (
    redirectProblem({
      code: queryValue(req, 'code'),
      state: queryValue(req, 'state'),
      error: queryValue(req, 'error'),
      errorDescription: queryValue(req, 'error_description'),
    }) ?? UNKNOWN_STATE
  );
}

async function finalText(runtime: RouteContext, jobId: string): Promise<string | undefined> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const text = (await runtime.messages.get(`job:${jobId}`))?.content?.text;
    if (text && /is_success: (true|false)/.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

export function mountOAuthCallback(server: Server, runtime: RouteContext): void {
  const keys = new Keys(runtime.settings.redisPrefix);
  const states = new RedisOAuthStates(runtime.redis, keys);

  // The job a redirect started, so that a reloaded page shows its result instead of "already used".
  const jobKey = keys.oauthStateJob;

  async function showResult(res: Response, jobId: string): Promise<void> {
    const text = await finalText(runtime, jobId);
    if (!text) return page(res, 202, 'Signing in', [`Generate Token is running as job ${jobId}; its result will appear in chat.`]);
    const ok = /is_success: true/.test(text);
    const lines = text.split('\n').filter((l) => l && !l.startsWith('is_success:'));
    return page(res, ok ? 200 : 400, ok ? 'Signed in' : 'Sign-in failed', ok ? [...lines, 'You can close this page.'] : lines);
  }

  server.get('/oauth/callback', async (req: Request, res: Response) => {
    try {
      const state = queryValue(req, 'state');
      const started = state ? await runtime.redis.get(jobKey(state)) : null;
      if (started) return showResult(res, started);
      const pending = state ? await states.peek(state) : null;
      const platform = pending ? platformOf(pending.channel) : undefined;
      if (!state || !pending || !platform) return page(res, 400, 'Sign-in failed', [refusal(req)]);

      const redirected = `${runtime.settings.publicUrl.replace(/\/+$/, '')}${req.url ?? ''}`;
      const reply = await runtime.dispatcher.command({
        platform,
        channel: pending.channel,
        user: pending.user,
        text: `azure generate-token --authorization-url ${quoteArg(redirected)}`,
        // A reloaded page maps to the same job: the code is redeemed once.
        requestId: `oauth-callback:${state}`,
        // The redirect carries a one-time code; it came from the browser, not from a channel.
        privateInput: true,
      });
      if (reply.kind === 'reply') return page(res, 400, 'Sign-in failed', [reply.message.text]);
      await runtime.redis.set(jobKey(state), reply.jobId, 'EX', STATE_TTL_SECONDS);
      await runtime.audit.write({
        environment: pending.environment,
        actor: pending.user,
        event: 'azure-api sign-in redirect received (GET /oauth/callback)',
        detail: `Generate Token queued as job ${reply.jobId}`,
      });
      return showResult(res, reply.jobId);
    } catch (err) {
      return page(res, 500, 'Sign-in failed', [fill(SIGN_IN_FAILED, { ERROR_REASON: reasonOf(err) })]);
    }
  });
}

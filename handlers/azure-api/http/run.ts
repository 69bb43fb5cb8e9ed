/**
 * Execute HTTP Request's `run`: one guarded request (redirects checked hop by hop), the seed's
 * JSON result, Fail on 4xx/5xx, Base64 Output, Save To Case Wall, and polling while Expected
 * Response Values are not met (behaviour.md 25).
 */
import type { ActionContext } from '../../kit/context';
import { reasonOf } from '../../kit/errors';
import { makeResponse } from '../../kit/http';
import { failure, fill, pending, success, type ActionOutcome, type ActionResult, type ResultFile } from '../../kit/outcome';
import { remoteReason } from '../../kit/remote';
import type { OutputMessages } from '../../kit/spec';
import { BodyTooLargeError, originOf, SsrfGuard, type PinnedResponse } from '../../kit/ssrf';
import { azureToken } from '../client';
import { allowListOf, tokenOrigins } from '../origins';
import { buildRequest } from './build-request';
import { saveToCaseWall } from './case-wall';
import { checkExpected, describeMismatches, expectedValuesParam } from './expected-values';
import { BASE64_MAX_INPUT_BYTES, buildResult, fieldsToReturn, responseData, TOO_LARGE_FOR_BASE64 } from './response-fields';
import { sendGuarded } from './send';

/** Largest response body read without Base64 Output (the worker holds it in memory). */
export const MAX_RESPONSE_BYTES = 50 * 1024 * 1024;

/** What a poll leaves for the next one (and for the timeout): no secrets, no body. */
interface PollState {
  lastCode: number;
  waitingFor: string;
}

function flag(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  return !/^(false|no|n|off|0)$/i.test(String(value).trim());
}

function requestTimeoutMs(value: unknown): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`Request Timeout must be a positive number of seconds, got ${String(value).slice(0, 40)}.`);
  return Math.round(seconds * 1000);
}

/** `HTTP 404: <the remote's own reason>` for a 4xx/5xx answer. */
function statusReason(res: PinnedResponse, url: string): string {
  const reason = remoteReason(makeResponse(res.status, res.headers, res.body, url));
  if (reason !== `HTTP ${res.status}`) return `HTTP ${res.status}: ${reason}`;
  if (/^text\/plain/i.test(res.headers['content-type'] ?? '')) {
    const line = res.body
      .toString('utf8')
      .split(/\r?\n/)
      .find((l) => l.trim())
      ?.trim();
    if (line) return `HTTP ${res.status}: ${line.slice(0, 200)}`;
  }
  return `HTTP ${res.status}`;
}

/** Execute HTTP Request's seed messages. */
export type HttpRequestMessages = OutputMessages<'done' | 'waiting' | 'doneWithCode', 'failed'>;

export async function runHttpRequest(ctx: ActionContext, params: Record<string, unknown>, messages: HttpRequestMessages): Promise<ActionOutcome> {
  const { done, waiting, doneWithCode } = messages.success;
  const failed = (reason: string, extra: Partial<ActionResult> = {}): ActionResult => failure(fill(messages.failure.failed, { ERROR_REASON: reason }), extra);
  const base64Output = flag(params['base64-output'], false);
  try {
    const fields = fieldsToReturn(params['fields-to-return']);
    const expected = expectedValuesParam(params['expected-response-values']);
    const request = buildRequest(params, String(ctx.instance['microsoft-graph-api-root'] ?? ''));
    const tokenHosts = tokenOrigins(ctx.instance);
    let token: Promise<string> | undefined;
    const exchange = await sendGuarded(request, {
      guard: new SsrfGuard({ allowList: allowListOf(ctx) }),
      followRedirects: flag(params['follow-redirects'], true),
      timeoutMs: requestTimeoutMs(params['request-timeout']),
      verifySsl: ctx.instance['verify-ssl'] !== false,
      signal: ctx.signal,
      maxBytes: base64Output ? BASE64_MAX_INPUT_BYTES : MAX_RESPONSE_BYTES,
      tokenFor: (url) => (tokenHosts.has(originOf(url)) ? (token ??= azureToken(ctx)) : Promise.resolve(undefined)),
    });
    const res = exchange.response;
    const json = buildResult(exchange, fields, base64Output);
    const isError = res.status >= 400;
    if (isError && flag(params['fail-on-4xx-5xx'], true)) return failed(statusReason(res, exchange.url), { json });

    if (expected) {
      const mismatches = checkExpected(responseData(res), expected);
      if (mismatches.length) {
        const state: PollState = { lastCode: res.status, waitingFor: describeMismatches(mismatches) };
        return pending(state, `${waiting}\nPoll ${ctx.attempt + 1}: ${state.waitingFor}.`);
      }
    }

    const files: ResultFile[] = [];
    if (flag(params['save-to-case-wall'], false)) files.push(await saveToCaseWall(ctx, res, exchange.url, flag(params['password-protect-zip'], true)));
    const message = isError ? fill(doneWithCode, { CODE: res.status }) : done;
    return success(message, { json, files: files.length ? files : undefined });
  } catch (err) {
    if (err instanceof BodyTooLargeError && base64Output) return failed(TOO_LARGE_FOR_BASE64);
    return failed(reasonOf(err));
  }
}

/** --timeout passed while Expected Response Values were not met: a failure naming what was still missing. */
export function httpRequestTimedOut(ctx: ActionContext, messages: HttpRequestMessages): ActionResult {
  const last = ctx.state as PollState | undefined;
  const detail = last ? ` Last response: HTTP ${last.lastCode}; ${last.waitingFor}.` : '';
  return failure(fill(messages.failure.failed, { ERROR_REASON: `the expected response values were not returned before the timeout.${detail}` }));
}

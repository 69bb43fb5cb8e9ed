/**
 * Slack through @slack/bolt, mounted on our restify server at POST /slack/events. Bolt's
 * HTTPReceiver checks the signature and the timestamp (forged, missing or older than 5 minutes
 * → 401, nothing queued); every Web API call goes to SLACK_API_URL.
 */
import {
  App,
  HTTPReceiver,
  LogLevel,
  webApi,
  type Authorize,
  type AuthorizeResult,
  type BlockAction,
  type RespondArguments,
  type SlackActionMiddlewareArgs,
  type ViewStateValue,
  type ViewSubmitAction,
} from '@slack/bolt';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { render } from '../../cards/render';
import { toSlackModal } from '../../cards/slack';
import { slackActionIdsExcept, slackActionIdsFor, verbOfSlackActionId } from '../../cards/slack-action-ids';
import type { ChatMessage } from '../../cards/message';
import { ALERT_VERBS, PREFILL_FORM_VERB } from '../../cards/alert-messages';
import { missingForm, type Dispatcher, type Reply } from '../dispatch';
import { normalizeChatText, parseCommand } from '../commands';
import { ADMIN_CALLBACK_PREFIX, ADMIN_OPEN_VERB, adminDepsOf, adminDialogRequest, handleAdminViewSubmission, openAdminModal } from '../admin';
import { MAX_REQUEST_BODY_BYTES } from '../request-body-limit';

export interface SlackSettings {
  signingSecret: string;
  botToken: string;
  apiUrl: string;
}

export interface MountedSlack {
  handle(req: IncomingMessage, res: ServerResponse): void;
  client: webApi.WebClient;
}

/** The button that completes a command with a form (bot/dispatch.ts) and the modal it opens. */
const RUN_FORM = 'run-form';
/** Buttons bot/dispatch.ts `click` answers; any other button gets its "not available" reply. */
const DISPATCHED_VERBS = ['vote', 'help', 'cancel', ALERT_VERBS.acknowledge, ALERT_VERBS.assign, ALERT_VERBS.escalate];
/** An alert's Close button asks for a reason first: a modal, submitted under this callback id. */
const ALERT_CLOSE = ALERT_VERBS.close;

function ephemeral(message: ChatMessage): RespondArguments {
  const { text, blocks } = render(message, 'slack');
  return { response_type: 'ephemeral', text, blocks };
}

/**
 * Who clicked, in which channel, with what data; null for a click outside a channel or with an
 * unreadable value. The data is the button's `value`, the JSON object the renderer put on it,
 * less the `verb` it also carries (the action_id already says which verb was clicked).
 */
function clickOf(
  body: BlockAction,
  action: BlockAction['actions'][number],
): { channelId: string; channel: string; user: string; data: Record<string, unknown> } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(action.type === 'button' ? (action.value ?? '') : '');
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !body.channel) return null;
  const data = { ...(parsed as Record<string, unknown>) };
  delete data.verb;
  return { channelId: body.channel.id, channel: `slack:${body.channel.id}`, user: `slack:${body.user.id}`, data };
}

/** Values of a submitted modal, keyed by our input ids (block_id = input id). */
function modalValues(state: Record<string, Record<string, ViewStateValue>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [blockId, actions] of Object.entries(state)) {
    for (const value of Object.values(actions)) {
      if (value.type === 'checkboxes') out[blockId] = String((value.selected_options ?? []).length > 0);
      else if (value.selected_option) out[blockId] = value.selected_option.value;
      else if (value.value !== undefined && value.value !== null) out[blockId] = value.value;
    }
  }
  return out;
}

/** Bolt's logger interface over pino, so its warnings are JSON lines like ours (an Error it passes is the line's `err`). */
function boltLogger(log: Logger): import('@slack/bolt').Logger {
  let level = LogLevel.WARN;
  const line = (m: unknown[]): [Record<string, unknown>, string] => {
    const err = m.find((x) => x instanceof Error);
    return [{ bolt: true, ...(err ? { err } : {}) }, m.map(String).join(' ')];
  };
  return {
    debug: (...m: unknown[]) => log.debug(...line(m)),
    info: (...m: unknown[]) => log.info(...line(m)),
    warn: (...m: unknown[]) => log.warn(...line(m)),
    error: (...m: unknown[]) => log.error(...line(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** How long an event (not a command or a click) waits for the first auth.test before going on without the bot's ids. */
const IDENTITY_WAIT_MS = 1000;
/** After a failed auth.test, the next attempt waits this long. */
const IDENTITY_RETRY_MS = 60_000;

/**
 * Bolt's `authorize` for our one workspace: the bot token at once, and who the bot is
 * (auth.test: botUserId, botId) looked up once for the process lifetime. Bolt's own single-token
 * authorize with `tokenVerificationEnabled: false` calls auth.test on every request and fails
 * the request when that call fails; here a failing or slow Slack Web API never holds up or
 * fails a command: the ids are filled in when a lookup succeeds (one in flight at a time, retried
 * after IDENTITY_RETRY_MS), and only events, which bolt's ignoreSelf filters by these ids, wait
 * for the first lookup, IDENTITY_WAIT_MS at most.
 */
export function cachedAuthorize(botToken: string, identityClient: webApi.WebClient, log: Logger): Authorize<boolean> {
  let identity: Pick<AuthorizeResult, 'botUserId' | 'botId'> | undefined;
  let inflight: Promise<void> | null = null;
  let nextAttempt = 0;
  const lookup = (): Promise<void> | null => {
    if (identity) return null;
    if (inflight) return inflight;
    if (Date.now() < nextAttempt) return null;
    inflight = identityClient.auth
      .test()
      .then((r) => {
        identity = { botUserId: r.user_id, botId: r.bot_id };
      })
      .catch((err: unknown) => {
        nextAttempt = Date.now() + IDENTITY_RETRY_MS;
        log.warn({ err }, 'Slack auth.test failed; requests go on with the bot token only');
      })
      .finally(() => {
        inflight = null;
      });
    return inflight;
  };
  return async (_source, body) => {
    const pending = lookup();
    if (pending && (body as { type?: string } | undefined)?.type === 'event_callback') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([pending, new Promise<void>((r) => (timer = setTimeout(r, IDENTITY_WAIT_MS)))]);
      clearTimeout(timer);
    }
    return { botToken, ...identity };
  };
}

export function mountSlack(settings: SlackSettings, dispatcher: Dispatcher, log: Logger): MountedSlack {
  const logger = boltLogger(log);
  const slackApiUrl = settings.apiUrl.endsWith('/') ? settings.apiUrl : `${settings.apiUrl}/`;
  const receiver = new HTTPReceiver({
    logger,
    signingSecret: settings.signingSecret,
    endpoints: '/slack/events',
    processBeforeResponse: false,
    unhandledRequestTimeoutMillis: 2500,
    // bolt's own default is 4 MB; the server refuses more than this before bolt reads (bot/request-body-limit.ts).
    bodyLimit: MAX_REQUEST_BODY_BYTES,
  });
  const clientOptions = { slackApiUrl, retryConfig: { retries: 2 }, logger };
  const app = new App({
    receiver,
    // Not `token` (bolt refuses it beside `authorize`): the token comes from authorize and app.client below.
    authorize: cachedAuthorize(
      settings.botToken,
      new webApi.WebClient(settings.botToken, { slackApiUrl, retryConfig: { retries: 0 }, timeout: 5000, logger }),
      log,
    ),
    clientOptions,
    logger,
    ignoreSelf: true,
    // No conversation state is kept: bolt's in-memory store would build an Error ("Conversation not found") per request.
    convoStore: false,
  });
  // Listeners get a client with the token from authorize; app.client (used when a payload names no team) needs it too.
  app.client = new webApi.WebClient(settings.botToken, clientOptions);

  async function reply(r: Reply, respond: (m: RespondArguments) => Promise<unknown>): Promise<void> {
    if (r.kind === 'reply') await respond(ephemeral(r.message));
  }

  app.command('/soar', async ({ command, ack, client }) => {
    // `/soar admin` opens the admin modal at once (the trigger id is good for 3 s).
    const admin = adminDialogRequest(parseCommand(normalizeChatText(command.text ?? '', 'slack'), dispatcher.catalog));
    if (admin) {
      const who = { triggerId: command.trigger_id, channel: `slack:${command.channel_id}`, user: `slack:${command.user_id}` };
      try {
        const refusal = await openAdminModal(client, who, adminDepsOf(dispatcher), admin.environment);
        if (refusal?.kind === 'reply') await ack(ephemeral(refusal.message));
        else await ack();
      } catch (err) {
        log.warn({ err }, 'admin modal not opened');
        await ack({ response_type: 'ephemeral', text: 'The admin dialog could not be opened; please try again.' });
      }
      return;
    }
    const r = await dispatcher.command({
      platform: 'slack',
      channel: `slack:${command.channel_id}`,
      user: `slack:${command.user_id}`,
      text: normalizeChatText(command.text ?? '', 'slack'),
      requestId: command.trigger_id,
      // Slack shows a slash command to nobody but the bot: a secret may be typed here.
      privateInput: true,
    });
    if (r.kind === 'reply') await ack(ephemeral(r.message));
    else await ack();
  });

  app.event('app_mention', async ({ event, body, client }) => {
    const text = normalizeChatText(String(event.text ?? ''), 'slack');
    const r = await dispatcher.command({
      platform: 'slack',
      channel: `slack:${event.channel}`,
      user: `slack:${event.user}`,
      text,
      requestId: String((body as { event_id?: string }).event_id ?? event.ts),
      threadTs: event.thread_ts ?? event.ts,
      commandThread: event.thread_ts,
    });
    if (r.kind === 'reply') {
      const { text: plain, blocks } = render(r.message, 'slack');
      await client.chat.postEphemeral({ channel: event.channel, user: String(event.user), text: plain, blocks, thread_ts: event.thread_ts });
    }
  });

  // One listener per button verb, chosen by the action_id (`<verb>:<index>`, cards/slack-action-ids.ts).
  app.action<BlockAction>(slackActionIdsFor(ADMIN_OPEN_VERB), async ({ ack, body, action, respond, client }) => {
    await ack();
    const click = clickOf(body, action);
    if (!click) return;
    const refusal = await openAdminModal(client, { triggerId: body.trigger_id, channel: click.channel, user: click.user }, adminDepsOf(dispatcher));
    if (refusal) await reply(refusal, respond);
  });

  app.action<BlockAction>(slackActionIdsFor(RUN_FORM), async ({ ack, body, action, respond, client }) => {
    await ack();
    const click = clickOf(body, action);
    if (!click) return;
    // Slack inputs live in modals: open one with the missing parameters (behaviour.md 39).
    const text = String(click.data.command ?? '');
    const cmd = parseCommand(text, dispatcher.catalog);
    if (cmd.kind !== 'action' || !cmd.missing.length) {
      await reply(
        await dispatcher.command({ platform: 'slack', channel: click.channel, user: click.user, text, requestId: body.trigger_id, privateInput: true }),
        respond,
      );
      return;
    }
    const form = missingForm(text, cmd.integration, cmd.action, cmd.missing);
    const view = toSlackModal(form, RUN_FORM, JSON.stringify({ command: text, fields: cmd.missing.map((p) => p.id), channel: click.channelId }));
    await client.views.open({ trigger_id: body.trigger_id, view });
  });

  // An alert's "Search this sender": the run form, prefilled, in a modal (behaviour.md 39).
  app.action<BlockAction>(slackActionIdsFor(PREFILL_FORM_VERB), async ({ ack, body, action, respond, client }) => {
    await ack();
    const click = clickOf(body, action);
    if (!click) return;
    const prefilled = await dispatcher.prefill(click);
    if (!('form' in prefilled)) return reply(prefilled, respond);
    const meta = JSON.stringify({ command: prefilled.command, fields: prefilled.fields, channel: click.channelId });
    await client.views.open({ trigger_id: body.trigger_id, view: toSlackModal(prefilled.form, RUN_FORM, meta) });
  });

  // An alert's Close: who may act is checked first, then a modal asks for the reason.
  app.action<BlockAction>(slackActionIdsFor(ALERT_CLOSE), async ({ ack, body, action, respond, client }) => {
    await ack();
    const click = clickOf(body, action);
    if (!click) return;
    const refusal = await dispatcher.alertRefusal(click);
    if (refusal) return reply(refusal, respond);
    const form: ChatMessage = {
      text: 'Close this alert',
      title: 'Close the alert',
      lines: ['Why is this alert closed? The reason is shown on the card and kept in the audit log.'],
      inputs: [{ id: 'reason', label: 'Reason for closing', type: 'multiline', required: true, placeholder: 'e.g. false positive: internal newsletter' }],
      actions: [{ title: 'Close alert', verb: ALERT_CLOSE, data: {} }],
    };
    const meta = JSON.stringify({ environment: click.data.environment, alert: click.data.alert, channel: click.channelId });
    await client.views.open({ trigger_id: body.trigger_id, view: toSlackModal(form, ALERT_CLOSE, meta) });
  });

  /** The dispatcher answers the click of a button with this verb. */
  const clickThrough = async ({ ack, body, action, respond }: SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const click = clickOf(body, action);
    if (!click) return;
    const verb = verbOfSlackActionId(action.action_id);
    await reply(
      await dispatcher.click({ platform: 'slack', channel: click.channel, user: click.user, verb, data: click.data, requestId: body.trigger_id }),
      respond,
    );
  };
  for (const verb of DISPATCHED_VERBS) app.action<BlockAction>(slackActionIdsFor(verb), clickThrough);
  // A button no listener above owns (an old card, a foreign action_id) is still answered, with the dispatcher's refusal.
  app.action<BlockAction>(slackActionIdsExcept(ADMIN_OPEN_VERB, RUN_FORM, PREFILL_FORM_VERB, ALERT_CLOSE, ...DISPATCHED_VERBS), clickThrough);

  app.view<ViewSubmitAction>(RUN_FORM, async ({ ack, body, view, client }) => {
    await ack();
    let meta: { command?: string; fields?: string[]; channel?: string } = {};
    try {
      meta = JSON.parse(view.private_metadata || '{}') as typeof meta;
    } catch {
      return;
    }
    if (!meta.channel) return;
    const r = await dispatcher.click({
      platform: 'slack',
      channel: `slack:${meta.channel}`,
      user: `slack:${body.user.id}`,
      verb: RUN_FORM,
      data: { command: meta.command, fields: meta.fields, ...modalValues(view.state.values) },
      requestId: `${view.id}:${view.hash}`,
    });
    if (r.kind === 'reply') {
      const { text, blocks } = render(r.message, 'slack');
      await client.chat.postEphemeral({ channel: meta.channel, user: body.user.id, text, blocks });
    }
  });

  app.view<ViewSubmitAction>(ALERT_CLOSE, async ({ ack, body, view, client }) => {
    await ack();
    let meta: { environment?: string; alert?: string; channel?: string } = {};
    try {
      meta = JSON.parse(view.private_metadata || '{}') as typeof meta;
    } catch {
      return;
    }
    if (!meta.channel) return;
    const r = await dispatcher.click({
      platform: 'slack',
      channel: `slack:${meta.channel}`,
      user: `slack:${body.user.id}`,
      verb: ALERT_CLOSE,
      data: { environment: meta.environment, alert: meta.alert, reason: modalValues(view.state.values).reason },
      requestId: `${view.id}:${view.hash}`,
    });
    if (r.kind === 'reply') {
      const { text, blocks } = render(r.message, 'slack');
      await client.chat.postEphemeral({ channel: meta.channel, user: body.user.id, text, blocks });
    }
  });

  app.view<ViewSubmitAction>({ type: 'view_submission', callback_id: new RegExp(`^${ADMIN_CALLBACK_PREFIX}`) }, async ({ ack, body, view, client }) => {
    await handleAdminViewSubmission({ ack, body, view, client }, adminDepsOf(dispatcher));
  });

  app.error(async (err) => {
    log.error({ err }, 'slack handler failed');
  });

  return {
    handle: (req, res) => {
      // Bolt refuses timestamps older than 5 minutes but not ones from the future; Slack's rule is |now − ts| ≤ 5 min.
      const ts = Number(req.headers['x-slack-request-timestamp']);
      if (Number.isFinite(ts) && ts > Date.now() / 1000 + 300) {
        // Drain the body first, as Bolt does, so the server sees a normal, finished exchange.
        req.resume();
        req.once('end', () => {
          res.statusCode = 401;
          res.end();
        });
        return;
      }
      receiver.requestListener(req, res);
    },
    client: app.client,
  };
}

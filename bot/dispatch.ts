/**
 * The platform-neutral heart of bot/: one typed command or button click in, either an
 * immediate reply (help, errors, refusals, forms) or a queued job whose message the outbox posts.
 * It never calls Microsoft 365.
 */
import type { Logger } from 'pino';
import type { ChatMessage } from '../cards/message';
import { queuedMessage } from '../cards/job-messages';
import { catalog as defaultCatalog } from '../handlers/catalog';
import { changesState, type ActionSpec, type IntegrationSpec, type ParamSpec } from '../handlers/kit/spec';
import { jobIdFor } from '../lib/ids';
import { metrics } from '../lib/metrics';
import type { Outbox } from '../queue/outbox';
import type { Queues } from '../queue/queues';
import type { ActionJobData, ConversationRef, Platform } from '../queue/types';
import type { EnvironmentStore } from '../store/environments';
import type { JobIndex } from '../store/jobs';
import type { ReplicaBarrier } from '../store/redis';
import { authorize, authorizeRead, roleForAction } from './access/authorize';
import { typedSecretRefusal, typedSecrets } from './access/typed-secrets';
import { approversNeeded, requiresApproval } from './access/approvals';
import type { ApprovalFlow } from './approvals';
import { DEFAULT_VOTE_TIMEOUT_MS, formatDuration, helpFor, MAX_TIMEOUT_MS, missingMessage, parseCommand, type ParsedCommand } from './commands';
import type { HelpContext } from './commands/help';
import { adminDepsOf, handleAdminClick, handleAdminCommand, type AdminExtras } from './admin';
import { isAlertVerb, type AlertActions } from './alerts/actions';
import { paramInput, prefilledForm } from './alerts/run-form';
import { PREFILL_FORM_VERB } from '../cards/alert-messages';

export interface Incoming {
  platform: Platform;
  /** `slack:C…`, `teams:…`, `web:…` */
  channel: string;
  /** `slack:U…`, `teams:<aadObjectId>`, `web:<name>` */
  user: string;
  text: string;
  /** The platform's id for this request; a retried webhook carries the same one. */
  requestId: string;
  /** Where the bot's reply goes (Slack: the mention's thread, or a new one under it). */
  threadTs?: string;
  /** The thread the command was typed in, when it was typed in one (Slack `event.thread_ts`). */
  commandThread?: string;
  receivedAt?: number;
  /** Nobody but the bot saw the text (a Slack slash command, a form's fields); else a secret in it is refused. */
  privateInput?: boolean;
}

export interface Click {
  platform: Platform;
  channel: string;
  user: string;
  verb: string;
  data: Record<string, unknown>;
  requestId: string;
  threadTs?: string;
}

export type Reply =
  /**
   * `card`: the clicked card as it is now (Teams Action.Execute answers with it).
   * `confidential`: only the asking user may see `message` (admin output, sign-in links): Slack
   * ephemeral, Teams a 1:1 chat, web chat that user's view. `shared`: what a Teams channel shows
   * instead (then `message` is not sent there at all).
   */
  | { kind: 'reply'; message: ChatMessage; private?: boolean; card?: ChatMessage; confidential?: boolean; shared?: ChatMessage }
  | { kind: 'queued'; jobId: string; duplicate: boolean };

export interface DispatchDeps {
  environments: EnvironmentStore;
  jobs: JobIndex;
  queues: Queues;
  outbox: Outbox;
  log: Logger;
  defaultTimeoutMs?: number;
  /** The catalogue to parse against (default: the seeds'). */
  catalog?: IntegrationSpec[];
  approvals: ApprovalFlow;
  /** The runtime's objects `soar admin` works with (audit log, files root, PUBLIC_URL). */
  admin: AdminExtras;
  /** Triage of connector alert cards (Acknowledge, Assign to me, Close, Escalate); without it those buttons answer "not available". */
  alerts?: AlertActions;
  /** Sentinel mode: a queued job is on a replica before the command is acknowledged (docs/reliability.md). */
  barrier?: ReplicaBarrier;
  /**
   * Set when `jobs`, `outbox` and `queues` write on one Redis connection (lib/runtime.ts, a process
   * without workers): writes issued one after the other reach Redis in that order, so a command's
   * job entry, message and job go out together instead of one round trip after the other. It runs
   * `write` and sends what it issues on that connection in one go.
   */
  orderedWrites?: <T>(write: () => Promise<T>) => Promise<T>;
}

const DEFAULT_TIMEOUT_MS = 3600_000;
/** An approval waits at most this long (or the job's --timeout when shorter). */
const APPROVAL_TIMEOUT_MS = 3600_000;
/**
 * The "Queued" message waits this long before it is posted (behaviour.md 43): a job done by then
 * is posted once, with its result, instead of a post and an update a pacing interval later.
 */
const QUEUED_HOLD_MS = 1000;

function error(message: string, extra: Partial<ChatMessage> = {}): Reply {
  return { kind: 'reply', private: true, message: { text: message, status: 'error', lines: [message], ...extra } };
}

function info(message: ChatMessage): Reply {
  return { kind: 'reply', message, private: true };
}

/** The form of behaviour.md 39: one input per missing parameter, prefilled, and a Run button. */
export function missingForm(text: string, integration: IntegrationSpec, action: ActionSpec, missing: ParamSpec[]): ChatMessage {
  const message = missingMessage({ action, missing });
  return {
    text: message,
    title: `${integration.name} · ${action.name}`,
    status: 'error',
    lines: [message],
    inputs: missing.map((p) => paramInput(p)),
    actions: [{ title: 'Run', verb: 'run-form', data: { command: text, fields: missing.map((p) => p.id) }, style: 'positive' }],
  };
}

/** Every parameter as it would run, secrets hidden (the approval card's details). */
function describeParams(action: ActionSpec, params: Record<string, unknown>): Array<{ title: string; value: string }> {
  return action.params
    .filter((p) => params[p.id] !== undefined)
    .map((p) => ({
      title: p.displayName,
      value: p.secret
        ? '••••••'
        : Array.isArray(params[p.id])
          ? (params[p.id] as unknown[]).join(', ')
          : typeof params[p.id] === 'object'
            ? JSON.stringify(params[p.id])
            : String(params[p.id]),
    }));
}

/** The job was written, but Redis failed over before a replica confirmed it: it may run, or be gone. */
function notReplicated(jobId: string): string {
  return `Redis failed over while job ${jobId} was being queued: it may or may not run. soar jobs shows it if it will; if it is not there, ask again.`;
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export class Dispatcher {
  readonly catalog: IntegrationSpec[];

  constructor(readonly deps: DispatchDeps) {
    this.catalog = deps.catalog ?? defaultCatalog;
  }

  async command(incoming: Incoming): Promise<Reply> {
    const started = incoming.receivedAt ?? Date.now();
    try {
      const secrets = incoming.privateInput ? [] : typedSecrets(incoming.text, this.catalog);
      if (secrets.length) {
        // Neither the text nor the values are logged: only which parameters were refused.
        this.deps.log.info({ user: incoming.user, channel: incoming.channel, params: secrets }, 'secret typed in a channel message refused');
        metrics.commands.inc({ platform: incoming.platform, outcome: 'reply' });
        return error(typedSecretRefusal(secrets, incoming.platform));
      }
      const reply = await this.route(incoming, parseCommand(incoming.text, this.catalog));
      metrics.commands.inc({ platform: incoming.platform, outcome: reply.kind });
      return reply;
    } catch (err) {
      this.deps.log.error({ err }, 'command failed');
      metrics.commands.inc({ platform: incoming.platform, outcome: 'error' });
      return error('Something went wrong while handling this command; nothing was queued. Please try again.');
    } finally {
      metrics.ackLatency.observe({ platform: incoming.platform }, (Date.now() - started) / 1000);
    }
  }

  /** A button click or form submit; roles are checked again here, never trusted from the card. */
  async click(click: Click): Promise<Reply> {
    switch (click.verb) {
      case 'run-form': {
        const base = String(click.data.command ?? '');
        const fields = Array.isArray(click.data.fields) ? (click.data.fields as unknown[]).map(String) : [];
        const extra = fields
          .filter((f) => click.data[f] !== undefined && String(click.data[f]) !== '')
          .map((f) => `--${f}=${quote(String(click.data[f]))}`)
          .join(' ');
        return this.command({ ...click, text: `${base} ${extra}`.trim(), privateInput: true });
      }
      case 'help':
        return this.command({ ...click, text: `help ${String(click.data.topic ?? '')}`.trim() });
      case 'cancel':
        return this.command({ ...click, text: `cancel ${String(click.data.jobId ?? '')}` });
      case 'vote': {
        const outcome = await this.deps.approvals.vote(String(click.data.approvalId ?? ''), click.user, String(click.data.option ?? ''), click.channel);
        return {
          kind: 'reply',
          private: true,
          message: { text: outcome.message, status: outcome.ok ? 'info' : 'error', lines: [outcome.message] },
          card: outcome.card,
        };
      }
      case PREFILL_FORM_VERB: {
        const form = await this.prefill(click);
        return 'form' in form ? { kind: 'reply', private: true, message: form.form } : form;
      }
      default:
        if (click.verb.startsWith('admin-')) return handleAdminClick(click, adminDepsOf(this));
        if (isAlertVerb(click.verb)) return this.deps.alerts ? this.deps.alerts.click(click) : error(`This button (${click.verb}) is not available.`);
        return error(`This button (${click.verb}) is not available.`);
    }
  }

  /**
   * The run form prefilled with a button's command (an alert's "Search this sender"), for someone
   * who may run it here: every parameter to adjust, then Run (behaviour.md 39).
   */
  async prefill(click: Pick<Click, 'channel' | 'user' | 'data'>): Promise<ReturnType<typeof prefilledForm> | Reply> {
    const cmd = parseCommand(String(click.data.command ?? ''), this.catalog);
    if (cmd.kind !== 'action') return error(cmd.kind === 'error' ? cmd.message : 'This button does not open a form.');
    const access = await authorize(this.deps.environments, click.channel, click.user, roleForAction(cmd.action, 'analyst'), cmd.action.name);
    if (!access.ok) return error(access.message);
    return prefilledForm(cmd);
  }

  /** Why `click` may not act on its alert card (Slack asks before it opens the reason dialog); null when it may. */
  async alertRefusal(click: Pick<Click, 'channel' | 'user' | 'data'>): Promise<Reply | null> {
    if (!this.deps.alerts) return error('This button is not available.');
    const refusal = await this.deps.alerts.check(click);
    return refusal ? error(refusal) : null;
  }

  /** What top-level help shows as examples: the demo's tour, else the channel environment's Default Mailbox. */
  private async helpContext(channel: string): Promise<HelpContext> {
    try {
      const env = await this.deps.environments.environmentOf(channel);
      if (!env) return {};
      const meta = await this.deps.environments.getMeta(env);
      if (meta.demoTour?.commands.length) return { commands: meta.demoTour.commands.map((c) => c.text) };
      const graph = await this.deps.environments.showInstance(env, 'microsoft-graph-mail');
      return { defaultMailbox: graph['default-mailbox'] || undefined };
    } catch {
      return {};
    }
  }

  private async route(incoming: Incoming, parsed: ParsedCommand): Promise<Reply> {
    switch (parsed.kind) {
      case 'error':
        return error(parsed.message);
      case 'help': {
        const top = !parsed.integration && !parsed.group;
        const help = helpFor(this.catalog, parsed.integration, parsed.action, top ? await this.helpContext(incoming.channel) : undefined, parsed.group);
        const actions = top ? this.catalog.map((i) => ({ title: i.name, verb: 'help', data: { topic: i.alias } })) : undefined;
        return info({ text: [help.title, ...help.lines].join('\n'), title: help.title, status: 'info', lines: help.lines, actions });
      }
      case 'jobs':
        return this.listJobs(incoming);
      case 'cancel':
        return this.cancel(incoming, parsed.jobId);
      case 'vote':
        return this.startVote(incoming, parsed);
      case 'admin':
        return handleAdminCommand(parsed, incoming, adminDepsOf(this));
      case 'action':
        return this.queueAction(incoming, parsed);
      default:
        return error('Unknown command.');
    }
  }

  private async queueAction(incoming: Incoming, cmd: Extract<ParsedCommand, { kind: 'action' }>): Promise<Reply> {
    const { action, integration } = cmd;
    const jobId = jobIdFor(`${incoming.platform}:${incoming.requestId}`);
    // Sentinel mode: the master now, so that a failover before the acknowledgement is noticed.
    const since = await this.deps.barrier?.mark();
    // One round trip: binding, settings, role, instance, and whether this job is already queued or known.
    const read = await this.deps.environments.commandRead(incoming.channel, incoming.user, integration.id, [
      this.deps.queues.actions.toKey(jobId),
      this.deps.jobs.infoKey(jobId),
    ]);
    const meta = read.meta;
    // Four-eyes: an analyst may ask; approvers decide. Without the rule, changing mail needs an approver.
    const needsApproval = !cmd.options.dryRun && requiresApproval(action, cmd.params, meta, this.catalog);
    const need = roleForAction(action, changesState(action, cmd.params) && !needsApproval && !cmd.options.dryRun ? 'approver' : 'analyst');
    const access = authorizeRead(read, need, action.name, cmd.options.environment);
    if (!access.ok) return error(access.message);
    if (cmd.missing.length) return { kind: 'reply', private: true, message: missingForm(incoming.text, integration, action, cmd.missing) };
    if (!read.hasInstance) {
      return error(
        `${integration.name} is not configured in environment ${access.environment}. An admin can run soar admin set ${integration.id} --<param> <value>.`,
      );
    }
    const timeoutMs = Math.min(cmd.options.timeoutMs ?? this.deps.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS);
    const channelConversation: ConversationRef = { platform: incoming.platform, channel: incoming.channel, threadTs: incoming.threadTs };
    // A private result (a sign-in link) goes to the asker alone; an approval card still goes to the channel.
    const conversation: ConversationRef = action.privateResult ? { ...channelConversation, privateTo: incoming.user } : channelConversation;
    const messageKey = `job:${jobId}`;
    const now = Date.now();

    if (read.exists.some(Boolean)) return { kind: 'queued', jobId, duplicate: true };
    if (action.precheck && this.deps.admin.files) {
      // contract.md §8: an unknown campaign, or a step it cannot take, is one line now, not a card.
      const root = this.deps.admin.files.forEnvironment(access.environment);
      const refusal = await action.precheck({ resolve: (p) => root.resolveUserPath(p) }, cmd.params, access.environment);
      if (refusal) return error(refusal);
    }

    const data: ActionJobData = {
      jobId,
      integration: integration.id,
      action: action.id,
      actionName: action.name,
      params: cmd.params,
      environment: access.environment,
      requestedBy: incoming.user,
      conversation,
      ...(incoming.commandThread ? { commandThread: incoming.commandThread } : {}),
      messageKey,
      timeoutAt: now + timeoutMs,
      dryRun: cmd.options.dryRun,
      createdAt: now,
      attempt: 0,
    };
    if (needsApproval) {
      if (await this.deps.jobs.get(jobId)) return { kind: 'queued', jobId, duplicate: true };
      const approvalId = `a-${jobId.slice(2)}`;
      await this.deps.approvals.request({
        id: approvalId,
        kind: 'action',
        environment: access.environment,
        channel: incoming.channel,
        conversation: channelConversation,
        requestedBy: incoming.user,
        job: data,
        question: `${integration.name} · ${action.name} (job ${jobId})`,
        options: ['Approve', 'Reject'],
        needed: approversNeeded(meta),
        voters: ['role:approver'],
        createdAt: now,
        expiresAt: now + Math.min(timeoutMs, APPROVAL_TIMEOUT_MS),
        messageKey: `approval:${jobId}`,
        details: describeParams(action, cmd.params),
      });
      if (action.dryRun) {
        // The approvers see what would change: a dry run of the same request, shown on the card.
        const previewId = `${jobId}-p`;
        await this.deps.queues.actions.add(
          action.id,
          { ...data, jobId: previewId, dryRun: true, previewFor: approvalId, messageKey: `preview:${jobId}` },
          { jobId: previewId },
        );
      }
      if (!(await this.replicated(since, jobId))) return error(notReplicated(jobId));
      return { kind: 'queued', jobId, duplicate: false };
    }
    const entry = {
      jobId,
      actionName: action.name,
      requestedBy: incoming.user,
      environment: access.environment,
      channel: incoming.channel,
      state: 'queued' as const,
      createdAt: now,
    };
    const queued = queuedMessage({
      jobId,
      actionName: action.name,
      integrationName: integration.name,
      requestedBy: incoming.user,
      environment: access.environment,
    });
    if (this.deps.orderedWrites) {
      // Two round trips before the ack: the read above, then the job's message's content, its
      // entry, the job itself and the message's held delivery, sent in that order in one write on
      // one connection (the job updates the entry and the message).
      await this.deps.orderedWrites(() => {
        const held = this.deps.outbox.stageHeld(messageKey, conversation, queued, QUEUED_HOLD_MS);
        return Promise.all([held.staged, this.deps.jobs.add(entry), this.deps.queues.actions.add(action.id, data, { jobId }), held.deliver()]);
      });
    } else {
      // Three round trips before the ack: the read above; the job's entry and its message's content;
      // then the message's delivery and the job itself. The job comes after both (it updates them).
      const held = this.deps.outbox.stageHeld(messageKey, conversation, queued, QUEUED_HOLD_MS);
      await Promise.all([this.deps.jobs.add(entry), held.staged]);
      await Promise.all([held.deliver(), this.deps.queues.actions.add(action.id, data, { jobId })]);
    }
    // Acknowledged only once a replica has it too (Sentinel mode; a single Redis has no barrier).
    if (!(await this.replicated(since, jobId))) return error(notReplicated(jobId));
    const logged = () => this.deps.log.info({ job: jobId, action: `${integration.id}/${action.id}`, user: incoming.user, channel: incoming.channel }, 'queued');
    // Its log line too once the ack is on its way (a synchronous write to stdout).
    if (this.deps.orderedWrites) setImmediate(logged);
    else logged();
    return { kind: 'queued', jobId, duplicate: false };
  }

  /** Sentinel mode: whether what this request wrote reached a replica (a failover may have taken it back, or not). */
  private async replicated(since: string | undefined, jobId: string): Promise<boolean> {
    try {
      await this.deps.barrier?.sync(since);
      return true;
    } catch (err) {
      this.deps.log.warn({ err, job: jobId }, 'queued job not confirmed on a Redis replica');
      return false;
    }
  }

  private async startVote(incoming: Incoming, cmd: Extract<ParsedCommand, { kind: 'vote' }>): Promise<Reply> {
    const access = await authorize(this.deps.environments, incoming.channel, incoming.user, 'analyst', 'Starting a vote');
    if (!access.ok) return error(access.message);
    const voters = cmd.voters?.length ? cmd.voters.map((v) => (/^(viewer|analyst|approver|admin)$/.test(v) ? `role:${v}` : v)) : ['role:approver'];
    const now = Date.now();
    const id = `v-${jobIdFor(`${incoming.platform}:${incoming.requestId}`).slice(2)}`;
    await this.deps.approvals.request({
      id,
      kind: 'vote',
      environment: access.environment,
      channel: incoming.channel,
      conversation: { platform: incoming.platform, channel: incoming.channel, threadTs: incoming.threadTs },
      requestedBy: incoming.user,
      question: cmd.question,
      options: cmd.options,
      needed: 1,
      voters,
      createdAt: now,
      expiresAt: now + (cmd.timeoutMs || DEFAULT_VOTE_TIMEOUT_MS),
      messageKey: `vote:${id}`,
      details: [{ title: 'Voters', value: voters.join(', ') }],
    });
    return { kind: 'queued', jobId: id, duplicate: false };
  }

  private async listJobs(incoming: Incoming): Promise<Reply> {
    const access = await authorize(this.deps.environments, incoming.channel, incoming.user, 'viewer', 'Listing jobs');
    if (!access.ok) return error(access.message);
    const active = await this.deps.jobs.active(access.environment, incoming.channel);
    const lines = active.length
      ? active.map(
          (j) =>
            `${j.jobId} · ${j.actionName} · ${j.requestedBy} · ${j.state} · ${formatDuration(Date.now() - j.createdAt)}${j.progress ? ` · ${j.progress}` : ''}`,
        )
      : ['No queued or running jobs in this channel.'];
    return info({ text: lines.join('\n'), title: 'Jobs', status: 'info', lines });
  }

  private async cancel(incoming: Incoming, jobId: string): Promise<Reply> {
    const access = await authorize(this.deps.environments, incoming.channel, incoming.user, 'analyst', 'Cancelling a job');
    if (!access.ok) return error(access.message);
    const job = await this.deps.jobs.getIn(access.environment, incoming.channel, jobId);
    if (!job) return error(`No job ${jobId} in this channel.`);
    if (['succeeded', 'failed', 'cancelled'].includes(job.state)) return error(`Job ${jobId} has already ended (${job.state}).`);
    if (job.requestedBy !== incoming.user && access.role !== 'approver' && access.role !== 'admin') {
      return error(`Cancelling someone else's job needs the approver role.`);
    }
    await this.deps.jobs.requestCancel(jobId, incoming.user);
    const queued = await this.deps.queues.actions.getJob(jobId);
    if (queued && (await queued.isDelayed())) await queued.promote().catch(() => undefined);
    return info({ text: `Cancelling job ${jobId}…`, status: 'info', lines: [`Cancelling job ${jobId}…`] });
  }
}

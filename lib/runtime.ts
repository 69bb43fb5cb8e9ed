/**
 * Wires one process: the bot role (HTTP server, parsing, queuing), the worker role (actions and
 * outbox workers), or both (`main`). Workers are stateless; any number run against one Redis.
 */
import type { Server } from 'restify';
import type { Worker } from 'bullmq';
import { hkdfSync } from 'node:crypto';
import type { Logger } from 'pino';
import { ApprovalFlow } from '../bot/approvals';
import { Dispatcher } from '../bot/dispatch';
import { AlertActions } from '../bot/alerts/actions';
import { mountOAuthCallback } from '../bot/oauth/callback';
import type { MountRoutes } from '../bot/route-context';
import { RedisOAuthStates, useOAuthStates } from '../handlers/azure-api/oauth-states';
import { createServer } from '../bot/server';
import { mountSlack, type MountedSlack } from '../bot/slack/app';
import { SlackSender, slackClient } from '../bot/slack/sender';
import { createAdapter } from '../bot/teams/adapter';
import { TeamsBot } from '../bot/teams/bot';
import { BotFrameworkSender } from '../bot/teams/sender';
import type { ChatSender } from '../queue/chat-sender';
import { UndiciHttpClient, type HttpClient } from '../handlers/kit/http';
import type { IntegrationSpec } from '../handlers/kit/spec';
import { startActionWorker } from '../queue/actions.worker';
import { startScheduleWorker } from '../queue/connectors.worker';
import { Outbox } from '../queue/outbox';
import { startOutboxWorker } from '../queue/outbox.worker';
import { createQueues, type Queues } from '../queue/queues';
import type { Platform } from '../queue/types';
import { ApprovalStore } from '../store/approvals';
import { AlertStore } from '../store/alerts';
import { AuditLog } from '../store/audit';
import { ConversationStore } from '../store/conversations';
import { SecretBox } from '../store/crypto';
import { EnvironmentStore } from '../store/environments';
import { JobIndex } from '../store/jobs';
import { Keys } from '../store/keys';
import { MessageStore } from '../store/messages';
import { connectRedis, redisOptions, replicaBarrier, type Redis, type RedisTarget, type ReplicaBarrier } from '../store/redis';
import { ThreadFiles } from '../store/thread-files';
import { FilesRoot } from './files';
import { registerSecret } from './log';
import type { Settings } from './settings';

export type Role = 'main' | 'bot' | 'worker';

export interface RuntimeOptions {
  role: Role;
  settings: Settings;
  /** REDIS_URL, or the target with Sentinels and TLS (contract.md §2). */
  redisUrl: string | RedisTarget;
  secretsKey: string;
  log: Logger;
  /** Extra routes (web chat) mounted on the server. */
  mount?: MountRoutes[];
  /** The catalogue (default: the seeds'); tests add fixture actions. */
  catalog?: IntegrationSpec[];
  /** How long a dead process's connector cycle lock blocks the next cycle (default 30 s). */
  cycleLockMs?: number;
  /** Accept unsigned Bot Framework activities while MicrosoftAppId is empty (the demo; ALLOW_UNAUTHENTICATED_TEAMS is read from settings). */
  allowUnauthenticatedTeams?: boolean;
  /** The address the HTTP server listens on (default: every interface). */
  listenHost?: string;
  /** Not ready (503 but for /healthz, /readyz, /metrics) until the caller sets `ready` after its start-up work. */
  holdUntilReady?: boolean;
}

export interface Runtime {
  settings: Settings;
  redis: Redis;
  /** Sentinel mode: waits for a replica and tells failovers apart (store/redis.ts); a no-op on a single Redis. */
  barrier: ReplicaBarrier;
  queues: Queues;
  environments: EnvironmentStore;
  messages: MessageStore;
  conversations: ConversationStore;
  jobs: JobIndex;
  audit: AuditLog;
  outbox: Outbox;
  files: FilesRoot;
  dispatcher: Dispatcher;
  approvals: ApprovalFlow;
  log: Logger;
  server?: Server;
  slack?: MountedSlack;
  workers: Worker[];
  /** The HTTP layer of every integration call (SSRF-guarded; reaches the operator's trusted origins). */
  http: HttpClient;
  /** Whether commands are judged yet (configuration applied). */
  ready: boolean;
  /** Set by close: /readyz says 503 so that a load balancer moves traffic away, while requests are still served. */
  draining: boolean;
  /**
   * SIGTERM: not ready at once, requests still served for `graceMs` (a load balancer notices
   * the readiness and moves traffic), then the port closes; running jobs finish or are handed back.
   */
  close(graceMs?: number): Promise<void>;
}

export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { settings, log } = opts;
  const prefix = settings.redisPrefix;
  registerSecret(settings.slack?.signingSecret);
  registerSecret(settings.slack?.botToken);
  registerSecret(settings.botFramework.MicrosoftAppPassword);
  registerSecret(opts.secretsKey);

  const redis = connectRedis(opts.redisUrl);
  // Delegated sign-in states live in Redis so that any bot or worker process can finish a sign-in.
  useOAuthStates(new RedisOAuthStates(redis, new Keys(prefix)));
  const connection = { ...redisOptions(opts.redisUrl), maxRetriesPerRequest: null };
  // Sentinel mode only: acknowledgements, completions and chat sends wait for a replica (docs/reliability.md).
  const barrier = replicaBarrier(opts.redisUrl, prefix);
  const box = new SecretBox(opts.secretsKey);
  const environments = new EnvironmentStore(redis, box, prefix, { trustedOrigins: settings.trustedOrigins });
  // Every request to Microsoft 365 or a URL a user typed: non-public addresses only through origins the operator trusts.
  const http = new UndiciHttpClient({ trusted: (origin) => environments.trust.has(origin) });
  const messages = new MessageStore(redis, prefix);
  const threadFiles = new ThreadFiles(redis, prefix);
  const conversations = new ConversationStore(redis, prefix);
  const jobs = new JobIndex(redis, prefix);
  const audit = new AuditLog(redis, prefix);
  void audit.migrateLegacy().then(
    (moved) => moved && log.info({ moved }, 'audit entries moved into per-environment logs'),
    (err: Error) => log.warn({ err }, 'legacy audit log not migrated'),
  );
  const queues = createQueues(connection, prefix);
  const outbox = new Outbox(queues, messages);
  const signingKey = Buffer.from(hkdfSync('sha256', Buffer.from(opts.secretsKey, 'base64'), 'chatsoar', 'files-links', 32));
  const files = new FilesRoot(settings.filesDir, signingKey, settings.publicUrl);
  const unsignedTeams = !settings.botFramework.MicrosoftAppId && !!(settings.allowUnauthenticatedTeams || opts.allowUnauthenticatedTeams);
  const adapter = createAdapter(settings.botFramework, {
    allowUnauthenticated: unsignedTeams,
    tenants: settings.teamsTenants,
    extraChannels: settings.teamsExtraChannels,
  });
  const approvals = new ApprovalFlow({
    approvals: new ApprovalStore(redis, prefix),
    environments,
    jobs,
    audit,
    outbox,
    queues,
    log: log.child({ part: 'approvals' }),
  });
  const dispatcher = new Dispatcher({
    environments,
    jobs,
    queues,
    outbox,
    approvals,
    log: log.child({ part: 'dispatch' }),
    catalog: opts.catalog,
    admin: { audit, files, publicUrl: settings.publicUrl, http },
    alerts: new AlertActions({ alerts: new AlertStore(redis, prefix), environments, audit, outbox, log: log.child({ part: 'alerts' }) }),
    barrier,
  });

  const runtime: Runtime = {
    settings,
    redis,
    barrier,
    queues,
    environments,
    messages,
    conversations,
    jobs,
    audit,
    outbox,
    files,
    dispatcher,
    approvals,
    log,
    http,
    workers: [],
    ready: !opts.holdUntilReady,
    draining: false,
    close: async () => undefined,
  };

  if (opts.role !== 'worker') {
    if (!settings.botFramework.MicrosoftAppId) {
      if (settings.allowUnauthenticatedTeams)
        log.warn('ALLOW_UNAUTHENTICATED_TEAMS=1: /api/messages accepts unsigned activities from anyone who reaches it; development only, never in production.');
      else if (unsignedTeams) log.info('Demo: /api/messages accepts unsigned activities (MicrosoftAppId is empty).');
      else log.info('MicrosoftAppId is empty: Teams is off, /api/messages refuses every activity (401).');
    } else if (settings.allowUnauthenticatedTeams) {
      log.warn('ALLOW_UNAUTHENTICATED_TEAMS is ignored: MicrosoftAppId is set, so every activity must be signed.');
    }
    const slack = settings.slack ? mountSlack(settings.slack, dispatcher, log.child({ part: 'slack' })) : undefined;
    const teams = new TeamsBot(dispatcher, conversations, log.child({ part: 'teams' }));
    const server = createServer({
      log,
      redis,
      queues,
      files,
      adapter,
      teams,
      slack,
      ready: () => runtime.ready,
      draining: () => runtime.draining,
      mount: [mountOAuthCallback, ...(opts.mount ?? [])].map((m) => (s: Server) => m(s, runtime)),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (opts.listenHost) server.listen(settings.port, opts.listenHost, () => resolve());
      else server.listen(settings.port, () => resolve());
    });
    runtime.server = server;
    runtime.slack = slack;
  }

  if (opts.role !== 'bot') {
    const senders: Partial<Record<Platform, ChatSender>> = {
      teams: new BotFrameworkSender(adapter, conversations, settings.botFramework.MicrosoftAppId ?? '', 'teams'),
      webchat: new BotFrameworkSender(adapter, conversations, settings.botFramework.MicrosoftAppId ?? '', 'webchat'),
    };
    if (settings.slack) senders.slack = new SlackSender(slackClient(settings.slack.botToken, settings.slack.apiUrl));
    runtime.workers.push(
      startActionWorker({
        connection,
        prefix,
        environments,
        jobs,
        outbox,
        files,
        threadFiles,
        http,
        publicUrl: settings.publicUrl,
        pollMs: settings.asyncPollMs,
        log: log.child({ part: 'actions' }),
        catalog: opts.catalog,
        onPreview: (approvalId, result) => approvals.setPreview(approvalId, result.message),
        barrier,
      }),
      startOutboxWorker({
        connection,
        prefix,
        messages,
        senders,
        threadFiles,
        barrier,
        log: log.child({ part: 'outbox' }),
        fileSource: (path, environment) => {
          const root = environment ? files.forEnvironment(environment) : files;
          return { absolute: root.resolveUserPath(path), url: root.signedUrl(path) };
        },
      }),
      approvals.startExpiryWorker(connection, prefix),
      ...startScheduleWorker({
        connection,
        prefix,
        redis,
        environments,
        outbox,
        files,
        http,
        log: log.child({ part: 'schedules' }),
        publicUrl: settings.publicUrl,
        catalog: opts.catalog,
        cycleLockMs: opts.cycleLockMs,
        barrier,
      }),
    );
  }

  runtime.close = async (graceMs = 0) => {
    if (runtime.server) {
      runtime.draining = true;
      if (graceMs > 0) {
        log.info({ graceMs }, 'draining: /readyz says 503, requests are still served until the grace ends');
        await new Promise((resolve) => setTimeout(resolve, graceMs));
      }
      await new Promise<void>((resolve) => runtime.server!.close(() => resolve()));
    }
    await Promise.all(runtime.workers.map((w) => w.close()));
    await queues.close();
    await http.close();
    barrier.close();
    redis.disconnect();
  };
  return runtime;
}

/**
 * Wires one process: the bot role (HTTP server, parsing, queuing), the worker role (actions and
 * outbox workers), or both (`main`). Workers are stateless; any number run against one Redis.
 * `main` may run its workers in a worker thread (`workersInThread`, what `npm start` does), so that
 * job and outbox CPU never holds up the event loop that acknowledges chat requests.
 */
import type { Server } from 'restify';
import type { Worker } from 'bullmq';
import { Redis as IORedis } from 'ioredis';
import { hkdfSync } from 'node:crypto';
import { extname, join } from 'node:path';
import { Worker as Thread } from 'node:worker_threads';
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
import { addMetricsSource } from './metrics';
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
  /**
   * `main` only: the workers (actions, outbox, schedules, approval expiry) run in a worker thread
   * (bot/worker-thread.ts) with the same settings, restarted when it dies; /readyz says 503 while
   * it is not up. Default: in this thread (tests). Not with `catalog` (a catalogue cannot be sent to a thread).
   */
  workersInThread?: boolean;
}

/** What bot/worker-thread.ts receives (structured-cloned): a worker role's runtime options. */
export interface WorkerThreadData {
  settings: Settings;
  redisUrl: string | RedisTarget;
  secretsKey: string;
  cycleLockMs?: number;
}

/** Messages between the main thread and the workers' thread. */
export type ToWorkerThread = { type: 'close' } | { type: 'metrics'; id: number };
export type FromWorkerThread =
  | { type: 'ready' }
  | { type: 'closed' }
  | { type: 'failed'; message: string }
  | { type: 'metrics'; id: number; metrics: unknown[] };

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
  /** `workersInThread`: whether the workers' thread is up (always true otherwise). */
  workersUp(): boolean;
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
  // A process without workers (a bot; `main` with its workers' thread) adds its jobs on one
  // connection of its own, where the dispatcher also reads a command's access facts and writes its
  // job entry and message before the job: one socket keeps them in order, so the writes go out
  // together (one round trip). No auto-pipelining there (a command would wait for the next turn of
  // the event loop, and each pipeline would copy BullMQ's scripts); like the stores' connection, a
  // command fails after 3 reconnection attempts rather than wait for Redis.
  const botOnly = opts.role === 'bot' || (opts.role === 'main' && !!opts.workersInThread);
  const queueRedis = botOnly
    ? new IORedis({ ...redisOptions(opts.redisUrl), maxRetriesPerRequest: 3, retryStrategy: (times) => Math.min(times * 200, 2000) })
    : undefined;
  queueRedis?.on('error', (err: Error) => log.warn({ err }, 'redis connection error'));
  const queues = createQueues(queueRedis ?? connection, prefix);
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
    ...(queueRedis
      ? {
          environments: new EnvironmentStore(queueRedis, box, prefix, { trustedOrigins: settings.trustedOrigins }),
          jobs: new JobIndex(queueRedis, prefix),
          outbox: new Outbox(queues, new MessageStore(queueRedis, prefix)),
          orderedWrites: corked(queueRedis),
        }
      : { environments, jobs, outbox }),
    queues,
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
    workersUp: () => true,
    ready: !opts.holdUntilReady,
    draining: false,
    close: async () => undefined,
  };

  // The workers' thread loads its modules while this one starts its server.
  const threadStarting = opts.role === 'main' && opts.workersInThread ? startWorkerThread(opts, log) : undefined;
  threadStarting?.catch(() => undefined);
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
      workersUp: () => runtime.workersUp(),
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

  const thread = await threadStarting;
  if (thread) runtime.workersUp = () => thread.up();
  if (opts.role !== 'bot' && !thread) {
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
    await Promise.all([thread?.close(), ...runtime.workers.map((w) => w.close())]);
    await queues.close();
    queueRedis?.disconnect();
    await http.close();
    barrier.close();
    redis.disconnect();
  };
  return runtime;
}

/**
 * Runs `write` with `client`'s socket corked until the event loop's next turn: the commands it
 * issues (BullMQ's after a few promise turns) leave in one write, so Redis is woken once.
 */
function corked(client: IORedis): <T>(write: () => Promise<T>) => Promise<T> {
  return (write) => {
    const stream = (client as unknown as { stream?: { cork?(): void; uncork?(): void } }).stream;
    if (client.status === 'ready' && stream?.cork && stream.uncork) {
      stream.cork();
      setImmediate(() => stream.uncork!());
    }
    return write();
  };
}

/** How long a stopping workers' thread may take to drain before it is terminated (bot/main.ts gives a stop 30 s in all). */
const THREAD_CLOSE_MS = 25_000;
/** Restarts of a dead workers' thread: the wait doubles from 0.5 s up to 30 s, and is 0.5 s again after a thread that ran 30 s. */
const THREAD_RESTART_MS = [500, 30_000];

interface WorkerThreadHandle {
  up(): boolean;
  close(): Promise<void>;
}

/**
 * Starts the workers' thread and resolves once its runtime is up (rejects when it fails to start,
 * so that a start-up failure stops the process with its line). A thread that dies later is
 * logged and started again, /readyz saying 503 meanwhile; its metrics are merged into /metrics.
 */
async function startWorkerThread(opts: RuntimeOptions, log: Logger): Promise<WorkerThreadHandle> {
  if (opts.catalog) throw new Error('workersInThread cannot be used with a catalog option');
  const data: WorkerThreadData = { settings: opts.settings, redisUrl: opts.redisUrl, secretsKey: opts.secretsKey, cycleLockMs: opts.cycleLockMs };
  // The entry beside bot/main: .js when built, .ts under test/helpers/register-ts.js (a thread inherits the parent's -r).
  const entry = join(__dirname, '..', 'bot', `worker-thread${extname(__filename)}`);
  let current: Thread | undefined;
  let up = false;
  let closing = false;
  let delay = THREAD_RESTART_MS[0]!;
  let upSince = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let nextId = 0;
  const pendingMetrics = new Map<number, (metrics: unknown[]) => void>();
  let closed: (() => void) | undefined;

  const restartLater = (): void => {
    log.error({ restartInMs: delay }, 'the workers thread is down: jobs and chat messages wait until it is started again');
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (closing) return;
      spawn(true).then(
        () => log.info('the workers thread was started again'),
        (err: Error) => log.error({ err }, 'the workers thread did not start again'),
      );
    }, delay);
    delay = Math.min(delay * 2, THREAD_RESTART_MS[1]!);
  };

  const spawn = (again: boolean): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let started = false;
      const thread = new Thread(`require(${JSON.stringify(entry)})`, { eval: true, workerData: data });
      current = thread;
      thread.on('message', (m: FromWorkerThread) => {
        if (m.type === 'ready') {
          started = true;
          up = true;
          upSince = Date.now();
          resolve();
        } else if (m.type === 'failed' && !started) reject(new Error(m.message));
        else if (m.type === 'metrics') pendingMetrics.get(m.id)?.(m.metrics);
      });
      thread.on('error', (err) => {
        if (!started) reject(err);
        log.error({ err }, 'the workers thread failed');
      });
      thread.on('exit', (code) => {
        up = false;
        if (current === thread) current = undefined;
        for (const answer of pendingMetrics.values()) answer([]);
        pendingMetrics.clear();
        if (closing) return closed?.();
        if (!started) reject(new Error(`the workers thread exited (${code}) before it was up`));
        else log.error({ code }, 'the workers thread stopped');
        // A thread that ran a while is started again soon; one that keeps dying, less and less often.
        if (started && Date.now() - upSince > THREAD_RESTART_MS[1]!) delay = THREAD_RESTART_MS[0]!;
        // The first start's failure stops the process (its caller); a later one is tried again.
        if (started || again) restartLater();
      });
    });

  await spawn(false);
  const removeSource = addMetricsSource(
    () =>
      new Promise<unknown[]>((resolve) => {
        if (!current || !up) return resolve([]);
        const id = nextId++;
        const timer = setTimeout(() => {
          pendingMetrics.delete(id);
          resolve([]);
        }, 1000);
        pendingMetrics.set(id, (metrics) => {
          clearTimeout(timer);
          pendingMetrics.delete(id);
          resolve(metrics);
        });
        current.postMessage({ type: 'metrics', id } satisfies ToWorkerThread);
      }),
  );
  return {
    up: () => up,
    close: async () => {
      closing = true;
      removeSource();
      clearTimeout(restartTimer);
      const thread = current;
      if (!thread) return;
      // Like runtime.close: running jobs finish or go back to the queue; then the thread ends.
      const ended = new Promise<void>((resolve) => (closed = resolve));
      thread.postMessage({ type: 'close' } satisfies ToWorkerThread);
      const timer = setTimeout(() => {
        log.warn('the workers thread did not stop in time; terminated');
        void thread.terminate();
      }, THREAD_CLOSE_MS);
      await ended;
      clearTimeout(timer);
    },
  };
}

/**
 * Delivers outbox jobs to Slack, Teams and web chat: retried with backoff, paced per
 * conversation, honouring 429 Retry-After, one delivery at a time per message.
 */
import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { MessageStore, PlatformMessageRef } from '../store/messages';
import { postedScope, type ThreadFiles } from '../store/thread-files';
import { PermanentSendError, RateLimitedError, type ChatSender } from './chat-sender';
import { metrics } from '../lib/metrics';
import { Keys } from '../store/keys';
import type { ReplicaBarrier } from '../store/redis';
import { MAX_STALLED, OUTBOX_CONCURRENCY, QUEUE_NAMES } from './queues';
import type { OutboxJobData, Platform } from './types';

export interface OutboxDeps {
  connection: ConnectionOptions;
  prefix: string;
  messages: MessageStore;
  senders: Partial<Record<Platform, ChatSender>>;
  log: Logger;
  /** Absolute path of a file under the environment's files root (FILES_DIR itself without one), and its signed URL. */
  fileSource(path: string, environment: string | undefined): { absolute: string; url: string };
  /** Where each posted file is recorded by name, so that later commands in its thread can name it (behaviour.md 6). */
  threadFiles?: ThreadFiles;
  concurrency?: number;
  /** Sentinel mode: nothing goes to a chat before what led to it is on a replica (docs/reliability.md). */
  barrier?: ReplicaBarrier;
}

const LOCK_MS = 30_000;
/** How long a post or file waits for the message it goes under to be posted. */
const THREAD_WAIT_MS = 60_000;

export function startOutboxWorker(deps: OutboxDeps): Worker<OutboxJobData> {
  const { messages, log } = deps;

  async function delay(job: Job, token: string | undefined, ms: number): Promise<never> {
    await job.moveToDelayed(Date.now() + Math.max(ms, 10), token);
    throw new DelayedError();
  }

  /**
   * A posted message's ref must be recorded: a retry of the job without it would post the message
   * a second time. So a Redis outage right after the post is waited out here (up to 2 minutes).
   * The message's lock is released with it.
   */
  async function recordPosted(key: string, version: number, ref: PlatformMessageRef): Promise<number> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        return await messages.markSentAndUnlock(key, version, ref);
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  function senderFor(platform: Platform): ChatSender {
    const sender = deps.senders[platform];
    if (!sender) throw new UnrecoverableError(`${platform} is not configured on this worker`);
    return sender;
  }

  /**
   * The posted message a post or file goes under. One whose first post is still to come (held,
   * behaviour.md 43) is waited for, up to THREAD_WAIT_MS: then the post goes to the conversation.
   */
  async function threadRef(job: Job<OutboxJobData>, token: string | undefined, key: string | undefined): Promise<PlatformMessageRef | undefined> {
    if (!key) return undefined;
    const parent = await messages.get(key);
    if (parent && !parent.ref && parent.content && Date.now() - job.timestamp < THREAD_WAIT_MS) return delay(job, token, 250);
    return parent?.ref;
  }

  /**
   * A history the platform refuses to show (e.g. a missing scope) means posting again: a possible
   * duplicate beats a lost result. Transient failures are retried like any delivery.
   */
  async function findPosted(sender: ChatSender, data: OutboxJobData & { op: 'upsert' }, since: number): Promise<PlatformMessageRef | undefined> {
    try {
      return await sender.findPosted?.(data.conversation, data.messageKey, since);
    } catch (err) {
      if (!(err instanceof PermanentSendError)) throw err;
      log.warn({ err, message: data.messageKey }, 'cannot look for an interrupted post; posting again');
      return undefined;
    }
  }

  async function deliver(job: Job<OutboxJobData>, token?: string): Promise<void> {
    const data = job.data;
    const sender = senderFor(data.conversation.platform);
    // Sentinel mode: what is sent must not be undone by a failover (a result posted, then its
    // record lost, would be posted again). Unsure, the delivery waits and reads everything again.
    const since = await deps.barrier?.mark();
    const replicated = async (): Promise<void> => {
      try {
        await deps.barrier?.sync(since);
      } catch (err) {
        log.warn({ err, job: job.id }, 'outbox delivery waits: its data is not known to be on a Redis replica');
        await delay(job, token, 250);
      }
    };
    const paced = async (): Promise<void> => {
      const wait = await messages.reserveSlot(data.conversation.channel, sender.intervalMs);
      if (wait > 0) await delay(job, token, wait);
    };

    if (data.op === 'upsert') {
      // The lock, the content under it and the conversation's pacing in one round trip.
      const { locked, current, nextSendAt } = await messages.lockAndGet(data.messageKey, LOCK_MS, data.conversation.channel);
      if (!locked) return delay(job, token, 200);
      let unlocked = false;
      try {
        // The latest content, whichever version queued this job: an earlier job may have sent it already.
        if (!current?.content || current.sent >= current.version) return;
        const now = Date.now();
        if (nextSendAt > now) return await delay(job, token, nextSendAt - now);
        const slot = messages.takeSlot(data.conversation.channel, sender.intervalMs, now);
        const version = current.version;
        // Content set while this was being sent (the version moved on) goes out in this job's next run.
        const rest = async (latest: number): Promise<void> => {
          unlocked = true;
          if (latest > version) await delay(job, token, sender.intervalMs);
        };
        const post = async (): Promise<void> => {
          await replicated();
          await rest(await recordPosted(data.messageKey, version, await sender.post(data.conversation, current.content!, undefined, data.messageKey)));
        };
        if (!current.ref && !current.postingAt) {
          // A first post: the slot and the note that posting began go out together.
          await Promise.all([slot, messages.markPosting(data.messageKey, Date.now())]);
          return await post();
        }
        await slot;
        // A post interrupted before its ref was recorded (worker killed, answer lost) may have gone out.
        const ref = current.ref ?? (await findPosted(sender, data, current.postingAt!));
        if (ref) {
          await replicated();
          await sender.update(data.conversation, ref, current.content);
          await rest(current.ref ? await messages.markSentAndUnlock(data.messageKey, version) : await recordPosted(data.messageKey, version, ref));
        } else {
          await messages.markPosting(data.messageKey, Date.now());
          await post();
        }
      } finally {
        if (!unlocked) await messages.unlock(data.messageKey);
      }
      return;
    }
    const thread = await threadRef(job, token, data.threadOf);
    await paced();
    await replicated();
    if (data.op === 'post') {
      await sender.post(data.conversation, data.message, thread);
      return;
    }
    const source = deps.fileSource(data.file.path, data.environment);
    const bytes = await readFile(source.absolute);
    await recordFile(data, thread);
    await sender.uploadFile(data.conversation, { name: data.file.name, data: bytes, title: data.file.title, url: source.url }, thread);
  }

  /**
   * Notes the file under its name in the channel and the thread it is posted in, before it is
   * posted: once users can see it, they can name it (a retry records it again, idempotently).
   * The index is a convenience: a failure to record it never keeps the file from being posted.
   */
  async function recordFile(data: OutboxJobData & { op: 'file' }, thread: PlatformMessageRef | undefined): Promise<void> {
    if (!deps.threadFiles || !data.environment) return;
    try {
      await deps.threadFiles.record(data.environment, postedScope(data.conversation, thread), data.file.name, data.file.path);
    } catch (err) {
      log.warn({ err, file: data.file.name }, 'posted file not recorded in the thread index');
    }
  }

  const worker = new Worker<OutboxJobData>(
    QUEUE_NAMES.outbox,
    async (job, token) => {
      try {
        await deliver(job, token);
        metrics.outboxDelivered.inc({ platform: job.data.conversation.platform });
      } catch (err) {
        if (err instanceof DelayedError) throw err;
        if (err instanceof RateLimitedError) {
          metrics.outboxRetries.inc({ platform: job.data.conversation.platform, reason: '429' });
          await messages.blockUntil(job.data.conversation.channel, Date.now() + err.retryAfterMs);
          return delay(job, token, err.retryAfterMs);
        }
        if (err instanceof PermanentSendError) throw new UnrecoverableError(err.message);
        metrics.outboxRetries.inc({ platform: job.data.conversation.platform, reason: 'error' });
        log.warn({ err, job: job.id }, 'outbox delivery failed; will retry');
        throw err;
      }
    },
    { connection: deps.connection, prefix: new Keys(deps.prefix).bull(), concurrency: deps.concurrency ?? OUTBOX_CONCURRENCY, maxStalledCount: MAX_STALLED },
  );
  worker.on('failed', (job, err) => {
    // BullMQ reports every failed attempt: only the last one (or a refusal for good) is given up.
    if (job && (err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1)))
      metrics.outboxFailed.inc({ platform: job.data.conversation.platform });
    log.error({ job: job?.id, err }, 'outbox delivery gave up');
  });
  return worker;
}

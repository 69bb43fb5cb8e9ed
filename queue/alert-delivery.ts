/**
 * Where a connector cycle's alerts go (behaviour.md 18, 33; contract.md §7.6). Alerts whose ids an
 * earlier cycle committed are dropped. Up to `capacity` new alerts are posted one card each;
 * past it the cycle streams every event into one JSON file and posts one digest card instead.
 *
 * Commit order gives "each source event exactly once":
 * - one card per alert is an outbox *upsert* under a key derived from the event id, then the
 *   id is added to the dedup set; a crash between the two re-upserts the same key next cycle,
 *   which updates the posted card in place instead of posting a second one;
 * - a digest's ids are staged in Redis while the file is written; the commit record (card,
 *   staging set, checkpoint) is saved before the card is queued, and the next cycle finishes a
 *   commit that a crash interrupted;
 * - the checkpoint is stored last, in the same transaction as the dedup marks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { alertMessage, digestMessage, type AlertSource } from '../cards/alert-messages';
import type { FileStore } from '../handlers/kit/context';
import type { Alert, PostResult } from '../handlers/kit/schedule';
import { safeFileName, type FilesRoot } from '../lib/files';
import type { ConnectorState } from './connector-state';
import type { Outbox } from './outbox';
import type { ConversationRef, Platform } from './types';

/** Sustained messages per second a channel takes (Slack allows about 1/s per channel, Teams 1,800/h per conversation; the web chat is ours). */
const CHANNEL_RATE_PER_S: Record<Platform, number> = { slack: 1, teams: 0.5, webchat: 20 };
/** More cards than this in one cycle are never posted one by one: nobody reads them. */
const MAX_CARDS_PER_CYCLE = 25;
const STAGE_BATCH = 1000;

/**
 * Alert cards one cycle may post: half of what the channel delivers until the next cycle (the
 * other half stays free for commands and replies), at least one, at most MAX_CARDS_PER_CYCLE.
 */
export function channelCapacity(platform: Platform, everyMs: number): number {
  const fits = Math.floor(((everyMs / 1000) * CHANNEL_RATE_PER_S[platform]) / 2);
  return Math.max(1, Math.min(MAX_CARDS_PER_CYCLE, fits));
}

export function conversationOf(channel: string): ConversationRef {
  const [prefix] = channel.split(':', 1);
  const platform: Platform = prefix === 'slack' ? 'slack' : prefix === 'teams' ? 'teams' : 'webchat';
  return { platform, channel };
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

interface DigestFile {
  path: string;
  stream: WriteStream;
  staging: string;
  pendingIds: string[];
  count: number;
  from?: string;
  to?: string;
  byRule: Map<string, number>;
}

export interface SinkDeps {
  state: ConnectorState;
  outbox: Outbox;
  /** The connector's environment's files root. */
  files: FilesRoot;
  /** The connector's own folder under the files root. */
  store: FileStore;
  channel: string;
  source: AlertSource;
  /** New alerts posted one by one before the cycle becomes a digest (Infinity: Disable Overflow). */
  capacity: number;
  log: Logger;
}

export interface CommitSummary {
  posted: number;
  digest: number;
}

export class AlertSink {
  private readonly conversation: ConversationRef;
  private readonly accepted = new Set<string>();
  private buffer: Alert[] = [];
  private digest: DigestFile | null = null;
  private readonly marks: Record<string, string[]> = {};
  private checkpoint: string | null = null;
  private readonly after: Array<() => Promise<void>> = [];

  constructor(private readonly deps: SinkDeps) {
    this.conversation = conversationOf(deps.channel);
  }

  get acceptedCount(): number {
    return this.accepted.size;
  }

  setCheckpoint(value: unknown): void {
    this.checkpoint = JSON.stringify(value);
  }

  mark(set: string, keys: string[]): void {
    (this.marks[set] ??= []).push(...keys);
  }

  afterCommit(fn: () => Promise<void>): void {
    this.after.push(fn);
  }

  async post(alerts: Alert[]): Promise<PostResult> {
    const fresh: Alert[] = [];
    const inBatch = new Set<string>();
    for (const a of alerts) {
      if (this.accepted.has(a.id) || inBatch.has(a.id)) continue;
      inBatch.add(a.id);
      fresh.push(a);
    }
    const seen = await this.deps.state.has(
      'alert',
      fresh.map((a) => a.id),
    );
    let accepted = 0;
    const toDigest: Alert[] = [];
    for (let i = 0; i < fresh.length; i++) {
      if (seen[i]) continue;
      const alert = fresh[i]!;
      this.accepted.add(alert.id);
      accepted++;
      if (!this.digest && this.buffer.length < this.deps.capacity) this.buffer.push(alert);
      else toDigest.push(alert);
    }
    if (toDigest.length) {
      if (!this.digest) await this.openDigest();
      await this.writeDigest(toDigest);
    }
    return { accepted, duplicates: alerts.length - accepted };
  }

  private async openDigest(): Promise<void> {
    const name = `digest-${Date.now().toString(36)}${randomBytes(3).toString('hex')}.json`;
    const path = await this.deps.store.write(name, '[\n');
    const stream = createWriteStream(this.deps.files.resolveUserPath(path), { flags: 'a' });
    this.digest = { path, stream, staging: this.deps.state.newStaging(), pendingIds: [], count: 0, byRule: new Map() };
    const buffered = this.buffer;
    this.buffer = [];
    await this.writeDigest(buffered);
  }

  /** Appends a batch of events to the digest file (one write) and stages their ids. */
  private async writeDigest(alerts: Alert[]): Promise<void> {
    const d = this.digest!;
    const lines: string[] = [];
    for (const alert of alerts) {
      lines.push(JSON.stringify(alert.event));
      if (alert.time) {
        if (!d.from || alert.time < d.from) d.from = alert.time;
        if (!d.to || alert.time > d.to) d.to = alert.time;
      }
      const rule = alert.rule ?? alert.eventName ?? alert.name;
      if (d.byRule.has(rule) || d.byRule.size < 1000) d.byRule.set(rule, (d.byRule.get(rule) ?? 0) + 1);
      d.pendingIds.push(alert.id);
    }
    if (!lines.length) return;
    const chunk = `${d.count ? ',\n' : ''}${lines.join(',\n')}`;
    d.count += lines.length;
    if (d.pendingIds.length >= STAGE_BATCH) await this.flushStaging();
    if (!d.stream.write(chunk)) await once(d.stream, 'drain');
  }

  private async flushStaging(): Promise<void> {
    const d = this.digest!;
    const ids = d.pendingIds;
    d.pendingIds = [];
    await this.deps.state.stage(d.staging, ids);
  }

  /** Queues the cycle's alerts, then stores marks and checkpoint; runs the after-commit hooks. */
  async commit(): Promise<CommitSummary> {
    const summary = this.digest ? await this.commitDigest() : await this.commitCards();
    for (const fn of this.after) {
      try {
        await fn();
      } catch (err) {
        this.deps.log.warn({ err }, 'after-commit step failed');
      }
    }
    return summary;
  }

  private async commitCards(): Promise<CommitSummary> {
    const { state, outbox, source } = this.deps;
    for (const alert of this.buffer) {
      const key = `alert:${source.environment}:${shortHash(`${source.connector}\n${alert.id}`)}`;
      const links = await this.writeAlertFiles(alert, key);
      await outbox.upsert(key, this.conversation, alertMessage(alert, source, links));
      await state.add('alert', [alert.id]);
    }
    await state.commit(this.marks, this.checkpoint);
    return { posted: this.buffer.length, digest: 0 };
  }

  /**
   * Files linked from the card. Names on disk stay short: a download link carries the path, and
   * the server's route takes ids of at most 100 characters.
   */
  private async writeAlertFiles(alert: Alert, key: string): Promise<Array<{ name: string; url: string }>> {
    const { store, files } = this.deps;
    const base = key.split(':').pop()!.slice(0, 16);
    const out: Array<{ name: string; url: string }> = [];
    const eventPath = await store.write(`${base}-event.json`, JSON.stringify(alert.event, null, 2));
    out.push({ name: 'event.json', url: files.signedUrl(eventPath) });
    let n = 0;
    for (const a of alert.attachments ?? []) {
      const ext = /\.[A-Za-z0-9]{1,8}$/.exec(a.name)?.[0] ?? '';
      const path = await store.write(`${base}-${++n}${ext}`, a.data);
      out.push({ name: a.name, url: files.signedUrl(path) });
    }
    return out;
  }

  private async commitDigest(): Promise<CommitSummary> {
    const { state, outbox, source, files } = this.deps;
    const d = this.digest!;
    await this.flushStaging();
    d.stream.end('\n]\n');
    await once(d.stream, 'finish');
    const name = `${safeFileName(source.connector, 60)}-${d.count}-events.json`;
    const message = digestMessage(
      {
        count: d.count,
        from: d.from,
        to: d.to,
        byRule: [...d.byRule.entries()].sort((a, b) => b[1] - a[1]),
        reason: Number.isFinite(this.deps.capacity) ? `more than the ${this.deps.capacity} cards this channel can take per cycle` : 'one cycle',
      },
      source,
      { name, url: files.signedUrl(d.path) },
    );
    const messageKey = `digest:${source.environment}:${shortHash(`${source.connector}\n${d.staging}`)}`;
    await state.setPending({ messageKey, conversation: this.conversation, message, staging: d.staging, marks: this.marks, checkpoint: this.checkpoint });
    await outbox.upsert(messageKey, this.conversation, message);
    await outbox.file(source.environment, this.conversation, { name, path: d.path, title: `${d.count} events` }, messageKey);
    await state.commit(this.marks, this.checkpoint, d.staging);
    return { posted: 0, digest: d.count };
  }

  /** Drops an unfinished digest file (the cycle failed before committing; the next one repeats it). */
  async discard(): Promise<void> {
    if (!this.digest) return;
    this.digest.stream.destroy();
    await rm(this.deps.files.resolveUserPath(this.digest.path), { force: true }).catch(() => undefined);
  }
}

/** Finishes a digest commit that a crash interrupted (before a cycle reads anything). */
export async function finishPendingCommit(state: ConnectorState, outbox: Outbox, log: Logger): Promise<boolean> {
  const p = await state.getPending();
  if (!p) return false;
  log.info({ messageKey: p.messageKey }, 'finishing an interrupted digest commit');
  await outbox.upsert(p.messageKey, p.conversation as ConversationRef, p.message as Parameters<Outbox['upsert']>[2]);
  await state.commit(p.marks, p.checkpoint, p.staging);
  return true;
}

/**
 * Where a connector cycle's alerts go (behaviour.md 18, 33; contract.md §7.6). Alerts whose ids an
 * earlier cycle committed are dropped. Up to `capacity` new alerts are posted one card each;
 * past it the cycle streams every event into one JSON file and posts one digest card instead.
 *
 * Commit order gives "each source event exactly once":
 * - one card per alert is an outbox *upsert* under a key derived from the event id, then the
 *   id is added to the dedup set; a crash between the two re-upserts the same key next cycle,
 *   which updates the posted card in place instead of posting a second one;
 * - a digest's ids are staged in Redis while the file is written (queue/connector-state.ts); the
 *   commit record (card, staging, checkpoint) is saved before the card is queued, and the next
 *   cycle finishes a commit that a crash interrupted;
 * - the checkpoint is stored last, in the same transaction as the dedup marks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { alertMessage, digestMessage, triagedAlertMessage, type AlertSource } from '../cards/alert-messages';
import type { FileStore } from '../handlers/kit/context';
import type { Alert, PostResult, PostSource } from '../handlers/kit/schedule';
import { safeFileName, type FilesRoot } from '../lib/files';
import type { AlertStore } from '../store/alerts';
import type { ConnectorState } from './connector-state';
import type { Outbox } from './outbox';
import type { ConversationRef, Platform } from './types';

/** Sustained messages per second a channel takes (Slack allows about 1/s per channel, Teams 1,800/h per conversation; the web chat is ours). */
const CHANNEL_RATE_PER_S: Record<Platform, number> = { slack: 1, teams: 0.5, webchat: 20 };
/** More cards than this in one cycle are never posted one by one: nobody reads them. */
const MAX_CARDS_PER_CYCLE = 25;
/**
 * Digest text buffered before the cycle waits for the disk: a dozen blobs' text (a few hundred KB
 * each), so that reading goes on while it is written; the same for any flood size. The wait is for
 * all of it to be written, each write's end noticed between two blobs' parsing: with 1 MB a
 * 100,000-event flood's hand-overs stood 150-200 ms in all waiting for it.
 */
const DIGEST_WRITE_BUFFER = 4 * 1024 * 1024;

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
  /** Where alert cards are kept for triage from chat (Acknowledge, Assign, Close, Escalate); without it a card has no triage buttons. */
  alerts?: AlertStore;
}

export interface CommitSummary {
  posted: number;
  digest: number;
}

export class AlertSink {
  private readonly conversation: ConversationRef;
  /**
   * Ids accepted this cycle while they are cards (at most `capacity`); once a digest is open its
   * ids are in its staging set in Redis, so memory stays flat however many events a cycle reads.
   */
  private readonly accepted = new Set<string>();
  private acceptedTotal = 0;
  private buffer: Alert[] = [];
  private digest: DigestFile | null = null;
  private readonly marks: Record<string, string[]> = {};
  private checkpoint: string | null = null;
  private readonly after: Array<() => Promise<void>> = [];
  /** Settles when the posts called so far have (see post). */
  private posted: Promise<void> = Promise.resolve();

  constructor(private readonly deps: SinkDeps) {
    this.conversation = conversationOf(deps.channel);
  }

  get acceptedCount(): number {
    return this.acceptedTotal;
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

  /**
   * Hands alerts over. Posts may overlap (a connector hands over its next source before the
   * previous post returns): each runs after the ones called before it, in call order, and with a
   * digest open its ids' staging is sent at once, so that Redis (which runs a connection's
   * commands in order) stages the next batch while this process waits for the previous one.
   */
  post(alerts: Alert[], from?: PostSource): Promise<PostResult> {
    let staging: { ids: string[]; isNew: Promise<boolean[]> } | undefined;
    if (this.digest) {
      const ids = alerts.map((a) => a.id);
      staging = { ids, isNew: this.deps.state.stageNew(this.digest.staging, ids) };
      // Awaited in its turn; a failure meanwhile is not an unhandled rejection.
      staging.isNew.catch(() => undefined);
    }
    const run = this.posted.then(() => this.postInTurn(alerts, from, staging));
    this.posted = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async postInTurn(
    alerts: Alert[],
    from: PostSource | undefined,
    staging: { ids: string[]; isNew: Promise<boolean[]> } | undefined,
  ): Promise<PostResult> {
    // With a digest open, staging drops an id seen twice (in the batch too): no set per batch here.
    const fresh: Alert[] = this.digest ? alerts : [];
    if (!this.digest) {
      const inBatch = new Set<string>();
      for (const a of alerts) {
        if (this.accepted.has(a.id) || inBatch.has(a.id)) continue;
        inBatch.add(a.id);
        fresh.push(a);
      }
    }
    const ids = staging?.ids ?? fresh.map((a) => a.id);
    let toDigest: Alert[] = [];
    let staged = false;
    let cards = 0;
    if (this.digest) {
      // One round trip: ids neither committed by an earlier cycle nor staged in this one are staged.
      const isNew = await (staging?.isNew ?? this.deps.state.stageNew(this.digest.staging, ids));
      toDigest = isNew.every(Boolean) ? fresh : fresh.filter((_, i) => isNew[i]);
      staged = true;
    } else {
      const seen = await this.deps.state.has('alert', ids);
      for (let i = 0; i < fresh.length; i++) {
        if (seen[i]) continue;
        const alert = fresh[i]!;
        if (this.buffer.length < this.deps.capacity) {
          this.accepted.add(alert.id);
          this.buffer.push(alert);
          cards++;
        } else toDigest.push(alert);
      }
    }
    const accepted = toDigest.length + cards;
    this.acceptedTotal += accepted;
    if (toDigest.length) {
      if (!this.digest) await this.openDigest();
      // Every alert of the source, in order, goes to the digest: its text is copied as it came.
      await this.writeDigest(toDigest, staged, from && toDigest.length === alerts.length ? from.json : undefined);
    }
    return { accepted, duplicates: alerts.length - accepted };
  }

  private async openDigest(): Promise<void> {
    const name = `digest-${Date.now().toString(36)}${randomBytes(3).toString('hex')}.json`;
    const path = await this.deps.store.write(name, '[\n');
    const stream = createWriteStream(this.deps.files.resolveUserPath(path), { flags: 'a', highWaterMark: DIGEST_WRITE_BUFFER });
    this.digest = { path, stream, staging: this.deps.state.newStaging(), count: 0, byRule: new Map() };
    const buffered = this.buffer;
    this.buffer = [];
    this.accepted.clear();
    await this.writeDigest(buffered, false);
  }

  /**
   * Appends a batch of events to the digest file (one write) and stages their ids (unless
   * `staged`). `json`: the JSON array text whose elements are these alerts' events, in order
   * (copied as it is).
   */
  private async writeDigest(alerts: Alert[], staged: boolean, json?: Buffer): Promise<void> {
    const d = this.digest!;
    const inner = json ? arrayElements(json) : undefined;
    const lines: string[] = [];
    for (const alert of alerts) {
      if (!inner) lines.push(JSON.stringify(alert.event));
      const time = alert.time;
      // Most often the one before's (the same string: compared at once).
      if (time && time !== d.to && time !== d.from) {
        if (!d.from || time < d.from) d.from = time;
        if (!d.to || time > d.to) d.to = time;
      }
      const rule = alert.rule ?? alert.eventName ?? alert.name;
      const n = d.byRule.get(rule);
      if (n !== undefined || d.byRule.size < 1000) d.byRule.set(rule, (n ?? 0) + 1);
    }
    if (!alerts.length) return;
    const separator = d.count ? ',\n' : '';
    d.count += alerts.length;
    if (!staged)
      await this.deps.state.stage(
        d.staging,
        alerts.map((a) => a.id),
      );
    // One write (writev) for the separator and the text.
    d.stream.cork();
    if (inner && separator) d.stream.write(separator);
    const room = d.stream.write(inner ?? `${separator}${lines.join(',\n')}`);
    d.stream.uncork();
    if (!room) await once(d.stream, 'drain');
  }

  /** Queues the cycle's alerts, then stores marks and checkpoint; runs the after-commit hooks. */
  async commit(): Promise<CommitSummary> {
    // Every post handed over first (a connector waits for its own; this is in case it did not).
    await this.posted;
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
      const id = shortHash(`${source.connector}\n${alert.id}`);
      const key = `alert:${source.environment}:${id}`;
      const links = await this.writeAlertFiles(alert, key);
      const card = alertMessage(alert, source, links);
      // Kept for triage; a card posted again after a crash keeps what was already done to it.
      const triage = await this.deps.alerts?.save({
        environment: source.environment,
        id,
        messageKey: key,
        channel: this.deps.channel,
        conversation: this.conversation,
        connector: source.connector,
        name: alert.name,
        eventId: alert.id,
        card,
        createdAt: Date.now(),
      });
      await outbox.upsert(key, this.conversation, triage ? triagedAlertMessage(card, triage, { environment: source.environment, alert: id }) : card);
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

/** The elements of a JSON array text (between its outer brackets, surrounding blanks cut). */
export function arrayElements(json: Buffer): Buffer {
  let start = json.indexOf(0x5b) + 1;
  let end = json.lastIndexOf(0x5d);
  if (start <= 0 || end < start) throw new Error('not a JSON array');
  const blank = (b: number | undefined): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
  while (start < end && blank(json[start])) start++;
  while (end > start && blank(json[end - 1])) end--;
  return json.subarray(start, end);
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

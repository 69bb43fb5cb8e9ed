/**
 * Moves a campaign's mails exactly once (contract.md §8), for purge and restore alike. Each move
 * is written to the ledger as an intent before it is sent and as done after. A move whose last
 * record is an intent (or a failure) may have happened before a crash: it is checked first — the
 * message still under its old id has not moved (Graph gives a moved message a new id); one that
 * is no longer there is looked for by its internetMessageId in the destination, and found there it
 * is recorded as moved, never moved again.
 */
import { reasonOf, UpstreamError } from '../../kit/errors';
import type { ActionContext } from '../../kit/context';
import { GraphClient, type GraphClientOptions, graphReason } from '../client';
import { latestByKey, type MoveOp, type MoveRecord, type MoveState, moveKey, MovesLedger } from './ledger';

/**
 * The Graph client options of a campaign job: a long job under Graph's throttling keeps sending
 * a refused request again after its Retry-After (Graph refuses before acting) well past the
 * client's default, rather than leave mail behind (the job is resumable either way).
 */
export const CAMPAIGN_GRAPH: GraphClientOptions = { maxAttempts: 25 };

/** What the engine needs of Graph; tests give an in-memory mailbox. */
export interface MoveApi {
  /** Whether a message with this id exists in the mailbox. */
  exists(mailbox: string, id: string): Promise<boolean>;
  /**
   * Moves a message: its new id and folder; null when no message has that id (404); `moved` when
   * the move was done but its answer carried no message (a move sent again after a lost answer).
   */
  move(mailbox: string, id: string, destinationId: string): Promise<{ id: string; parentFolderId?: string } | null | 'moved'>;
  /** The messages of a folder with this internetMessageId. */
  findIn(mailbox: string, folderId: string, internetMessageId: string): Promise<Array<{ id: string; parentFolderId?: string }>>;
}

export interface MoveItem {
  mailbox: string;
  id: string;
  internetMessageId?: string;
  fromFolderId?: string;
  toFolderId: string;
}

export interface MoveOutcome {
  state: Exclude<MoveState, 'intent'>;
  newId?: string;
  /** The folder it is in after the move, when Graph said. */
  toFolderId?: string;
  reason?: string;
}

function noSuchItem(status: number, body: unknown): boolean {
  return (status === 404 || status === 400) && /^(ErrorItemNotFound|ErrorInvalidIdMalformed)\b/.test(graphReason(status, body));
}

function fail(status: number, body: unknown): never {
  throw new UpstreamError(graphReason(status, body), status);
}

function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The MoveApi over Microsoft Graph (https://learn.microsoft.com/graph/api/message-move). */
export function graphMoveApi(graph: GraphClient): MoveApi {
  const base = (mailbox: string) => `v1.0/users/${encodeURIComponent(mailbox)}`;
  return {
    async exists(mailbox, id) {
      const res = await graph.request('GET', `${base(mailbox)}/messages/${encodeURIComponent(id)}?$select=id`);
      if (res.status >= 200 && res.status < 300) return true;
      if (noSuchItem(res.status, res.body)) return false;
      return fail(res.status, res.body);
    },
    async move(mailbox, id, destinationId) {
      const res = await graph.request('POST', `${base(mailbox)}/messages/${encodeURIComponent(id)}/move`, { destinationId });
      if (res.status >= 200 && res.status < 300) {
        const m = res.body as { id?: unknown; parentFolderId?: unknown } | undefined;
        if (m && typeof m.id === 'string') return { id: m.id, parentFolderId: typeof m.parentFolderId === 'string' ? m.parentFolderId : undefined };
        return 'moved';
      }
      if (noSuchItem(res.status, res.body)) return null;
      return fail(res.status, res.body);
    },
    async findIn(mailbox, folderId, internetMessageId) {
      const filter = `internetMessageId eq ${odataString(internetMessageId)}`;
      const path = `${base(mailbox)}/mailFolders/${encodeURIComponent(folderId)}/messages?$filter=${encodeURIComponent(filter)}&$select=id,parentFolderId&$top=50`;
      const res = await graph.request('GET', path);
      if (res.status < 200 || res.status >= 300) return fail(res.status, res.body);
      return ((res.body as { value?: Array<{ id: string; parentFolderId?: string }> })?.value ?? []).filter((m) => typeof m?.id === 'string');
    },
  };
}

export class MoveEngine {
  /** New ids already recorded as the result of a move, per mailbox: a look-up never claims one twice. */
  private readonly claimed = new Set<string>();

  constructor(
    private readonly op: MoveOp,
    private readonly api: MoveApi,
    private readonly ledger: MovesLedger,
    /** The ledger's last record per key of this op, read before the run. */
    private readonly prior: Map<string, MoveRecord>,
    private readonly job: string,
  ) {
    for (const r of prior.values()) if (r.state === 'done' && r.newId) this.claimed.add(`${r.mailbox.toLowerCase()}|${r.newId}`);
  }

  private record(item: MoveItem, state: MoveState, extra: Partial<MoveRecord> = {}): Promise<void> {
    return this.ledger.append({
      op: this.op,
      key: moveKey(this.op, item.mailbox, item.id),
      mailbox: item.mailbox,
      id: item.id,
      ...(item.internetMessageId ? { internetMessageId: item.internetMessageId } : {}),
      ...(item.fromFolderId ? { fromFolderId: item.fromFolderId } : {}),
      toFolderId: item.toFolderId,
      state,
      job: this.job,
      at: new Date().toISOString(),
      ...extra,
    });
  }

  /** Records a move found done by a look-up, or the message as gone. */
  private async lookUp(item: MoveItem): Promise<MoveOutcome> {
    if (item.internetMessageId) {
      const found = await this.api.findIn(item.mailbox, item.toFolderId, item.internetMessageId);
      const mine = found.find((m) => !this.claimed.has(`${item.mailbox.toLowerCase()}|${m.id}`));
      if (mine) {
        this.claimed.add(`${item.mailbox.toLowerCase()}|${mine.id}`);
        await this.record(item, 'done', { newId: mine.id, ...(mine.parentFolderId ? { toFolderId: mine.parentFolderId } : {}), reason: 'found moved' });
        return { state: 'done', newId: mine.id, toFolderId: mine.parentFolderId };
      }
    }
    await this.record(item, 'gone');
    return { state: 'gone' };
  }

  /** Moves one message at most once, whatever happened in earlier runs. */
  async run(item: MoveItem): Promise<MoveOutcome> {
    const prior = this.prior.get(moveKey(this.op, item.mailbox, item.id));
    if (prior && (prior.state === 'done' || prior.state === 'gone' || prior.state === 'skipped')) {
      return { state: prior.state, newId: prior.newId, toFolderId: prior.toFolderId, reason: prior.reason };
    }
    try {
      if (prior) {
        // An intent (or a failure) without an answer on record: did the move happen?
        if (!(await this.api.exists(item.mailbox, item.id))) return await this.lookUp(item);
      } else {
        await this.record(item, 'intent');
      }
      const moved = await this.api.move(item.mailbox, item.id, item.toFolderId);
      // No message under that id any more: another request moved it meanwhile (a dead worker's move
      // still in flight at Graph, or a retried one whose first try was done), so look in the
      // destination before calling it gone.
      if (moved === null || moved === 'moved') return await this.lookUp(item);
      this.claimed.add(`${item.mailbox.toLowerCase()}|${moved.id}`);
      await this.record(item, 'done', { newId: moved.id, ...(moved.parentFolderId ? { toFolderId: moved.parentFolderId } : {}) });
      return { state: 'done', newId: moved.id, toFolderId: moved.parentFolderId };
    } catch (err) {
      const reason = reasonOf(err);
      // Not moved as far as we know; the next run checks it again.
      await this.record(item, 'failed', { reason }).catch(() => undefined);
      return { state: 'failed', reason };
    }
  }
}

/** What a purge or restore moves with: Graph (with the campaign's retries), the moves ledger at `ledgerPath`, and the engine over both. */
export async function openMoves(ctx: ActionContext, ledgerPath: string, op: MoveOp): Promise<{ graph: GraphClient; ledger: MovesLedger; engine: MoveEngine }> {
  const graph = new GraphClient(ctx, undefined, CAMPAIGN_GRAPH);
  const prior = await latestByKey(ledgerPath, op);
  const ledger = await MovesLedger.open(ledgerPath);
  return { graph, ledger, engine: new MoveEngine(op, graphMoveApi(graph), ledger, prior, ctx.job.id) };
}

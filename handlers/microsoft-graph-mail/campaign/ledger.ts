/**
 * The moves ledger of a campaign (`moves.jsonl`, contract.md §8): one JSON line per step of each
 * move, appended and flushed to disk (fdatasync) before the caller goes on. An `intent` is on disk
 * before its move is sent and a `done` (or `gone`, `skipped`, `failed`) after its answer, so a job
 * that runs again after a crash knows which moves may have happened and checks only those.
 * Appends made together share one write and one flush (group commit).
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readJsonLines } from './store';

export type MoveOp = 'purge' | 'restore';
/** intent: about to move; done: moved (newId); gone: not there any more; skipped: nothing to do; failed: not moved, why in `reason`. */
export type MoveState = 'intent' | 'done' | 'gone' | 'skipped' | 'failed';

export interface MoveRecord {
  op: MoveOp;
  /** `<op>:<mailbox>:<id>`: one move of one message. */
  key: string;
  mailbox: string;
  /** The id the message had before the move. */
  id: string;
  internetMessageId?: string;
  /** Where it was (purge: its folder when found; restore: Deleted Items). */
  fromFolderId?: string;
  /** Where it goes (purge: `deleteditems`, then the folder's id; restore: the folder it came from). */
  toFolderId?: string;
  /** The id after the move (Graph gives a moved message a new id). */
  newId?: string;
  state: MoveState;
  reason?: string;
  job: string;
  at: string;
}

export function moveKey(op: MoveOp, mailbox: string, id: string): string {
  return `${op}:${mailbox.toLowerCase()}:${id}`;
}

/** Final records win: the last line of each key. */
export async function latestByKey(path: string, op?: MoveOp): Promise<Map<string, MoveRecord>> {
  const out = new Map<string, MoveRecord>();
  for await (const r of readJsonLines<MoveRecord>(path)) {
    if (!r?.key || (op && r.op !== op)) continue;
    out.set(r.key, r);
  }
  return out;
}

interface Waiting {
  line: string;
  resolve(): void;
  reject(err: unknown): void;
}

export class MovesLedger {
  private waiting: Waiting[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  /** Lines written and flushes made (figures). */
  lines = 0;
  flushes = 0;

  private constructor(private readonly handle: FileHandle) {}

  static async open(path: string): Promise<MovesLedger> {
    await mkdir(dirname(path), { recursive: true });
    return new MovesLedger(await open(path, 'a'));
  }

  /** Resolves once the record is on disk. */
  append(record: MoveRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The moves ledger is closed.'));
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ line: `${JSON.stringify(record)}\n`, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the appends of this tick join the first write.
    await new Promise((r) => setImmediate(r));
    while (this.waiting.length) {
      const batch = this.waiting.splice(0);
      try {
        await this.handle.write(batch.map((w) => w.line).join(''));
        await this.handle.datasync();
        this.lines += batch.length;
        this.flushes++;
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.flushing = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.handle.close();
  }
}

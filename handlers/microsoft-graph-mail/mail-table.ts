/**
 * Search Emails' "Matching Mails" table (behaviour.md 10: Mail ID, Subject, Sender, Receivers,
 * Received Date) and its JSON result (behaviour.md 9: every field, or the table's).
 */
import { closeSync, constants, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileStore } from '../kit/context';
import type { JsonResultFile, ResultTable } from '../kit/outcome';
import type { Message, Recipient } from './lookup';

export const MATCHING_MAILS_COLUMNS = ['Mail ID', 'Subject', 'Sender', 'Receivers', 'Received Date'];
/** The Graph properties behind the table's columns. */
export const TABLE_FIELDS = ['id', 'subject', 'from', 'toRecipients', 'receivedDateTime'];

function address(r: Recipient | null | undefined): string {
  return r?.emailAddress?.address ?? '';
}

export function senderOf(m: Message): string {
  return address(m.from) || address(m.sender);
}

/** One mail's row of the table. */
export function mailRow(m: Message): string[] {
  return [m.id, m.subject ?? '', senderOf(m), (m.toRecipients ?? []).map(address).filter(Boolean).join(', '), m.receivedDateTime ?? ''];
}

/** The table of rows made by mailRow. */
export function matchingMailsRows(rows: string[][]): ResultTable {
  return { title: 'Matching Mails', columns: MATCHING_MAILS_COLUMNS, rows };
}

export function matchingMailsTable(mails: Message[]): ResultTable {
  return matchingMailsRows(mails.map(mailRow));
}

const TABLE_FIELD_SET = new Set(TABLE_FIELDS);

/** One mail for the JSON result: its mailbox, then every field Graph gave or the table's only. */
export function mailJson(mailbox: string, m: Message, allFields: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { mailbox };
  for (const k in m) {
    if (!Object.hasOwn(m, k) || k.startsWith('@odata.')) continue;
    if (!allFields && !TABLE_FIELD_SET.has(k)) continue;
    out[k] = m[k];
  }
  return out;
}

/** Rows of the table kept for the message: more than a chat shows (Slack 200 at most, an Adaptive Card 300 cells). */
export const TABLE_ROWS_KEPT = 200;
/** Characters of the JSON text kept for the message: more than a chat shows (an Adaptive Card 15,000). */
export const JSON_HEAD_CHARS = 16_384;
/** Text of mailboxes that finished before an earlier one, held in memory before it goes to a spool file. */
const WAITING_MAX_CHARS = 1_000_000;
/**
 * Text gathered before a write to the file. Writes are synchronous, like the spool's: a 64 KB
 * append to the page cache takes tens of microseconds, and queued asynchronous writes would hold
 * every chunk not yet written whenever mailboxes answer faster than the disk takes them.
 */
const WRITE_CHARS = 1 << 16;

/** A mailbox's matches in the JSON text, one mail a line, waiting for the mailboxes before it. */
interface Waiting {
  text: string;
  count: number;
}

/**
 * The JSON result of a search (behaviour.md 9) streamed to its file as mailboxes answer, and the
 * first rows of its table: what the message shows. Nothing else of a mailbox is kept once it is
 * written, so memory stays flat with the mailbox count. The file lists the mails in the order of
 * the mailboxes (those that finish early wait for the earlier ones; past a few MB in a spool file
 * beside it), each mailbox's in Graph's order: a JSON array, one mail a line.
 */
export class MatchingMailsFile {
  /** The table's first rows (up to TABLE_ROWS_KEPT). */
  readonly rows: string[][] = [];
  /** Rows of the whole table. */
  totalRows = 0;
  private head = '';
  private chars = 0;
  private next = 0;
  private readonly waiting = new Map<number, Waiting | null>();
  private waitingChars = 0;
  private readonly spilled = new Map<number, { at: number; bytes: number; count: number }>();
  private spool: { fd: number; path: string; size: number } | null = null;
  private buffer = '';
  private failed: unknown = null;
  /** Finished or aborted: mailboxes that answer after a cancel add nothing. */
  private ended = false;

  private constructor(
    /** Path relative to the files root. */
    readonly path: string,
    private readonly absolute: string,
    /** The file's descriptor, open for appending; -1 once closed. */
    private out: number,
  ) {}

  /** Creates the file `name` in the job's folder. */
  static async create(files: FileStore, name: string): Promise<MatchingMailsFile> {
    const path = await files.write(name, '');
    const absolute = files.resolve(path);
    // Appended to by this job only; never through a symlink planted where the file is.
    const out = openSync(absolute, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
    return new MatchingMailsFile(path, absolute, out);
  }

  /** Mailbox `index` answered with `mails`. */
  add(index: number, mailbox: string, mails: Message[], allFields: boolean): void {
    if (this.ended) return;
    if (!mails.length) {
      this.skip(index);
      return;
    }
    let text = '';
    for (const m of mails) text += `${text ? ',\n' : ''}${JSON.stringify(mailJson(mailbox, m, allFields))}`;
    if (index !== this.next) {
      this.waiting.set(index, { text, count: mails.length });
      this.waitingChars += text.length;
      if (this.waitingChars > WAITING_MAX_CHARS) this.spill();
      return;
    }
    for (let i = 0; i < mails.length && this.rows.length < TABLE_ROWS_KEPT; i++) this.rows.push(mailRow(mails[i] as Message));
    this.emit(text, mails.length, true);
    this.next++;
    this.drain();
  }

  /** Mailbox `index` has nothing for the result (no match, not found, failed). */
  skip(index: number): void {
    if (this.ended) return;
    if (index !== this.next) {
      this.waiting.set(index, null);
      return;
    }
    this.next++;
    this.drain();
  }

  /**
   * Ends the JSON text once every mailbox has been added or skipped: the file and the start of
   * its text, or null (and no file) when no mailbox had a match.
   */
  async finish(): Promise<JsonResultFile | null> {
    if (this.ended) throw new Error('the result file was already closed');
    if (this.waiting.size || this.spilled.size) throw new Error('a mailbox of the search was never written to its result');
    if (!this.chars) {
      await this.abort();
      return null;
    }
    this.put('\n]\n');
    this.ended = true;
    this.flush();
    this.close();
    this.closeSpool();
    if (this.failed) throw this.failed;
    return { path: this.path, head: this.head, totalChars: this.chars };
  }

  /** Closes and removes the file (a search that failed or found nothing). */
  async abort(): Promise<void> {
    this.ended = true;
    this.buffer = '';
    this.close();
    await unlink(this.absolute).catch(() => undefined);
    this.closeSpool();
  }

  private close(): void {
    if (this.out < 0) return;
    try {
      closeSync(this.out);
    } catch (err) {
      this.failed ??= err;
    }
    this.out = -1;
  }

  /** Writes the mailboxes that were waiting for the one just written. */
  private drain(): void {
    for (;;) {
      const w = this.waiting.get(this.next);
      if (w !== undefined) {
        this.waiting.delete(this.next);
        if (w) {
          this.waitingChars -= w.text.length;
          this.emit(w.text, w.count, false);
        }
      } else {
        const s = this.spilled.get(this.next);
        if (!s || !this.spool) return;
        this.spilled.delete(this.next);
        const buf = Buffer.allocUnsafe(s.bytes);
        readSync(this.spool.fd, buf, 0, s.bytes, s.at);
        this.emit(buf.toString('utf8'), s.count, false);
      }
      this.next++;
    }
  }

  /** One mailbox's mails into the text; its rows too while the table has room (`rowsDone`: already added). */
  private emit(text: string, count: number, rowsDone: boolean): void {
    if (!rowsDone && this.rows.length < TABLE_ROWS_KEPT) {
      for (const m of JSON.parse(`[${text}]`) as Message[]) {
        if (this.rows.length >= TABLE_ROWS_KEPT) break;
        this.rows.push(mailRow(m));
      }
    }
    this.totalRows += count;
    this.put(this.chars ? `,\n${text}` : `[\n${text}`);
  }

  private put(piece: string): void {
    this.chars += piece.length;
    if (this.head.length < JSON_HEAD_CHARS) {
      let h = this.head + piece.slice(0, JSON_HEAD_CHARS - this.head.length);
      // Never half a surrogate pair at the cut.
      if (h.length === JSON_HEAD_CHARS && /[\ud800-\udbff]$/.test(h)) h = h.slice(0, -1);
      this.head = h;
    }
    this.buffer += piece;
    if (this.buffer.length >= WRITE_CHARS) this.flush();
  }

  private flush(): void {
    if (!this.buffer) return;
    const text = this.buffer;
    this.buffer = '';
    if (this.failed) return;
    try {
      // The string as is: Node encodes it outside the JS heap. A short write (a full disk) is
      // finished from its bytes.
      const written = writeSync(this.out, text);
      if (written < Buffer.byteLength(text)) {
        const data = Buffer.from(text, 'utf8');
        for (let at = written; at < data.length; ) at += writeSync(this.out, data, at);
      }
    } catch (err) {
      this.failed = err;
    }
  }

  /** Moves the waiting mailboxes' text to the spool file (a mailbox far behind the others: a long Retry-After). */
  private spill(): void {
    if (!this.spool) {
      const path = join(dirname(this.absolute), `${basename(this.absolute)}.spool`);
      const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
      this.spool = { fd, path, size: 0 };
    }
    for (const [index, w] of this.waiting) {
      if (!w) continue;
      const bytes = writeSync(this.spool.fd, w.text, this.spool.size, 'utf8');
      this.spilled.set(index, { at: this.spool.size, bytes, count: w.count });
      this.spool.size += bytes;
      this.waiting.delete(index);
    }
    this.waitingChars = 0;
  }

  private closeSpool(): void {
    if (!this.spool) return;
    closeSync(this.spool.fd);
    rmSync(this.spool.path, { force: true });
    this.spool = null;
  }
}

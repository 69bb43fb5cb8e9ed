/**
 * A campaign's state, in files under the environment's files root (contract.md §8; handlers keep
 * no state of their own elsewhere): `campaigns/<id>/campaign.json` (what was asked, by whom, the
 * state and each step), `matches.jsonl` (one line per match), `report.json` (every match, the
 * file `find` posts) and `moves.jsonl` (the moves ledger, ledger.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { UserError } from '../../kit/errors';
import type { FileStore } from '../../kit/context';
import type { CampaignCriteria } from './criteria';

export type CampaignState = 'found' | 'purging' | 'purged' | 'restoring' | 'restored';

export interface CampaignStep {
  step: 'find' | 'purge' | 'restore';
  job: string;
  requestedBy: string;
  approvedBy?: string;
  /** ISO time the step started. */
  at: string;
  /** ISO time it ended, and its one-line outcome. */
  endedAt?: string;
  outcome?: string;
}

export interface FindCounts {
  /** Mailboxes the search covered (listed or given). */
  mailboxes: number;
  searched: number;
  /** Users without a mail address (not searched). */
  withoutMail: number;
  /** Mail address but no Exchange Online mailbox (404 MailboxNotEnabledForRESTAPI). */
  noMailbox: number;
  unreachable: number;
  matches: number;
  mailboxesHit: number;
}

export interface MoveCounts {
  moved: number;
  /** Already in Deleted Items (purge) when found. */
  skipped: number;
  /** Not found any more (deleted, emptied from Deleted Items). */
  gone: number;
  failed: number;
}

export interface Campaign {
  id: string;
  criteria: CampaignCriteria;
  mailboxes: 'all' | string[];
  createdBy: string;
  createdAt: string;
  findJob: string;
  state: CampaignState;
  steps: CampaignStep[];
  counts: FindCounts;
  purge?: MoveCounts;
  restore?: MoveCounts;
  /** Mailboxes that could not be searched, with why (never silently dropped). */
  unreachable: Array<{ mailbox: string; reason: string }>;
}

/** One match of the search: where it is, and what the tables show. */
export interface Match {
  mailbox: string;
  id: string;
  internetMessageId?: string;
  subject: string;
  sender: string;
  received: string;
  parentFolderId?: string;
}

export const CAMPAIGN_ID = /^c-[a-z2-7]{8}$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `c-` and 8 base32 characters of the find job's id: the same campaign when that job runs again. */
export function campaignIdFor(findJobId: string): string {
  const digest = createHash('sha256').update(`campaign:${findJobId}`).digest();
  let out = '';
  for (let i = 0; i < 8; i++) out += BASE32[(digest[i] as number) % 32];
  return `c-${out}`;
}

/** The campaign id as typed (trimmed, lowercased); a UserError when it is not one. */
export function campaignIdOf(value: unknown): string {
  const id = String(value ?? '')
    .trim()
    .toLowerCase();
  if (!CAMPAIGN_ID.test(id)) throw new UserError(`${JSON.stringify(String(value ?? ''))} is not a campaign id (c- and 8 letters or digits, e.g. c-abcd2345).`);
  return id;
}

/** The files of one campaign in an environment's files root. */
export class CampaignFiles {
  readonly dir: string;

  constructor(
    readonly root: string,
    readonly id: string,
  ) {
    this.dir = join(root, 'campaigns', id);
  }

  static of(files: Pick<FileStore, 'resolve'>, id: string): CampaignFiles {
    const dir = files.resolve(`campaigns/${id}`);
    return new CampaignFiles(join(dir, '..', '..'), id);
  }

  /** Path relative to the files root (for result files and links). */
  rel(name: string): string {
    return `campaigns/${this.id}/${name}`;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  async read(): Promise<Campaign | null> {
    try {
      return JSON.parse(await readFile(this.path('campaign.json'), 'utf8')) as Campaign;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Replaces campaign.json atomically (write, then rename). */
  async write(c: Campaign): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = this.path(`campaign.json.${process.pid}.${Date.now()}.tmp`);
    await writeFile(tmp, `${JSON.stringify(c, null, 2)}\n`);
    await rename(tmp, this.path('campaign.json'));
  }

  async exists(name: string): Promise<boolean> {
    try {
      await access(this.path(name));
      return true;
    } catch {
      return false;
    }
  }

  /** A fresh matches.jsonl (a find that runs again starts over). */
  async matchesWriter(): Promise<LineWriter> {
    await mkdir(this.dir, { recursive: true });
    return new LineWriter(createWriteStream(this.path('matches.jsonl'), { flags: 'w' }));
  }

  /** The matches, one at a time, in the order found (grouped by mailbox). */
  matches(): AsyncGenerator<Match> {
    return readJsonLines<Match>(this.path('matches.jsonl'));
  }
}

/** Reads a JSON-lines file one line at a time (a missing file has none; a torn last line is skipped). */
export async function* readJsonLines<T>(path: string): AsyncGenerator<T> {
  try {
    await access(path);
  } catch {
    return;
  }
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      try {
        yield JSON.parse(line) as T;
      } catch {
        // A line cut short by a crash: the record after it was never written either.
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** Appends JSON lines to a stream, waiting when the stream asks to (all writers wait for the same drain). */
export class LineWriter {
  private draining: Promise<void> | null = null;
  private failed: Error | null = null;

  constructor(private readonly out: WriteStream) {
    // A disk error fails the next write or the close, never the process.
    out.on('error', (err) => {
      this.failed = err;
    });
  }

  async write(value: unknown): Promise<void> {
    return this.writeMany([value]);
  }

  /** Several lines in one write: nothing else's lines come between them. */
  async writeMany(values: unknown[]): Promise<void> {
    if (this.failed) throw this.failed;
    if (!values.length) return;
    if (!this.out.write(values.map((v) => `${JSON.stringify(v)}\n`).join('')) && !this.draining) {
      this.draining = new Promise<void>((r) =>
        this.out.once('drain', () => {
          this.draining = null;
          r();
        }),
      );
    }
    if (this.draining) await this.draining;
  }

  async close(): Promise<void> {
    if (this.failed) throw this.failed;
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (this.failed) throw this.failed;
  }
}

/** Consecutive matches of one mailbox together (find writes each mailbox's matches in one piece). */
export async function* byMailbox(matches: AsyncIterable<Match>): AsyncGenerator<{ mailbox: string; matches: Match[] }> {
  let current: { mailbox: string; matches: Match[] } | null = null;
  for await (const m of matches) {
    if (current && current.mailbox === m.mailbox) current.matches.push(m);
    else {
      if (current) yield current;
      current = { mailbox: m.mailbox, matches: [m] };
    }
  }
  if (current) yield current;
}

/** Runs `fn` for the items of `source`, `concurrency` at a time, reading the source only as fast as they finish. */
export async function pool<T>(source: AsyncIterable<T> | Iterable<T>, concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
  const lane = async (): Promise<void> => {
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      await fn(r.value);
    }
  };
  await settleAll(Array.from({ length: Math.max(1, concurrency) }, lane));
}

/** Waits for every promise (nothing left running), then throws the first failure if any. */
export async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The campaigns of an environment, newest first. */
export async function listCampaigns(files: Pick<FileStore, 'resolve'>): Promise<Campaign[]> {
  let names: string[];
  try {
    names = await readdir(files.resolve('campaigns'));
  } catch {
    return [];
  }
  const out: Campaign[] = [];
  for (const name of names.filter((n) => CAMPAIGN_ID.test(n))) {
    const c = await CampaignFiles.of(files, name)
      .read()
      .catch(() => null);
    if (c) out.push(c);
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * The moves ledger and the exactly-once move engine (contract.md §8): intents on disk before a
 * move, done after; a run after a crash between the two moves nothing twice. Graph is an
 * in-memory mailbox here that gives a moved message a new id, as Exchange does.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latestByKey, MovesLedger, moveKey, type MoveRecord } from '../../handlers/microsoft-graph-mail/campaign/ledger';
import { MoveEngine, type MoveApi, type MoveItem } from '../../handlers/microsoft-graph-mail/campaign/moves';

interface Mail {
  folder: string;
  imid: string;
}

/** Mailboxes of messages by id; every successful move counted per internetMessageId. */
class FakeGraph implements MoveApi {
  readonly boxes = new Map<string, Map<string, Mail>>();
  readonly movesOf = new Map<string, number>();
  private seq = 0;
  /** After this many moves, a move is done but never answers (the worker dies there). */
  hangAfter = Infinity;
  /** Resolves when a move hangs. */
  hung: Promise<void>;
  private onHang: () => void = () => undefined;

  constructor() {
    this.hung = new Promise((r) => {
      this.onHang = r;
    });
  }
  /** Moves whose answer is lost (done, answered without the message, as a retried move is). */
  loseAnswers = 0;
  failNext = 0;

  add(mailbox: string, folder: string, imid: string): string {
    const id = `m${++this.seq}`;
    if (!this.boxes.has(mailbox)) this.boxes.set(mailbox, new Map());
    this.boxes.get(mailbox)!.set(id, { folder, imid });
    return id;
  }

  async exists(mailbox: string, id: string): Promise<boolean> {
    return this.boxes.get(mailbox)?.has(id) ?? false;
  }

  async move(mailbox: string, id: string, destinationId: string): Promise<{ id: string; parentFolderId: string } | null | 'moved'> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('ErrorServerBusy: try again');
    }
    const box = this.boxes.get(mailbox)!;
    const mail = box.get(id);
    if (!mail) return null;
    box.delete(id);
    const newId = `m${++this.seq}`;
    const folder = destinationId === 'deleteditems' ? 'F-deleted' : destinationId;
    box.set(newId, { folder, imid: mail.imid });
    this.movesOf.set(mail.imid, (this.movesOf.get(mail.imid) ?? 0) + 1);
    const total = [...this.movesOf.values()].reduce((a, b) => a + b, 0);
    if (total > this.hangAfter) {
      this.onHang();
      return new Promise(() => undefined);
    }
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      return 'moved';
    }
    return { id: newId, parentFolderId: folder };
  }

  async findIn(mailbox: string, folderId: string, imid: string): Promise<Array<{ id: string; parentFolderId: string }>> {
    const folder = folderId === 'deleteditems' ? 'F-deleted' : folderId;
    return [...(this.boxes.get(mailbox) ?? new Map<string, Mail>()).entries()]
      .filter(([, m]) => m.folder === folder && m.imid === imid)
      .map(([id, m]) => ({ id, parentFolderId: m.folder }));
  }

  where(imid: string): string[] {
    const out: string[] = [];
    for (const [mb, box] of this.boxes) for (const m of box.values()) if (m.imid === imid) out.push(`${mb}:${m.folder}`);
    return out;
  }
}

function plant(g: FakeGraph, count: number): MoveItem[] {
  const items: MoveItem[] = [];
  for (let i = 0; i < count; i++) {
    const mailbox = `u${i % 4}@x.example`;
    const imid = `<wave-${i}@evil.example>`;
    const folder = i % 3 === 0 ? 'F-junk' : 'F-inbox';
    const id = g.add(mailbox, folder, imid);
    items.push({ mailbox, id, internetMessageId: imid, fromFolderId: folder, toFolderId: 'deleteditems' });
  }
  return items;
}

async function runAll(g: FakeGraph, path: string, items: MoveItem[], job = 'j-1'): Promise<string[]> {
  const prior = await latestByKey(path, 'purge');
  const ledger = await MovesLedger.open(path);
  const engine = new MoveEngine('purge', g, ledger, prior, job);
  const out = await Promise.all(items.map((i) => engine.run(i)));
  await ledger.close();
  return out.map((o) => o.state);
}

const tmp = () => join(mkdtempSync(join(tmpdir(), 'campaign-ledger-')), 'moves.jsonl');

describe('moves ledger', () => {
  it('appends each record durably, the last record of a key wins, a torn last line is skipped', async () => {
    const path = tmp();
    const ledger = await MovesLedger.open(path);
    const base = { op: 'purge' as const, mailbox: 'A@x.example', id: 'm1', job: 'j', at: 't' };
    await Promise.all([
      ledger.append({ ...base, key: moveKey('purge', 'A@x.example', 'm1'), state: 'intent' }),
      ledger.append({ ...base, id: 'm2', key: moveKey('purge', 'A@x.example', 'm2'), state: 'intent' }),
    ]);
    // Appends made together went out in one write and one flush.
    expect(ledger.flushes).toBe(1);
    await ledger.append({ ...base, key: moveKey('purge', 'A@x.example', 'm1'), state: 'done', newId: 'n1' });
    await ledger.close();
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"op":"purge","key":"purge:a@x.exa`);
    const latest = await latestByKey(path, 'purge');
    expect([...latest.entries()].map(([k, r]) => [k, r.state, r.newId])).toEqual([
      ['purge:a@x.example:m1', 'done', 'n1'],
      ['purge:a@x.example:m2', 'intent', undefined],
    ]);
    expect(await latestByKey(path, 'restore')).toEqual(new Map());
    expect(await latestByKey(join(path, '..', 'missing.jsonl'))).toEqual(new Map());
  });
});

describe('exactly-once moves', () => {
  it('writes the intent before the move and done after it, with where the mail came from', async () => {
    const g = new FakeGraph();
    const path = tmp();
    const items = plant(g, 3);
    expect(await runAll(g, path, items)).toEqual(['done', 'done', 'done']);
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MoveRecord);
    for (const item of items) {
      const mine = lines.filter((r) => r.id === item.id);
      expect(mine.map((r) => r.state)).toEqual(['intent', 'done']);
      expect(mine[1]).toMatchObject({ fromFolderId: item.fromFolderId, toFolderId: 'F-deleted', internetMessageId: item.internetMessageId });
      expect(g.where(item.internetMessageId!)).toEqual([`${item.mailbox}:F-deleted`]);
    }
  });

  it('a run after a crash between intent and done moves nothing twice and finishes the rest', async () => {
    const g = new FakeGraph();
    const path = tmp();
    const items = plant(g, 24);
    g.hangAfter = 10;
    // The first run dies with 10 moves answered and the 11th done but unanswered; the rest never sent.
    const dead = await MovesLedger.open(path);
    const engine = new MoveEngine('purge', g, dead, await latestByKey(path, 'purge'), 'j-1');
    void (async () => {
      for (const i of items) await engine.run(i);
    })();
    // Each earlier move waited for its done record, and this one for its intent: both are on disk.
    await g.hung;
    const crashed = await latestByKey(path, 'purge');
    expect([...crashed.values()].filter((r) => r.state === 'done')).toHaveLength(10);
    expect([...crashed.values()].filter((r) => r.state === 'intent')).toHaveLength(1);
    expect([...g.movesOf.values()].reduce((a, b) => a + b, 0)).toBe(11);
    // The dead run's file is let go (its process would be gone); nothing of it runs any more.
    await dead.close();

    g.hangAfter = Infinity;
    expect(await runAll(g, path, items, 'j-1')).toEqual(items.map(() => 'done'));
    for (const item of items) {
      expect(g.movesOf.get(item.internetMessageId!)).toBe(1);
      expect(g.where(item.internetMessageId!)).toEqual([`${item.mailbox}:F-deleted`]);
    }
    // The interrupted move was found in Deleted Items by its internetMessageId, not sent again.
    const final = await latestByKey(path, 'purge');
    expect([...final.values()].filter((r) => r.reason === 'found moved')).toHaveLength(1);
    // A third run changes nothing and sends nothing.
    expect(await runAll(g, path, items, 'j-2')).toEqual(items.map(() => 'done'));
    expect([...g.movesOf.values()].reduce((a, b) => a + b, 0)).toBe(24);
  });

  it('a 404 because an earlier attempt of the same move landed meanwhile is found in the destination, not recorded gone', async () => {
    const g = new FakeGraph();
    const path = tmp();
    const items = plant(g, 2);
    const move = g.move.bind(g);
    // A dead worker's move of the same mail lands just before this run's: this one answers 404.
    g.move = async (mailbox, id, destinationId) => {
      await move(mailbox, id, destinationId);
      return null;
    };
    expect(await runAll(g, path, items)).toEqual(['done', 'done']);
    for (const item of items) expect(g.movesOf.get(item.internetMessageId!)).toBe(1);
    const final = await latestByKey(path, 'purge');
    expect([...final.values()].map((r) => r.state)).toEqual(['done', 'done']);
  });

  it('a failed move is tried again by the next run; a lost answer is found by look-up; a gone mail is reported', async () => {
    const g = new FakeGraph();
    const path = tmp();
    const items = plant(g, 6);
    // Two copies of one mail in one mailbox: a look-up never takes the other's moved copy.
    const twin = g.add('u0@x.example', 'F-inbox', items[0]!.internetMessageId!);
    items.push({ ...items[0]!, id: twin });
    g.boxes.get(items[5]!.mailbox)!.delete(items[5]!.id);
    g.failNext = 1;
    g.loseAnswers = 2;
    const states = await runAll(g, path, items);
    expect(states.filter((s) => s === 'failed')).toHaveLength(1);
    expect(states[5]).toBe('gone');
    expect(await runAll(g, path, items)).toEqual(items.map((_, i) => (i === 5 ? 'gone' : 'done')));
    for (const item of items) if (item.id !== items[5]!.id && item.id !== twin) expect(g.movesOf.get(item.internetMessageId!)).toBe(item === items[0] ? 2 : 1);
    expect(g.where(items[0]!.internetMessageId!)).toEqual(['u0@x.example:F-deleted', 'u0@x.example:F-deleted']);
    const final = await latestByKey(path, 'purge');
    const twins = [...final.values()].filter((r) => r.internetMessageId === items[0]!.internetMessageId);
    expect(new Set(twins.map((r) => r.newId)).size).toBe(2);
  });
});

/**
 * Search Emails' JSON result streamed to its file (handlers/microsoft-graph-mail/mail-table.ts):
 * mails in the order of the mailboxes whatever order they answer in, the table's first rows kept,
 * the start of the text for the message, a spool file for mailboxes far ahead of an earlier one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FilesRoot } from '../../lib/files';
import type { Message } from '../../handlers/microsoft-graph-mail/lookup';
import { JSON_HEAD_CHARS, MatchingMailsFile, mailRow, TABLE_ROWS_KEPT } from '../../handlers/microsoft-graph-mail/mail-table';

const root = mkdtempSync(join(tmpdir(), 'mail-table-'));
let jobs = 0;
const store = () => new FilesRoot(root, randomBytes(32), 'http://127.0.0.1').forJob(`job-${++jobs}`);

function mail(mailbox: string, n: number, subject = `mail ${n} of ${mailbox}`): Message {
  return {
    id: `id-${mailbox}-${n}`,
    subject,
    from: { emailAddress: { address: 'siem@example.org' } },
    toRecipients: [{ emailAddress: { address: mailbox } }],
    receivedDateTime: '2026-01-01T00:00:00Z',
    body: { contentType: 'text', content: 'not in the table' },
  } as Message;
}

const read = (path: string): string => readFileSync(join(root, path), 'utf8');

describe('MatchingMailsFile', () => {
  it('writes the mails in the order of the mailboxes whatever order they answer in, and keeps the first rows', async () => {
    const out = await MatchingMailsFile.create(store(), 'matching-mails.json');
    const boxes = ['a@x', 'b@x', 'c@x', 'd@x'];
    const mails = boxes.map((b, i) => Array.from({ length: i + 1 }, (_, k) => mail(b, k)));
    out.add(2, 'c@x', mails[2]!, false);
    out.skip(3);
    out.add(1, 'b@x', mails[1]!, true);
    out.add(0, 'a@x', mails[0]!, false);
    const file = await out.finish();
    expect(file).not.toBeNull();
    const text = read(file!.path);
    expect(file!.totalChars).toBe(text.length);
    expect(file!.head).toBe(text);
    // A JSON array, one mail a line, each with its mailbox; Select All Fields decides the fields.
    expect(text.split('\n')).toHaveLength(2 + 6 + 1);
    const items = JSON.parse(text) as Array<Record<string, unknown>>;
    expect(items.map((m) => [m.mailbox, m.id])).toEqual(boxes.slice(0, 3).flatMap((b, i) => mails[i]!.map((m) => [b, m.id])));
    expect(Object.keys(items[0]!).sort()).toEqual(['from', 'id', 'mailbox', 'receivedDateTime', 'subject', 'toRecipients']);
    expect(items[1]!.body).toEqual({ contentType: 'text', content: 'not in the table' });
    expect(out.rows).toEqual(mails.slice(0, 3).flat().map(mailRow));
    expect(out.totalRows).toBe(6);
  });

  it('keeps the first rows and the start of the text only; the file has them all', async () => {
    const out = await MatchingMailsFile.create(store(), 'matching-mails.json');
    const n = 300;
    // Every other mailbox answers after the one behind it.
    for (let i = 0; i < n; i += 2) {
      out.add(i + 1, `m${i + 1}@x`, [mail(`m${i + 1}@x`, 0, 'x'.repeat(100))], false);
      out.add(i, `m${i}@x`, [mail(`m${i}@x`, 0, 'x'.repeat(100))], false);
    }
    const file = (await out.finish())!;
    const text = read(file.path);
    expect(text.length).toBeGreaterThan(JSON_HEAD_CHARS);
    expect(file.totalChars).toBe(text.length);
    expect(file.head).toBe(text.slice(0, JSON_HEAD_CHARS));
    expect((JSON.parse(text) as Array<{ mailbox: string }>).map((m) => m.mailbox)).toEqual(Array.from({ length: n }, (_, i) => `m${i}@x`));
    expect(out.rows).toHaveLength(TABLE_ROWS_KEPT);
    expect(out.rows.map((r) => r[0])).toEqual(Array.from({ length: TABLE_ROWS_KEPT }, (_, i) => `id-m${i}@x-0`));
    expect(out.totalRows).toBe(n);
  });

  it('moves mailboxes far ahead of an earlier one to a spool file, and removes it when done', async () => {
    const out = await MatchingMailsFile.create(store(), 'matching-mails.json');
    const big = 'y'.repeat(50_000);
    // Mailbox 0 answers last (a long Retry-After): 100 mailboxes of 50,000 characters wait for it.
    for (let i = 1; i <= 100; i++) out.add(i, `m${i}@x`, [mail(`m${i}@x`, 0, big)], false);
    const dir = join(root, dirname(out.path));
    expect(readdirSync(dir).some((f) => f.endsWith('.spool'))).toBe(true);
    out.add(0, 'm0@x', [mail('m0@x', 0)], false);
    const file = (await out.finish())!;
    expect(readdirSync(dir).filter((f) => f.endsWith('.spool'))).toEqual([]);
    const items = JSON.parse(read(file.path)) as Array<{ mailbox: string; subject: string }>;
    expect(items.map((m) => m.mailbox)).toEqual(Array.from({ length: 101 }, (_, i) => `m${i}@x`));
    expect(items[100]!.subject).toBe(big);
    expect(out.rows.map((r) => r[1])).toEqual(['mail 0 of m0@x', ...Array.from({ length: 100 }, () => big)]);
  });

  it('leaves no file when no mailbox had a match', async () => {
    const out = await MatchingMailsFile.create(store(), 'matching-mails.json');
    out.skip(1);
    out.add(0, 'a@x', [], false);
    expect(await out.finish()).toBeNull();
    expect(existsSync(join(root, out.path))).toBe(false);
  });
});

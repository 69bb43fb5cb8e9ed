/**
 * Delete Email, Move Email To Folder, Mark Email as Junk / Not Junk through the chat path: every
 * seed message, --dry-run (nothing changes: the emulator's ledger shows no write), many mailboxes,
 * folders, per-mailbox concurrency, and throttling (429 Retry-After, 503 bursts) with each delete
 * and move done exactly once.
 */
import type { LedgerEntry, Message } from '../../emulator';
import { startHarness, type Harness } from '../helpers/harness';
import { chat, type ChatResult } from './graph-mail-chat';

const D = '@demo.onmicrosoft.com';
const NOBODY = `nobody${D}`;
const box = (name: string): string => `${name}${D}`;
const enc = (s: string): string => encodeURIComponent(s);

let h: Harness;
let c: ReturnType<typeof chat>;
const ago = (minutes: number): Date => new Date(Date.now() - minutes * 60_000);

/** Approvers change mail directly in these tests (the four-eyes flow has its own tests). */
const asApprover = { user: 'U2' };

function add(mailbox: string, folder: string, subject: string, extra: Partial<Parameters<Harness['emulator']['state']['addMessage']>[2]> = {}): Message {
  return h.emulator.state.addMessage(mailbox, folder, { subject, from: 'Attacker <attacker@evil.example>', to: [mailbox], ...extra });
}

function folderOf(mailbox: string, m: Message): string | undefined {
  const mb = h.emulator.state.mailbox(mailbox);
  const f = mb.folders.get(m.folderId);
  return f?.wellKnownName ?? f?.displayName;
}

function writesTo(mailbox: string, since: number): LedgerEntry[] {
  return h.emulator.ledger.slice(since).filter((e) => e.path.startsWith(`/v1.0/users/${enc(mailbox)}/`) || e.path.startsWith(`/beta/users/${enc(mailbox)}/`));
}

function expectResult(r: ChatResult, lines: string[], isSuccess: boolean): void {
  expect(r.lines).toEqual(lines);
  expect(r.isSuccess).toBe(isSuccess);
}

beforeAll(async () => {
  h = await startHarness();
  c = chat(h, 'CC');
  const meta = await h.runtime.environments.getMeta('prod');
  await h.runtime.environments.setMeta('prod', { ...meta, approvals: { requiredFor: [], approversNeeded: 1 } });
  for (const n of ['a1', 'a2', 'a3', 'b1', 'd1', 'd2', 'd3', 'e1', 'e2', 'f1', 'f2', 'f3', 'f4', 'f5', 'g1', 'g2', 'g3', 'h1', 'k1', 'k2', 'k3'])
    h.emulator.state.addUser({ userPrincipalName: box(n) });
});

afterAll(async () => {
  await h?.close();
});

afterEach(() => {
  h.emulator.faults.clear();
});

describe('Delete Email', () => {
  it('deletes the matches in many mailboxes (they go to Deleted Items) and names the unknown mailboxes', async () => {
    const keep = add(box('a1'), 'inbox', 'Team lunch', { from: `bob${D}` });
    const gone = [
      add(box('a1'), 'inbox', 'Quarterly bonus statement'),
      add(box('a1'), 'inbox', 'RE: quarterly BONUS'),
      add(box('a2'), 'inbox', 'Quarterly bonus'),
    ];
    const since = h.emulator.ledger.length;
    const r = await c.run(
      `graphmail delete-email --delete-in-mailbox ${box('a1')},${box('a2')},${box('a3')},${NOBODY} --subject-filter "quarterly bonus"`,
      asApprover,
    );
    expectResult(r, [`Successfully deleted emails in the following mailboxes: ${box('a1')}: 2, ${box('a2')}: 1`, `Mailbox ${NOBODY} was not found.`], true);
    expect(gone.map((m) => folderOf(m.toRecipients[0]!.emailAddress.address, m))).toEqual(['deleteditems', 'deleteditems', 'deleteditems']);
    expect(folderOf(box('a1'), keep)).toBe('inbox');
    const deletes = h.emulator.ledger.slice(since).filter((e) => e.method === 'DELETE');
    expect(deletes).toHaveLength(3);
    expect(deletes.every((e) => e.status === 204)).toBe(true);
  });

  it('--dry-run (an analyst may ask, no approval): lists what would go and changes nothing', async () => {
    const older = add(box('b1'), 'inbox', 'Password expiry notice', { receivedDateTime: ago(30) });
    const newer = add(box('b1'), 'inbox', 'Password expiry notice (2nd)', { receivedDateTime: ago(5) });
    const since = h.emulator.ledger.length;
    const refused = await c.reply(`graphmail delete-email --delete-in-mailbox ${box('b1')} --subject-filter "password expiry"`);
    expect(refused).toContain('Delete Email needs the approver role.');
    const r = await c.run(`graphmail delete-email --delete-in-mailbox ${box('b1')},${NOBODY} --subject-filter "password expiry" --dry-run`);
    expectResult(
      r,
      [
        `Dry run: would delete 2 email(s) in ${box('b1')}: ${newer.id} "Password expiry notice (2nd)", ${older.id} "Password expiry notice"`,
        `Mailbox ${NOBODY} was not found.`,
      ],
      true,
    );
    expect(writesTo(box('b1'), since)).toEqual([]);
    expect([folderOf(box('b1'), older), folderOf(box('b1'), newer)]).toEqual(['inbox', 'inbox']);
  });

  it('Mail IDs: an internetMessageId deletes every copy of a campaign across mailboxes; an unknown id is named', async () => {
    const imid = '<campaign-4711@evil.example>';
    const copies = ['d1', 'd2', 'd3'].map((n) => add(box(n), 'inbox', 'Your parcel is waiting', { internetMessageId: imid }));
    const other = add(box('d1'), 'inbox', 'Your parcel is waiting');
    const r = await c.run(
      `graphmail delete-email --delete-in-mailbox ${box('d1')},${box('d2')},${box('d3')} --mail-ids "${imid},AAMkAGRlbW8nothingAAA=" --subject-filter ignored`,
      asApprover,
    );
    expectResult(
      r,
      [
        `Successfully deleted emails in the following mailboxes: ${box('d1')}: 1, ${box('d2')}: 1, ${box('d3')}: 1`,
        'Failed to find email with ID AAMkAGRlbW8nothingAAA=',
      ],
      true,
    );
    expect(copies.map((m, i) => folderOf(box(`d${i + 1}`), m))).toEqual(['deleteditems', 'deleteditems', 'deleteditems']);
    expect(folderOf(box('d1'), other)).toBe('inbox');
  });

  it('the seed failures: unknown folder, no mailbox, no match, a Graph error', async () => {
    add(box('e1'), 'inbox', 'Something');
    h.emulator.faults.set({ prefix: `/v1.0/users/${enc(box('e2'))}/mailFolders`, failNext: [{ status: 403 }] });
    const [folder, mailboxes, none, denied] = await Promise.all([
      c.run(`graphmail delete-email --delete-in-mailbox ${box('e1')},${NOBODY} --folder-name Inbox/Nope`, asApprover),
      c.run(`graphmail delete-email --delete-in-mailbox ${NOBODY},ghost${D} --subject-filter x`, asApprover),
      c.run(`graphmail delete-email --delete-in-mailbox ${box('e1')} --subject-filter "no such subject"`, asApprover),
      c.run(`graphmail delete-email --delete-in-mailbox ${box('e2')} --subject-filter x`, asApprover),
    ]);
    expectResult(
      folder,
      [
        `Mailbox ${NOBODY} was not found.`,
        `Action failed to delete any emails because the provided mailbox folder name was not found in the mailbox(es): ${box('e1')}, Inbox/Nope`,
      ],
      false,
    );
    expectResult(mailboxes, [`Failed to find any of the provided mailboxes: ${NOBODY}, ghost${D}`], false);
    expectResult(none, ['Action was not able to find any emails based on the specified search criteria.'], false);
    expectResult(denied, ['Failed to execute action, the error is: ErrorAccessDenied: Access is denied. Check credentials and try again.'], false);
  });
});

describe('Move Email To Folder', () => {
  it('moves into a nested destination typed in any case, in many mailboxes', async () => {
    for (const n of ['f1', 'f2']) {
      h.emulator.state.addFolder(box(n), 'inbox', 'Quarantine');
      h.emulator.state.addFolder(box(n), 'Inbox/Quarantine', 'Hold');
    }
    const moved = [
      add(box('f1'), 'inbox', 'Suspicious sign-in'),
      add(box('f2'), 'inbox', 'Suspicious sign-in'),
      add(box('f2'), 'inbox', 'suspicious SIGN-IN again'),
    ];
    const stays = add(box('f2'), 'inbox', 'Quarterly numbers', { from: `bob${D}` });
    const r = await c.run(
      `graphmail move-email-to-folder --move-in-mailbox ${box('f1')},${box('f2')},${NOBODY} --source-folder-name inbox --destination-folder-name "INBOX/quarantine/HOLD" --subject-filter "suspicious sign-in"`,
      asApprover,
    );
    expectResult(r, [`Successfully moved emails in the following mailboxes: ${box('f1')}: 1, ${box('f2')}: 2`, `Mailbox ${NOBODY} was not found.`], true);
    expect(moved.map((m) => folderOf(m.toRecipients[0]!.emailAddress.address, m))).toEqual(['Hold', 'Hold', 'Hold']);
    expect(folderOf(box('f2'), stays)).toBe('inbox');
  });

  it('the seed failures (source folder, destination folder, no match) and --dry-run', async () => {
    h.emulator.state.addFolder(box('f3'), 'inbox', 'Quarantine');
    const m = add(box('f3'), 'inbox', 'Gift card request');
    // f4 has no Archive folder at all (not provisioned): the well-known name finds nothing.
    const f4 = h.emulator.state.mailbox(box('f4'));
    for (const [id, f] of f4.folders) if (f.wellKnownName === 'archive') f4.folders.delete(id);
    add(box('f4'), 'inbox', 'Gift card request');
    const m5 = add(box('f5'), 'inbox', 'Gift card request');
    const since = h.emulator.ledger.length;
    const [source, destination, none, dry, noArchive] = await Promise.all([
      c.run(`graphmail move-email-to-folder --move-in-mailbox ${box('f3')} --source-folder-name Inbox/Nope --destination-folder-name Archive`, asApprover),
      c.run(`graphmail move-email-to-folder --move-in-mailbox ${box('f3')} --source-folder-name Inbox --destination-folder-name Archive/Nope`, asApprover),
      c.run(
        `graphmail move-email-to-folder --move-in-mailbox ${box('f3')} --source-folder-name Inbox --destination-folder-name Archive --subject-filter "no such subject"`,
        asApprover,
      ),
      c.run(`graphmail move-email-to-folder --move-in-mailbox ${box('f3')} --source-folder-name Inbox --destination-folder-name inbox/QUARANTINE --dry-run`),
      c.run(
        `graphmail move-email-to-folder --move-in-mailbox ${box('f4')},${box('f5')} --source-folder-name Inbox --destination-folder-name archive --subject-filter "gift card"`,
        asApprover,
      ),
    ]);
    expectResult(
      source,
      [`Action failed to move any emails because the provided source folder was not found in the mailbox(es): ${box('f3')}, Inbox/Nope`],
      false,
    );
    expectResult(
      destination,
      [`Action failed to move any emails because the provided destination folder was not found in the mailbox(es): ${box('f3')}, Archive/Nope`],
      false,
    );
    expectResult(none, ['Action was not able to find any emails based on the specified search criteria.'], false);
    expectResult(dry, [`Dry run: would move 1 email(s) in ${box('f3')} to inbox/QUARANTINE: ${m.id} "Gift card request"`], true);
    expectResult(
      noArchive,
      [
        `Successfully moved emails in the following mailboxes: ${box('f5')}: 1`,
        `Action failed to move any emails because the provided destination folder was not found in the mailbox(es): ${box('f4')}, archive`,
      ],
      true,
    );
    expect(folderOf(box('f5'), m5)).toBe('archive');
    expect(writesTo(box('f4'), since)).toEqual([]);
    // The dry run changed nothing.
    expect(writesTo(box('f3'), since)).toEqual([]);
    expect(folderOf(box('f3'), m)).toBe('inbox');
  });
});

describe('Mark Email as Junk / Not Junk (beta)', () => {
  it('marks by id and internetMessageId: blocked sender, mail in Junk Email; Not Junk brings it back', async () => {
    const spam1 = add(box('g1'), 'inbox', 'Cheap meds', { from: 'pharmacy@spam.example' });
    const spam2 = add(box('g1'), 'inbox', 'Cheap meds again', { from: 'pharmacy@spam.example' });
    const since = h.emulator.ledger.length;
    const junk = await c.run(
      `graphmail mark-email-as-junk --search-in-mailbox ${box('g1')} --mail-ids "${spam1.id},${spam2.internetMessageId},AAMkAGRlbW8nothingAAA="`,
      asApprover,
    );
    expectResult(junk, ['Successfully marked the email as junk.', `Failed to find email with ID AAMkAGRlbW8nothingAAA= in ${box('g1')}.`], true);
    expect([folderOf(box('g1'), spam1), folderOf(box('g1'), spam2)]).toEqual(['junkemail', 'junkemail']);
    expect(h.emulator.state.mailbox(box('g1')).blockedSenders.has('pharmacy@spam.example')).toBe(true);
    expect(
      writesTo(box('g1'), since)
        .filter((e) => e.path.endsWith('/markAsJunk'))
        .map((e) => [e.path.split('/')[1], e.status]),
    ).toEqual([
      ['beta', 200],
      ['beta', 200],
    ]);

    // Not Junk searches Junk Email by default (behaviour.md 8) and moves the mail to the Inbox.
    const notJunk = await c.run(`graphmail mark-email-as-not-junk --search-in-mailbox ${box('g1')} --mail-ids "${spam1.internetMessageId}"`, asApprover);
    expectResult(notJunk, ['Successfully marked the email as not junk.'], true);
    expect(folderOf(box('g1'), spam1)).toBe('inbox');
    expect(h.emulator.state.mailbox(box('g1')).blockedSenders.has('pharmacy@spam.example')).toBe(false);
  });

  it('the seed failures, an unknown mailbox beside a known one, and --dry-run', async () => {
    const m = add(box('g2'), 'inbox', 'Crypto giveaway', { from: 'elon@spam.example' });
    const m3 = add(box('g3'), 'inbox', 'Crypto giveaway', { from: 'elon@spam.example' });
    h.emulator.faults.set({ prefix: `/beta/users/${enc(box('g3'))}/messages`, failNext: [{ status: 403 }] });
    const since = h.emulator.ledger.length;
    const [noIds, folder, mailbox, denied, dry, notJunkNone] = await Promise.all([
      c.run(`graphmail mark-email-as-junk --search-in-mailbox ${box('g2')} --mail-ids AAMkAGRlbW8nothingAAA=`, asApprover),
      c.run(`graphmail mark-email-as-junk --search-in-mailbox ${box('g2')} --folder-name Inbox/Nope --mail-ids ${m.id}`, asApprover),
      c.run(`graphmail mark-email-as-junk --search-in-mailbox ${NOBODY} --mail-ids ${m.id}`, asApprover),
      c.run(`graphmail mark-email-as-junk --search-in-mailbox ${box('g3')} --mail-ids ${m3.id}`, asApprover),
      c.run(`graphmail mark-email-as-junk --search-in-mailbox ${box('g2')},${NOBODY} --mail-ids ${m.id} --dry-run`),
      c.run(`graphmail mark-email-as-not-junk --search-in-mailbox ${box('g2')} --mail-ids ${m.id}`, asApprover),
    ]);
    expectResult(noIds, ['Failed to find any emails based on provided parameters!'], false);
    expectResult(folder, [`Action failed to run because the provided mailbox folder name Inbox/Nope was not found in the mailbox ${box('g2')}.`], false);
    expectResult(mailbox, [`Mailbox ${NOBODY} was not found.`], false);
    expectResult(
      denied,
      [`Error executing action "Mark Email as Junk". Reason: ErrorAccessDenied: Access is denied. Check credentials and try again. (mailbox ${box('g3')})`],
      false,
    );
    expectResult(dry, [`Dry run: would mark 1 email(s) as junk in ${box('g2')}: ${m.id} "Crypto giveaway"`, `Mailbox ${NOBODY} was not found.`], true);
    // The mail is in the Inbox, not in Junk Email where Not Junk looks by default.
    expectResult(notJunkNone, ['Failed to find any emails based on provided parameters!'], false);
    expect(writesTo(box('g2'), since)).toEqual([]);
    expect(folderOf(box('g2'), m)).toBe('inbox');
  });

  it('keeps to 4 requests per mailbox: 12 mails of one mailbox under the emulator limit, none throttled', async () => {
    const mails = Array.from({ length: 12 }, (_, i) => add(box('h1'), 'inbox', `Spam wave ${i}`, { from: 'wave@spam.example' }));
    const settings = h.emulator.state.settings;
    settings.mailboxConcurrencyLimit = 4;
    h.emulator.faults.set({ prefix: '/v1.0', latencyMs: 30 });
    h.emulator.faults.set({ prefix: '/beta', latencyMs: 30 });
    const since = h.emulator.ledger.length;
    try {
      const r = await c.run(`graphmail mark-email-as-junk --search-in-mailbox ${box('h1')} --mail-ids "${mails.map((m) => m.id).join(',')}"`, asApprover);
      expectResult(r, ['Successfully marked the email as junk.'], true);
    } finally {
      settings.mailboxConcurrencyLimit = 0;
    }
    const marks = writesTo(box('h1'), since);
    expect(marks).toHaveLength(12);
    expect(marks.every((e) => e.status === 200)).toBe(true);
    expect(mails.every((m) => folderOf(box('h1'), m) === 'junkemail')).toBe(true);
  });
});

describe('throttling', () => {
  it('under 429 Retry-After and 503 bursts every delete and move is done exactly once and the results are right', async () => {
    const boxes = ['k1', 'k2', 'k3'].map(box);
    const toDelete = boxes.flatMap((b) => Array.from({ length: 5 }, (_, i) => add(b, 'inbox', `Campaign X ${i}`)));
    const toMove = boxes.flatMap((b) => Array.from({ length: 3 }, (_, i) => add(b, 'inbox', `Move me ${i}`, { from: 'vendor@partner.example' })));
    h.emulator.faults.setSeed(11);
    h.emulator.faults.set({ prefix: '/v1.0/users', rate429: 0.2, rate503: 0.1, retryAfterSeconds: 1 });
    h.emulator.faults.set({ prefix: '/v1.0/$batch', retryAfterSeconds: 1, failNext: [{ status: 503 }, { status: 429 }] });
    const since = h.emulator.ledger.length;
    const [del, move] = await Promise.all([
      c.run(`graphmail delete-email --delete-in-mailbox ${boxes.join(',')} --subject-filter "campaign x"`, { ...asApprover, timeoutMs: 40000 }),
      c.run(
        `graphmail move-email-to-folder --move-in-mailbox ${boxes.join(',')} --source-folder-name Inbox --destination-folder-name Archive --sender-filter vendor@partner.example`,
        { ...asApprover, timeoutMs: 40000 },
      ),
    ]);
    expectResult(del, [`Successfully deleted emails in the following mailboxes: ${boxes.map((b) => `${b}: 5`).join(', ')}`], true);
    expectResult(move, [`Successfully moved emails in the following mailboxes: ${boxes.map((b) => `${b}: 3`).join(', ')}`], true);
    expect(toDelete.every((m) => folderOf(m.toRecipients[0]!.emailAddress.address, m) === 'deleteditems')).toBe(true);
    expect(toMove.every((m) => folderOf(m.toRecipients[0]!.emailAddress.address, m) === 'archive')).toBe(true);

    const writes = h.emulator.ledger.slice(since).filter((e) => e.method === 'DELETE' || e.path.endsWith('/move'));
    const byPath = new Map<string, LedgerEntry[]>();
    for (const e of writes) byPath.set(`${e.method} ${e.path}`, [...(byPath.get(`${e.method} ${e.path}`) ?? []), e]);
    expect(byPath.size).toBe(toDelete.length + toMove.length);
    for (const entries of byPath.values()) {
      // Exactly one accepted try per mail; every throttled try came before it, at least Retry-After earlier.
      const ok = entries.filter((e) => e.status < 300);
      expect(ok).toHaveLength(1);
      const refused = entries.filter((e) => e.status >= 400);
      expect(refused.every((e) => e.status === 429 || e.status === 503)).toBe(true);
      const last = refused[refused.length - 1];
      if (last) expect(Date.parse(ok[0]!.time) - Date.parse(last.time)).toBeGreaterThanOrEqual(900);
    }
    // The faults did bite: throttled and unavailable answers among the writes and the envelopes.
    const statuses = h.emulator.ledger.slice(since).map((e) => e.status);
    expect(statuses).toContain(429);
    expect(statuses).toContain(503);
  }, 60000);
});

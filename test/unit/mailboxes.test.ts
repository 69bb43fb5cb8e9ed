/**
 * eachMailbox / forEachMailbox (handlers/microsoft-graph-mail/mailboxes.ts): one outcome per
 * mailbox as it comes, progress as batches finish, failures sorted into their kinds.
 */
import { UpstreamError } from '../../handlers/kit/errors';
import { FolderNotFoundError } from '../../handlers/microsoft-graph-mail/folders';
import { eachMailbox, failureReasons, forEachMailbox, MAILBOXES_IN_FLIGHT, type MailboxOutcome } from '../../handlers/microsoft-graph-mail/mailboxes';
import { fakeActionContext } from '../helpers/fake-action-context';

const later = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('eachMailbox', () => {
  it('hands each outcome over as soon as it is in, with its index, and keeps none', async () => {
    const ctx = fakeActionContext();
    const boxes = ['a@x', 'b@x', 'c@x', 'd@x', 'e@x'];
    const seen: Array<[number, MailboxOutcome<number>]> = [];
    // a@x answers last: the others are handed over before it.
    await eachMailbox(
      ctx,
      boxes,
      2,
      (mb, i) => later(mb === 'a@x' ? 40 : 1, i * 10),
      (o, i) => seen.push([i, o]),
      'Searched',
    );
    expect(seen.map(([i]) => i)).not.toEqual([0, 1, 2, 3, 4]);
    expect(seen.map(([i]) => i).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const [i, o] of seen) expect(o).toEqual({ mailbox: boxes[i], kind: 'done', value: i * 10 });
    // Progress as each batch of 2 finishes, whichever finishes first.
    // Progress once per batch of 2 (three batches), counting the mailboxes done so far.
    const dones = ctx.progressReports.map((p) => p.done);
    expect(dones).toHaveLength(3);
    expect([...dones].sort((x, y) => x - y)).toEqual(dones);
    expect(ctx.progressReports.at(-1)).toEqual({ done: 5, total: 5, text: 'Searched 5 of 5 mailboxes' });
  });

  it('sorts failures into not found, folder missing and failed, a throw before any promise included', async () => {
    const ctx = fakeActionContext();
    const outcomes = await forEachMailbox(ctx, ['ok@x', 'gone@x', 'nofolder@x', 'denied@x', 'throws@x'], 25, async (mb) => {
      if (mb === 'gone@x') throw new UpstreamError('ErrorInvalidUser: The requested user is invalid.', 404);
      if (mb === 'nofolder@x') throw new FolderNotFoundError(mb, 'Inbox/Nope');
      if (mb === 'denied@x') throw new UpstreamError('ErrorAccessDenied: Access is denied.', 403);
      return 1;
    });
    expect(outcomes.map((o) => o.kind)).toEqual(['done', 'not-found', 'folder-missing', 'failed', 'done']);
    const thrown = await forEachMailbox(ctx, ['a@x', 'b@x'], 25, (mb) => {
      if (mb === 'b@x') throw new Error('synchronous');
      return Promise.resolve(1);
    });
    expect(thrown).toEqual([
      { mailbox: 'a@x', kind: 'done', value: 1 },
      { mailbox: 'b@x', kind: 'failed', reason: 'synchronous' },
    ]);
    // Only the failed ones, with the run's total: the mailboxes are named unless all failed alike.
    const failed = outcomes.filter((o) => o.kind === 'failed');
    expect(failureReasons(failed, 5)).toEqual(['ErrorAccessDenied: Access is denied. (mailbox(es): denied@x)']);
    expect(failureReasons(failed)).toEqual(['ErrorAccessDenied: Access is denied.']);
  });

  it('rejects when handing an outcome over fails, once what was in flight has settled, and hands over nothing after', async () => {
    const ctx = fakeActionContext();
    let handed = 0;
    let settled = 0;
    await expect(
      eachMailbox(
        ctx,
        ['a@x', 'b@x', 'c@x'],
        25,
        async (mb) => {
          await new Promise((r) => setTimeout(r, mb === 'a@x' ? 0 : 20));
          settled++;
          return 1;
        },
        () => {
          handed++;
          throw new Error('disk full');
        },
      ),
    ).rejects.toThrow('disk full');
    expect(handed).toBe(1);
    expect(settled).toBe(3);
  });

  it('keeps at most MAILBOXES_IN_FLIGHT mailboxes at work, and reports progress every batch in order', async () => {
    const ctx = fakeActionContext();
    const lines: string[] = [];
    ctx.progress = async (_done, _total, text) => {
      lines.push(text ?? '');
    };
    const mailboxes = Array.from({ length: MAILBOXES_IN_FLIGHT * 2 + 10 }, (_, i) => `m${i}@x`);
    let atWork = 0;
    let most = 0;
    const seen: number[] = [];
    await eachMailbox(
      ctx,
      mailboxes,
      500,
      async () => {
        most = Math.max(most, ++atWork);
        await new Promise((r) => setTimeout(r, Math.random() * 5));
        atWork--;
        return 1;
      },
      (_o, i) => seen.push(i),
    );
    expect(most).toBe(MAILBOXES_IN_FLIGHT);
    expect(seen.sort((a, b) => a - b)).toEqual(mailboxes.map((_, i) => i));
    const n = mailboxes.length;
    const steps = Array.from({ length: Math.floor((n - 1) / 500) }, (_, k) => (k + 1) * 500);
    expect(lines).toEqual([...steps, n].map((d) => `Processed ${d} of ${n} mailboxes`));
  });
});

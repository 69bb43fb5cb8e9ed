import type { ActionContext } from '../../kit/context';
import { failure, fill, success } from '../../kit/outcome';
import type { ActionSpec, OutputMessages } from '../../kit/spec';
import { latestByKey, type MoveRecord } from './ledger';
import { openMoves } from './moves';
import { campaignIdParam, MOVE_CONCURRENCY } from './purge';
import { addCounts, emptyTally, LISTED_FAILURES, mailboxTable, type MailboxTally, n, PREVIEW_MAILBOXES, reportFile, writeMovesReport } from './report';
import { beginStep, endStep, type Loaded, loadCampaign, precheckFor, stepRefusal } from './steps';
import { type MoveCounts, pool } from './store';

const messages = {
  success: {
    restored: 'Campaign CAMPAIGN_ID restored: MOVED mail(s) moved back to the folders they came from in MAILBOXES mailbox(es).',
  },
  failure: {
    partial: 'Campaign CAMPAIGN_ID restore incomplete: FAILED mail(s) could not be moved back; soar campaign restore CAMPAIGN_ID tries them again.',
    nothing: 'Campaign CAMPAIGN_ID has no purged mail to restore.',
  },
} satisfies OutputMessages;

/** contract.md §8: `soar campaign restore <campaign-id>`. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'campaign-restore',
  name: 'Campaign Restore',
  description: 'Move every mail a campaign purge moved back to the folder it came from, by the purge record; always four-eyes.',
  group: 'campaign',
  positional: 'campaign-id',
  params: [campaignIdParam],
  changesMail: true,
  dryRun: true,
  fourEyes: 'always',
  messages,
  tables: [{ title: 'Restore per mailbox', columns: ['Mailbox', 'Purged', 'Moved back', 'Not found', 'Failed'] }],
  attachments: true,
  precheck: precheckFor('restore'),
  run: (ctx, params) => runRestore(ctx, params),
};

/** The purged mails by mailbox, from the ledger: what restore moves back (not a new search). */
async function purgedByMailbox(loaded: Loaded): Promise<Map<string, MoveRecord[]>> {
  const purged = await latestByKey(loaded.files.path('moves.jsonl'), 'purge');
  const out = new Map<string, MoveRecord[]>();
  for (const r of purged.values()) {
    // behaviour.md 51: a mail that was in Deleted Items before the purge stays there.
    if (r.state !== 'done' || !r.newId || (r.fromFolderId && r.fromFolderId === r.toFolderId)) continue;
    const list = out.get(r.mailbox) ?? [];
    list.push(r);
    out.set(r.mailbox, list);
  }
  return out;
}

export async function runRestore(ctx: ActionContext, params: Record<string, unknown>, concurrency = MOVE_CONCURRENCY) {
  const loaded = await loadCampaign(ctx.files, params, ctx.environment);
  if (typeof loaded === 'string') return failure(loaded);
  const refusal = stepRefusal('restore', loaded.campaign);
  if (refusal) return failure(refusal);
  const purged = await purgedByMailbox(loaded);
  const total = [...purged.values()].reduce((k, l) => k + l.length, 0);
  const id = loaded.campaign.id;
  if (!total) return failure(fill(messages.failure.nothing, { CAMPAIGN_ID: id }));
  if (ctx.job.dryRun) {
    const boxes = [...purged.entries()].slice(0, PREVIEW_MAILBOXES).map(([m, l]) => `${m} (${l.length})`);
    const more = purged.size > boxes.length ? ` and ${n(purged.size - boxes.length)} more` : '';
    return success(
      [
        `Dry run: would move ${n(total)} purged mail(s) in ${n(purged.size)} mailbox(es) back from Deleted Items to the folders they came from (campaign ${id}).`,
        `Mailboxes: ${boxes.join(', ')}${more}.`,
      ].join('\n'),
    );
  }

  await beginStep(ctx, loaded, 'restore');
  const { ledger, engine } = await openMoves(ctx, loaded.files.path('moves.jsonl'), 'restore');
  const totals: MoveCounts = { moved: 0, skipped: 0, gone: 0, failed: 0 };
  const rows: MailboxTally[] = [];
  const failures: string[] = [];
  let handled = 0;
  const report = () =>
    ctx
      .progress(handled, total, `Restored ${n(totals.moved)} of ${n(total)} mail(s) · ${n(rows.length)} of ${n(purged.size)} mailbox(es) done`)
      .catch(() => undefined);
  try {
    await pool(purged.entries(), concurrency, async ([mailbox, records]) => {
      if (ctx.signal.aborted) throw new Error('The job was cancelled.');
      const t = emptyTally(mailbox);
      t.matches = records.length;
      await Promise.all(
        records.map(async (r) => {
          const o = await engine.run({
            mailbox,
            id: r.newId as string,
            internetMessageId: r.internetMessageId,
            fromFolderId: r.toFolderId,
            toFolderId: r.fromFolderId ?? 'inbox',
          });
          if (o.state === 'done') t.moved++;
          else if (o.state === 'gone') t.gone++;
          else if (o.state === 'skipped') t.skipped++;
          else {
            t.failed++;
            if (failures.length < LISTED_FAILURES) failures.push(`${mailbox} (${o.reason ?? 'unknown error'})`);
          }
          handled++;
        }),
      );
      rows.push(t);
      addCounts(totals, t);
      await report();
    });
  } finally {
    await ledger.close();
  }
  loaded.campaign.restore = totals;
  await writeMovesReport(loaded.files, 'restore-report.json', { campaign: id, op: 'restore', job: ctx.job.id, counts: totals, mailboxes: rows });
  const complete = totals.failed === 0;
  await endStep(loaded, ctx, `${totals.moved} moved back, ${totals.gone} not found, ${totals.failed} failed`, complete);

  const lines = [fill(messages.success.restored, { CAMPAIGN_ID: id, MOVED: n(totals.moved), MAILBOXES: n(rows.filter((r) => r.moved).length) })];
  const gone = rows.filter((r) => r.gone);
  if (gone.length) {
    lines.push(
      `Not found in Deleted Items (emptied since the purge?): ${n(totals.gone)} mail(s): ${gone
        .slice(0, 20)
        .map((r) => `${r.mailbox}: ${r.gone}`)
        .join(', ')}${gone.length > 20 ? ', …' : ''}.`,
    );
  }
  if (!complete) {
    lines.unshift(fill(messages.failure.partial, { CAMPAIGN_ID: id, FAILED: n(totals.failed) }));
    lines.push(`Not moved back: ${failures.join('; ')}${totals.failed > failures.length ? ', …' : ''}.`);
  }
  const extra = {
    tables: [mailboxTable('Restore per mailbox', 'Purged', 'Moved back', rows)],
    files: [reportFile(loaded.files, 'restore-report.json', 'Campaign restore: every mailbox')],
  };
  return complete ? success(lines.join('\n'), extra) : failure(lines.join('\n'), extra);
}

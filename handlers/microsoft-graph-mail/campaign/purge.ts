import type { ActionContext } from '../../kit/context';
import { failure, fill, success } from '../../kit/outcome';
import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { type MoveOutcome, openMoves } from './moves';
import {
  addCounts,
  criteriaLine,
  emptyTally,
  LISTED_FAILURES,
  mailboxTable,
  type MailboxTally,
  n,
  PREVIEW_MAILBOXES,
  PREVIEW_SAMPLE,
  reportFile,
  SAMPLE_SIZE,
  writeMovesReport,
} from './report';
import { beginStep, endStep, loadCampaign, precheckFor, stepRefusal } from './steps';
import { byMailbox, type Match, type MoveCounts, pool } from './store';

/** Mailboxes worked on at once; Graph's limits (graph-batch.ts) decide what is in flight. */
export const MOVE_CONCURRENCY = 500;

export const campaignIdParam = param('Campaign ID', {
  type: 'string',
  required: true,
  description: 'The campaign id that soar campaign find gave (c- and 8 letters or digits).',
});

const messages = {
  success: {
    purged: 'Campaign CAMPAIGN_ID purged: MOVED mail(s) moved to Deleted Items in MAILBOXES mailbox(es).',
    undo: 'Undo: soar campaign restore CAMPAIGN_ID',
  },
  failure: {
    partial: 'Campaign CAMPAIGN_ID purge incomplete: FAILED mail(s) could not be moved; soar campaign purge CAMPAIGN_ID tries them again.',
  },
} satisfies OutputMessages;

/** contract.md §8: `soar campaign purge <campaign-id>`. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'campaign-purge',
  name: 'Campaign Purge',
  description: "Move every mail of a campaign to its mailbox's Deleted Items (soft delete), recording where each came from; always four-eyes.",
  group: 'campaign',
  positional: 'campaign-id',
  params: [campaignIdParam],
  changesMail: true,
  dryRun: true,
  fourEyes: 'always',
  messages,
  tables: [{ title: 'Purge per mailbox', columns: ['Mailbox', 'Matches', 'Moved', 'Already in Deleted Items', 'Not found', 'Failed'] }],
  attachments: true,
  precheck: precheckFor('purge'),
  run: (ctx, params) => runPurge(ctx, params),
};

/** What the approvers see on the card (behaviour.md 34's dry run): count, mailboxes, a sample, the criteria, one per line. */
async function preview(loaded: Exclude<Awaited<ReturnType<typeof loadCampaign>>, string>): Promise<string> {
  const c = loaded.campaign;
  const hit = new Map<string, number>();
  const sample: Match[] = [];
  for await (const m of loaded.files.matches()) {
    if (hit.size < PREVIEW_MAILBOXES || hit.has(m.mailbox)) hit.set(m.mailbox, (hit.get(m.mailbox) ?? 0) + 1);
    if (sample.length < PREVIEW_SAMPLE) sample.push(m);
  }
  const boxes = [...hit.entries()].map(([m, k]) => `${m} (${k})`);
  const more = c.counts.mailboxesHit > boxes.length ? ` and ${n(c.counts.mailboxesHit - boxes.length)} more` : '';
  return [
    `Dry run: would move ${n(c.counts.matches)} mail(s) in ${n(c.counts.mailboxesHit)} mailbox(es) to Deleted Items; soar campaign restore ${c.id} puts them back.`,
    criteriaLine(c),
    `Mailboxes: ${boxes.join(', ')}${more}.`,
    'Sample:',
    ...sample.map((m) => `• ${m.sender} · "${m.subject}" · ${m.received}`),
  ].join('\n');
}

/**
 * behaviour.md 51: a mail found in Deleted Items stays there. Its move (no folder of its own is
 * asked for it: that would cost a request per mailbox) lands where it was; it is counted apart and
 * restore leaves it there.
 */
function tallyOf(t: MailboxTally, o: MoveOutcome, from: string | undefined): void {
  if (o.state === 'done' && from && o.toFolderId === from) t.skipped++;
  else if (o.state === 'done') t.moved++;
  else if (o.state === 'skipped') t.skipped++;
  else if (o.state === 'gone') t.gone++;
  else t.failed++;
}

export async function runPurge(ctx: ActionContext, params: Record<string, unknown>, concurrency = MOVE_CONCURRENCY) {
  const loaded = await loadCampaign(ctx.files, params, ctx.environment);
  if (typeof loaded === 'string') return failure(loaded);
  const refusal = stepRefusal('purge', loaded.campaign);
  if (refusal) return failure(refusal);
  if (ctx.job.dryRun) return success(await preview(loaded));

  const c = await beginStep(ctx, loaded, 'purge');
  const { graph, ledger, engine } = await openMoves(ctx, loaded.files.path('moves.jsonl'), 'purge');
  const totals: MoveCounts = { moved: 0, skipped: 0, gone: 0, failed: 0 };
  const rows: MailboxTally[] = [];
  const failures: string[] = [];
  let handled = 0;
  const total = c.counts.matches;
  const report = () =>
    ctx
      .progress(
        handled,
        total,
        `Purged ${n(totals.moved)} of ${n(total)} mail(s) · ${n(rows.length)} of ${n(c.counts.mailboxesHit)} mailbox(es) done · ${n(graph.figures.requests)} Graph request(s) sent`,
      )
      .catch(() => undefined);
  try {
    await pool(byMailbox(loaded.files.matches()), concurrency, async ({ mailbox, matches }) => {
      if (ctx.signal.aborted) throw new Error('The job was cancelled.');
      const t = emptyTally(mailbox);
      t.matches = matches.length;
      await Promise.all(
        matches.map(async (m) => {
          const item = { mailbox, id: m.id, internetMessageId: m.internetMessageId, fromFolderId: m.parentFolderId, toFolderId: 'deleteditems' };
          const o = await engine.run(item);
          tallyOf(t, o, m.parentFolderId);
          if (o.state === 'failed' && failures.length < LISTED_FAILURES) failures.push(`${mailbox} (${o.reason ?? 'unknown error'})`);
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
  c.purge = totals;
  await writeMovesReport(loaded.files, 'purge-report.json', { campaign: c.id, op: 'purge', job: ctx.job.id, counts: totals, mailboxes: rows });
  const complete = totals.failed === 0;
  const outcome = `${totals.moved} moved, ${totals.skipped} already in Deleted Items, ${totals.gone} not found, ${totals.failed} failed`;
  await endStep(loaded, ctx, outcome, complete);

  const lines = [fill(messages.success.purged, { CAMPAIGN_ID: c.id, MOVED: n(totals.moved), MAILBOXES: n(rows.filter((r) => r.moved).length) })];
  if (totals.skipped) lines.push(`Already in Deleted Items (left there): ${n(totals.skipped)}.`);
  const gone = rows.filter((r) => r.gone);
  if (gone.length)
    lines.push(
      `Not found any more: ${gone
        .slice(0, SAMPLE_SIZE * 2)
        .map((r) => `${r.mailbox}: ${r.gone}`)
        .join(', ')}${gone.length > 20 ? ', …' : ''}.`,
    );
  if (!complete) {
    lines.unshift(fill(messages.failure.partial, { CAMPAIGN_ID: c.id, FAILED: n(totals.failed) }));
    lines.push(`Not moved: ${failures.join('; ')}${totals.failed > failures.length ? ', …' : ''}.`);
  }
  lines.push(fill(messages.success.undo, { CAMPAIGN_ID: c.id }));
  const extra = {
    tables: [mailboxTable('Purge per mailbox', 'Matches', 'Moved', rows, 'Already in Deleted Items')],
    files: [reportFile(loaded.files, 'purge-report.json', 'Campaign purge: every mailbox')],
  };
  return complete ? success(lines.join('\n'), extra) : failure(lines.join('\n'), extra);
}

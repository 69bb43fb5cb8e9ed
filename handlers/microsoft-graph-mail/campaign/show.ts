import type { ActionContext } from '../../kit/context';
import { failure, success, type ResultFile } from '../../kit/outcome';
import type { ActionSpec, OutputMessages } from '../../kit/spec';
import { latestByKey } from './ledger';
import { campaignIdParam } from './purge';
import { criteriaLine, n, reportFile, TABLE_ROWS, unreachableLine } from './report';
import { loadCampaign } from './steps';

const messages = {
  success: {
    shown: 'Campaign CAMPAIGN_ID: STATE.',
  },
  failure: {},
} satisfies OutputMessages;

/** contract.md §8: `soar campaign show <campaign-id>`. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'campaign-show',
  name: 'Campaign Show',
  description: 'A campaign: its state, counts per state, who asked and who approved each step, a per-mailbox table and its report files.',
  group: 'campaign',
  positional: 'campaign-id',
  params: [campaignIdParam],
  messages,
  tables: [
    { title: 'Steps', columns: ['Step', 'Job', 'Asked by', 'Approved by', 'Started', 'Ended', 'Outcome'] },
    { title: 'Mailboxes', columns: ['Mailbox', 'Matches', 'Purged', 'Restored', 'Not found', 'Failed'] },
  ],
  attachments: true,
  run: (ctx, params) => runShow(ctx, params),
};

/** The order "Mail by state" lists its states in. */
const STATE_ORDER = [
  'found',
  'in Deleted Items (purged)',
  'already in Deleted Items',
  'not found when purging',
  'purge failed',
  'restored',
  'not found when restoring',
  'restore failed',
];

interface Row {
  matches: number;
  purged: number;
  restored: number;
  gone: number;
  failed: number;
}

export async function runShow(ctx: ActionContext, params: Record<string, unknown>) {
  const loaded = await loadCampaign(ctx.files, params, ctx.environment);
  if (typeof loaded === 'string') return failure(loaded);
  const { campaign: c, files } = loaded;
  const path = files.path('moves.jsonl');
  const [purge, restore] = await Promise.all([latestByKey(path, 'purge'), latestByKey(path, 'restore')]);
  const rows = new Map<string, Row>();
  const row = (m: string) => {
    let r = rows.get(m);
    if (!r) rows.set(m, (r = { matches: 0, purged: 0, restored: 0, gone: 0, failed: 0 }));
    return r;
  };
  const states: Record<string, number> = {};
  const count = (s: string) => {
    states[s] = (states[s] ?? 0) + 1;
  };
  const restoredFrom = new Map<string, string>();
  for (const r of restore.values()) restoredFrom.set(`${r.mailbox.toLowerCase()}|${r.id}`, r.state);
  for await (const m of files.matches()) {
    const r = row(m.mailbox);
    r.matches++;
    const p = purge.get(`purge:${m.mailbox.toLowerCase()}:${m.id}`);
    if (!p) {
      count('found');
      continue;
    }
    const back = p.newId ? restoredFrom.get(`${m.mailbox.toLowerCase()}|${p.newId}`) : undefined;
    if (back === 'done') {
      r.restored++;
      count('restored');
    } else if (back === 'gone') {
      r.gone++;
      count('not found when restoring');
    } else if (back === 'failed' || back === 'intent') {
      r.failed++;
      count('restore failed');
    } else if (p.state === 'done' && p.fromFolderId && p.fromFolderId === p.toFolderId) count('already in Deleted Items');
    else if (p.state === 'done') {
      r.purged++;
      count('in Deleted Items (purged)');
    } else if (p.state === 'skipped') count('already in Deleted Items');
    else if (p.state === 'gone') {
      r.gone++;
      count('not found when purging');
    } else {
      r.failed++;
      count('purge failed');
    }
  }
  const lines = [
    `Campaign ${c.id}: ${c.state}. Found by ${c.createdBy} at ${c.createdAt}: ${n(c.counts.matches)} matching mail(s) in ${n(c.counts.mailboxesHit)} of ${n(c.counts.searched)} mailbox(es) searched.`,
    criteriaLine(c),
    `Mail by state: ${
      Object.entries(states)
        .sort((a, b) => STATE_ORDER.indexOf(a[0]) - STATE_ORDER.indexOf(b[0]))
        .map(([s, k]) => `${s}: ${n(k)}`)
        .join(', ') || 'none'
    }.`,
  ];
  const u = unreachableLine(c.unreachable);
  if (u) lines.push(u);
  const boxes = [...rows.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const files_: ResultFile[] = [reportFile(files, 'report.json', 'Campaign report: every match')];
  for (const [name, title] of [
    ['purge-report.json', 'Campaign purge: every mailbox'],
    ['restore-report.json', 'Campaign restore: every mailbox'],
  ] as const) {
    if (await files.exists(name)) files_.push(reportFile(files, name, title));
  }
  return success(lines.join('\n'), {
    tables: [
      {
        title: 'Steps',
        columns: ['Step', 'Job', 'Asked by', 'Approved by', 'Started', 'Ended', 'Outcome'],
        rows: c.steps.map((s) => [s.step, s.job, s.requestedBy, s.approvedBy ?? (s.step === 'find' ? '—' : ''), s.at, s.endedAt ?? 'running', s.outcome ?? '']),
      },
      {
        title: boxes.length > TABLE_ROWS ? `Mailboxes (first ${TABLE_ROWS} of ${n(boxes.length)}; all in the report files)` : 'Mailboxes',
        columns: ['Mailbox', 'Matches', 'Purged', 'Restored', 'Not found', 'Failed'],
        rows: boxes.slice(0, TABLE_ROWS).map(([m, r]) => [m, String(r.matches), String(r.purged), String(r.restored), String(r.gone), String(r.failed)]),
      },
    ],
    files: files_,
  });
}

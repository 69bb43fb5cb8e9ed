import type { ActionContext } from '../../kit/context';
import { success } from '../../kit/outcome';
import type { ActionSpec, OutputMessages } from '../../kit/spec';
import { describeCriteria } from './criteria';
import { n, TABLE_ROWS } from './report';
import { listCampaigns } from './store';

const messages = {
  success: {
    listed: 'COUNT campaign(s) in environment ENVIRONMENT.',
    none: 'No campaigns in environment ENVIRONMENT yet: soar campaign find starts one.',
  },
  failure: {},
} satisfies OutputMessages;

/** contract.md §8: `soar campaign list`. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'campaign-list',
  name: 'Campaign List',
  description: "The environment's campaigns, newest first: state, matches, mailboxes hit, criteria, who found them.",
  group: 'campaign',
  params: [],
  messages,
  tables: [{ title: 'Campaigns', columns: ['Campaign', 'State', 'Matches', 'Mailboxes hit', 'Criteria', 'Found by', 'Found at'] }],
  run: (ctx) => runList(ctx),
};

export async function runList(ctx: ActionContext) {
  const all = await listCampaigns(ctx.files);
  if (!all.length) return success(messages.success.none.replace('ENVIRONMENT', ctx.environment));
  return success(messages.success.listed.replace('COUNT', n(all.length)).replace('ENVIRONMENT', ctx.environment), {
    tables: [
      {
        title: all.length > TABLE_ROWS ? `Campaigns (newest ${TABLE_ROWS} of ${n(all.length)})` : 'Campaigns',
        columns: ['Campaign', 'State', 'Matches', 'Mailboxes hit', 'Criteria', 'Found by', 'Found at'],
        rows: all
          .slice(0, TABLE_ROWS)
          .map((c) => [c.id, c.state, String(c.counts.matches), String(c.counts.mailboxesHit), describeCriteria(c.criteria), c.createdBy, c.createdAt]),
      },
    ],
  });
}

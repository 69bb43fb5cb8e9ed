import type { ActionContext } from '../../kit/context';
import { reasonOf, UserError } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { type ActionSpec, type OutputMessages, param } from '../../kit/spec';
import { GraphClient, graphReason } from '../client';
import { senderOf } from '../mail-table';
import type { Message } from '../lookup';
import { mailboxList } from '../mailboxes';
import { criteriaOf, DEFAULT_SINCE, filterOf, type CampaignCriteria } from './criteria';
import { criteriaLine, firstMatchesTable, n, reportFile, SAMPLE_SIZE, unreachableLine, writeFindReport } from './report';
import { type Campaign, CampaignFiles, campaignIdFor, type FindCounts, type Match, settleAll } from './store';
import { CAMPAIGN_GRAPH } from './moves';
import { tenantMailboxes } from './tenant';

/**
 * Mailboxes searched at once: memory is bounded by this, not by the tenant; Graph's limits
 * (graph-batch.ts) decide what is in flight. Fewer than a search's MAILBOXES_IN_FLIGHT: a find's
 * mailbox holds pages of up to 250 matches, and at 1,000 a find and purge of 10,000 mailboxes
 * already runs within 1.1× of its floor (bench/campaign).
 */
export const FIND_CONCURRENCY = 1000;
const PAGE = 250;
const SELECT = 'id,internetMessageId,subject,from,sender,receivedDateTime,parentFolderId';

const messages = {
  success: {
    found: 'Campaign CAMPAIGN_ID: MATCHES matching mail(s) in HIT mailbox(es); SEARCHED of TOTAL mailbox(es) searched.',
    next: 'Purge them (four-eyes): soar campaign purge CAMPAIGN_ID',
  },
  failure: {
    failed: 'Campaign find failed: ERROR_REASON',
  },
} satisfies OutputMessages;

/** `find`'s answer for one mailbox: its matches, or why it was not searched. */
type Searched = { kind: 'done'; matches: Match[] } | { kind: 'no-mailbox' } | { kind: 'unreachable'; reason: string };

function matchOf(mailbox: string, m: Message): Match {
  return {
    mailbox,
    id: m.id,
    ...(m.internetMessageId ? { internetMessageId: m.internetMessageId } : {}),
    subject: m.subject ?? '',
    sender: senderOf(m),
    received: m.receivedDateTime ?? '',
    ...(m.parentFolderId ? { parentFolderId: m.parentFolderId } : {}),
  };
}

/** Every match in one mailbox, all folders, following `@odata.nextLink`. */
async function searchMailbox(graph: GraphClient, mailbox: string, filter: string, onRequest: () => void): Promise<Searched> {
  const matches: Match[] = [];
  let next: string | undefined = `v1.0/users/${encodeURIComponent(mailbox)}/messages?$filter=${encodeURIComponent(filter)}&$select=${SELECT}&$top=${PAGE}`;
  while (next) {
    onRequest();
    let res;
    try {
      res = await graph.request('GET', next);
    } catch (err) {
      return { kind: 'unreachable', reason: reasonOf(err) };
    }
    if (res.status < 200 || res.status >= 300) {
      const reason = graphReason(res.status, res.body);
      if (res.status === 404 && /^MailboxNotEnabledForRESTAPI\b/.test(reason)) return { kind: 'no-mailbox' };
      return { kind: 'unreachable', reason };
    }
    const page = res.body as { value?: Message[]; '@odata.nextLink'?: string } | undefined;
    for (const m of page?.value ?? []) if (m && typeof m.id === 'string') matches.push(matchOf(mailbox, m));
    next = page?.['@odata.nextLink'];
  }
  return { kind: 'done', matches };
}

/** contract.md §8: `soar campaign find`. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'campaign-find',
  name: 'Campaign Find',
  description:
    'Find a phishing wave in every mailbox of the tenant (or the listed ones): the matches of all the criteria given, a campaign id to purge them with, and a JSON report of every match.',
  group: 'campaign',
  params: [
    param('Internet Message ID', { type: 'string', required: false, description: 'The internetMessageId of the mail (with or without <>).' }),
    param('Sender', { type: 'string', required: false, description: "The sender's address (equals)." }),
    param('Subject', { type: 'string', required: false, description: 'Text the subject contains.' }),
    param('Since', { type: 'string', required: false, default: DEFAULT_SINCE, description: 'How far back to search: a duration such as 7d, 48h or 90m.' }),
    param('Mailboxes', {
      type: 'string',
      required: false,
      default: 'all',
      description: 'all (every user of the tenant with a mailbox, listed by the bot), or a comma-separated list of mailboxes.',
    }),
  ],
  messages,
  tables: [{ title: 'First matches', columns: ['Mailbox', 'Sender', 'Subject', 'Received'] }],
  attachments: true,
  run: (ctx, params) => runFind(ctx, params),
};

export async function runFind(ctx: ActionContext, params: Record<string, unknown>, concurrency = FIND_CONCURRENCY) {
  const { failed } = messages.failure;
  let criteria: CampaignCriteria;
  try {
    criteria = criteriaOf(params);
  } catch (err) {
    if (err instanceof UserError) return failure(err.message);
    throw err;
  }
  const asked = String(params.mailboxes ?? 'all').trim();
  const all = !asked || asked.toLowerCase() === 'all';
  const id = campaignIdFor(ctx.job.id);
  const files = CampaignFiles.of(ctx.files, id);
  const graph = new GraphClient(ctx, undefined, CAMPAIGN_GRAPH);
  const counts: FindCounts = { mailboxes: 0, searched: 0, withoutMail: 0, noMailbox: 0, unreachable: 0, matches: 0, mailboxesHit: 0 };

  // Requests sent beyond those asked for were retries after a 429 or 503.
  let submitted = graph.figures.requests;
  // `--mailboxes all`: the search starts on the first page of users while the next pages load.
  let mailboxes: string[];
  let listing: Promise<string | undefined> = Promise.resolve(undefined);
  let listed = true;
  const waiting: Array<() => void> = [];
  const wakeAll = () => {
    for (const wake of waiting.splice(0)) wake();
  };
  if (all) {
    await ctx.progress(0, 1, "Listing the tenant's mailboxes…").catch(() => undefined);
    mailboxes = [];
    listed = false;
    listing = tenantMailboxes(
      graph,
      (added) => {
        mailboxes.push(...added);
        wakeAll();
      },
      () => submitted++,
    )
      .then((tenant) => {
        counts.withoutMail = tenant.withoutMail;
        return undefined;
      })
      .catch((err: unknown) => reasonOf(err))
      .finally(() => {
        listed = true;
        wakeAll();
      });
  } else {
    mailboxes = mailboxList(asked);
    if (!mailboxes.length) return failure(fill(failed, { ERROR_REASON: '--mailboxes names no mailbox.' }));
  }

  const filter = filterOf(criteria);
  const writer = await files.matchesWriter();
  const sample: Match[] = [];
  const unreachable: Campaign['unreachable'] = [];
  let done = 0;
  const report = () => {
    const retried = Math.max(0, graph.figures.requests - submitted);
    const total = `${n(mailboxes.length)}${listed ? '' : '+'}`;
    const text = `Searched ${n(done)} of ${total} mailboxes · ${n(counts.matches)} match(es) in ${n(counts.mailboxesHit)} mailbox(es) · ${n(retried)} throttled request(s) retried`;
    return ctx.progress(done, Math.max(1, mailboxes.length), text).catch(() => undefined);
  };
  let next = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      if (next >= mailboxes.length) {
        if (listed) return;
        await new Promise<void>((wake) => waiting.push(wake));
        continue;
      }
      if (ctx.signal.aborted) throw new Error('The job was cancelled.');
      const mailbox = mailboxes[next++] as string;
      const r = await searchMailbox(graph, mailbox, filter, () => submitted++);
      if (r.kind === 'no-mailbox') counts.noMailbox++;
      else if (r.kind === 'unreachable') unreachable.push({ mailbox, reason: r.reason });
      else {
        counts.searched++;
        if (r.matches.length) {
          counts.mailboxesHit++;
          counts.matches += r.matches.length;
          for (const m of r.matches) if (sample.length < SAMPLE_SIZE) sample.push(m);
          await writer.writeMany(r.matches);
        }
      }
      done++;
      await report();
    }
  };
  let listingFailed: string | undefined;
  try {
    await settleAll(Array.from({ length: Math.max(1, all ? concurrency : Math.min(concurrency, mailboxes.length)) }, lane));
    listingFailed = await listing;
  } finally {
    await writer.close();
  }
  if (listingFailed) return failure(fill(failed, { ERROR_REASON: `the tenant's mailboxes could not be listed: ${listingFailed}` }));
  const total = mailboxes.length;
  counts.mailboxes = total;
  counts.unreachable = unreachable.length;

  const now = new Date().toISOString();
  const campaign: Campaign = {
    id,
    criteria,
    mailboxes: all ? 'all' : mailboxes,
    createdBy: ctx.job.requestedBy,
    createdAt: now,
    findJob: ctx.job.id,
    state: 'found',
    steps: [
      {
        step: 'find',
        job: ctx.job.id,
        requestedBy: ctx.job.requestedBy,
        at: now,
        endedAt: now,
        outcome: `${counts.matches} match(es) in ${counts.mailboxesHit} mailbox(es)`,
      },
    ],
    counts,
    unreachable,
  };
  await writeFindReport(files, campaign);
  await files.write(campaign);

  if (total > 0 && unreachable.length === total) {
    return failure([fill(failed, { ERROR_REASON: 'no mailbox could be searched.' }), unreachableLine(unreachable)].filter(Boolean).join('\n'), {
      files: [reportFile(files, 'report.json', 'Campaign report')],
    });
  }
  const lines = [
    fill(messages.success.found, {
      CAMPAIGN_ID: id,
      MATCHES: n(counts.matches),
      HIT: n(counts.mailboxesHit),
      SEARCHED: n(counts.searched),
      TOTAL: n(total),
    }),
  ];
  const skipped: string[] = [];
  if (counts.withoutMail) skipped.push(`${n(counts.withoutMail)} user(s) without a mail address`);
  if (counts.noMailbox) skipped.push(`${n(counts.noMailbox)} without a mailbox`);
  if (skipped.length) lines.push(`Not searched: ${skipped.join(', ')}.`);
  const u = unreachableLine(unreachable);
  if (u) lines.push(u);
  lines.push(criteriaLine(campaign));
  if (counts.matches) lines.push(fill(messages.success.next, { CAMPAIGN_ID: id }));
  return success(lines.join('\n'), {
    tables: sample.length ? [firstMatchesTable(sample)] : undefined,
    files: [reportFile(files, 'report.json', 'Campaign report: every match')],
  });
}

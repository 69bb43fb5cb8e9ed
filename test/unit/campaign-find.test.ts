/**
 * `soar campaign find`, show, list and the purge preview run alone through a fake ActionContext
 * whose Graph answers from fixtures (contract.md §8): the tenant listed page by page, users without
 * mail and mailboxes without Exchange counted, an unreachable mailbox named, every match kept.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spec as find } from '../../handlers/microsoft-graph-mail/campaign/find';
import { spec as list } from '../../handlers/microsoft-graph-mail/campaign/list';
import { spec as purge } from '../../handlers/microsoft-graph-mail/campaign/purge';
import { spec as restore } from '../../handlers/microsoft-graph-mail/campaign/restore';
import { spec as show } from '../../handlers/microsoft-graph-mail/campaign/show';
import { campaignIdFor } from '../../handlers/microsoft-graph-mail/campaign/store';
import { fakeActionContext, runAction, type HttpFixture } from '../helpers/fake-action-context';

const GRAPH = 'https://graph.microsoft.com';
const instance = {
  'azure-ad-endpoint': 'https://login.microsoftonline.com',
  'microsoft-graph-endpoint': GRAPH,
  'client-id': 'app-id',
  'secret-id': 'app-secret',
  tenant: 'tenant-id',
  'default-mailbox': 'soc@x.example',
};
const messagesOf = (mb: string) => new RegExp(`/v1\\.0/users/${encodeURIComponent(mb).replace(/\./g, '\\.')}/messages\\?`);
const mail = (id: string, subject: string, at: string) => ({
  id,
  internetMessageId: '<wave@evil.example>',
  subject,
  from: { emailAddress: { address: 'billing@evil.example' } },
  receivedDateTime: at,
  parentFolderId: 'F-inbox',
});
const http: HttpFixture[] = [
  {
    url: /\/v1\.0\/users\?\$select=id,mail,userPrincipalName&\$top=999$/,
    body: {
      value: [{ mail: 'a@x.example' }, { mail: 'b@x.example' }, { mail: null, userPrincipalName: 'svc@x.example' }],
      '@odata.nextLink': `${GRAPH}/v1.0/users?$skiptoken=2`,
    },
  },
  { url: `${GRAPH}/v1.0/users?$skiptoken=2`, body: { value: [{ mail: 'c@x.example' }, { mail: 'd@x.example' }, { mail: 'A@x.example' }] } },
  {
    url: messagesOf('a@x.example'),
    body: { value: [mail('m1', 'Invoice overdue', '2026-12-06T10:00:00Z'), mail('m2', 'RE: Invoice overdue', '2026-12-06T11:00:00Z')] },
  },
  {
    url: messagesOf('b@x.example'),
    status: 404,
    body: { error: { code: 'MailboxNotEnabledForRESTAPI', message: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.' } },
  },
  { url: messagesOf('c@x.example'), status: 403, body: { error: { code: 'ErrorAccessDenied', message: 'Access is denied.' } } },
  { url: messagesOf('d@x.example'), body: { value: [] } },
];

describe('campaign find', () => {
  it('lists the tenant page by page, counts what it could not search, names the unreachable, keeps every match', async () => {
    const ctx = fakeActionContext({ instance, http });
    const result = await runAction(find, ctx, { sender: 'billing@evil.example', subject: 'Invoice', since: '2d', mailboxes: 'all' });
    const id = campaignIdFor('job-1');
    expect(result.isSuccess).toBe(true);
    expect(result.message.split('\n')).toEqual([
      `Campaign ${id}: 2 matching mail(s) in 1 mailbox(es); 2 of 4 mailbox(es) searched.`,
      'Not searched: 1 user(s) without a mail address, 1 without a mailbox.',
      'Unreachable, not searched: 1 mailbox(es): c@x.example (ErrorAccessDenied: Access is denied.).',
      expect.stringMatching(/^Criteria: sender = billing@evil\.example · subject contains "Invoice" · since 2d \(.+\) · in every mailbox of the tenant$/),
      `Purge them (four-eyes): soar campaign purge ${id}`,
    ]);
    expect(result.tables).toEqual([
      {
        title: 'First matches',
        columns: ['Mailbox', 'Sender', 'Subject', 'Received'],
        rows: [
          ['a@x.example', 'billing@evil.example', 'Invoice overdue', '2026-12-06T10:00:00Z'],
          ['a@x.example', 'billing@evil.example', 'RE: Invoice overdue', '2026-12-06T11:00:00Z'],
        ],
      },
    ]);
    expect(result.files).toEqual([{ name: `${id}-report.json`, path: `campaigns/${id}/report.json`, title: 'Campaign report: every match' }]);
    const report = JSON.parse(readFileSync(join(ctx.files.root, `campaigns/${id}/report.json`), 'utf8'));
    expect(report.matches.map((m: { id: string }) => m.id)).toEqual(['m1', 'm2']);
    expect(report.unreachable).toEqual([{ mailbox: 'c@x.example', reason: 'ErrorAccessDenied: Access is denied.' }]);
    expect(report.counts).toMatchObject({ mailboxes: 4, searched: 2, withoutMail: 1, noMailbox: 1, unreachable: 1, matches: 2, mailboxesHit: 1 });
    // One $filter with every criterion, every folder of the mailbox.
    const search = ctx.sent.find((r) => messagesOf('a@x.example').test(r.url))!;
    expect(decodeURIComponent(search.url)).toMatch(
      /\$filter=receivedDateTime ge \S+ and from\/emailAddress\/address eq 'billing@evil\.example' and contains\(subject,'Invoice'\)/,
    );
    expect(ctx.unanswered).toEqual([]);
    expect(ctx.progressReports.at(-1)).toEqual({
      done: 4,
      total: 4,
      text: 'Searched 4 of 4 mailboxes · 2 match(es) in 1 mailbox(es) · 0 throttled request(s) retried',
    });

    // show, list and the purge preview read what find left; restore before purge is refused in one line.
    const shown = await runAction(show, ctx, { 'campaign-id': id });
    expect(shown.message.split('\n').slice(0, 1)).toEqual([
      `Campaign ${id}: found. Found by slack:U1 at ${report.createdAt}: 2 matching mail(s) in 1 of 2 mailbox(es) searched.`,
    ]);
    expect(shown.message).toContain('Mail by state: found: 2.');
    expect(shown.tables?.[0]?.rows).toEqual([['find', 'job-1', 'slack:U1', '—', report.createdAt, report.createdAt, '2 match(es) in 1 mailbox(es)']]);
    const listed = await runAction(list, ctx, {});
    expect(listed.tables?.[0]?.rows.map((r) => r.slice(0, 4))).toEqual([[id, 'found', '2', '1']]);
    expect((await runAction(restore, ctx, { 'campaign-id': id })).message).toBe(`Campaign ${id} has not been purged: nothing to restore.`);
    expect((await runAction(purge, ctx, { 'campaign-id': 'c-zzzzzzzz' })).message).toBe(
      `No campaign c-zzzzzzzz in environment ${ctx.environment} (soar campaign list shows them).`,
    );
    ctx.job.dryRun = true;
    const preview = await runAction(purge, ctx, { 'campaign-id': id });
    expect(preview.message.split('\n')).toEqual([
      `Dry run: would move 2 mail(s) in 1 mailbox(es) to Deleted Items; soar campaign restore ${id} puts them back.`,
      expect.stringMatching(/^Criteria: sender = billing@evil\.example/),
      'Mailboxes: a@x.example (2).',
      'Sample:',
      '• billing@evil.example · "Invoice overdue" · 2026-12-06T10:00:00Z',
      '• billing@evil.example · "RE: Invoice overdue" · 2026-12-06T11:00:00Z',
    ]);
    // The preview moved nothing.
    expect(ctx.sent.filter((r) => r.method === 'POST' && /\/move$/.test(r.url))).toEqual([]);
  });

  it('refuses in one line without a criterion, and when no mailbox could be searched', async () => {
    const ctx = fakeActionContext({ instance, http });
    expect((await runAction(find, ctx, { since: '7d', mailboxes: 'all' })).message).toBe(
      'Give at least one of --internet-message-id, --sender, --subject (they are combined with AND).',
    );
    const only = await runAction(find, fakeActionContext({ instance, http }), { subject: 'x', mailboxes: 'c@x.example' });
    expect(only.isSuccess).toBe(false);
    expect(only.message.split('\n')).toEqual([
      'Campaign find failed: no mailbox could be searched.',
      'Unreachable, not searched: 1 mailbox(es): c@x.example (ErrorAccessDenied: Access is denied.).',
    ]);
  });
});

import type { ActionSpec, OutputMessages } from '../../kit/spec';
import type { ActionContext } from '../../kit/context';
import { reasonOf, UpstreamError } from '../../kit/errors';
import { failure, fill, success, type ActionResult } from '../../kit/outcome';
import { GraphClient, graphReason } from '../client';
import { isMailboxNotFound, mailboxList } from '../mailboxes';

const messages = {
  success: {
    returned: 'Successfully returned OOF settings for ENTITY_ID.',
    unknownUsers: 'Failed to find the following usernames in Office 365 service: USERNAME_LIST.',
  },
  failure: {
    // behaviour.md 2: the seed names "Add Identity Protection Detection Comment" here (a typo).
    failed: 'Error executing action "Get Mailbox Account Out Of Facility Settings". Reason: ERROR_REASON',
    noSettings: "Action wasn't able to find OOF settings for ENTITY_ID.",
  },
} satisfies OutputMessages;

/** Seed: Get Mailbox Account Out Of Facility Settings (beta Graph API; runs on User entities, `--user a@x.com,b@x.com`). */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'get-mailbox-account-out-of-facility-settings',
  name: 'Get Mailbox Account Out Of Facility Settings',
  description: 'Retrieve the mailbox account out of facility (OOF) settings for the User entities provided.',
  entity: 'user',
  params: [],
  messages,
  // behaviour.md 14: with several users, a JSON list, one object per user in the seed's shape.
  jsonResult: true,
  run: (ctx, params) => run(ctx, params),
};

/** Graph's "no such user" answers (the presence route names the user in the path). */
function isUnknownUser(status: number, body: unknown): boolean {
  return (
    status === 404 &&
    (isMailboxNotFound(new UpstreamError(graphReason(status, body), status)) || /^(NotFound|ErrorItemNotFound)\b/.test(graphReason(status, body)))
  );
}

async function run(ctx: ActionContext, params: Record<string, unknown>): Promise<ActionResult> {
  const { returned, unknownUsers } = messages.success;
  const { failed, noSettings } = messages.failure;
  const users = mailboxList(params.user);
  if (!users.length) return failure(fill(failed, { ERROR_REASON: 'no User entities given (--user a@example.com,b@example.com).' }));
  const graph = new GraphClient(ctx);
  // https://learn.microsoft.com/graph/api/presence-get?view=graph-rest-beta (beta carries outOfOfficeSettings)
  const answers = await Promise.all(
    users.map(async (user) => {
      try {
        return { user, res: await graph.request('GET', `beta/users/${encodeURIComponent(user)}/presence`) };
      } catch (err) {
        return { user, error: reasonOf(err) };
      }
    }),
  );
  const found: Array<{ user: string; body: unknown }> = [];
  const missing: string[] = [];
  const without: string[] = [];
  const errors: string[] = [];
  for (const a of answers) {
    if ('error' in a) errors.push(a.error as string);
    else if (a.res.status >= 200 && a.res.status < 300) {
      const settings = (a.res.body as { outOfOfficeSettings?: unknown } | undefined)?.outOfOfficeSettings;
      if (settings && typeof settings === 'object') found.push({ user: a.user, body: a.res.body });
      else without.push(a.user);
    } else if (isUnknownUser(a.res.status, a.res.body)) missing.push(a.user);
    else errors.push(`${a.user}: ${graphReason(a.res.status, a.res.body)}`);
  }
  const rest = [
    ...(missing.length ? [fill(unknownUsers, { USERNAME_LIST: missing.join(', ') })] : []),
    ...without.map((u) => fill(noSettings, { ENTITY_ID: u })),
    ...[...new Set(errors)].map((r) => fill(failed, { ERROR_REASON: r })),
  ];
  if (!found.length) return failure(rest.join('\n'));
  const json = users.length === 1 ? found[0]!.body : found.map((f) => f.body);
  return success([fill(returned, { ENTITY_ID: found.map((f) => f.user).join(', ') }), ...rest].join('\n'), { json });
}

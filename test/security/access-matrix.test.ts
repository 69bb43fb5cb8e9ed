/**
 * Security: roles × every catalogue action × environments, through real Slack requests.
 * contract.md §5/§6 and behaviour.md 37: who may run what, and a channel of one environment never
 * reaches another's credentials or approvals. Nothing is queued after a refusal.
 */
import { verbOf } from '../../bot/commands/grouped';
import { jobIdFor } from '../../lib/ids';
import { DEMO_CLIENT_ID, DEMO_TENANT } from '../../emulator';
import { roleAtLeast, type Role } from '../../store/roles';
import { changesState } from '../../handlers/kit/spec';
import { requiresApproval } from '../../bot/access/approvals';
import { startHarness, MAILBOX, type Harness } from '../helpers/harness';
import { allJobs, sleep, unescapeSlack } from './security-helpers';

let h: Harness;
const USERS: Record<'none' | Role, string> = { none: 'UNONE', viewer: 'UVIEW', analyst: 'UANA', approver: 'UAPP', admin: 'UADM' };
const ROLES = Object.keys(USERS) as Array<'none' | Role>;

beforeAll(async () => {
  h = await startHarness();
  const env = h.runtime.environments;
  // "mx": roles only, no integration instance — an allowed command ends in "not configured" or a
  // form, so the whole matrix queues nothing and any job is a leak.
  await env.create('mx');
  await env.bind('slack:CMX', 'mx');
  // "envb": its own credentials and its own channel.
  await env.create('envb');
  await env.setInstance('envb', 'microsoft-graph-mail', {
    'azure-ad-endpoint': h.emulator.url,
    'microsoft-graph-endpoint': h.emulator.url,
    'client-id': DEMO_CLIENT_ID,
    'secret-id': 'envb-secret',
    tenant: DEMO_TENANT,
    'default-mailbox': MAILBOX,
  });
  await env.bind('slack:CB', 'envb');
  for (const e of ['mx', 'envb', 'prod']) {
    for (const role of ROLES) if (role !== 'none') await env.grant(e, role, [`slack:${USERS[role]}`]);
  }
});
afterAll(async () => {
  await h?.close();
});

async function slash(text: string, user: string, channel: string, triggerId?: string): Promise<string> {
  const res = await h.slash(text, { user, channel, triggerId });
  const body = await res.text();
  return body ? unescapeSlack((JSON.parse(body) as { text?: string }).text) : '(queued)';
}

function refusalOf(text: string): string | null {
  const m =
    /(You have no role in environment \S+\.|.* needs the \w+ role[^\n]*|This channel is bound to environment \S+; it cannot use environment \S+\.|This channel is not bound to an environment\.[^\n]*)/.exec(
      text,
    );
  return m ? m[1]! : null;
}

describe('security: roles × actions × environments', () => {
  it('every action is allowed or refused exactly by role (default four-eyes rules, then none)', async () => {
    const catalog = h.runtime.dispatcher.catalog;
    const before = await allJobs(h);
    const tally = { allowed: 0, refused: 0, wrong: [] as string[] };
    for (const rules of ['default', 'none'] as const) {
      await h.runtime.environments.setMeta('mx', {
        ...(await h.runtime.environments.getMeta('mx')),
        approvals: rules === 'none' ? { requiredFor: [] } : undefined,
      });
      const meta = await h.runtime.environments.getMeta('mx');
      for (const integration of catalog) {
        for (const action of integration.actions) {
          const needsApproval = requiresApproval(action, {}, meta, catalog);
          // The delegated sign-in replaces the environment's token: admins only, whatever the rules.
          const need: Role = action.adminOnly ? 'admin' : changesState(action, {}) && !needsApproval ? 'approver' : 'analyst';
          await Promise.all(
            ROLES.map(async (role) => {
              // A grouped action (contract.md §8) is typed under its word: `campaign purge`.
              const command = action.group ? `${action.group} ${verbOf(action)}` : `${integration.alias} ${action.id}`;
              const text = await slash(command, USERS[role], 'CMX');
              const refusal = refusalOf(text);
              const expected =
                role === 'none' ? 'You have no role in environment mx.' : roleAtLeast(role, need) ? null : `${action.name} needs the ${need} role.`;
              if (expected === null ? refusal !== null : refusal !== expected)
                tally.wrong.push(`${rules}/${role}/${integration.alias} ${action.id}: expected ${expected ?? 'allowed'}, got "${text.slice(0, 120)}"`);
              if (refusal) tally.refused++;
              else tally.allowed++;
            }),
          );
        }
      }
    }
    await sleep(300);
    const leaked = (await allJobs(h)) - before;
    const actions = catalog.reduce((n, i) => n + i.actions.length, 0);
    console.log(
      `[security] matrix: ${actions} actions × ${ROLES.length} roles × 2 rule sets = ${tally.allowed + tally.refused} commands; allowed ${tally.allowed}, refused ${tally.refused}, wrong ${tally.wrong.length}, jobs queued ${leaked}`,
    );
    expect(tally.wrong).toEqual([]);
    expect(tally.refused).toBeGreaterThan(actions * 2 * 2);
    expect(leaked).toBe(0);
  }, 60000);

  it('a channel of one environment cannot name or reach another environment', async () => {
    const before = await allJobs(h);
    const lines: string[] = [];
    for (const role of ['analyst', 'approver', 'admin'] as const) {
      lines.push(await slash('graphmail ping --environment envb', USERS[role], 'C1'));
      lines.push(await slash('graphmail ping --environment prod', USERS[role], 'CB'));
      lines.push(await slash(`graphmail search-emails --search-in-mailbox ${MAILBOX} --environment envb`, USERS[role], 'C1'));
      lines.push(await slash('admin show graphmail --environment envb', 'UADM', 'C1'));
    }
    await sleep(300);
    console.log(
      `[security] cross-environment: ${lines.length} attempts, refused ${lines.filter((l) => /cannot use environment|needs the admin role|admin role there/.test(l)).length}, jobs queued ${(await allJobs(h)) - before}`,
    );
    for (const l of lines.filter((_, i) => i % 4 !== 3))
      expect(l).toMatch(/This channel is bound to environment (prod|envb); it cannot use environment (envb|prod)\./);
    expect((await allJobs(h)) - before).toBe(0);
    // The admin of both may look at B's instance, but never sees B's secret from A's channel.
    for (const l of lines.filter((_, i) => i % 4 === 3)) expect(l).not.toContain('envb-secret');
  });

  it("clicks carrying B's approval id from A's channel are refused and run nothing", async () => {
    // An analyst of B asks to delete a mail in B: an approval waits in B's channel.
    const asked = await slash(
      `graphmail delete-email --delete-in-mailbox ${MAILBOX} --folder-name Inbox --mail-ids AAMkNOPE`,
      USERS.analyst,
      'CB',
      't-b-approval',
    );
    expect(asked).toBe('(queued)');
    const approvalId = `a-${jobIdFor('slack:t-b-approval').slice(2)}`;
    await h.slack.waitFor((calls) => calls.some((c) => JSON.stringify(c.body).includes(jobIdFor('slack:t-b-approval'))));
    // The approval's dry-run preview may still be running: compare totals, not states.
    const total = async () => Object.values(await h.runtime.queues.actions.getJobCounts()).reduce((a, b) => a + b, 0);
    const actionsBefore = await total();
    const clicks: string[] = [];
    for (const user of [USERS.approver, USERS.admin]) {
      for (const option of ['Approve', 'Reject']) {
        const before = h.slack.calls.length;
        await h.interact({
          type: 'block_actions',
          user: { id: user },
          channel: { id: 'C1' },
          team: { id: 'T1' },
          trigger_id: `t-x-${user}-${option}`,
          response_url: `${h.slack.url.replace(/\/api\/$/, '')}/response`,
          actions: [{ type: 'button', action_id: 'vote:0', block_id: 'b', value: JSON.stringify({ verb: 'vote', approvalId, option }) }],
        });
        await h.slack.waitFor((calls) => calls.slice(before).some((c) => c.method === 'response'));
        clicks.push(unescapeSlack(h.slack.calls.slice(before).find((c) => c.method === 'response')!.body.text));
      }
    }
    // run-form buttons are re-checked too: a form naming B from A's channel, and a viewer's form.
    const forms: string[] = [];
    for (const [user, command] of [
      [USERS.approver, 'graphmail ping --environment envb'],
      [USERS.viewer, 'graphmail ping'],
    ] as const) {
      const before = h.slack.calls.length;
      await h.interact({
        type: 'block_actions',
        user: { id: user },
        channel: { id: 'C1' },
        team: { id: 'T1' },
        trigger_id: `t-form-${user}`,
        response_url: `${h.slack.url.replace(/\/api\/$/, '')}/response`,
        actions: [{ type: 'button', action_id: 'run-form:0', block_id: 'b', value: JSON.stringify({ verb: 'run-form', command, fields: [] }) }],
      });
      await h.slack.waitFor((calls) => calls.slice(before).some((c) => c.method === 'response'));
      forms.push(unescapeSlack(h.slack.calls.slice(before).find((c) => c.method === 'response')!.body.text));
    }
    await sleep(300);
    const actionsAfter = await total();
    const store = (h.runtime.approvals as unknown as { deps: { approvals: { get(id: string): Promise<{ status: string } | null> } } }).deps.approvals;
    const state = await store.get(approvalId);
    console.log(
      `[security] foreign approval clicks: ${clicks.length} refused ${clicks.filter((c) => /belongs to another channel/.test(c)).length}; run-form clicks refused ${forms.filter((f) => refusalOf(f)).length}/${forms.length}`,
    );
    for (const c of clicks) expect(c).toContain('This request belongs to another channel.');
    expect(forms[0]).toContain('it cannot use environment envb');
    expect(forms[1]).toContain('Ping needs the analyst role.');
    expect(actionsAfter).toBe(actionsBefore);
    if (state) expect(state.status).toBe('open');
  });

  it('admin commands need the admin role of the environment they change', async () => {
    const before = await allJobs(h);
    const out: string[] = [];
    for (const role of ROLES) {
      const user = USERS[role];
      const answers = [
        await slash(`admin role grant admin slack:UEVIL-${role}`, user, 'CMX'),
        await slash('admin set graphmail --client-id evil', user, 'CMX'),
        await slash('admin bind envb', user, 'CMX'),
        await slash('admin unbind', user, 'CMX'),
      ];
      const refused = answers.filter((a) => /admin role/.test(a)).length;
      out.push(`${role}: refused ${refused}/4`);
      if (role === 'admin') expect(refused).toBe(0);
      else expect(refused).toBe(4);
    }
    console.log(`[security] admin commands: ${out.join(', ')}`);
    // The refused ones changed nothing: the evil grants are not there.
    for (const role of ROLES.filter((r) => r !== 'admin')) expect(await h.runtime.environments.roleOf('mx', `slack:UEVIL-${role}`)).toBeFalsy();
    expect((await allJobs(h)) - before).toBe(0);
  });
});

/**
 * The approval flow: a request becomes a card with Approve / Reject; only allowed users vote,
 * never the requester, once each; `needed` approvals queue the job exactly once, one Reject
 * stops it, the timeout expires it. `soar vote` uses the same cards for a human decision.
 */
import { Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { approvalMessage } from '../cards/approval-messages';
import type { ChatMessage } from '../cards/message';
import type { Outbox } from '../queue/outbox';
import type { ActionJobData } from '../queue/types';
import { QUEUE_NAMES, type Queues } from '../queue/queues';
import type { ApprovalState, ApprovalStore, Approval } from '../store/approvals';
import type { AuditLog } from '../store/audit';
import type { EnvironmentStore } from '../store/environments';
import type { JobIndex } from '../store/jobs';
import { Keys } from '../store/keys';
import { isRole, roleAtLeast } from '../store/roles';

export interface VoteOutcome {
  ok: boolean;
  /** One line for the voter. */
  message: string;
  /** The card as it is now (Teams Action.Execute answers with it). */
  card?: ChatMessage;
}

export interface ApprovalDeps {
  approvals: ApprovalStore;
  environments: EnvironmentStore;
  jobs: JobIndex;
  audit: AuditLog;
  outbox: Outbox;
  queues: Queues;
  log: Logger;
}

export class ApprovalFlow {
  constructor(private readonly deps: ApprovalDeps) {}

  async request(approval: Approval): Promise<void> {
    const { approvals, outbox, queues, audit, jobs } = this.deps;
    await approvals.create(approval);
    if (approval.job) {
      await jobs.add({
        jobId: approval.job.jobId,
        actionName: approval.job.actionName,
        requestedBy: approval.requestedBy,
        environment: approval.environment,
        channel: approval.channel,
        state: 'awaiting-approval',
        createdAt: approval.createdAt,
      });
    }
    const state = (await approvals.get(approval.id))!;
    await outbox.upsert(approval.messageKey, approval.conversation, approvalMessage(state));
    await queues.approvals.add('expire', { approvalId: approval.id }, { jobId: `expire_${approval.id}`, delay: Math.max(0, approval.expiresAt - Date.now()) });
    await audit.write({
      environment: approval.environment,
      actor: approval.requestedBy,
      event: approval.kind === 'action' ? 'approval.requested' : 'vote.started',
      detail: approval.question,
    });
  }

  /** Shows the action's dry-run result on the card while it waits. */
  async setPreview(approvalId: string, text: string): Promise<void> {
    await this.deps.approvals.setPreview(approvalId, text);
    const state = await this.deps.approvals.get(approvalId);
    if (state?.status === 'open') await this.refresh(state);
  }

  private async mayVote(a: Approval, user: string): Promise<string | null> {
    const role = await this.deps.environments.roleOf(a.environment, user);
    if (a.kind === 'action') {
      if (user === a.requestedBy) return 'You cannot approve your own request.';
      if (!roleAtLeast(role, 'approver')) return role ? 'Voting on this request needs the approver role.' : `You have no role in environment ${a.environment}.`;
      return null;
    }
    const allowed = a.voters.some((v) => {
      if (v === user) return true;
      const m = /^role:(.+)$/.exec(v);
      return !!m && isRole(m[1]!) && roleAtLeast(role, m[1]!);
    });
    return allowed ? null : 'You are not one of the voters of this vote.';
  }

  async vote(approvalId: string, user: string, option: string, channel: string): Promise<VoteOutcome> {
    const { approvals, audit } = this.deps;
    const state = await approvals.get(approvalId);
    if (!state) return { ok: false, message: 'This request no longer exists.' };
    const a = state.approval;
    if (channel !== a.channel) return { ok: false, message: 'This request belongs to another channel.' };
    if (state.status !== 'open') return { ok: false, message: `This request is closed (${state.status}).`, card: approvalMessage(state) };
    if (Date.now() > a.expiresAt) {
      await this.expire(approvalId);
      return { ok: false, message: 'This request has expired.' };
    }
    const refusal = await this.mayVote(a, user);
    if (refusal) return { ok: false, message: refusal };
    if (!a.options.includes(option)) return { ok: false, message: `Unknown option ${option}.` };
    if (!(await approvals.vote(approvalId, user, option))) return { ok: false, message: 'You have already voted on this request.' };
    await audit.write({
      environment: a.environment,
      actor: user,
      event: a.kind === 'action' ? 'approval.vote' : 'vote.cast',
      detail: `${a.id} ${option}: ${a.question}`,
    });
    const now = (await approvals.get(approvalId))!;
    await this.settle(now, user);
    const after = (await approvals.get(approvalId))!;
    return { ok: true, message: `Your vote (${option}) was recorded.`, card: approvalMessage(after) };
  }

  /** Decides when the votes allow it; the first decision wins and runs the job exactly once. */
  private async settle(state: ApprovalState, lastVoter: string): Promise<void> {
    const a = state.approval;
    const votes = Object.values(state.votes);
    if (a.kind === 'action') {
      if (votes.includes(a.options[1]!)) return this.close(state, 'rejected', lastVoter);
      if (votes.filter((v) => v === a.options[0]).length >= a.needed) return this.close(state, 'approved', lastVoter);
      return this.refresh(state);
    }
    const explicit = a.voters.filter((v) => !v.startsWith('role:'));
    const everyone = explicit.length > 0 && explicit.every((v) => state.votes[v] !== undefined) && explicit.length === a.voters.length;
    if (everyone || (explicit.length === 0 && votes.length >= a.needed)) return this.close(state, 'approved', undefined);
    return this.refresh(state);
  }

  /**
   * Shows an open request's votes or preview. Written only while it is undecided: a refresh that
   * read the open state just before a decision must not reopen the closed card, or write over the
   * result that took its place (behaviour.md 43).
   */
  private async refresh(state: ApprovalState): Promise<void> {
    const a = state.approval;
    await this.deps.outbox.upsertUnless(a.messageKey, a.conversation, approvalMessage(state), this.deps.approvals.decidedKey(a.id));
  }

  /** The result of a `soar vote`: the option with most votes. */
  private voteResult(state: ApprovalState): string {
    const counts = new Map<string, number>();
    for (const v of Object.values(state.votes)) counts.set(v, (counts.get(v) ?? 0) + 1);
    if (!counts.size) return 'Result: no votes.';
    const best = [...counts.entries()].sort((x, y) => y[1] - x[1]);
    const tie = best.length > 1 && best[0]![1] === best[1]![1];
    return tie ? `Result: tie (${best.map(([o, n]) => `${o} ${n}`).join(', ')}).` : `Result: ${best[0]![0]} (${best.map(([o, n]) => `${o} ${n}`).join(', ')}).`;
  }

  private async close(state: ApprovalState, status: 'approved' | 'rejected' | 'expired', by: string | undefined): Promise<void> {
    const { approvals, queues, jobs, audit, outbox, log } = this.deps;
    const a = state.approval;
    if (!(await approvals.decide(a.id, status, by))) return; // someone else decided first
    const closed = (await approvals.get(a.id))!;
    await audit.write({
      environment: a.environment,
      actor: by ?? 'chatsoar',
      event: `${a.kind === 'action' ? 'approval' : 'vote'}.${status}`,
      detail: `${a.id}: ${a.question}`,
    });
    if (a.kind === 'vote') {
      await outbox.upsert(a.messageKey, a.conversation, approvalMessage(closed, this.voteResult(closed)));
      return;
    }
    if (status === 'approved' && a.job) {
      const now = Date.now();
      // behaviour.md 43: the card is the request's one message; the approved job's progress and
      // result replace it in place (a private result still goes to the asker alone).
      const inPlace = !a.job.conversation.privateTo;
      const job: ActionJobData = {
        ...a.job,
        createdAt: now,
        timeoutAt: now + (a.job.timeoutAt - a.job.createdAt),
        // Every approver, as the card listed them: the result in its place still says who decided.
        approvedBy:
          Object.keys(closed.votes)
            .filter((user) => closed.votes[user] === a.options[0])
            .join(', ') || by,
        ...(inPlace ? { messageKey: a.messageKey, conversation: a.conversation } : {}),
      };
      const queued = `Queued ${job.actionName} as job ${job.jobId}.`;
      await outbox.upsert(a.messageKey, a.conversation, approvalMessage(closed, queued));
      await jobs.update(job.jobId, { state: 'queued' });
      // The job id is the request's: a second approval path can never queue it twice.
      await queues.actions.add(job.action, job, { jobId: job.jobId });
      if (!inPlace) await outbox.upsert(job.messageKey, job.conversation, { text: `Approved: ${queued}`, status: 'queued', lines: [`Approved: ${queued}`] });
      log.info({ job: job.jobId, approval: a.id }, 'approved and queued');
      return;
    }
    await outbox.upsert(a.messageKey, a.conversation, approvalMessage(closed));
    if (a.job) {
      await jobs.update(a.job.jobId, { state: status === 'rejected' ? 'cancelled' : 'failed' });
    }
  }

  async expire(approvalId: string): Promise<void> {
    const state = await this.deps.approvals.get(approvalId);
    if (state?.status !== 'open') return;
    await this.close(state, state.approval.kind === 'vote' ? 'expired' : 'expired', undefined);
  }

  startExpiryWorker(connection: ConnectionOptions, prefix: string): Worker {
    return new Worker<{ approvalId: string }>(QUEUE_NAMES.approvals, (job) => this.expire(job.data.approvalId), {
      connection,
      prefix: new Keys(prefix).bull(),
      concurrency: 4,
    });
  }
}

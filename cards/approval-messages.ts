/** Approval and vote cards: who asks, what would run, who voted, and the outcome (contract.md §7.5). */
import type { ApprovalState } from '../store/approvals';
import type { ChatMessage } from './message';

const OUTCOME: Record<string, string> = {
  approved: 'Approved',
  rejected: 'Rejected',
  expired: 'Expired: no decision before the timeout',
};

function tally(state: ApprovalState): string {
  const entries = Object.entries(state.votes);
  return entries.length ? entries.map(([user, option]) => `${user}: ${option}`).join(', ') : 'none yet';
}

export function approvalMessage(state: ApprovalState, result?: string): ChatMessage {
  const a = state.approval;
  const open = state.status === 'open';
  const head = a.kind === 'action' ? `Approval needed: ${a.question}` : `Vote: ${a.question}`;
  const outcome = open
    ? `Waiting for ${a.kind === 'action' ? `${a.needed} approval(s)` : 'votes'} until ${new Date(a.expiresAt).toISOString()}.`
    : `${OUTCOME[state.status] ?? state.status}${state.decidedBy ? ` by ${state.decidedBy}` : ''}.`;
  const lines = [head, outcome, ...(result ? [result] : [])];
  return {
    text: lines.join('\n'),
    title: a.kind === 'action' ? 'Four-eyes approval' : 'Vote',
    status: open ? 'approval' : state.status === 'approved' ? 'succeeded' : state.status === 'rejected' ? 'failed' : 'cancelled',
    lines,
    facts: [
      { title: 'Asked by', value: a.requestedBy },
      { title: 'Environment', value: a.environment },
      ...a.details,
      ...(state.preview ? [{ title: 'Dry run', value: state.preview }] : []),
      { title: 'Votes', value: tally(state) },
    ],
    actions: open
      ? a.options.map((option, i) => ({
          title: option,
          verb: 'vote',
          data: { approvalId: a.id, option },
          style: a.kind === 'action' ? (i === 0 ? 'positive' : 'destructive') : 'default',
        }))
      : undefined,
    footer: `request ${a.id}`,
  };
}

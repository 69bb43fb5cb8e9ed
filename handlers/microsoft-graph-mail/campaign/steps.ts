/**
 * Which step a campaign may take next (contract.md §8, behaviour.md 51), in one line when it may not: the same
 * check answers at once in chat (the spec's `precheck`, before an approval card is posted) and
 * again in the job, which is what counts.
 */
import type { ActionContext, FileStore } from '../../kit/context';
import { UserError } from '../../kit/errors';
import { type Campaign, CampaignFiles, campaignIdOf, type CampaignStep } from './store';

export type Step = 'purge' | 'restore' | 'show';

/** Why `step` may not run on this campaign now; null when it may. */
export function stepRefusal(step: Step, c: Campaign): string | null {
  if (step === 'purge') {
    if (c.state === 'purged') return `Campaign ${c.id} has already been purged; soar campaign restore ${c.id} puts its mail back.`;
    if (c.state === 'restoring' || c.state === 'restored')
      return `Campaign ${c.id} has already been purged and ${c.state === 'restored' ? 'restored' : 'is being restored'}; find it again to purge it.`;
    if (!c.counts.matches) return `Campaign ${c.id} has no matching mail: nothing to purge.`;
  }
  if (step === 'restore') {
    if (c.state === 'found') return `Campaign ${c.id} has not been purged: nothing to restore.`;
    if (c.state === 'restored') return `Campaign ${c.id} has already been restored.`;
  }
  return null;
}

export interface Loaded {
  campaign: Campaign;
  files: CampaignFiles;
}

/** The campaign named by `campaign-id`, or one line saying why there is none. */
export async function loadCampaign(files: Pick<FileStore, 'resolve'>, params: Record<string, unknown>, environment: string): Promise<Loaded | string> {
  let id: string;
  try {
    id = campaignIdOf(params['campaign-id']);
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
  const cf = CampaignFiles.of(files, id);
  const campaign = await cf.read();
  if (!campaign) return `No campaign ${id} in environment ${environment} (soar campaign list shows them).`;
  return { campaign, files: cf };
}

/** The spec's `precheck`: the one-line refusal chat gives before anything is queued. */
export function precheckFor(step: Step) {
  return async (files: Pick<FileStore, 'resolve'>, params: Record<string, unknown>, environment: string): Promise<string | null> => {
    const loaded = await loadCampaign(files, params, environment);
    if (typeof loaded === 'string') return loaded;
    return stepRefusal(step, loaded.campaign);
  };
}

/** Starts (or, for a job that runs again, resumes) a step: state and who asked, saved before anything moves. */
export async function beginStep(ctx: ActionContext, loaded: Loaded, step: 'purge' | 'restore'): Promise<Campaign> {
  const c = loaded.campaign;
  const last = c.steps[c.steps.length - 1];
  if (!(last?.step === step && last.job === ctx.job.id)) {
    const s: CampaignStep = { step, job: ctx.job.id, requestedBy: ctx.job.requestedBy, at: new Date().toISOString() };
    if (ctx.job.approvedBy) s.approvedBy = ctx.job.approvedBy;
    c.steps.push(s);
  }
  c.state = step === 'purge' ? 'purging' : 'restoring';
  await loaded.files.write(c);
  return c;
}

/** Ends the step: its outcome, and the state it leaves (the done state only when nothing failed). */
export async function endStep(loaded: Loaded, ctx: ActionContext, outcome: string, complete: boolean): Promise<void> {
  const c = loaded.campaign;
  const s = [...c.steps].reverse().find((x) => x.job === ctx.job.id);
  if (s) {
    s.endedAt = new Date().toISOString();
    s.outcome = outcome;
  }
  if (complete) c.state = c.state === 'purging' ? 'purged' : c.state === 'restoring' ? 'restored' : c.state;
  await loaded.files.write(c);
}

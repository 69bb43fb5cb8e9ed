/**
 * Sentinel mode (docs/reliability.md): when Redis fails over before a replica confirmed a queued
 * job, the command is answered with what may have happened. It is never "nothing was queued": the
 * job was written and may still run.
 */
import { jobIdFor } from '../../lib/ids';
import { startHarness, type Harness } from '../helpers/harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

it('a job not confirmed on a replica is reported as maybe queued, with how to check', async () => {
  const deps = h.runtime.dispatcher.deps;
  deps.barrier = {
    mark: async () => 'replication-id-before',
    sync: async () => {
      throw new Error('the master changed');
    },
    close: () => undefined,
  };
  try {
    const res = await h.slash('graphmail ping', { user: 'U1', triggerId: 'failover-1' });
    const text = (JSON.parse(await res.text()) as { text: string }).text;
    expect(text).toBe(
      `Redis failed over while job ${jobIdFor('slack:failover-1')} was being queued: it may or may not run. soar jobs shows it if it will; if it is not there, ask again.`,
    );
  } finally {
    delete deps.barrier;
  }
});

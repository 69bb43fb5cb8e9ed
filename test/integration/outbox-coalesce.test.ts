/**
 * The outbox coalesces a message's versions (behaviour.md 40, 43): a delivery sends the latest
 * content when it runs, and the last version always goes out, in the one message (real
 * redis-server, real outbox, fake Slack). A held first post carries what came during the hold,
 * and a final state does not wait for the hold.
 */
import type { ChatMessage } from '../../cards/message';
import type { ConversationRef } from '../../queue/types';
import { startHarness, type Harness } from '../helpers/harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 60000);

afterAll(async () => {
  await h?.close();
});

const version = (key: string, v: number, last: number): ChatMessage => ({
  text: `${key} version ${v}`,
  status: v < last ? 'running' : 'succeeded',
  lines: [`${key} version ${v}`],
});

/** The outbox has nothing left to send: no delivery waiting, delayed or running. */
async function outboxIdle(): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const counts = await h.runtime.queues.outbox.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) return;
    if (Date.now() > deadline) throw new Error(`outbox still busy: ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What Slack received for one message key: its posts, and the text it shows now. */
function seen(key: string): { posts: number; shown: string[] } {
  const mine = (body: Record<string, unknown>): boolean => String(body.text).startsWith(`${key} version`);
  return {
    posts: h.slack.calls.filter((c) => c.method === 'chat.postMessage' && mine(c.body)).length,
    shown: [...h.slack.messages.values()].filter(mine).map((m) => String(m.text)),
  };
}

describe('outbox coalescing', () => {
  it('versions written back to back: one post, the last version shown', async () => {
    const key = 'test:back-to-back';
    const conversation: ConversationRef = { platform: 'slack', channel: 'slack:C901' };
    for (let v = 1; v <= 20; v++) await h.runtime.outbox.upsert(key, conversation, version(key, v, 20));
    await outboxIdle();
    expect(seen(key)).toEqual({ posts: 1, shown: [`${key} version 20`] });
  });

  it('versions written while deliveries run and wait for pacing: the last one is never lost', async () => {
    const conversation: ConversationRef = { platform: 'slack', channel: 'slack:C902' };
    const keys = ['test:interleaved-1', 'test:interleaved-2', 'test:interleaved-3'];
    await Promise.all(
      keys.map(async (key, k) => {
        for (let v = 1; v <= 12; v++) {
          await h.runtime.outbox.upsert(key, conversation, version(key, v, 12));
          await new Promise((r) => setTimeout(r, 5 + ((v * 7 + k * 3) % 23)));
        }
      }),
    );
    await outboxIdle();
    for (const key of keys) expect(seen(key)).toEqual({ posts: 1, shown: [`${key} version 12`] });
  }, 30000);

  it('a delivery queued for an older version sends the latest one when it is not sent yet', async () => {
    const key = 'test:older-job';
    const conversation: ConversationRef = { platform: 'slack', channel: 'slack:C903' };
    await h.runtime.outbox.upsert(key, conversation, version(key, 1, 3));
    await outboxIdle();
    // Version 2 went out; version 3 was written, and the job left carries version 2.
    await h.runtime.messages.setLatest(key, conversation, version(key, 2, 3));
    await h.runtime.messages.markSent(key, 2);
    await h.runtime.messages.setLatest(key, conversation, version(key, 3, 3));
    await h.runtime.queues.outbox.add('upsert', { op: 'upsert', messageKey: key, version: 2, conversation }, { jobId: 'older-job-v2' });
    await outboxIdle();
    expect(seen(key)).toEqual({ posts: 1, shown: [`${key} version 3`] });
  });

  it('a held first post carries what came during the hold; in-progress states queue nothing more', async () => {
    const key = 'test:held';
    const conversation: ConversationRef = { platform: 'slack', channel: 'slack:C904' };
    const held = h.runtime.outbox.stageHeld(key, conversation, version(key, 1, 9), 1500);
    await held.staged;
    await held.deliver();
    for (let v = 2; v <= 4; v++) await h.runtime.outbox.upsert(key, conversation, version(key, v, 9));
    const counts = await h.runtime.queues.outbox.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    expect(counts).toMatchObject({ waiting: 0, delayed: 1, active: 0, prioritized: 0 });
    await new Promise((r) => setTimeout(r, 900));
    expect(seen(key).posts).toBe(0);
    await outboxIdle();
    expect(seen(key)).toEqual({ posts: 1, shown: [`${key} version 4`] });
  });

  it('a final state during the hold is posted at once, in the one message', async () => {
    const key = 'test:held-final';
    const conversation: ConversationRef = { platform: 'slack', channel: 'slack:C905' };
    const started = Date.now();
    const held = h.runtime.outbox.stageHeld(key, conversation, version(key, 1, 2), 5000);
    await held.staged;
    await held.deliver();
    await h.runtime.outbox.upsert(key, conversation, version(key, 2, 2));
    await h.slack.waitFor(() => seen(key).shown.length === 1, 4000);
    expect(Date.now() - started).toBeLessThan(4000);
    await outboxIdle();
    expect(seen(key)).toEqual({ posts: 1, shown: [`${key} version 2`] });
  });
});

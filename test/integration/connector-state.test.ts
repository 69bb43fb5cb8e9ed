/**
 * A connector's dedup state on a real redis-server: a digest's ids staged once each (against the
 * ids committed by earlier cycles and those staged earlier in the cycle) and committed with the
 * checkpoint; a cycle that died before its commit leaves its ids uncommitted (the next cycle takes
 * them); a commit run twice (a crash in the middle, finished by the next cycle) changes nothing
 * more; a staging set left by an earlier version (a sorted set) is folded into the alert set.
 */
import { randomBytes } from 'node:crypto';
import { DEDUP_TTL_MS, ConnectorState } from '../../queue/connector-state';
import { connectRedis } from '../../store/redis';

const redis = connectRedis(process.env.TEST_REDIS_URL!);
const prefix = `cstate-${randomBytes(3).toString('hex')}:`;
const alertSet = (name: string): string => `${prefix}sched:prod:connector:${name}:seen:alert`;

afterAll(async () => {
  await redis.quit();
});

describe('ConnectorState staging and commit', () => {
  it('stages each id once: not the committed ones, not those staged before, not one given twice', async () => {
    const state = new ConnectorState(redis, prefix, 'prod', 'connector', 'a');
    await state.add('alert', ['old-1', 'old-2']);
    const staging = state.newStaging();
    expect(await state.stageNew(staging, ['old-1', 'n1', 'n2', 'n1'])).toEqual([false, true, true, false]);
    expect(await state.stageNew(staging, ['n2', 'n3', 'old-2'])).toEqual([false, true, false]);
    await state.stage(staging, ['n4']);
    expect(await state.stageNew(staging, ['n4', 'n5'])).toEqual([false, true]);
    // Staged is not committed: a cycle that dies here leaves nothing committed.
    expect(await state.has('alert', ['n1', 'n5', 'old-1'])).toEqual([false, false, true]);
    expect(await new ConnectorState(redis, prefix, 'prod', 'connector', 'a').has('alert', ['n1', 'old-2'])).toEqual([false, true]);

    const before = Date.now();
    await state.commit({ blob: ['b1'] }, JSON.stringify({ start: 1 }), staging);
    expect(await state.has('alert', ['n1', 'n2', 'n3', 'n4', 'n5', 'old-1', 'x'])).toEqual([true, true, true, true, true, true, false]);
    expect(await state.has('blob', ['b1'])).toEqual([true]);
    expect(await state.getCheckpoint()).toEqual({ start: 1 });
    expect(Number(await redis.zscore(alertSet('a'), 'n3'))).toBeGreaterThanOrEqual(before - 1000);
    expect(await redis.pttl(alertSet('a'))).toBeGreaterThan(DEDUP_TTL_MS - 60_000);
  });

  it('a cycle that died before its commit: its ids are new to the next cycle, staged and committed once', async () => {
    const dead = new ConnectorState(redis, prefix, 'prod', 'connector', 'd');
    await dead.add('alert', ['old']);
    const lost = dead.newStaging();
    expect(await dead.stageNew(lost, ['e1', 'e2', 'e3', 'old'])).toEqual([true, true, true, false]);
    // The process dies: no commit. The next cycle, in another process.
    const next = new ConnectorState(redis, prefix, 'prod', 'connector', 'd');
    expect(await next.has('alert', ['e1', 'e2', 'e3', 'old'])).toEqual([false, false, false, true]);
    const staging = next.newStaging();
    expect(await next.stageNew(staging, ['e1', 'e2', 'e1'])).toEqual([true, true, false]);
    expect(await next.stageNew(staging, ['e2', 'e4'])).toEqual([false, true]);
    await next.commit({}, null, staging);
    expect(await next.has('alert', ['e1', 'e2', 'e3', 'e4', 'old'])).toEqual([true, true, false, true, true]);
    // e3 (staged by the dead cycle only) is still new; the dead staging stays listed until trimmed.
    const third = new ConnectorState(redis, prefix, 'prod', 'connector', 'd');
    const s3 = third.newStaging();
    expect(await third.stageNew(s3, ['e1', 'e3'])).toEqual([false, true]);
    await third.commit({}, null, s3);
    expect(await third.has('alert', ['e3'])).toEqual([true]);
    await third.trim();
    expect(await redis.zcard(`${prefix}sched:prod:connector:d:staging:open`)).toBe(1);
  });

  it('a commit finished twice (after a crash) commits the same ids, nothing else', async () => {
    const state = new ConnectorState(redis, prefix, 'prod', 'connector', 'b');
    const staging = state.newStaging();
    const ids = Array.from({ length: 25_000 }, (_, i) => `id-${i}`);
    const flags = await state.stageNew(staging, ids);
    expect(flags.every(Boolean)).toBe(true);
    await state.commit({}, null, staging);
    await state.commit({}, null, staging);
    expect(await redis.zcard(alertSet('b'))).toBe(25_000);
    expect((await state.has('alert', ids)).every(Boolean)).toBe(true);
    expect(await state.getCheckpoint()).toBeUndefined();
  });

  it("folds an earlier version's staging set (a sorted set), keeping the later time of an id", async () => {
    const state = new ConnectorState(redis, prefix, 'prod', 'connector', 'c');
    const staging = state.newStaging();
    await redis.zadd(alertSet('c'), 5000, 'both');
    await redis.zadd(staging, 1000, 'staged', 9000, 'both', 3000, 'late');
    await redis.zadd(alertSet('c'), 4000, 'late');
    await state.commit({}, null, staging);
    expect(await redis.zrange(alertSet('c'), 0, -1, 'WITHSCORES')).toEqual(['staged', '1000', 'late', '4000', 'both', '9000']);
    expect(await redis.exists(staging)).toBe(0);
  });
});

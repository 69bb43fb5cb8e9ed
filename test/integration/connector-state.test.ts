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

  it('a batch with none of its ids known (a flood): each staged once, a repeat in it not; calls sent together keep their order', async () => {
    const state = new ConnectorState(redis, prefix, 'prod', 'connector', 'f');
    const staging = state.newStaging();
    expect(await state.stageNew(staging, ['f1', 'f2', 'f1', 'f3', 'f2'])).toEqual([true, true, false, true, false]);
    // Sent before the first returns (one connection: Redis runs them in the order sent).
    const [first, second, third] = await Promise.all([
      state.stageNew(staging, ['g1', 'g2']),
      state.stageNew(staging, ['g2', 'g3', 'f1']),
      state.stageNew(staging, ['g3', 'g4']),
    ]);
    expect([first, second, third]).toEqual([
      [true, true],
      [false, true, false],
      [false, true],
    ]);
    expect(await state.has('alert', ['f1', 'g4'])).toEqual([false, false]);
    await state.commit({}, null, staging);
    expect(await state.has('alert', ['f1', 'f2', 'f3', 'g1', 'g2', 'g3', 'g4'])).toEqual(Array(7).fill(true));
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

  it("batches staged at different times: each goes in at the end, all of them are the staging's own until committed", async () => {
    const state = new ConnectorState(redis, prefix, 'prod', 'connector', 'm');
    await state.add('alert', ['old']);
    const staging = state.newStaging();
    expect(await state.stageNew(staging, ['m1', 'm2'])).toEqual([true, true]);
    await new Promise((r) => setTimeout(r, 5));
    expect(await state.stageNew(staging, ['m1', 'm3', 'old'])).toEqual([false, true, false]);
    const [s1, s3] = [Number(await redis.zscore(alertSet('m'), 'm1')), Number(await redis.zscore(alertSet('m'), 'm3'))];
    expect(s3).toBeGreaterThan(s1);
    // Two batches, two scores listed open; neither a whole millisecond.
    const open = await redis.zrange(`${prefix}sched:prod:connector:m:staging:open`, 0, -1, 'WITHSCORES');
    expect(open.length).toBe(4);
    expect(Number.isInteger(s1) || Number.isInteger(s3)).toBe(false);
    expect(await state.has('alert', ['m1', 'm3', 'old'])).toEqual([false, false, true]);
    await state.commit({}, null, staging);
    expect(await redis.zcard(`${prefix}sched:prod:connector:m:staging:open`)).toBe(0);
    expect(await state.has('alert', ['m1', 'm2', 'm3', 'old'])).toEqual([true, true, true, true]);
  });

  it('a dead cycle of several batches: all its ids are new to the next one, and its scores stay listed until trimmed', async () => {
    const dead = new ConnectorState(redis, prefix, 'prod', 'connector', 'n');
    const lost = dead.newStaging();
    expect(await dead.stageNew(lost, ['d1'])).toEqual([true]);
    await new Promise((r) => setTimeout(r, 5));
    expect(await dead.stageNew(lost, ['d2'])).toEqual([true]);
    const next = new ConnectorState(redis, prefix, 'prod', 'connector', 'n');
    expect(await next.has('alert', ['d1', 'd2'])).toEqual([false, false]);
    const staging = next.newStaging();
    expect(await next.stageNew(staging, ['d2', 'd1', 'd2'])).toEqual([true, true, false]);
    await next.commit({}, null, staging);
    expect(await next.has('alert', ['d1', 'd2'])).toEqual([true, true]);
    expect(await redis.zcard(`${prefix}sched:prod:connector:n:staging:open`)).toBe(2);
  });

  it('ids holding the separators, and empty ones, are staged one by one as given', async () => {
    const state = new ConnectorState(redis, prefix, 'prod', 'connector', 'p');
    const staging = state.newStaging();
    expect(await state.stageNew(staging, ['a\nb', 'a', '', 'b', 'a\nb'])).toEqual([true, true, true, true, false]);
    expect(await state.stageNew(staging, ['x\n\u0000\u0001y', 'x', '', 'y'])).toEqual([true, true, false, true]);
    await state.commit({}, null, staging);
    expect(await state.has('alert', ['a\nb', 'a', 'b', '', 'x\n\u0000\u0001y', 'x', 'y', 'z'])).toEqual([true, true, true, true, true, true, true, false]);
  });

  it('a staging an earlier version left open (listed under its name, its ids scored alike) counts as new; one it left pending is closed by the commit', async () => {
    const state = new ConnectorState(redis, prefix, 'prod', 'connector', 'q');
    const openKey = `${prefix}sched:prod:connector:q:staging:open`;
    const oldScore = Date.now() - 60_000 + 7 / 4096;
    const oldStaging = `${prefix}sched:prod:connector:q:staging:old0`;
    await redis.zadd(openKey, oldScore, oldStaging);
    await redis.zadd(alertSet('q'), oldScore, 'o1', oldScore, 'o2');
    expect(await state.has('alert', ['o1'])).toEqual([false]);
    const staging = state.newStaging();
    expect(await state.stageNew(staging, ['o1'])).toEqual([true]);
    await state.commit({}, null, staging);
    expect(await state.has('alert', ['o1', 'o2'])).toEqual([true, false]);
    // A pending commit of that version names its staging: committing it takes it off the list.
    await state.commit({}, null, oldStaging);
    expect(await redis.zcard(openKey)).toBe(0);
    expect(await state.has('alert', ['o2'])).toEqual([true]);
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

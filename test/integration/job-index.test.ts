/**
 * The job index on a real redis-server: an update patches the entry in one step (a field set to
 * undefined is gone, the rest kept as written: ids, times, text with quotes and slashes), and a
 * finished job leaves its channel's list (`soar jobs`) while a running one stays.
 */
import { randomBytes } from 'node:crypto';
import { JobIndex, type JobInfo } from '../../store/jobs';
import { Keys } from '../../store/keys';
import { connectRedis } from '../../store/redis';

const redis = connectRedis(process.env.TEST_REDIS_URL!);
const prefix = `jobidx-${randomBytes(3).toString('hex')}:`;
const jobs = new JobIndex(redis, prefix);
const channelList = new Keys(prefix).channelJobs('prod', 'slack:C1');

afterAll(async () => {
  await redis.quit();
});

const entry = (jobId: string): JobInfo => ({
  jobId,
  actionName: 'Search Emails',
  requestedBy: 'slack:U1',
  environment: 'prod',
  channel: 'slack:C1',
  state: 'queued',
  createdAt: 1_796_636_733_198,
});

describe('JobIndex.update', () => {
  it('patches fields, removes those set to undefined and keeps the rest exactly', async () => {
    await jobs.add(entry('j-1001'));
    await jobs.update('j-1001', { state: 'running', progress: 'Searched 3/10 "inbox" a/b' });
    expect(await jobs.get('j-1001')).toEqual({ ...entry('j-1001'), state: 'running', progress: 'Searched 3/10 "inbox" a/b' });
    await jobs.update('j-1001', { state: 'waiting', progress: undefined });
    expect(await jobs.get('j-1001')).toEqual({ ...entry('j-1001'), state: 'waiting' });
  });

  it('a finished job leaves the channel list; a running one stays', async () => {
    await jobs.add(entry('j-2001'));
    await jobs.add(entry('j-2002'));
    await jobs.update('j-2001', { state: 'running' });
    await jobs.update('j-2002', { state: 'succeeded' });
    expect((await jobs.active('prod', 'slack:C1')).map((j) => j.jobId)).toContain('j-2001');
    expect(await redis.zscore(channelList, 'j-2002')).toBeNull();
    expect(await redis.zscore(channelList, 'j-2001')).not.toBeNull();
  });

  it('an unknown job is left unknown', async () => {
    await jobs.update('j-9999', { state: 'running' });
    expect(await jobs.get('j-9999')).toBeNull();
  });
});

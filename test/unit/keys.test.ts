/**
 * Redis key names are the stored data's names: a key that changes orphans what a running
 * deployment holds under the old one. These pin them byte for byte.
 */
import { Keys } from '../../store/keys';

describe('Redis key names', () => {
  const k = new Keys('cs:');

  it('environment settings, bindings and schedules', () => {
    expect(k.envNames()).toBe('cs:env:names');
    expect(k.envMeta('prod')).toBe('cs:env:prod:meta');
    expect(k.instance('prod', 'azure-api')).toBe('cs:env:prod:inst:azure-api');
    expect(k.secretEndpoints('prod', 'azure-api')).toBe('cs:env:prod:inst:azure-api:secret-endpoints');
    expect(k.roles('prod')).toBe('cs:env:prod:roles');
    expect(k.channels('prod')).toBe('cs:env:prod:channels');
    expect(k.binding('slack:C1')).toBe('cs:bind:slack:C1');
    expect(k.connectors('prod')).toBe('cs:env:prod:connectors');
    expect(k.jobs('prod')).toBe('cs:env:prod:jobs');
    expect(k.trustedOrigins()).toBe('cs:trusted-origins');
    expect(k.trustedOrigins('prod')).toBe('cs:env:prod:trusted-origins');
  });

  it('jobs, messages and the outbox', () => {
    expect(k.bull()).toBe('cs:bull');
    expect(k.jobInfo('j1')).toBe('cs:job:j1');
    expect(k.cancel('j1')).toBe('cs:cancel:j1');
    expect(k.channelJobs('prod', 'slack:C1')).toBe('cs:env:prod:chjobs:slack:C1');
    expect(k.conversation('teams:conv-1')).toBe('cs:conv:teams:conv-1');
    expect(k.message('job:j1')).toBe('cs:msg:job:j1');
    expect(k.replicaMarker()).toBe('cs:replicated');
    expect(k.messageLock('job:j1')).toBe('cs:msg:job:j1:lock');
    expect(k.rate('slack:C1')).toBe('cs:rate:slack:C1');
    expect(k.threadFiles('prod', 'slack:C1')).toBe('cs:tfiles:["prod","slack:C1"]');
    expect(k.threadFilesAt('prod', 'slack:C1', '1.2')).toBe('cs:tfiles:["prod","slack:C1","1.2"]:at');
  });

  it('audit, approvals, sign-ins, admin drafts and web chat', () => {
    expect(k.audit()).toBe('cs:audit:global');
    expect(k.audit('prod')).toBe('cs:env:prod:audit');
    expect(k.deletedAudit('prod', 5)).toBe('cs:audit:deleted:prod:5');
    expect(k.legacyAudit()).toBe('cs:audit');
    expect(k.legacyAuditClaim('u1')).toBe('cs:audit:migrating:u1');
    expect(k.approval('a1')).toBe('cs:approval:a1');
    expect(k.approval('a1', 'votes')).toBe('cs:approval:a1:votes');
    expect(k.approval('a1', 'decided')).toBe('cs:approval:a1:decided');
    expect(k.approval('a1', 'preview')).toBe('cs:approval:a1:preview');
    expect(k.alert('prod', 'h1')).toBe('cs:env:prod:alert:h1');
    expect(k.alert('prod', 'h1', 'state')).toBe('cs:env:prod:alert:h1:state');
    expect(k.alert('prod', 'h1', 'lock')).toBe('cs:env:prod:alert:h1:lock');
    expect(k.oauthState('s1')).toBe('cs:oauth:s1');
    expect(k.oauthStateJob('s1')).toBe('cs:oauth:s1:job');
    expect(k.adminDraft('d1')).toBe('cs:admin:draft:d1');
    expect(k.webchatRoom('r1')).toEqual(['cs:webchat:{r1}:rev', 'cs:webchat:{r1}:data', 'cs:webchat:{r1}:changes', 'cs:webchat:{r1}:order']);
  });

  it('connector and job state', () => {
    const s = k.scheduleState('prod', 'connector', 'Mail in/out');
    expect(k.scheduleStates('prod')).toBe('cs:sched:prod:');
    expect(s.checkpoint).toBe('cs:sched:prod:connector:Mail%20in%2Fout:checkpoint');
    expect(s.pending).toBe('cs:sched:prod:connector:Mail%20in%2Fout:pending');
    expect(s.lock).toBe('cs:sched:prod:connector:Mail%20in%2Fout:lock');
    expect(s.seen('alert')).toBe('cs:sched:prod:connector:Mail%20in%2Fout:seen:alert');
    expect(s.staging('x1')).toBe('cs:sched:prod:connector:Mail%20in%2Fout:staging:x1');
    expect(s.warned('auth')).toBe('cs:sched:prod:connector:Mail%20in%2Fout:warned:auth');
    expect(k.scheduleState('prod', 'job', 'renew').checkpoint).toBe('cs:sched:prod:job:renew:checkpoint');
  });

  it('SCAN patterns match the prefix literally', () => {
    const odd = new Keys('a*b?[c]:');
    expect(odd.environmentAudits()).toBe('a\\*b\\?\\[c\\]:env:*:audit');
    expect(odd.environmentAll('demo')).toBe('a\\*b\\?\\[c\\]:env:demo:*');
    expect(odd.scheduleStatesAll('prod')).toBe('a\\*b\\?\\[c\\]:sched:prod:*');
    expect(odd.scheduleState('prod', 'job', 'j').seenAll).toBe('a\\*b\\?\\[c\\]:sched:prod:job:j:seen:*');
  });
});

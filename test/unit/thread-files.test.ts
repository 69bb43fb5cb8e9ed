/** The scopes of posted files (Slack, Teams, web chat) and names resolved by the files root (behaviour.md 6). */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesRoot } from '../../lib/files';
import { bareNamesIn, commandScope, isBareName, postedScope } from '../../store/thread-files';

describe('scopes', () => {
  it('Slack: a command in a thread sees that thread; a slash command or a top-level mention, the channel', () => {
    expect(commandScope({ platform: 'slack', channel: 'slack:C1', threadTs: '1.5' }, '1.5')).toEqual({ channel: 'slack:C1', thread: '1.5' });
    // A top-level mention replies in a thread under itself, but was typed at channel level.
    expect(commandScope({ platform: 'slack', channel: 'slack:C1', threadTs: '1.7' })).toEqual({ channel: 'slack:C1' });
    expect(commandScope({ platform: 'slack', channel: 'slack:C1' })).toEqual({ channel: 'slack:C1' });
  });

  it("Slack: a file goes into the command's thread, else under the job's message, else the channel", () => {
    expect(postedScope({ platform: 'slack', channel: 'slack:C1', threadTs: '1.5' }, { id: '1.9' })).toEqual({ channel: 'slack:C1', thread: '1.5' });
    expect(postedScope({ platform: 'slack', channel: 'slack:C1' }, { id: '1.9' })).toEqual({ channel: 'slack:C1', thread: '1.9' });
    expect(postedScope({ platform: 'slack', channel: 'slack:C1' })).toEqual({ channel: 'slack:C1' });
  });

  it('Teams: a reply in a channel thread sees that thread; files go into the thread of the command, else under the job message', () => {
    const channel = 'teams:19:abc@thread.tacv2';
    expect(commandScope({ platform: 'teams', channel, threadTs: '1700000000001' }, '1700000000001')).toEqual({ channel, thread: '1700000000001' });
    // A new channel post is its own thread's root: typed at channel level.
    expect(commandScope({ platform: 'teams', channel, threadTs: '1700000000002' })).toEqual({ channel });
    expect(postedScope({ platform: 'teams', channel, threadTs: '1700000000001' }, { id: '1700000000999' })).toEqual({ channel, thread: '1700000000001' });
    expect(postedScope({ platform: 'teams', channel: 'teams:conv-1' }, { id: '42' })).toEqual({ channel: 'teams:conv-1', thread: '42' });
  });

  it('web chat: the room', () => {
    expect(commandScope({ platform: 'webchat', channel: 'web:demo' }, '9')).toEqual({ channel: 'web:demo' });
    expect(postedScope({ platform: 'webchat', channel: 'web:demo' }, { id: 'act-1' })).toEqual({ channel: 'web:demo' });
  });
});

describe('names', () => {
  it('a bare name has no folder', () => {
    for (const n of ['report.pdf', 'Your password expires today.eml', 'отчёт.pdf', '..report']) expect(isBareName(n)).toBe(true);
    for (const n of ['', '.', '..', 'a/b.pdf', 'a\\b.pdf', '/etc/passwd', 'a\0b', 'x'.repeat(256)]) expect(isBareName(n)).toBe(false);
  });

  it('finds the bare names in parameter values: strings, lists, comma-separated parts', () => {
    expect(bareNamesIn(['report.pdf, cases/42/x.csv , b.txt', ['c.eml', 'd/e'], true, 3, undefined])).toEqual(['report.pdf', ' b.txt', 'b.txt', 'c.eml']);
  });
});

describe('FilesRoot with posted files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chatsoar-tf-'));
  const outside = mkdtempSync(join(tmpdir(), 'chatsoar-tf-out-'));
  const files = new FilesRoot(dir, Buffer.alloc(32), 'http://localhost');
  mkdirSync(join(dir, 'jobs', 'j-1'), { recursive: true });
  writeFileSync(join(dir, 'jobs', 'j-1', 'report.pdf'), 'posted');
  writeFileSync(join(dir, 'here.txt'), 'literal');
  symlinkSync(outside, join(dir, 'out-link'));
  const index: Record<string, string> = {
    'report.pdf': 'jobs/j-1/report.pdf',
    'here.txt': 'jobs/j-1/report.pdf',
    'up.txt': '../x.txt',
    'abs.txt': '/etc/hostname',
    'linked.txt': 'out-link/x.txt',
  };
  const store = files.forJob('j-2', (name) => index[name]);

  it('a bare name not in the root resolves to the posted file', () => {
    expect(store.resolve('report.pdf')).toBe(join(dir, 'jobs', 'j-1', 'report.pdf'));
    expect(store.resolve(' report.pdf ')).toBe(join(dir, 'jobs', 'j-1', 'report.pdf'));
  });

  it('what exists in the root wins; names not posted and paths with folders stay paths', () => {
    expect(store.resolve('here.txt')).toBe(join(dir, 'here.txt'));
    expect(store.resolve('nothing.txt')).toBe(join(dir, 'nothing.txt'));
    expect(store.resolve('cases/report.pdf')).toBe(join(dir, 'cases', 'report.pdf'));
    expect(files.forJob('j-2').resolve('report.pdf')).toBe(join(dir, 'report.pdf'));
  });

  it('an entry that leaves the root is refused, naming what the user typed', () => {
    expect(() => store.resolve('up.txt')).toThrow('Path up.txt (posted in this thread as ../x.txt) is outside the files root.');
    expect(() => store.resolve('abs.txt')).toThrow('Path abs.txt (posted in this thread as /etc/hostname) is outside the files root.');
    expect(() => store.resolve('linked.txt')).toThrow('Path linked.txt (posted in this thread as out-link/x.txt) is outside the files root.');
  });
});

import { slug } from '../../handlers/kit/spec';

describe('slug (contract.md §4)', () => {
  it('lowercases and collapses runs outside [a-z0-9] into one dash', () => {
    expect(slug('Get Mailbox Account Out Of Facility Settings')).toBe('get-mailbox-account-out-of-facility-settings');
    expect(slug('Time Frame (minutes)')).toBe('time-frame-minutes');
    expect(slug('Fail on 4xx/5xx')).toBe('fail-on-4xx-5xx');
    expect(slug('Wait for All Recipients to Reply?')).toBe('wait-for-all-recipients-to-reply');
    expect(slug('  --Odd__Name--  ')).toBe('odd-name');
  });
});

describe('the catalogue', () => {
  it('has a run for every Ping and says "not available yet" through the worker for the rest', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { catalog } = require('../../handlers/catalog') as typeof import('../../handlers/catalog');
    for (const integration of catalog) expect(integration.actions.find((a) => a.id === 'ping')?.run).toBeInstanceOf(Function);
  });
});

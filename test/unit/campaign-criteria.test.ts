/** Campaign criteria (contract.md §8): any of three filters ANDed, at least one, Since as a duration, one Graph $filter. */
import { UserError } from '../../handlers/kit/errors';
import { criteriaOf, describeCriteria, filterOf } from '../../handlers/microsoft-graph-mail/campaign/criteria';
import { campaignIdFor, campaignIdOf, CAMPAIGN_ID } from '../../handlers/microsoft-graph-mail/campaign/store';

const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('campaign criteria', () => {
  it('needs at least one of the three filters', () => {
    expect(() => criteriaOf({}, NOW)).toThrow(UserError);
    expect(() => criteriaOf({ sender: '  ', since: '7d' }, NOW)).toThrow('Give at least one of --internet-message-id, --sender, --subject');
  });

  it('defaults Since to 7 days and refuses what is not a duration', () => {
    expect(criteriaOf({ sender: 'a@x.example' }, NOW)).toEqual({ sender: 'a@x.example', since: '7d', sinceTime: '2026-11-30T12:00:00Z' });
    expect(criteriaOf({ subject: 'x', since: '36h' }, NOW).sinceTime).toBe('2026-12-06T00:00:00Z');
    expect(() => criteriaOf({ subject: 'x', since: 'last week' }, NOW)).toThrow('--since must be a duration such as 7d, 48h or 90m, got last week.');
  });

  it('ANDs every filter given, the internetMessageId in angle brackets, quotes doubled', () => {
    const c = criteriaOf({ 'internet-message-id': 'wave@evil.example', sender: "o'brien@evil.example", subject: "Invoice 'overdue'", since: '2d' }, NOW);
    expect(c.internetMessageId).toBe('<wave@evil.example>');
    expect(filterOf(c)).toBe(
      "receivedDateTime ge 2026-12-05T12:00:00Z and internetMessageId eq '<wave@evil.example>' and from/emailAddress/address eq 'o''brien@evil.example' and contains(subject,'Invoice ''overdue''')",
    );
    expect(describeCriteria(c)).toBe(
      `internet message id = <wave@evil.example> · sender = o'brien@evil.example · subject contains "Invoice 'overdue'" · since 2d (2026-12-05T12:00:00Z)`,
    );
    expect(filterOf(criteriaOf({ 'internet-message-id': '<x@y>' }, NOW))).toBe("receivedDateTime ge 2026-11-30T12:00:00Z and internetMessageId eq '<x@y>'");
  });
});

describe('campaign ids', () => {
  it('come from the find job id: the same job gives the same id, another job another', () => {
    const a = campaignIdFor('j-abc');
    expect(a).toMatch(CAMPAIGN_ID);
    expect(campaignIdFor('j-abc')).toBe(a);
    expect(campaignIdFor('j-abd')).not.toBe(a);
  });

  it('are read as typed (case, spaces) and refused in one line when they are not ids', () => {
    expect(campaignIdOf(' C-ABCD2345 ')).toBe('c-abcd2345');
    expect(() => campaignIdOf('../../etc')).toThrow('"../../etc" is not a campaign id (c- and 8 letters or digits, e.g. c-abcd2345).');
    expect(() => campaignIdOf('c-abcd234')).toThrow(UserError);
  });
});

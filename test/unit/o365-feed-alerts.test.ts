/**
 * The O365 Management API feed read for floods: filters with their lists lowered once answer as
 * inList does, the environment pattern is compiled once (and still refused when an event needs
 * it), an audit alert's card fields read from the event when asked, a blob's text parsed when its
 * turn comes.
 */
import { environmentLabel, environmentLabeler, inList } from '../../handlers/kit/alert-fields';
import { UserError } from '../../handlers/kit/errors';
import { blobEvents } from '../../handlers/o365-management-api/client';
import { auditAlertBuilder } from '../../handlers/o365-management-api/feed/audit-alert';
import { listMatcher, rulesFilter } from '../../handlers/o365-management-api/feed/event-fields';

describe('listMatcher', () => {
  const lists = [[], ['Succeeded'], [' failed ', 'PartiallySucceeded'], ['  '], ['40', 'x']];
  const values = ['Succeeded', 'succeeded ', 'FAILED', 'failed', '', ' ', 40, '40', null, undefined, 'other', true];
  it.each(lists.map((l) => [JSON.stringify(l), l]))('answers as inList for %s', (_name, list) => {
    const match = listMatcher(list);
    for (const v of values) expect([v, match(v)]).toEqual([v, inList(list, v)]);
  });
});

describe('rulesFilter (behaviour.md 19, 22)', () => {
  it('whitelist, whitelist used as a blacklist, blacklist', () => {
    expect(rulesFilter({ whitelist: [], blacklist: [] }, false)('Exchange')).toBe(true);
    expect(rulesFilter({ whitelist: ['exchange'], blacklist: [] }, false)('Exchange')).toBe(true);
    expect(rulesFilter({ whitelist: ['exchange'], blacklist: [] }, false)('SharePoint')).toBe(false);
    expect(rulesFilter({ whitelist: ['exchange'], blacklist: [] }, true)('Exchange')).toBe(false);
    expect(rulesFilter({ whitelist: ['exchange'], blacklist: [] }, true)('SharePoint')).toBe(true);
    expect(rulesFilter({ whitelist: [], blacklist: [' SharePoint'] }, false)('sharepoint')).toBe(false);
    expect(rulesFilter({ whitelist: ['Exchange'], blacklist: ['Exchange'] }, false)('Exchange')).toBe(false);
  });
});

describe('environmentLabeler', () => {
  it('labels as environmentLabel does', () => {
    const events = [{ Env: 'prod-eu-1' }, { Env: 'dev' }, { Env: 3 }, { Env: { x: 1 } }, {}, { Other: 'x' }];
    for (const [field, pattern] of [
      ['Env', 'prod-\\w+'],
      ['Env', '.*'],
      ['Env', ''],
      ['"Env"', '^\\w+'],
      ['', '.*'],
    ]) {
      const label = environmentLabeler(field, pattern, 'fallback');
      for (const e of events) expect(label(e)).toBe(environmentLabel(e, field, pattern, 'fallback'));
    }
  });

  it('a pattern RE2 refuses fails when an event needs it, not before', () => {
    const label = environmentLabeler('Env', '(a)\\1', 'fallback');
    expect(label({ Other: 'x' })).toBe('fallback');
    expect(() => label({ Env: 'aa' })).toThrow(UserError);
  });
});

describe('audit alerts', () => {
  const build = auditAlertBuilder({
    params: {
      'product-field-name': 'Product Name',
      'event-field-name': 'Operation',
      'environment-field-name': 'OrganizationId',
      'environment-regex-pattern': '^[a-z]+',
      'entity-keys-to-create-additional-events': 'Recipient',
    },
    rules: { whitelist: [], blacklist: [] },
    environment: 'prod',
  });

  it('reads the card fields from the event', () => {
    const entities = [{ Type: 'mailMessage', Recipient: 'ann@example.com', Sender: 'evil sender@example.net', Subject: 'hi' }];
    const event = {
      Id: 'e1',
      CreationTime: '2024-05-01T10:00:00',
      Operation: 'AlertTriggered',
      Workload: 'SecurityComplianceCenter',
      OrganizationId: 'contoso-tenant',
      Name: 'Phish reported',
      UserId: 'SecurityComplianceAlerts',
      AlertEntityId: 'ann@example.com',
      Status: 'Active',
      ObjectId: 'o1',
      Severity: 'High',
      Data: JSON.stringify({ Entities: entities }),
    };
    const alert = build(event)!;
    expect({
      id: alert.id,
      name: alert.name,
      time: alert.time,
      product: alert.product,
      eventName: alert.eventName,
      rule: alert.rule,
      who: alert.who,
      severity: alert.severity,
      environment: alert.environment,
      facts: alert.facts,
      tables: alert.tables,
      buttons: alert.buttons,
    }).toEqual({
      id: 'e1',
      name: 'Phish reported (AlertTriggered)',
      time: '2024-05-01T10:00:00Z',
      product: 'Office 365 Management API',
      eventName: 'AlertTriggered',
      rule: 'AlertTriggered · SecurityComplianceCenter',
      who: 'ann@example.com',
      severity: 'High',
      environment: 'contoso',
      facts: [
        { title: 'Status', value: 'Active' },
        { title: 'Object', value: 'o1' },
      ],
      tables: [
        {
          title: 'Additional events',
          columns: ['Id', 'Type', 'Recipient', 'Sender', 'Subject'],
          rows: [['e1:1', 'mailMessage', 'ann@example.com', 'evil sender@example.net', 'hi']],
        },
      ],
      buttons: [
        {
          title: 'Search mail from the sender',
          command: 'graphmail search-emails --search-in-mailbox ann@example.com --sender-filter "evil sender@example.net"',
        },
      ],
    });
    expect(alert.event).toEqual({
      ...event,
      AdditionalEvents: [{ ...entities[0], Id: 'e1:1', ParentId: 'e1', CreationTime: event.CreationTime, Operation: 'AlertTriggered' }],
    });
  });

  it('an event without extras is its own alert event; a plain one reads its own name, who and facts', () => {
    const event = {
      Id: 'e2',
      Operation: 'TeamCreated',
      Workload: 'MicrosoftTeams',
      UserId: 'bob@example.com',
      ClientIP: '198.51.100.2',
      ResultStatus: 'Succeeded',
    };
    const alert = build(event)!;
    expect(alert.event).toBe(event);
    expect([alert.name, alert.who, alert.severity, alert.facts, alert.buttons, alert.tables]).toEqual([
      'TeamCreated (MicrosoftTeams)',
      'bob@example.com',
      undefined,
      [
        { title: 'Status', value: 'Succeeded' },
        { title: 'Client IP', value: '198.51.100.2' },
      ],
      [],
      undefined,
    ]);
    expect(build({ Operation: 'x' })).toBeNull();
  });
});

describe('blobEvents', () => {
  it('an array: its events and its text; anything else: no events; invalid JSON throws', () => {
    const text = Buffer.from(' [ {"Id":"a"}, {"Id":"b"} ] ');
    expect(blobEvents(text)).toEqual({ events: [{ Id: 'a' }, { Id: 'b' }], json: text });
    expect(blobEvents(Buffer.from('{"error":1}'))).toEqual({ events: [], json: null });
    expect(blobEvents(Buffer.alloc(0))).toEqual({ events: [], json: null });
    expect(() => blobEvents(Buffer.from('[{"Id":'))).toThrow(SyntaxError);
  });
});

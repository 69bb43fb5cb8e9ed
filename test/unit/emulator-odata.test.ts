/** The emulator's OData query options and fault decisions, without HTTP. */
import { Faults } from '../../emulator/faults';
import { applyOrderBy, applySelect, compileFilter, compileSearch, ODataError, paginate } from '../../emulator/odata';

const msgs = [
  {
    id: 'a',
    subject: 'Invoice overdue',
    isRead: false,
    receivedDateTime: '2024-05-02T10:00:00Z',
    from: { emailAddress: { address: 'Billing@Fabrikam.example' } },
    toRecipients: [{ emailAddress: { address: 'alice@demo.onmicrosoft.com' } }],
    categories: ['Red'],
  },
  {
    id: 'b',
    subject: "Lunch o'clock",
    isRead: true,
    receivedDateTime: '2024-05-01T09:00:00Z',
    from: { emailAddress: { address: 'bob@demo.onmicrosoft.com' } },
    toRecipients: [],
    categories: [],
  },
  {
    id: 'c',
    subject: 'Report',
    isRead: false,
    receivedDateTime: '2024-04-20T09:00:00Z',
    from: null,
    toRecipients: [{ emailAddress: { address: 'soc@demo.onmicrosoft.com' } }],
    categories: [],
  },
];

function ids(filter: string): string[] {
  const pred = compileFilter(filter, 'microsoft.graph.message');
  return msgs.filter(pred).map((m) => m.id);
}

describe('emulator $filter', () => {
  it('compares datetimes, booleans and strings (case-insensitive), with and/or/not and parentheses', () => {
    expect(ids('receivedDateTime ge 2024-05-01T00:00:00Z')).toEqual(['a', 'b']);
    expect(ids('receivedDateTime lt 2024-05-01')).toEqual(['c']);
    expect(ids('isRead eq false and receivedDateTime ge 2024-05-01T00:00:00Z')).toEqual(['a']);
    expect(ids("from/emailAddress/address eq 'billing@fabrikam.example'")).toEqual(['a']);
    expect(ids("not (isRead eq false) or subject eq 'Report'")).toEqual(['b', 'c']);
    expect(ids("subject eq 'Lunch o''clock'")).toEqual(['b']);
    expect(ids('from eq null')).toEqual(['c']);
  });

  it('supports contains/startswith/endswith and any() lambdas', () => {
    expect(ids("contains(subject,'VOICE')")).toEqual(['a']);
    expect(ids("startswith(subject,'lunch') or endswith(subject,'port')")).toEqual(['b', 'c']);
    expect(ids("toRecipients/any(r:r/emailAddress/address eq 'soc@demo.onmicrosoft.com')")).toEqual(['c']);
    expect(ids("categories/any(c:c eq 'red')")).toEqual(['a']);
  });

  it('refuses unknown properties, functions and bad syntax', () => {
    expect(() => ids('nope eq 1')).toThrow(ODataError);
    expect(() => ids("substringof('a',subject)")).toThrow(ODataError);
    expect(() => ids("subject eq 'unterminated")).toThrow(ODataError);
    expect(() => ids('isRead eq')).toThrow(ODataError);
  });
});

describe('emulator $orderby, $select, $search, paging', () => {
  it('orders, selects and searches', () => {
    expect(applyOrderBy(msgs, 'receivedDateTime asc', 'm').map((m) => m.id)).toEqual(['c', 'b', 'a']);
    expect(applySelect(msgs[0] as Record<string, unknown>, 'subject,isRead', 'm')).toEqual({ id: 'a', subject: 'Invoice overdue', isRead: false });
    expect(() => applySelect(msgs[0] as Record<string, unknown>, 'nope', 'm')).toThrow(ODataError);
    expect(msgs.filter(compileSearch('"from:bob"')).map((m) => m.id)).toEqual(['b']);
  });

  it('cuts pages with a nextLink that keeps the other options', () => {
    const items = Array.from({ length: 25 }, (_, i) => i);
    const q = new URLSearchParams({ $top: '10', $filter: 'x' });
    const p1 = paginate(items, q, 'http://h/v1.0/users/u/messages', { defaultTop: 10, maxTop: 1000 });
    expect(p1.items).toEqual(items.slice(0, 10));
    const next = new URL(p1.nextLink as string);
    expect(next.searchParams.get('$skip')).toBe('10');
    expect(next.searchParams.get('$filter')).toBe('x');
    const p3 = paginate(items, new URLSearchParams({ $top: '10', $skip: '20' }), 'http://h/x', { defaultTop: 10, maxTop: 1000 });
    expect(p3.items).toHaveLength(5);
    expect(p3.nextLink).toBeNull();
    expect(() => paginate(items, new URLSearchParams({ $top: 'ten' }), 'http://h/x', { defaultTop: 10, maxTop: 1000 })).toThrow(ODataError);
  });
});

describe('emulator faults', () => {
  it('applies the longest matching prefix and consumes failNext in order', () => {
    const f = new Faults(1);
    f.set({ prefix: '/', latencyMs: 5 });
    f.set({ prefix: '/v1.0/users', failNext: [{ status: 500 }, { status: 404 }] });
    expect(f.decide('GET', '/v1.0/organization')).toEqual({ latencyMs: 5, failure: null });
    expect(f.decide('GET', '/v1.0/users/a/messages').failure?.status).toBe(500);
    expect(f.decide('GET', '/v1.0/users/a/messages').failure?.status).toBe(404);
    expect(f.decide('GET', '/v1.0/users/a/messages').failure).toBeNull();
  });

  it('respects method filters and rejects rates outside 0..1', () => {
    const f = new Faults(1);
    f.set({ prefix: '/v1.0', methods: ['post'], rate503: 1, retryAfterSeconds: 3 });
    expect(f.decide('GET', '/v1.0/x').failure).toBeNull();
    expect(f.decide('POST', '/v1.0/x').failure).toEqual({ status: 503, retryAfterSeconds: 3 });
    expect(() => f.set({ rate429: 2 })).toThrow(/between 0 and 1/);
  });
});

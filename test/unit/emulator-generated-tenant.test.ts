/**
 * The emulator's generated tenant (emulator/generated-tenant.ts) and what campaigns rely on:
 * `/users` paging as Graph pages it, users with a mail address but no mailbox (404
 * MailboxNotEnabledForRESTAPI, directly and in `$batch`), the ledger's move records, stale ids
 * after a move, and the same limits and faults as the mail routes. Real HTTP into an in-process
 * emulator.
 */
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT, DEMO_TENANT_DOMAIN, startEmulator, type Emulator } from '../../emulator';
import { generateTenant, type GenerateInput } from '../../emulator/generated-tenant';
import { isAdvancedFilter } from '../../emulator/graph-users';
import { EmulatorState } from '../../emulator/state';

type Json = Record<string, unknown>;

const CAMPAIGN = {
  sender: 'it-support@contoso-helpdesk.example',
  subject: 'Your password expires today',
  internetMessageId: '<WAVE-0001@contoso-helpdesk.example>',
};

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Json }> {
  const r = await fetch(url, init);
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? (JSON.parse(text) as Json) : {} };
}

const errorCode = (body: unknown): unknown => ((body as Json).error as Json | undefined)?.code;

describe('generated tenant: deterministic by seed', () => {
  const input: GenerateInput = {
    users: 300,
    withoutMailbox: 20,
    withoutMail: 10,
    seed: 42,
    noise: 2,
    campaign: { ...CAMPAIGN, copies: 60, folders: ['Inbox', 'Junk Email', 'Inbox/Phishing'] },
  };
  const snapshot = (seed: number) => {
    const state = new EmulatorState();
    const gen = generateTenant(state, { ...input, seed }, new Date('2026-01-05T10:00:00Z'));
    const users = gen.userIds.map((id) => {
      const u = state.users.get(id)!;
      return [u.id, u.userPrincipalName, u.mail, u.hasMailbox, u.displayName];
    });
    const first = gen.copies[0]!;
    const mb = state.mailboxOf(state.findUser(first.mailbox)!)!;
    const mail = [...mb.messages.values()].map((m) => [m.id, m.immutableId, m.folderId, m.internetMessageId, m.subject]);
    return { users, copies: gen.copies, mail, folders: [...mb.folders.keys()], withoutMailbox: gen.withoutMailbox, withoutMail: gen.withoutMail };
  };

  it('gives the same users, mailboxes, ids and planted copies for the same seed, others for another', () => {
    const a = snapshot(42);
    const b = snapshot(42);
    const c = snapshot(43);
    expect(b).toEqual(a);
    expect(c.users).not.toEqual(a.users);
    expect(c.copies.map((x) => x.mailbox)).not.toEqual(a.copies.map((x) => x.mailbox));
    expect(a.users).toHaveLength(300);
    expect(a.withoutMailbox).toHaveLength(20);
    expect(a.withoutMail).toHaveLength(10);
    expect(a.copies).toHaveLength(60);
    // One copy per mailbox, never in a user without a mailbox; folders round-robin.
    expect(new Set(a.copies.map((x) => x.mailbox)).size).toBe(60);
    expect(a.copies.some((x) => a.withoutMailbox.includes(x.mailbox) || a.withoutMail.includes(x.mailbox))).toBe(false);
    expect(a.copies.slice(0, 4).map((x) => x.folder)).toEqual(['Inbox', 'Junk Email', 'Phishing', 'Inbox']);
    // Distinct message ids in every mailbox, the campaign's Message-ID in each planted copy.
    expect(new Set(a.copies.map((x) => x.id)).size).toBe(60);
    expect(a.mail.filter((m) => m[3] === CAMPAIGN.internetMessageId)).toEqual([
      [a.copies[0]!.id, a.copies[0]!.immutableId, a.copies[0]!.folderId, CAMPAIGN.internetMessageId, CAMPAIGN.subject],
    ]);
  });

  it('refuses an input it cannot honour', () => {
    const state = new EmulatorState();
    expect(() => generateTenant(state, { users: 10, withoutMailbox: 8, withoutMail: 3 })).toThrow(/must not exceed users/);
    expect(() => generateTenant(state, { users: 10, withoutMailbox: 5, campaign: { ...CAMPAIGN, copies: 6 } })).toThrow(/one copy per mailbox/);
    expect(() => generateTenant(state, { users: 0 })).toThrow(/users must be/);
  });

  it('tells the advanced $filter operators from the plain ones (quoted text aside)', () => {
    expect(isAdvancedFilter('mail ne null')).toBe(true);
    expect(isAdvancedFilter("endswith(mail,'@contoso.example')")).toBe(true);
    expect(isAdvancedFilter("startswith(displayName,'ne')")).toBe(false);
    expect(isAdvancedFilter("displayName eq 'not null'")).toBe(false);
  });
});

describe('generated tenant over HTTP', () => {
  let emu: Emulator;
  let token: string;
  const auth = (extra: Record<string, string> = {}): RequestInit => ({ headers: { authorization: `Bearer ${token}`, ...extra } });
  const post = (url: string, body: unknown): Promise<{ status: number; headers: Headers; body: Json }> =>
    call(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const enc = encodeURIComponent;
  let generated: Json;

  beforeAll(async () => {
    emu = await startEmulator({ seed: true });
    const r = await call(`${emu.url}/_emulator/generate`, {
      method: 'POST',
      body: JSON.stringify({
        users: 10000,
        withoutMailbox: 40,
        withoutMail: 25,
        seed: 7,
        campaign: { ...CAMPAIGN, copies: 2000, folders: ['Inbox', 'Junk Email'] },
      }),
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ users: 10000, mailboxes: 9935, withoutMailbox: 40, withoutMail: 25, copies: 2000, domain: DEMO_TENANT_DOMAIN });
    const t = await call(`${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: DEMO_CLIENT_ID,
        client_secret: DEMO_CLIENT_SECRET,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    token = t.body.access_token as string;
    generated = (await call(`${emu.url}/_emulator/generated`)).body;
  });
  afterAll(async () => {
    await emu.close();
  });

  it('pages through every user with $top=999 and @odata.nextLink, each user once', async () => {
    const ids = new Set<string>();
    const sizes: number[] = [];
    let withoutMail = 0;
    let next: string | undefined = `${emu.url}/v1.0/users?$select=id,mail,userPrincipalName&$top=999`;
    while (next) {
      const page = await call(next, auth());
      expect(page.status).toBe(200);
      const value = page.body.value as Json[];
      sizes.push(value.length);
      for (const u of value) {
        expect(Object.keys(u).sort()).toEqual(['id', 'mail', 'userPrincipalName']);
        ids.add(u.id as string);
        if (u.mail === null) withoutMail++;
      }
      next = page.body['@odata.nextLink'] as string | undefined;
    }
    // 10,000 generated + the 5 demo users (one of them, svc-scanner@, without mail).
    expect(ids.size).toBe(10005);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10005);
    expect(sizes.slice(0, -1).every((n) => n === 999)).toBe(true);
    expect(withoutMail).toBe(26);
  });

  it('pages 100 by default, refuses $top over 999, and filters on mail only as an advanced query', async () => {
    const first = await call(`${emu.url}/v1.0/users`, auth());
    expect((first.body.value as Json[]).length).toBe(100);
    expect(first.body['@odata.nextLink']).toMatch(/\$skiptoken=/);
    const user = (first.body.value as Json[])[0]!;
    expect(Object.keys(user)).toEqual(expect.arrayContaining(['id', 'displayName', 'mail', 'userPrincipalName']));
    const big = await call(`${emu.url}/v1.0/users?$top=1000`, auth());
    expect(big.status).toBe(400);
    expect(errorCode(big.body)).toBe('Request_UnsupportedQuery');

    const countOnly = await call(`${emu.url}/v1.0/users?$count=true`, auth());
    expect(errorCode(countOnly.body)).toBe('Request_BadRequest');
    const filter = `$filter=${enc('mail ne null')}&$count=true&$top=999&$select=mail`;
    const plain = await call(`${emu.url}/v1.0/users?${filter}`, auth());
    expect(plain.status).toBe(400);
    expect(errorCode(plain.body)).toBe('Request_UnsupportedQuery');
    const advanced = await call(`${emu.url}/v1.0/users?${filter}`, auth({ consistencylevel: 'eventual' }));
    expect(advanced.status).toBe(200);
    expect(advanced.body['@odata.count']).toBe(10005 - 26);
    const ends = await call(
      `${emu.url}/v1.0/users?$filter=${enc(`endswith(mail,'@${DEMO_TENANT_DOMAIN}')`)}&$count=true&$top=1`,
      auth({ consistencylevel: 'eventual' }),
    );
    expect(ends.body['@odata.count']).toBe(10005 - 26);
    // The nextLink keeps the query: the second page of the filtered list is filtered too.
    const second = await call(ends.body['@odata.nextLink'] as string, auth({ consistencylevel: 'eventual' }));
    expect((second.body.value as Json[])[0]!.mail).toMatch(/@demo\.onmicrosoft\.com$/);
  });

  it('answers 404 MailboxNotEnabledForRESTAPI for users with mail but no mailbox, directly and in $batch', async () => {
    const noMailbox = (generated.withoutMailbox as string[])[0]!;
    const noMail = (generated.withoutMail as string[])[0]!;
    for (const path of [`users/${enc(noMailbox)}/messages`, `users/${enc(noMailbox)}/mailFolders/inbox/messages`, `users/${enc(noMail)}/messages`]) {
      const r = await call(`${emu.url}/v1.0/${path}`, auth());
      expect(r.status).toBe(404);
      expect(errorCode(r.body)).toBe('MailboxNotEnabledForRESTAPI');
      expect((r.body.error as Json).message).toBe('The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
    }
    const user = await call(`${emu.url}/v1.0/users/${enc(noMailbox)}?$select=mail`, auth());
    expect(user.body.mail).toBe(noMailbox);
    const copy = (generated.copies as Json[])[0]!;
    const batch = await post(`${emu.url}/v1.0/$batch`, {
      requests: [
        { id: '1', method: 'GET', url: `/users/${enc(noMailbox)}/messages?$select=id` },
        {
          id: '2',
          method: 'POST',
          url: `/users/${enc(noMailbox)}/messages/AAMkAGRlbW8x/move`,
          headers: { 'content-type': 'application/json' },
          body: { destinationId: 'deleteditems' },
        },
        { id: '3', method: 'GET', url: `/users/${enc(copy.mailbox as string)}/messages?$select=internetMessageId` },
      ],
    });
    expect(batch.status).toBe(200);
    const byId = new Map((batch.body.responses as Json[]).map((r) => [r.id, r]));
    expect(byId.get('1')).toMatchObject({ status: 404, body: { error: { code: 'MailboxNotEnabledForRESTAPI' } } });
    expect(byId.get('2')).toMatchObject({ status: 404, body: { error: { code: 'MailboxNotEnabledForRESTAPI' } } });
    expect(byId.get('3')!.status).toBe(200);
    expect(((byId.get('3')!.body as Json).value as Json[]).map((m) => m.internetMessageId)).toEqual([CAMPAIGN.internetMessageId]);
  });

  it('records each move in the ledger (mailbox, Message-ID, folders by id and name, old and new id); a copy goes to Deleted Items and back', async () => {
    const copy = (generated.copies as Json[]).find((c) => c.folder === 'Junk Email')!;
    const mailbox = copy.mailbox as string;
    const before = emu.ledger.length;
    const out = await post(`${emu.url}/v1.0/users/${enc(mailbox)}/messages/${enc(copy.id as string)}/move`, { destinationId: 'deleteditems' });
    expect(out.status).toBe(201);
    const deletedId = out.body.id as string;
    expect(deletedId).not.toBe(copy.id);
    const back = await post(`${emu.url}/v1.0/$batch`, {
      requests: [
        {
          id: 'back',
          method: 'POST',
          url: `/users/${enc(mailbox)}/messages/${enc(deletedId)}/move`,
          headers: { 'content-type': 'application/json' },
          body: { destinationId: copy.folderId },
        },
      ],
    });
    const res = (back.body.responses as Json[])[0]!;
    expect(res.status).toBe(201);
    const backId = (res.body as Json).id as string;
    expect((res.body as Json).parentFolderId).toBe(copy.folderId);

    const moves = emu.ledger.slice(before).filter((e) => e.move);
    const deletedItems = emu.state.resolveFolder(mailbox, 'deleteditems')!;
    expect(moves.map((e) => [e.batch, e.move])).toEqual([
      [
        false,
        {
          mailbox,
          internetMessageId: CAMPAIGN.internetMessageId,
          oldId: copy.id,
          newId: deletedId,
          immutableId: copy.immutableId,
          fromFolderId: copy.folderId,
          fromFolder: 'Junk Email',
          toFolderId: deletedItems.id,
          toFolder: 'Deleted Items',
        },
      ],
      [
        true,
        {
          mailbox,
          internetMessageId: CAMPAIGN.internetMessageId,
          oldId: deletedId,
          newId: backId,
          immutableId: copy.immutableId,
          fromFolderId: deletedItems.id,
          fromFolder: 'Deleted Items',
          toFolderId: copy.folderId,
          toFolder: 'Junk Email',
        },
      ],
    ]);
    const overHttp = (await call(`${emu.url}/_emulator/moves`)).body as unknown as Json[];
    expect(overHttp.slice(-2).map((m) => [m.oldId, m.newId, m.batch, typeof m.time])).toEqual([
      [copy.id, deletedId, false, 'string'],
      [deletedId, backId, true, 'string'],
    ]);
    const now = ((await call(`${emu.url}/_emulator/generated`)).body.copies as Json[]).find((c) => c.mailbox === mailbox)!.now;
    expect(now).toMatchObject({ id: backId, folderId: copy.folderId, folder: 'Junk Email' });
  });

  it('answers 404 ErrorItemNotFound for a move of an id that no longer exists (moved), directly and in $batch', async () => {
    const copy = (generated.copies as Json[])[4]!;
    const mailbox = enc(copy.mailbox as string);
    const first = await post(`${emu.url}/v1.0/users/${mailbox}/messages/${enc(copy.id as string)}/move`, { destinationId: 'deleteditems' });
    expect(first.status).toBe(201);
    const before = emu.ledger.length;
    const again = await post(`${emu.url}/v1.0/users/${mailbox}/messages/${enc(copy.id as string)}/move`, { destinationId: 'deleteditems' });
    expect(again.status).toBe(404);
    expect(errorCode(again.body)).toBe('ErrorItemNotFound');
    const batch = await post(`${emu.url}/v1.0/$batch`, {
      requests: [
        {
          id: '1',
          method: 'POST',
          url: `/users/${mailbox}/messages/${enc(copy.id as string)}/move`,
          headers: { 'content-type': 'application/json' },
          body: { destinationId: 'inbox' },
        },
      ],
    });
    expect((batch.body.responses as Json[])[0]).toMatchObject({ status: 404, body: { error: { code: 'ErrorItemNotFound' } } });
    expect(emu.ledger.slice(before).filter((e) => e.move)).toEqual([]);
  });

  it('applies the mail routes’ faults and limits to /users and to generated mailboxes', async () => {
    emu.faults.set({ prefix: '/v1.0/users', failNext: [{ status: 429 }], retryAfterSeconds: 3 });
    const throttled = await call(`${emu.url}/v1.0/users?$top=5`, auth());
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3');
    expect((await call(`${emu.url}/v1.0/users?$top=5`, auth())).status).toBe(200);
    emu.faults.clear();

    emu.state.settings.mailboxConcurrencyLimit = 4;
    const copy = (generated.copies as Json[])[6]!;
    const url = `/users/${enc(copy.mailbox as string)}/mailFolders/inbox/messages?$select=id`;
    const five = await post(`${emu.url}/v1.0/$batch`, { requests: Array.from({ length: 5 }, (_, i) => ({ id: String(i), method: 'GET', url })) });
    expect((five.body.responses as Json[]).map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 429]);
    emu.state.settings.mailboxConcurrencyLimit = 0;
    const tooMany = await post(`${emu.url}/v1.0/$batch`, { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url })) });
    expect(tooMany.status).toBe(400);
  });

  it('replaces the previous generation and is gone after a reset', async () => {
    const r = await call(`${emu.url}/_emulator/generate`, { method: 'POST', body: JSON.stringify({ users: 50, seed: 1 }) });
    expect(r.status).toBe(201);
    const all = await call(`${emu.url}/v1.0/users?$top=999&$select=id`, auth());
    expect((all.body.value as Json[]).length).toBe(55);
    const bad = await call(`${emu.url}/_emulator/generate`, { method: 'POST', body: JSON.stringify({ users: 5, withoutMail: 6 }) });
    expect(bad.status).toBe(400);
    emu.reset();
    expect((await call(`${emu.url}/_emulator/generated`)).status).toBe(404);
    const after = await call(`${emu.url}/v1.0/users?$top=999&$select=id`, auth());
    expect((after.body.value as Json[]).length).toBe(5);
  });
});

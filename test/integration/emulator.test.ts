/** The Microsoft 365 emulator over real HTTP on 127.0.0.1: login, Graph mail, Management Activity API, faults. */
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_MAILBOX,
  DEMO_MAILBOXES,
  DEMO_TENANT,
  DEMO_USER_WITHOUT_MAILBOX,
  startEmulator,
  type Emulator,
} from '../../emulator';

type Json = Record<string, any>;

interface Res {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

async function call(url: string, init: RequestInit = {}): Promise<Res> {
  const r = await fetch(url, { redirect: 'manual', ...init });
  const text = await r.text();
  let body: Json = {};
  try {
    body = text ? (JSON.parse(text) as Json) : {};
  } catch {
    body = {};
  }
  return { status: r.status, headers: r.headers, body, text };
}

function form(fields: Record<string, string>): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}

describe('Microsoft 365 emulator', () => {
  let emu: Emulator;

  beforeAll(async () => {
    emu = await startEmulator({ seed: true, randomSeed: 42 });
  });
  afterAll(async () => {
    await emu.close();
  });
  afterEach(() => {
    emu.faults.clear();
    emu.state.settings.tokenLifetimeSeconds = 3600;
  });

  async function appToken(scope = 'https://graph.microsoft.com/.default', tenant = DEMO_TENANT): Promise<string> {
    const r = await call(
      `${emu.url}/${tenant}/oauth2/v2.0/token`,
      form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET, scope }),
    );
    expect(r.status).toBe(200);
    return r.body.access_token as string;
  }

  async function mgmtToken(resource = emu.url): Promise<string> {
    const r = await call(
      `${emu.url}/${DEMO_TENANT}/oauth2/token`,
      form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET, resource }),
    );
    expect(r.status).toBe(200);
    return r.body.access_token as string;
  }

  function bearer(token: string, extra: Record<string, string> = {}): RequestInit {
    return { headers: { authorization: `Bearer ${token}`, ...extra } };
  }

  function postJson(token: string, body: unknown): RequestInit {
    return { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }

  /** Runs the authorize endpoint and returns the redirect's query. */
  async function authorize(params: Record<string, string>): Promise<URLSearchParams> {
    const q = new URLSearchParams({
      client_id: DEMO_CLIENT_ID,
      response_type: 'code',
      redirect_uri: 'http://localhost:3978/oauth/callback',
      scope: 'https://graph.microsoft.com/.default offline_access',
      ...params,
    });
    const r = await call(`${emu.url}/${DEMO_TENANT}/oauth2/v2.0/authorize?${q.toString()}`);
    expect(r.status).toBe(302);
    const loc = new URL(r.headers.get('location') as string);
    expect(`${loc.origin}${loc.pathname}`).toBe('http://localhost:3978/oauth/callback');
    return loc.searchParams;
  }

  // ------------------------------------------------------------ login

  describe('login', () => {
    it('issues a client-credentials token that Graph accepts (Azure API Ping Test URL)', async () => {
      const r = await call(
        `${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`,
        form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET, scope: `${emu.url}/.default` }),
      );
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      expect(typeof r.body.access_token).toBe('string');
      const org = await call(`${emu.url}/v1.0/organization`, bearer(r.body.access_token as string));
      expect(org.status).toBe(200);
      expect(org.body.value[0]).toMatchObject({ id: DEMO_TENANT, displayName: 'Demo Corp' });
    });

    it('accepts the tenant domain and HTTP Basic client authentication', async () => {
      const basic = Buffer.from(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`).toString('base64');
      const r = await call(`${emu.url}/demo.onmicrosoft.com/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default',
      });
      expect(r.status).toBe(200);
    });

    it('refuses a wrong secret with 401 invalid_client AADSTS7000215', async () => {
      const r = await call(
        `${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`,
        form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: 'nope', scope: 'https://graph.microsoft.com/.default' }),
      );
      expect(r.status).toBe(401);
      expect(r.body.error).toBe('invalid_client');
      expect(r.body.error_codes).toEqual([7000215]);
      expect(r.body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\..*\r\nTrace ID: /s);
    });

    it('refuses an unknown tenant (AADSTS90002), an unknown app (AADSTS700016) and a scope without /.default', async () => {
      const tenant = await call(
        `${emu.url}/no-such-tenant/oauth2/v2.0/token`,
        form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET, scope: 'https://graph.microsoft.com/.default' }),
      );
      expect(tenant.status).toBe(400);
      expect(tenant.body.error_codes).toEqual([90002]);
      const app = await call(
        `${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`,
        form({
          grant_type: 'client_credentials',
          client_id: 'aaaaaaaa-0000-0000-0000-000000000000',
          client_secret: 'x',
          scope: 'https://graph.microsoft.com/.default',
        }),
      );
      expect(app.status).toBe(400);
      expect(app.body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
      const scope = await call(
        `${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`,
        form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET, scope: 'Mail.Read' }),
      );
      expect(scope.status).toBe(400);
      expect(scope.body).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
    });

    it('answers 401 InvalidAuthenticationToken for an expired, unknown or missing token', async () => {
      emu.state.settings.tokenLifetimeSeconds = 1;
      const r = await call(
        `${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`,
        form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET, scope: 'https://graph.microsoft.com/.default' }),
      );
      expect(r.body.expires_in).toBe(1);
      const token = r.body.access_token as string;
      expect((await call(`${emu.url}/v1.0/organization`, bearer(token))).status).toBe(200);
      await new Promise((res) => setTimeout(res, 1100));
      const expired = await call(`${emu.url}/v1.0/organization`, bearer(token));
      expect(expired.status).toBe(401);
      expect(expired.body.error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' });
      const unknown = await call(`${emu.url}/v1.0/organization`, bearer('not-a-token'));
      expect(unknown.status).toBe(401);
      expect(unknown.body.error.code).toBe('InvalidAuthenticationToken');
      const missing = await call(`${emu.url}/v1.0/organization`);
      expect(missing.status).toBe(401);
      expect(missing.body.error.message).toBe('Access token is empty.');
    });

    it('runs the authorization code flow with PKCE (S256) and returns the state', async () => {
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const state = randomBytes(12).toString('hex');
      const q = await authorize({ state, code_challenge: challenge, code_challenge_method: 'S256', login_hint: DEMO_MAILBOXES.alice });
      expect(q.get('state')).toBe(state);
      const code = q.get('code') as string;
      expect(code).toBeTruthy();
      const redeem = (v: string): Promise<Res> =>
        call(
          `${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`,
          form({
            grant_type: 'authorization_code',
            client_id: DEMO_CLIENT_ID,
            client_secret: DEMO_CLIENT_SECRET,
            code,
            redirect_uri: 'http://localhost:3978/oauth/callback',
            code_verifier: v,
          }),
        );
      const wrong = await redeem('x'.repeat(43));
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
      const ok = await redeem(verifier);
      expect(ok.status).toBe(200);
      expect(ok.body.refresh_token).toEqual(expect.any(String));
      const me = await call(`${emu.url}/v1.0/me`, bearer(ok.body.access_token as string));
      expect(me.status).toBe(200);
      expect(me.body.userPrincipalName).toBe(DEMO_MAILBOXES.alice);
      const again = await redeem(verifier);
      expect(again.status).toBe(400);
      expect(again.body.error_codes).toEqual([54005]);
    });

    it('refuses a code redeemed with another redirect_uri, and refuses an unknown code', async () => {
      const code = (await authorize({ state: 's'.repeat(16) })).get('code') as string;
      const other = await call(
        `${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`,
        form({ grant_type: 'authorization_code', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET, code, redirect_uri: 'http://evil.example/cb' }),
      );
      expect(other.status).toBe(400);
      expect(other.body.error).toBe('invalid_grant');
      const unknown = await call(
        `${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`,
        form({
          grant_type: 'authorization_code',
          client_id: DEMO_CLIENT_ID,
          client_secret: DEMO_CLIENT_SECRET,
          code: 'garbage',
          redirect_uri: 'http://localhost:3978/oauth/callback',
        }),
      );
      expect(unknown.status).toBe(400);
      expect(unknown.body.error_codes).toEqual([9002313]);
    });

    it('authenticates a client with a certificate assertion (RS256, x5t) and refuses a bad signature', async () => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const x5t = createHash('sha1').update(randomBytes(16)).digest('base64url');
      const app = emu.state.addApp({
        clientId: 'cccccccc-0000-0000-0000-00000000cert',
        tenantId: DEMO_TENANT,
        certificates: [{ thumbprint: x5t, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
      });
      const tokenUrl = `${emu.url}/${DEMO_TENANT}/oauth2/token`;
      const assertion = (key: typeof privateKey): string => {
        const now = Math.floor(Date.now() / 1000);
        const head = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5t })).toString('base64url');
        const claims = Buffer.from(
          JSON.stringify({ aud: tokenUrl, iss: app.clientId, sub: app.clientId, jti: randomBytes(8).toString('hex'), nbf: now, exp: now + 600 }),
        ).toString('base64url');
        const sig = createSign('RSA-SHA256').update(`${head}.${claims}`).sign(key).toString('base64url');
        return `${head}.${claims}.${sig}`;
      };
      const fields = (jwt: string): Record<string, string> => ({
        grant_type: 'client_credentials',
        client_id: app.clientId,
        resource: 'https://manage.office.com',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: jwt,
      });
      const ok = await call(tokenUrl, form(fields(assertion(privateKey))));
      expect(ok.status).toBe(200);
      const list = await call(`${emu.url}/api/v1.0/${DEMO_TENANT}/activity/feed/subscriptions/list`, bearer(ok.body.access_token as string));
      expect(list.status).toBe(200);
      const bad = await call(tokenUrl, form(fields(assertion(other))));
      expect(bad.status).toBe(401);
      expect(bad.body).toMatchObject({ error: 'invalid_client', error_codes: [700027] });
      const neither = await call(tokenUrl, form({ grant_type: 'client_credentials', client_id: app.clientId, resource: 'https://manage.office.com' }));
      expect(neither.status).toBe(401);
      expect(neither.body.error_codes).toEqual([7000218]);
    });

    it('refuses a redirect_uri the app did not register (AADSTS50011)', async () => {
      const app = emu.state.addApp({
        clientId: 'dddddddd-0000-0000-0000-0000000strct',
        tenantId: DEMO_TENANT,
        secrets: ['s'],
        redirectUris: ['https://bot.example/oauth/callback'],
      });
      const q = new URLSearchParams({
        client_id: app.clientId,
        response_type: 'code',
        redirect_uri: 'https://evil.example/cb',
        scope: 'Mail.Read offline_access',
        state: 'x'.repeat(16),
      });
      const r = await call(`${emu.url}/${DEMO_TENANT}/oauth2/v2.0/authorize?${q.toString()}`);
      expect(r.status).toBe(400);
      expect(r.text).toContain('AADSTS50011');
    });

    it('rotates refresh tokens: each use returns a new one and the old one is refused', async () => {
      const code = (await authorize({ state: 'r'.repeat(16) })).get('code') as string;
      const first = await call(
        `${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`,
        form({
          grant_type: 'authorization_code',
          client_id: DEMO_CLIENT_ID,
          client_secret: DEMO_CLIENT_SECRET,
          code,
          redirect_uri: 'http://localhost:3978/oauth/callback',
        }),
      );
      expect(first.status).toBe(200);
      const rt1 = first.body.refresh_token as string;
      const refresh = (rt: string): Promise<Res> =>
        call(
          `${emu.url}/${DEMO_TENANT}/oauth2/v2.0/token`,
          form({
            grant_type: 'refresh_token',
            client_id: DEMO_CLIENT_ID,
            client_secret: DEMO_CLIENT_SECRET,
            refresh_token: rt,
            scope: 'https://graph.microsoft.com/.default offline_access',
          }),
        );
      const second = await refresh(rt1);
      expect(second.status).toBe(200);
      const rt2 = second.body.refresh_token as string;
      expect(rt2).toEqual(expect.any(String));
      expect(rt2).not.toBe(rt1);
      expect((await call(`${emu.url}/v1.0/me`, bearer(second.body.access_token as string))).status).toBe(200);
      const reused = await refresh(rt1);
      expect(reused.status).toBe(400);
      expect(reused.body.error).toBe('invalid_grant');
      expect(reused.body.error_codes).toEqual([70008]);
      expect((await refresh(rt2)).status).toBe(200);
    });
  });

  // ------------------------------------------------------------ Graph

  describe('Graph mail', () => {
    it('pages a folder of more than 25 messages with $top and @odata.nextLink, newest first', async () => {
      const folder = emu.state.addFolder(DEMO_MAILBOX, 'inbox', 'Bulk');
      const base = Date.now() - 3600_000;
      for (let i = 0; i < 27; i++) {
        emu.state.addMessage(DEMO_MAILBOX, folder.id, {
          subject: `Bulk ${i}`,
          from: `sender${i}@example.com`,
          to: [DEMO_MAILBOX],
          body: `n=${i}`,
          receivedDateTime: new Date(base + i * 1000),
          isRead: i % 2 === 0,
        });
      }
      const token = await appToken();
      let url: string | undefined =
        `${emu.url}/v1.0/users/${encodeURIComponent(DEMO_MAILBOX)}/mailFolders/${encodeURIComponent(folder.id)}/messages?$top=10&$select=subject,receivedDateTime`;
      const subjects: string[] = [];
      let pages = 0;
      while (url) {
        const r = await call(url, bearer(token));
        expect(r.status).toBe(200);
        pages++;
        expect(r.body.value.length).toBeLessThanOrEqual(10);
        for (const m of r.body.value) {
          expect(Object.keys(m).sort()).toEqual(['@odata.etag', 'id', 'receivedDateTime', 'subject']);
          subjects.push(m.subject as string);
        }
        url = r.body['@odata.nextLink'] as string | undefined;
      }
      expect(pages).toBe(3);
      expect(subjects).toHaveLength(27);
      expect(subjects[0]).toBe('Bulk 26');
      expect(subjects[26]).toBe('Bulk 0');

      const defaultPage = await call(`${emu.url}/v1.0/users/${DEMO_MAILBOX}/mailFolders/${encodeURIComponent(folder.id)}/messages`, bearer(token));
      expect(defaultPage.body.value).toHaveLength(10);
      const big = await call(`${emu.url}/v1.0/users/${DEMO_MAILBOX}/mailFolders/${encodeURIComponent(folder.id)}/messages?$top=5000`, bearer(token));
      expect(big.body.value).toHaveLength(27);
      expect(big.body['@odata.nextLink']).toBeUndefined();
    });

    it('filters with receivedDateTime, isRead, from address, internetMessageId and contains(subject), combined with and', async () => {
      const token = await appToken();
      const mb = encodeURIComponent(DEMO_MAILBOXES.alice);
      const since = new Date(Date.now() - 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const f = `receivedDateTime ge ${since} and isRead eq false and from/emailAddress/address eq 'it-support@contoso-helpdesk.co' and contains(subject,'ALMOST FULL')`;
      const r = await call(
        `${emu.url}/v1.0/users/${mb}/mailFolders/inbox/messages?$filter=${encodeURIComponent(f)}&$select=subject,internetMessageId,hasAttachments`,
        bearer(token),
      );
      expect(r.status).toBe(200);
      expect(r.body.value).toHaveLength(1);
      expect(r.body.value[0].subject).toBe('Action required: your mailbox is almost full');
      const imid = r.body.value[0].internetMessageId as string;
      const byId = await call(`${emu.url}/v1.0/users/${mb}/messages?$filter=${encodeURIComponent(`internetMessageId eq '${imid}'`)}`, bearer(token));
      expect(byId.body.value).toHaveLength(1);
      const bad = await call(`${emu.url}/v1.0/users/${mb}/messages?$filter=${encodeURIComponent('nosuchprop eq 1')}`, bearer(token));
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('BadRequest');
    });

    it('answers 404 for an unknown mailbox and for a user without a mailbox', async () => {
      const token = await appToken();
      const unknown = await call(`${emu.url}/v1.0/users/nobody@demo.onmicrosoft.com/messages`, bearer(token));
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('ErrorInvalidUser');
      const noMailbox = await call(`${emu.url}/v1.0/users/${DEMO_USER_WITHOUT_MAILBOX}/mailFolders/inbox`, bearer(token));
      expect(noMailbox.status).toBe(404);
      expect(noMailbox.body.error.code).toBe('MailboxNotEnabledForRESTAPI');
      const user = await call(`${emu.url}/v1.0/users/nobody@demo.onmicrosoft.com`, bearer(token));
      expect(user.status).toBe(404);
      expect(user.body.error.code).toBe('Request_ResourceNotFound');
    });

    it('lists folders and child folders, with Inbox/Phishing/Reported nested', async () => {
      const token = await appToken();
      const top = await call(`${emu.url}/v1.0/users/${DEMO_MAILBOXES.phish}/mailFolders`, bearer(token));
      expect(top.status).toBe(200);
      const inbox = top.body.value.find((f: Json) => f.displayName === 'Inbox');
      expect(inbox.childFolderCount).toBe(1);
      const kids = await call(`${emu.url}/v1.0/users/${DEMO_MAILBOXES.phish}/mailFolders/inbox/childFolders`, bearer(token));
      const phishing = kids.body.value[0];
      expect(phishing.displayName).toBe('Phishing');
      const grandKids = await call(
        `${emu.url}/v1.0/users/${DEMO_MAILBOXES.phish}/mailFolders/${encodeURIComponent(phishing.id as string)}/childFolders`,
        bearer(token),
      );
      expect(grandKids.body.value.map((f: Json) => f.displayName)).toEqual(['Reported']);
    });

    it('serves attachments (an attached .eml) and the MIME of a message', async () => {
      const token = await appToken();
      const list = await call(
        `${emu.url}/v1.0/users/${DEMO_MAILBOXES.phish}/mailFolders/inbox/messages?$filter=${encodeURIComponent("startswith(subject,'Phishing report')")}`,
        bearer(token),
      );
      const msg = list.body.value[0];
      expect(msg.hasAttachments).toBe(true);
      const atts = await call(`${emu.url}/v1.0/users/${DEMO_MAILBOXES.phish}/messages/${encodeURIComponent(msg.id as string)}/attachments`, bearer(token));
      const eml = atts.body.value[0];
      expect(eml).toMatchObject({ '@odata.type': '#microsoft.graph.fileAttachment', contentType: 'message/rfc822' });
      expect(Buffer.from(eml.contentBytes as string, 'base64').toString()).toContain('Subject: Action required: your mailbox is almost full');
      const mime = await call(`${emu.url}/v1.0/users/${DEMO_MAILBOXES.phish}/messages/${encodeURIComponent(msg.id as string)}/$value`, bearer(token));
      expect(mime.status).toBe(200);
      expect(mime.text).toContain('Content-Type: multipart/mixed');
      expect(mime.text).toContain('Content-Type: message/rfc822');
    });

    it('moves a message (new id), marks it read, and records both in the ledger', async () => {
      const token = await appToken();
      const m = emu.state.addMessage(DEMO_MAILBOXES.bob, 'inbox', { subject: 'to move', from: 'x@example.com', to: [DEMO_MAILBOXES.bob] });
      const before = emu.ledger.length;
      const moved = await call(
        `${emu.url}/v1.0/users/${DEMO_MAILBOXES.bob}/messages/${encodeURIComponent(m.id)}/move`,
        postJson(token, { destinationId: 'archive' }),
      );
      expect(moved.status).toBe(201);
      expect(moved.body.id).not.toBe(m.immutableId);
      const patched = await call(`${emu.url}/v1.0/users/${DEMO_MAILBOXES.bob}/messages/${encodeURIComponent(moved.body.id as string)}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ isRead: true }),
      });
      expect(patched.status).toBe(200);
      expect(patched.body.isRead).toBe(true);
      const entries = emu.ledger.slice(before);
      expect(entries.map((e) => [e.method, e.status])).toEqual([
        ['POST', 201],
        ['PATCH', 200],
      ]);
      expect(entries[0]?.path).toMatch(/\/move$/);
    });

    it('sends mail to a local mailbox, and uses the beta markAsJunk endpoint (not in v1.0)', async () => {
      const token = await appToken();
      const sent = await call(
        `${emu.url}/v1.0/users/${DEMO_MAILBOX}/sendMail`,
        postJson(token, {
          message: {
            subject: 'Please confirm',
            body: { contentType: 'Text', content: 'Approve?' },
            toRecipients: [{ emailAddress: { address: DEMO_MAILBOXES.bob } }],
          },
        }),
      );
      expect(sent.status).toBe(202);
      const inbox = await call(
        `${emu.url}/v1.0/users/${DEMO_MAILBOXES.bob}/mailFolders/inbox/messages?$filter=${encodeURIComponent("subject eq 'Please confirm'")}`,
        bearer(token),
      );
      expect(inbox.body.value).toHaveLength(1);
      const id = encodeURIComponent(inbox.body.value[0].id as string);
      const v1 = await call(`${emu.url}/v1.0/users/${DEMO_MAILBOXES.bob}/messages/${id}/markAsJunk`, postJson(token, { moveToJunk: true }));
      expect(v1.status).toBe(400);
      const beta = await call(`${emu.url}/beta/users/${DEMO_MAILBOXES.bob}/messages/${id}/markAsJunk`, postJson(token, { moveToJunk: true }));
      expect(beta.status).toBe(200);
      const junk = await call(`${emu.url}/v1.0/users/${DEMO_MAILBOXES.bob}/mailFolders/junkemail`, bearer(token));
      expect(beta.body.parentFolderId).toBe(junk.body.id);
    });

    it('reports out-of-office through beta presence and mailboxSettings', async () => {
      const token = await appToken();
      const presence = await call(`${emu.url}/beta/users/${DEMO_MAILBOXES.alice}/presence`, bearer(token));
      expect(presence.status).toBe(200);
      expect(presence.body.outOfOfficeSettings.isOutOfOffice).toBe(true);
      const ar = await call(`${emu.url}/beta/users/${DEMO_MAILBOXES.alice}/mailboxSettings/automaticRepliesSetting`, bearer(token));
      expect(ar.body.status).toBe('alwaysEnabled');
    });

    it('routes $batch sub-requests with per-request status and refuses more than 20', async () => {
      const token = await appToken();
      const ok = await call(
        `${emu.url}/v1.0/$batch`,
        postJson(token, {
          requests: [
            { id: '1', method: 'GET', url: `/users/${DEMO_MAILBOXES.alice}/mailFolders/inbox` },
            { id: '2', method: 'GET', url: '/users/nobody@demo.onmicrosoft.com/messages' },
            { id: '3', method: 'GET', url: '/organization', dependsOn: ['2'] },
          ],
        }),
      );
      expect(ok.status).toBe(200);
      const byId = Object.fromEntries((ok.body.responses as Json[]).map((r) => [r.id, r]));
      expect(byId['1']).toMatchObject({ status: 200, body: { displayName: 'Inbox' } });
      expect(byId['2']).toMatchObject({ status: 404, body: { error: { code: 'ErrorInvalidUser' } } });
      expect(byId['3'].status).toBe(424);
      const tooMany = await call(
        `${emu.url}/v1.0/$batch`,
        postJson(token, { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/organization' })) }),
      );
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error.code).toBe('BadRequest');
    });
  });

  // ------------------------------------------------------------ Management Activity API

  describe('Management Activity API', () => {
    const feed = (): string => `${emu.url}/api/v1.0/${DEMO_TENANT}/activity/feed`;

    it('lists, starts and stops subscriptions with a v1 token for the management resource', async () => {
      const token = await mgmtToken();
      const tok = await call(
        `${emu.url}/${DEMO_TENANT}/oauth2/token`,
        form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET, resource: emu.url }),
      );
      expect(tok.body).toMatchObject({ token_type: 'Bearer', resource: emu.url, expires_in: '3600' });
      const list = await call(`${feed()}/subscriptions/list`, bearer(token));
      expect(list.status).toBe(200);
      expect(Array.isArray(list.body)).toBe(true);
      const start = await call(`${feed()}/subscriptions/start?contentType=DLP.All`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(start.status).toBe(200);
      expect(start.body).toMatchObject({ contentType: 'DLP.All', status: 'enabled' });
      const twice = await call(`${feed()}/subscriptions/start?contentType=DLP.All`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(twice.status).toBe(400);
      expect(twice.body.error.code).toBe('AF20024');
      const after = await call(`${feed()}/subscriptions/list`, bearer(token));
      expect(after.body).toEqual(expect.arrayContaining([expect.objectContaining({ contentType: 'DLP.All', status: 'enabled' })]));
      const stop = await call(`${feed()}/subscriptions/stop?contentType=DLP.All`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(stop.status).toBe(200);
      const notSubscribed = await call(`${feed()}/subscriptions/content?contentType=DLP.All`, bearer(token));
      expect(notSubscribed.status).toBe(400);
      expect(notSubscribed.body.error.code).toBe('AF20022');
    });

    it('refuses content windows over 24 hours or older than 7 days (AF20055), and pages with NextPageUri', async () => {
      const token = await mgmtToken('https://manage.office.com');
      await call(`${feed()}/subscriptions/start?contentType=Audit.General`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 19);
      const now = Date.now();
      const wide = await call(
        `${feed()}/subscriptions/content?contentType=Audit.General&startTime=${iso(now - 25 * 3600_000)}&endTime=${iso(now)}`,
        bearer(token),
      );
      expect(wide.status).toBe(400);
      expect(wide.body.error.code).toBe('AF20055');
      const old = await call(
        `${feed()}/subscriptions/content?contentType=Audit.General&startTime=${iso(now - 8 * 24 * 3600_000)}&endTime=${iso(now - 8 * 24 * 3600_000 + 3600_000)}`,
        bearer(token),
      );
      expect(old.status).toBe(400);
      expect(old.body.error.code).toBe('AF20055');

      emu.state.settings.contentPageSize = 5;
      try {
        let url: string | null = `${feed()}/subscriptions/content?contentType=Audit.General&startTime=${iso(now - 12 * 3600_000)}&endTime=${iso(now)}`;
        const ids: string[] = [];
        let pages = 0;
        while (url) {
          const r = await call(url, bearer(token));
          expect(r.status).toBe(200);
          pages++;
          for (const b of r.body as unknown as Json[]) ids.push(b.contentId as string);
          url = r.headers.get('NextPageUri');
        }
        expect(pages).toBeGreaterThan(2);
        expect(ids.length).toBeGreaterThanOrEqual(23);
        expect(new Set(ids).size).toBe(ids.length);
        const blob = await call(`${feed()}/audit/${ids[0]}`, bearer(token));
        expect(blob.status).toBe(200);
        expect((blob.body as unknown as Json[])[0]).toMatchObject({ OrganizationId: DEMO_TENANT, Operation: expect.any(String), Workload: expect.any(String) });
      } finally {
        emu.state.settings.contentPageSize = 100;
      }
    });

    it('serves DLP events with PolicyDetails and DetectedValues', async () => {
      const token = await mgmtToken();
      await call(`${feed()}/subscriptions/start?contentType=DLP.All`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      const list = await call(`${feed()}/subscriptions/content?contentType=DLP.All`, bearer(token));
      expect(list.status).toBe(200);
      const events: Json[] = [];
      for (const b of (list.body as unknown as Json[]).slice(0, 10))
        events.push(...((await call(b.contentUri as string, bearer(token))).body as unknown as Json[]));
      const match = events.find((e) => e.Operation === 'DlpRuleMatch');
      expect(match).toBeDefined();
      const sit = match?.PolicyDetails[0].Rules[0].ConditionsMatched.SensitiveInformation[0];
      expect(sit.SensitiveInformationDetections.DetectedValues[0]).toEqual({ Name: expect.any(String), Value: expect.any(String) });
    });

    it('refuses a Graph token and a missing token with 401 in the API error shape', async () => {
      const graphToken = await appToken();
      const wrong = await call(`${feed()}/subscriptions/list`, bearer(graphToken));
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toEqual(expect.any(String));
      const none = await call(`${feed()}/subscriptions/list`);
      expect(none.status).toBe(401);
      expect(none.body.error.message).toEqual(expect.any(String));
    });
  });

  // ------------------------------------------------------------ faults

  describe('faults', () => {
    it('answers 429 with Retry-After when rate429 is 1, only under the rule prefix', async () => {
      const token = await appToken();
      emu.faults.set({ prefix: '/v1.0/users', rate429: 1, retryAfterSeconds: 7 });
      const r = await call(`${emu.url}/v1.0/users/${DEMO_MAILBOX}/messages`, bearer(token));
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('7');
      expect(r.body.error.code).toBe('TooManyRequests');
      expect((await call(`${emu.url}/v1.0/organization`, bearer(token))).status).toBe(200);
    });

    it('is driven over HTTP: faults, failNext, latency, ledger and reset', async () => {
      const set = await call(`${emu.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prefix: '/api', failNext: [{ status: 503 }, { status: 500, body: { error: { code: 'Custom', message: 'boom' } } }] }),
      });
      expect(set.status).toBe(200);
      const token = await mgmtToken();
      const first = await call(`${emu.url}/api/v1.0/${DEMO_TENANT}/activity/feed/subscriptions/list`, bearer(token));
      expect(first.status).toBe(503);
      expect(first.headers.get('retry-after')).toBe('1');
      const second = await call(`${emu.url}/api/v1.0/${DEMO_TENANT}/activity/feed/subscriptions/list`, bearer(token));
      expect(second).toMatchObject({ status: 500, body: { error: { code: 'Custom' } } });
      expect((await call(`${emu.url}/api/v1.0/${DEMO_TENANT}/activity/feed/subscriptions/list`, bearer(token))).status).toBe(200);

      await call(`${emu.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rules: [{ prefix: '/v1.0/organization', latencyMs: 150 }], replace: true }),
      });
      const graphToken = await appToken();
      const t0 = Date.now();
      expect((await call(`${emu.url}/v1.0/organization`, bearer(graphToken))).status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

      const ledger = await call(`${emu.url}/_emulator/ledger`);
      expect(Array.isArray(ledger.body)).toBe(true);
      expect((ledger.body as unknown as Json[]).some((e) => e.method === 'POST' && /\/oauth2\/token$/.test(e.path as string))).toBe(true);

      const reset = await call(`${emu.url}/_emulator/reset`, { method: 'POST' });
      expect(reset.status).toBe(200);
      expect(emu.ledger).toHaveLength(0);
      expect(emu.faults.rules()).toHaveLength(0);
      expect((await call(`${emu.url}/v1.0/organization`, bearer(graphToken))).status).toBe(200);
    });

    it('throttles concurrent requests per app and mailbox when mailboxConcurrencyLimit is set', async () => {
      const token = await appToken();
      emu.state.settings.mailboxConcurrencyLimit = 2;
      emu.faults.set({ prefix: '/v1.0/users', latencyMs: 100 });
      try {
        const statuses = await Promise.all(Array.from({ length: 4 }, () => call(`${emu.url}/v1.0/users/${DEMO_MAILBOX}/mailFolders/inbox`, bearer(token))));
        const throttled = statuses.filter((r) => r.status === 429);
        expect(throttled.length).toBe(2);
        expect(throttled[0]?.body.error.code).toBe('ApplicationThrottled');
        expect(throttled[0]?.headers.get('retry-after')).toBe('1');
      } finally {
        emu.state.settings.mailboxConcurrencyLimit = 0;
      }
    });

    it('gives repeatable random faults for a given seed', async () => {
      const token = await appToken();
      const run = async (): Promise<number[]> => {
        emu.faults.setSeed(7);
        emu.faults.set({ prefix: '/v1.0/organization', rate429: 0.5 });
        const out: number[] = [];
        for (let i = 0; i < 12; i++) out.push((await call(`${emu.url}/v1.0/organization`, bearer(token))).status);
        return out;
      };
      const a = await run();
      const b = await run();
      expect(a).toEqual(b);
      expect(new Set(a)).toEqual(new Set([200, 429]));
    });
  });
});

/** Microsoft Graph Mail Ping, run alone through a fake ActionContext whose HTTP answers from fixtures. */
import { spec as ping } from '../../../handlers/microsoft-graph-mail/actions/ping';
import { fakeActionContext, runAction } from '../../helpers/fake-action-context';

const LOGIN = 'https://login.microsoftonline.com';
const GRAPH = 'https://graph.microsoft.com';
const instance = {
  'azure-ad-endpoint': LOGIN,
  'microsoft-graph-endpoint': GRAPH,
  'client-id': 'app-id',
  'secret-id': 'app-secret',
  tenant: 'tenant-id',
  'default-mailbox': 'soc@demo.onmicrosoft.com',
  'verify-ssl': true,
};
const INBOX = `${GRAPH}/v1.0/users/soc%40demo.onmicrosoft.com/mailFolders/inbox`;

describe('microsoft-graph-mail ping', () => {
  it('reads the default mailbox’s Inbox with an app token and says it connected', async () => {
    const ctx = fakeActionContext({ instance, http: [{ method: 'GET', url: INBOX, body: { id: 'AAMk-inbox' } }] });
    const result = await runAction(ping, ctx);
    expect(result).toEqual({ kind: 'result', isSuccess: true, message: ping.messages.success.connected });
    expect(ctx.sent.map((r) => `${r.method} ${r.url}`)).toEqual([`POST ${LOGIN}/tenant-id/oauth2/v2.0/token`, `GET ${INBOX}?$select=id`]);
    expect(ctx.sent[0]?.body).toEqual(expect.stringContaining('grant_type=client_credentials'));
    expect(ctx.unanswered).toEqual([]);
  });

  it('a refusal by Graph becomes the seed’s failure text with Graph’s own reason', async () => {
    const denied = { error: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' } };
    const ctx = fakeActionContext({ instance, http: [{ method: 'GET', url: INBOX, status: 403, body: denied }] });
    const result = await runAction(ping, ctx);
    expect(result).toMatchObject({ kind: 'result', isSuccess: false });
    expect(result.message).toBe(
      'Failed to connect to the Microsoft Graph mail service! Error is ErrorAccessDenied: Access is denied. Check credentials and try again.',
    );
  });

  it('a token endpoint that refuses the secret fails the ping without calling Graph', async () => {
    const invalid = { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' };
    const ctx = fakeActionContext({ instance, http: [{ method: 'POST', url: `${LOGIN}/tenant-id/oauth2/v2.0/token`, status: 401, body: invalid }] });
    const result = await runAction(ping, ctx);
    expect(result).toMatchObject({ kind: 'result', isSuccess: false });
    expect(result.message).toContain('AADSTS7000215');
    expect(ctx.sent.filter((r) => r.url.startsWith(GRAPH))).toEqual([]);
  });
});

/** Cached access tokens belong to one environment: the same app registration in two environments gets a token each. */
import type { HttpClient, HttpRequest } from '../../handlers/kit/http';
import { forgetTokens, requestToken } from '../../handlers/kit/oauth';

function tokenEndpoint(): { http: HttpClient; sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  const http: HttpClient = {
    async send(req) {
      sent.push(req);
      const body = Buffer.from(JSON.stringify({ access_token: `token-${sent.length}`, expires_in: 3600 }));
      return { status: 200, headers: {}, body, url: req.url, text: () => body.toString(), json: <T>() => JSON.parse(body.toString()) as T };
    },
  };
  return { http, sent };
}

describe('token cache', () => {
  beforeEach(() => forgetTokens());

  it('reuses a token within an environment and never across environments', async () => {
    const { http, sent } = tokenEndpoint();
    const req = { loginRoot: 'https://login.example', tenant: 't1', clientId: 'c1', clientSecret: 's1', scope: 'https://graph.example/.default' };
    const a1 = await requestToken(http, { environment: 'prod', ...req });
    const a2 = await requestToken(http, { environment: 'prod', ...req });
    const b1 = await requestToken(http, { environment: 'beta', ...req });
    expect(a2.accessToken).toBe(a1.accessToken);
    expect(b1.accessToken).not.toBe(a1.accessToken);
    expect(sent).toHaveLength(2);
  });
});

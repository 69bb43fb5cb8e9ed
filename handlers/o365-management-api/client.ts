/** The Office 365 Management Activity API: v1 token with resource = Api Root (DECISIONS 20). */
import type { ActionContext } from '../kit/context';
import { UserError } from '../kit/errors';
import { requestToken } from '../kit/oauth';
import { callJson, joinUrl } from '../kit/remote';

export class ManagementClient {
  private readonly root: string;
  private readonly tenant: string;
  private readonly verifySsl: boolean;

  constructor(private readonly ctx: ActionContext) {
    this.root = String(ctx.instance['api-root'] ?? '');
    this.tenant = String(ctx.instance['azure-active-directory-id'] ?? '');
    this.verifySsl = ctx.instance['verify-ssl'] !== false;
  }

  private async token(): Promise<string> {
    const inst = this.ctx.instance;
    const secret = inst['client-secret'] ? String(inst['client-secret']) : '';
    if (!secret && !inst['certificate-path']) throw new UserError('Either Certificate Path or Client Secret has to be specified.');
    if (!secret) throw new UserError('Certificate authentication is not available yet in chatsoar; set Client Secret.');
    const t = await requestToken(this.ctx.http, {
      loginRoot: String(inst['oauth2-login-endpoint-url'] ?? ''),
      tenant: this.tenant,
      clientId: String(inst['client-id'] ?? ''),
      clientSecret: secret,
      resource: this.root.replace(/\/$/, ''),
      verifySsl: this.verifySsl,
    });
    return t.accessToken;
  }

  /** `path` is relative to `/api/v1.0/<tenant>/activity/feed/`. */
  async feed<T = unknown>(method: string, path: string): Promise<T> {
    return callJson<T>({
      http: this.ctx.http,
      token: await this.token(),
      method,
      url: joinUrl(this.root, `api/v1.0/${encodeURIComponent(this.tenant)}/activity/feed/${path}`),
      verifySsl: this.verifySsl,
      signal: this.ctx.signal,
    });
  }
}

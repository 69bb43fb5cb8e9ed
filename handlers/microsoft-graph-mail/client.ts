/** Microsoft Graph for the mail integration: token from the instance, calls to its Graph endpoint. */
import type { ActionContext } from '../kit/context';
import { requestToken } from '../kit/oauth';
import { callJson, joinUrl } from '../kit/remote';

export interface GraphInstance {
  loginRoot: string;
  graphRoot: string;
  clientId: string;
  secret: string;
  tenant: string;
  defaultMailbox: string;
  verifySsl: boolean;
}

export function graphInstance(instance: Record<string, unknown>): GraphInstance {
  return {
    loginRoot: String(instance['azure-ad-endpoint'] ?? ''),
    graphRoot: String(instance['microsoft-graph-endpoint'] ?? ''),
    clientId: String(instance['client-id'] ?? ''),
    secret: String(instance['secret-id'] ?? ''),
    tenant: String(instance.tenant ?? ''),
    defaultMailbox: String(instance['default-mailbox'] ?? ''),
    verifySsl: instance['verify-ssl'] !== false,
  };
}

export class GraphClient {
  constructor(private readonly ctx: ActionContext, readonly inst: GraphInstance = graphInstance(ctx.instance)) {}

  private async token(): Promise<string> {
    const t = await requestToken(this.ctx.http, {
      loginRoot: this.inst.loginRoot,
      tenant: this.inst.tenant,
      clientId: this.inst.clientId,
      clientSecret: this.inst.secret,
      scope: `${this.inst.graphRoot.replace(/\/$/, '')}/.default`,
      verifySsl: this.inst.verifySsl,
    });
    return t.accessToken;
  }

  /** `path` is relative to the Graph root, e.g. `v1.0/users/x/mailFolders/inbox`. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return callJson<T>({
      http: this.ctx.http,
      token: await this.token(),
      method,
      url: joinUrl(this.inst.graphRoot, path),
      body,
      verifySsl: this.inst.verifySsl,
      signal: this.ctx.signal,
    });
  }
}

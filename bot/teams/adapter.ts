/** botbuilder's CloudAdapter with botbuilder's own environment variable names (contract.md §2). */
import {
  CallerIdConstants,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  StatusCodes,
  type Activity,
  type ConfigurationBotFrameworkAuthenticationOptions,
} from 'botbuilder';
// A direct dependency, pinned to botbuilder's own version: CloudAdapter answers 401 only for this very class.
import { AuthenticationConstants, AuthenticationError } from 'botframework-connector';
import { defaultGateSettings, isLocalWebchatKey, tenantRefusal, TokenGate, type ActivityLike, type KeyStoreOptions } from './auth';

export interface BotFrameworkSettings {
  MicrosoftAppId?: string;
  MicrosoftAppPassword?: string;
  MicrosoftAppType?: string;
  MicrosoftAppTenantId?: string;
  /** botbuilder's names: where the signing keys of channel (Teams) and of Emulator/skill tokens are published. Default: Microsoft's public cloud. */
  ToBotFromChannelOpenIdMetadataUrl?: string;
  ToBotFromEmulatorOpenIdMetadataUrl?: string;
  /** Timeouts and intervals of the signing-key fetches (see bot/teams/auth.ts). */
  keyStore?: Partial<KeyStoreOptions>;
  /** Longest botbuilder may take to check a token before the activity is refused (ms). */
  authTimeoutMs?: number;
}

/** Who may post to /api/messages besides what the token proves. */
export interface ActivityPolicy {
  /** MicrosoftAppId empty: accept unsigned activities (ALLOW_UNAUTHENTICATED_TEAMS=1, or the demo). Otherwise every one is refused. */
  allowUnauthenticated?: boolean;
  /** Entra tenant ids (lowercase) whose Teams activities are accepted; empty: any. */
  tenants?: readonly string[];
  /** Channels accepted besides `msteams` when activities are signed: `webchat`, `directline`. */
  extraChannels?: readonly string[];
}

/** Why an activity is refused: 401 (not authenticated) or 403 (authenticated, not accepted here). */
export interface Refusal {
  status: 401 | 403;
  reason: string;
}

export const UNSIGNED_REFUSED = 'MicrosoftAppId is empty: unsigned activities are refused (ALLOW_UNAUTHENTICATED_TEAMS=1 accepts them, for development only)';

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .slice(0, 200);
}

/** CloudAdapter plus `refusal`: the check the HTTP route makes before handing an activity over. */
export class TeamsAdapter extends CloudAdapter {
  constructor(
    private readonly auth: ConfigurationBotFrameworkAuthentication,
    private readonly gate: TokenGate | null,
    private readonly policy: ActivityPolicy = {},
  ) {
    super(auth);
  }

  /** True when activities must carry a Bot Framework JWT (MicrosoftAppId set). */
  get authenticates(): boolean {
    return this.gate !== null;
  }

  /**
   * Null when the activity may be processed, else why it is refused. Without MicrosoftAppId only
   * the local web chat's own activities pass, unless unsigned ones are allowed; with it, the token
   * gate, then botbuilder's own check, then the channel and tenant. So every refusal is answered
   * here, quietly, before botbuilder's CloudAdapter (which prints a stack for each refusal) or
   * anything that would use the activity's serviceUrl.
   */
  async refusal(body: unknown, authorization: string | undefined, localKey?: unknown): Promise<Refusal | null> {
    const activity = body && typeof body === 'object' ? (body as ActivityLike) : {};
    if (!this.gate) {
      if (activity.channelId === 'webchat' && isLocalWebchatKey(localKey)) return null;
      if (!this.policy.allowUnauthenticated) return { status: 401, reason: UNSIGNED_REFUSED };
      return this.accepted(activity, false);
    }
    const reason = await this.gate.screen(activity, authorization);
    if (reason) return { status: 401, reason };
    // A body that is not an activity is botbuilder's to answer (400).
    if (!body || typeof body !== 'object') return null;
    try {
      await this.auth.authenticateRequest(body as Activity, authorization ?? '');
    } catch (err) {
      return { status: 401, reason: `refused by botbuilder: ${firstLine(err)}` };
    }
    return this.accepted(activity, true);
  }

  /** The channel (signed activities only: unsigned ones come from a developer's Emulator) and the tenant of a Teams activity. */
  private accepted(activity: ActivityLike, signed: boolean): Refusal | null {
    const channel = typeof activity.channelId === 'string' ? activity.channelId : '';
    if (signed && channel !== 'msteams' && !this.policy.extraChannels?.includes(channel)) {
      return {
        status: 403,
        reason: `channel "${channel.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)}" is not accepted (msteams${this.policy.extraChannels?.length ? `, ${this.policy.extraChannels.join(', ')}` : ''})`,
      };
    }
    if (channel === 'msteams' && this.policy.tenants?.length) {
      const reason = tenantRefusal(activity, this.policy.tenants);
      if (reason) return { status: 403, reason };
    }
    return null;
  }
}

export function createAdapter(settings: BotFrameworkSettings, policy: ActivityPolicy = {}): TeamsAdapter {
  const appId = settings.MicrosoftAppId ?? '';
  const channelMetadataUrl = settings.ToBotFromChannelOpenIdMetadataUrl || AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl;
  const emulatorMetadataUrl = settings.ToBotFromEmulatorOpenIdMetadataUrl || AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl;
  const custom = !!(settings.ToBotFromChannelOpenIdMetadataUrl || settings.ToBotFromEmulatorOpenIdMetadataUrl);
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: appId,
    MicrosoftAppPassword: settings.MicrosoftAppPassword ?? '',
    MicrosoftAppType: settings.MicrosoftAppType ?? (appId ? 'MultiTenant' : ''),
    MicrosoftAppTenantId: settings.MicrosoftAppTenantId ?? '',
    // botbuilder takes a metadata URL only with the whole public-cloud set beside it (else the others are left empty).
    ...(custom
      ? {
          ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
          ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
          ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
          OAuthUrl: AuthenticationConstants.OAuthUrl,
          ToBotFromChannelOpenIdMetadataUrl: channelMetadataUrl,
          ToBotFromEmulatorOpenIdMetadataUrl: emulatorMetadataUrl,
          CallerId: CallerIdConstants.PublicAzureChannel,
          ValidateAuthority: true,
        }
      : {}),
  } as ConfigurationBotFrameworkAuthenticationOptions);

  // A token that cannot be validated (unknown key, alg "none", signing keys unreachable, a check
  // that takes too long) is a refusal, not a server error: contract.md §2 says 401 for every
  // activity without a valid JWT.
  const authTimeoutMs = settings.authTimeoutMs ?? 5000;
  const authenticate = auth.authenticateRequest.bind(auth);
  auth.authenticateRequest = async (activity, authHeader) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        authenticate(activity, authHeader),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new AuthenticationError(`Unauthorized: token not checked within ${authTimeoutMs} ms`, StatusCodes.UNAUTHORIZED)),
            authTimeoutMs,
          );
        }),
      ]);
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      throw new AuthenticationError(`Unauthorized: ${firstLine(err)}`, StatusCodes.UNAUTHORIZED);
    } finally {
      clearTimeout(timer);
    }
  };

  const gate = appId ? new TokenGate({ ...defaultGateSettings(appId), channelMetadataUrl, emulatorMetadataUrl, keyStore: settings.keyStore }) : null;
  gate?.warmUp();
  return new TeamsAdapter(auth, gate, policy);
}

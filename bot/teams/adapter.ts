/** botbuilder's CloudAdapter with botbuilder's own environment variable names (CONTRACT §2). */
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
import { defaultGateSettings, TokenGate, type ActivityLike, type KeyStoreOptions } from './auth';

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

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 200);
}

/** CloudAdapter plus `refusal`: the check the HTTP route makes before handing an activity over. */
export class TeamsAdapter extends CloudAdapter {
  constructor(
    private readonly auth: ConfigurationBotFrameworkAuthentication,
    private readonly gate: TokenGate | null,
  ) {
    super(auth);
  }

  /** True when activities must carry a Bot Framework JWT (MicrosoftAppId set). */
  get authenticates(): boolean {
    return this.gate !== null;
  }

  /**
   * Null when the activity may be processed, else why it is refused (one line): the token gate,
   * then botbuilder's own check. So every refusal is answered here, quietly, and botbuilder's
   * CloudAdapter (which prints a stack for each refusal) only sees activities it accepts.
   */
  async refusal(body: unknown, authorization: string | undefined): Promise<string | null> {
    if (!this.gate) return null;
    const activity = body && typeof body === 'object' ? (body as ActivityLike) : {};
    const reason = await this.gate.screen(activity, authorization);
    if (reason) return reason;
    // A body that is not an activity is botbuilder's to answer (400).
    if (!body || typeof body !== 'object') return null;
    try {
      await this.auth.authenticateRequest(body as Activity, authorization ?? '');
      return null;
    } catch (err) {
      return `refused by botbuilder: ${firstLine(err)}`;
    }
  }
}

export function createAdapter(settings: BotFrameworkSettings): TeamsAdapter {
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
  // that takes too long) is a refusal, not a server error: CONTRACT §2 says 401 for every
  // activity without a valid JWT.
  const authTimeoutMs = settings.authTimeoutMs ?? 5000;
  const authenticate = auth.authenticateRequest.bind(auth);
  auth.authenticateRequest = async (activity, authHeader) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        authenticate(activity, authHeader),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new AuthenticationError(`Unauthorized: token not checked within ${authTimeoutMs} ms`, StatusCodes.UNAUTHORIZED)), authTimeoutMs);
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
  return new TeamsAdapter(auth, gate);
}

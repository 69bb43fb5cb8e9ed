/** botbuilder's CloudAdapter with botbuilder's own environment variable names (CONTRACT §2). */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, StatusCodes, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
// botbuilder's own dependency: CloudAdapter answers 401 only for this very class.
import { AuthenticationError } from 'botframework-connector';

export interface BotFrameworkSettings {
  MicrosoftAppId?: string;
  MicrosoftAppPassword?: string;
  MicrosoftAppType?: string;
  MicrosoftAppTenantId?: string;
}

export function createAdapter(settings: BotFrameworkSettings): CloudAdapter {
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: settings.MicrosoftAppId ?? '',
    MicrosoftAppPassword: settings.MicrosoftAppPassword ?? '',
    MicrosoftAppType: settings.MicrosoftAppType ?? (settings.MicrosoftAppId ? 'MultiTenant' : ''),
    MicrosoftAppTenantId: settings.MicrosoftAppTenantId ?? '',
  } as ConfigurationBotFrameworkAuthenticationOptions);
  // A token that cannot be validated (unknown key, alg "none", signing keys unreachable) is a
  // refusal, not a server error: CONTRACT §2 says 401 for every activity without a valid JWT.
  const authenticate = auth.authenticateRequest.bind(auth);
  auth.authenticateRequest = async (activity, authHeader) => {
    try {
      return await authenticate(activity, authHeader);
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      throw new AuthenticationError(`Unauthorized: ${String((err as Error).message ?? err).split('\n')[0]}`, StatusCodes.UNAUTHORIZED);
    }
  };
  return new CloudAdapter(auth);
}

/** botbuilder's CloudAdapter with botbuilder's own environment variable names (CONTRACT §2). */
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';

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
  return new CloudAdapter(auth);
}

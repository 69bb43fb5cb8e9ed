/** The Microsoft Graph Mail instance of a CONFIG_FILE pointing at the emulator (its secret from GRAPH_SECRET). */
import { DEMO_CLIENT_ID, DEMO_TENANT } from '../../emulator';

export function graphMailInstance(emulatorUrl: string, mailbox: string): Record<string, unknown> {
  return {
    'azure-ad-endpoint': emulatorUrl,
    'microsoft-graph-endpoint': emulatorUrl,
    'client-id': DEMO_CLIENT_ID,
    'secret-id': '${env:GRAPH_SECRET}',
    tenant: DEMO_TENANT,
    'default-mailbox': mailbox,
    'verify-ssl': true,
  };
}

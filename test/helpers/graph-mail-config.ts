/** The Microsoft Graph Mail instance of a CONFIG_FILE pointing at the emulator (its secret from GRAPH_SECRET). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
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

/**
 * Writes `dir`/chatsoar.yaml: environment prod with that instance, bound to `channels`, with
 * `roles` (role → users). Returns its path (CONFIG_FILE).
 */
export function writeGraphMailConfig(dir: string, emulatorUrl: string, mailbox: string, channels: string[], roles: Record<string, string[]>): string {
  const file = join(dir, 'chatsoar.yaml');
  writeFileSync(
    file,
    stringify({ environments: { prod: { integrations: { 'microsoft-graph-mail': graphMailInstance(emulatorUrl, mailbox) }, channels, roles } } }),
  );
  return file;
}

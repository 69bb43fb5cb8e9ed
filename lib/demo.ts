/**
 * The embedded demo (CONTRACT §1): a `demo` environment whose three integrations point at the
 * built-in Microsoft 365 emulator, bound to the local web chat room `web:demo`.
 */
import type { EnvironmentStore } from '../store/environments';

export const DEMO_ENV = 'demo';
export const DEMO_CHANNEL = 'web:demo';
export const DEMO_USER = 'web:you';

export interface DemoCredentials {
  tenant: string;
  clientId: string;
  clientSecret: string;
  mailbox: string;
}

/** Points every integration of the demo environment at `emulatorUrl` (its port changes per start). */
export async function setupDemo(store: EnvironmentStore, emulatorUrl: string, creds: DemoCredentials): Promise<void> {
  await store.create(DEMO_ENV);
  await store.setMeta(DEMO_ENV, { ...(await store.getMeta(DEMO_ENV)), demo: true, adminChannel: DEMO_CHANNEL });
  await store.setInstance(DEMO_ENV, 'microsoft-graph-mail', {
    'azure-ad-endpoint': emulatorUrl,
    'microsoft-graph-endpoint': emulatorUrl,
    'client-id': creds.clientId,
    'secret-id': creds.clientSecret,
    tenant: creds.tenant,
    'default-mailbox': creds.mailbox,
    'verify-ssl': true,
  });
  await store.setInstance(DEMO_ENV, 'azure-api', {
    'microsoft-login-api-root': emulatorUrl,
    'microsoft-graph-api-root': emulatorUrl,
    'client-id': creds.clientId,
    'client-secret': creds.clientSecret,
    'tenant-id': creds.tenant,
    'test-url': `${emulatorUrl}/v1.0/organization`,
    scopes: [`${emulatorUrl}/.default`],
    'verify-ssl': true,
  });
  await store.setInstance(DEMO_ENV, 'o365-management-api', {
    'api-root': emulatorUrl,
    'azure-active-directory-id': creds.tenant,
    'client-id': creds.clientId,
    'client-secret': creds.clientSecret,
    'oauth2-login-endpoint-url': emulatorUrl,
    'verify-ssl': true,
  });
  await store.bind(DEMO_CHANNEL, DEMO_ENV);
  await store.grant(DEMO_ENV, 'admin', [DEMO_USER]);
}

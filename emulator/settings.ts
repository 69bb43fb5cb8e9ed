/** The emulator's knobs (`emu.state.settings`, `/_emulator/settings`). */
import type { ContentType } from './activity-feed';

export interface Settings {
  /** Access token lifetime (`expires_in`). */
  tokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  authCodeLifetimeSeconds: number;
  /** Graph's default page size for collections. */
  graphPageSize: number;
  /** Largest `$top` Graph honours (bigger values are capped). */
  graphMaxPageSize: number;
  /** Largest `$batch`. */
  batchLimit: number;
  /**
   * Concurrent Graph requests allowed per app and mailbox before 429 ApplicationThrottled
   * (Outlook allows about 4); 0 turns the check off (default). Only bites with latency injected.
   */
  mailboxConcurrencyLimit: number;
  /** Content blobs per page of `subscriptions/content` before a `NextPageUri` is sent. */
  contentPageSize: number;
  /** Generate Management Activity API content as time passes (on when seeded). */
  generateAuditContent: boolean;
  /** Minutes between generated content blobs, per content type. */
  contentIntervalMinutes: Record<ContentType, number>;
  /** Minutes between new mails arriving in the demo mailboxes as time passes (0: none). */
  mailArrivalMinutes: number;
  /** Lifetime of an attachment upload session (its `expirationDateTime`); an expired one answers 404. */
  uploadSessionLifetimeSeconds: number;
}

export function defaultSettings(): Settings {
  return {
    tokenLifetimeSeconds: 3600,
    refreshTokenLifetimeSeconds: 90 * 24 * 3600,
    authCodeLifetimeSeconds: 600,
    graphPageSize: 10,
    graphMaxPageSize: 1000,
    batchLimit: 20,
    mailboxConcurrencyLimit: 0,
    contentPageSize: 100,
    generateAuditContent: false,
    contentIntervalMinutes: { 'Audit.General': 30, 'DLP.All': 60, 'Audit.Exchange': 30, 'Audit.SharePoint': 60, 'Audit.AzureActiveDirectory': 60 },
    mailArrivalMinutes: 0,
    uploadSessionLifetimeSeconds: 900,
  };
}

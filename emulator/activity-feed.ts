/** What the Management Activity API serves: subscriptions per tenant and content type, and content blobs of audit events. */

export const CONTENT_TYPES = ['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General', 'DLP.All'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export function isContentType(v: string): v is ContentType {
  return (CONTENT_TYPES as readonly string[]).includes(v);
}

export interface Subscription {
  tenantId: string;
  contentType: ContentType;
  status: 'enabled' | 'disabled';
  webhook: { address: string; authId: string | null; expiration: string | null; status: string } | null;
  createdAt: string;
}

export interface ContentBlob {
  tenantId: string;
  contentType: ContentType;
  contentId: string;
  contentCreated: string;
  contentExpiration: string;
  events: Record<string, unknown>[];
}

/** A blob of the given events created at `at`; `sequence` keeps ids of blobs made in the same millisecond apart. */
export function newContentBlob(tenantId: string, contentType: ContentType, events: Record<string, unknown>[], at: Date, sequence: number): ContentBlob {
  const stamp = at
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 17);
  const contentId = `${stamp}${String(sequence).padStart(6, '0')}$${stamp}$${contentType.toLowerCase().replace('.', '_')}$${contentType.replace('.', '_')}$emu01`;
  return {
    tenantId,
    contentType,
    contentId,
    contentCreated: at.toISOString(),
    contentExpiration: new Date(at.getTime() + 7 * 24 * 3600 * 1000).toISOString(),
    events,
  };
}

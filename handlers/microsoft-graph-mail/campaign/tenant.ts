/**
 * The tenant's mailboxes for `campaign find --mailboxes all` (contract.md §8): Graph `/users`,
 * paged (https://learn.microsoft.com/graph/api/user-list, `$top` at most 999), each user's mail
 * address; users without one are counted, not searched. Only addresses are kept.
 */
import type { GraphClient } from '../client';

export interface TenantMailboxes {
  mailboxes: string[];
  /** Users without a mail address. */
  withoutMail: number;
}

export const USERS_PAGE = 999;

/**
 * Lists them; `onPage` gets each page's new addresses as it arrives, so a search can start before
 * the last page; `onRequest` is called before each page is asked for.
 */
export async function tenantMailboxes(graph: GraphClient, onPage?: (added: string[]) => void, onRequest?: () => void): Promise<TenantMailboxes> {
  const seen = new Set<string>();
  const mailboxes: string[] = [];
  let withoutMail = 0;
  let next: string | undefined = `v1.0/users?$select=id,mail,userPrincipalName&$top=${USERS_PAGE}`;
  while (next) {
    onRequest?.();
    const page: { value?: Array<{ mail?: string | null }>; '@odata.nextLink'?: string } = await graph.call('GET', next);
    const from = mailboxes.length;
    for (const u of page?.value ?? []) {
      const mail = typeof u?.mail === 'string' ? u.mail.trim() : '';
      if (!mail) {
        withoutMail++;
        continue;
      }
      const key = mail.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      mailboxes.push(mail);
    }
    onPage?.(mailboxes.slice(from));
    next = page?.['@odata.nextLink'];
  }
  return { mailboxes, withoutMail };
}

/**
 * One cycle of the Microsoft Graph Mail Connector: per folder, the mails received since its
 * checkpoint (never more than Offset Time In Hours back), oldest first, until Max Emails Per
 * Cycle new mails; unread only if asked; each mail (or each attached mail file) one alert.
 * Mark Emails as Read happens after the alerts are safely queued.
 */
import { listParam } from '../../../kit/alert-fields';
import { httpForProxy } from '../../../kit/proxy';
import { actionContextOf, type Alert, type ConnectorContext, type ScheduleRunSummary } from '../../../kit/schedule';
import { safeFileName } from '../../../../lib/files';
import { GraphClient } from '../../client';
import { resolveFolder } from '../../folders';
import { attachedMails, type GraphAttachment } from './attached-mails';
import { mailAlert } from './mail-alert';
import { bodyText, compileExtractors, mailEvent, type GraphMessage } from './mail-event';
import { compileExclude, excluded, senderAllowed } from './mail-filters';

interface MailCheckpoint {
  /** Folder path (lowercase) → receivedDateTime of the last mail read there. */
  folders: Record<string, string>;
}

const PAGE = 50;
/**
 * Each cycle looks this far behind its checkpoint: a mail can show up in a folder a little after
 * its receivedDateTime (delivery, rules). What was posted already is skipped by its id.
 */
const OVERLAP_MS = 10 * 60_000;
const SELECT = ['id', 'internetMessageId', 'subject', 'from', 'sender', 'toRecipients', 'ccRecipients', 'receivedDateTime', 'isRead', 'hasAttachments', 'body'];

function later(a: string, b: string | undefined): string {
  return b && Date.parse(b) > Date.parse(a) ? b : a;
}

export async function runMailCycle(ctx: ConnectorContext, params: Record<string, unknown>): Promise<ScheduleRunSummary> {
  const http = httpForProxy(ctx.http, params);
  const graph = new GraphClient(actionContextOf({ ...ctx, http }));
  const mailbox = String(params['mail-address'] ?? '').trim();
  if (!mailbox) throw new Error("Mail Address is not set (nor the instance's Default Mailbox).");
  const max = Math.max(1, Number(params['max-emails-per-cycle']) || 10);
  const offsetHours = Math.max(0, Number(params['offset-time-in-hours']) || 0);
  const unreadOnly = params['unread-emails-only'] === true;
  const markRead = params['mark-emails-as-read'] === true;
  const attachEml = params['attach-original-eml'] === true;
  const perFile = params['create-a-separate-siemplify-alert-per-attached-mail-file'] === true;
  const origPrefix = String(params['original-received-mail-prefix'] ?? '');
  const attachPrefix = String(params['attached-mail-file-prefix'] ?? '');
  const headersParam = listParam(params['headers-to-add-to-events']);
  const extractors = compileExtractors(ctx.rules.dynamicList, headersParam);
  const exclude = compileExclude(params['email-exclude-pattern']);
  const select = [...SELECT, ...(headersParam.length ? ['internetMessageHeaders'] : [])].join(',');
  const base = `v1.0/users/${encodeURIComponent(mailbox)}`;

  const checkpoint = (await ctx.checkpoint.get<MailCheckpoint>()) ?? { folders: {} };
  const next: MailCheckpoint = { folders: { ...checkpoint.folders } };
  const floor = new Date(Date.now() - offsetHours * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const summary = { fetched: 0, filtered: 0, complete: true };
  const toMark: string[] = [];
  let taken = 0;

  folders: for (const folderPath of listParam(params['folder-to-check-for-emails'])) {
    const folder = await resolveFolder(graph, mailbox, folderPath);
    const key = folder.path.toLowerCase();
    const last = checkpoint.folders[key];
    const since = later(floor, last ? new Date(Date.parse(last) - OVERLAP_MS).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined);
    const filter = `receivedDateTime ge ${since}${unreadOnly ? ' and isRead eq false' : ''}`;
    let link: string | undefined =
      `${base}/mailFolders/${encodeURIComponent(folder.id)}/messages?$filter=${encodeURIComponent(filter)}&$orderby=receivedDateTime asc&$top=${PAGE}&$select=${select}`;
    while (link) {
      if (ctx.signal.aborted) {
        summary.complete = false;
        break folders;
      }
      const page: { value?: GraphMessage[]; '@odata.nextLink'?: string } = await graph.call('GET', link, undefined, {
        Prefer: 'outlook.body-content-type="text"',
      });
      for (const m of page.value ?? []) {
        if (taken >= max) {
          summary.complete = false;
          break folders;
        }
        summary.fetched++;
        const sender = m.from?.emailAddress?.address ?? m.sender?.emailAddress?.address ?? '';
        const received = m.receivedDateTime ?? since;
        if (excluded(exclude, m.subject ?? '', bodyText(m)) || !senderAllowed(ctx.rules, sender)) {
          summary.filtered++;
          next.folders[key] = later(next.folders[key] ?? since, received);
          continue;
        }
        const id = `${mailbox.toLowerCase()}|${m.internetMessageId || m.id}`;
        const messagePath = `${base}/messages/${encodeURIComponent(m.id)}`;
        // Already posted by an earlier cycle: only finish Mark as Read (a crash may have come first).
        const [seen] = await ctx.dedup.has([id], 'mail');
        if (!seen) {
          const alerts = await alertsFor(ctx, graph, params, {
            m,
            id,
            messagePath,
            mailbox,
            folder: folder.path,
            origPrefix,
            attachPrefix,
            extractors,
            perFile,
            attachEml,
          });
          const r = await ctx.post(alerts);
          if (r.accepted > 0) taken++;
          ctx.dedup.add([id], 'mail');
        }
        if (markRead && !m.isRead) toMark.push(messagePath);
        next.folders[key] = later(next.folders[key] ?? since, received);
      }
      link = page['@odata.nextLink'];
    }
  }
  ctx.checkpoint.set(next);
  if (toMark.length) {
    ctx.afterCommit(async () => {
      await Promise.all(
        toMark.map((path) => graph.call('PATCH', path, { isRead: true }).catch((err: unknown) => ctx.log.warn({ err }, 'could not mark a mail as read'))),
      );
    });
  }
  return summary;
}

interface MailInput {
  m: GraphMessage;
  id: string;
  messagePath: string;
  mailbox: string;
  folder: string;
  origPrefix: string;
  attachPrefix: string;
  extractors: ReturnType<typeof compileExtractors>;
  perFile: boolean;
  attachEml: boolean;
}

async function alertsFor(ctx: ConnectorContext, graph: GraphClient, params: Record<string, unknown>, i: MailInput): Promise<Alert[]> {
  const attachments = i.m.hasAttachments ? await graph.list<GraphAttachment>(`${i.messagePath}/attachments`) : [];
  const attached = await attachedMails(graph, i.messagePath, attachments, (name, err) =>
    ctx.log.warn({ attachment: name, err }, 'attached mail file not readable'),
  );
  let eml: { name: string; data: string } | undefined;
  if (i.attachEml) {
    const res = await graph.request('GET', `${i.messagePath}/$value`);
    if (res.status >= 200 && res.status < 300) eml = { name: `${safeFileName(i.m.subject || 'mail', 95)}.eml`, data: String(res.body ?? '') };
  }
  const common = { mailbox: i.mailbox, folder: i.folder, origPrefix: i.origPrefix, attachPrefix: i.attachPrefix, extractors: i.extractors };
  const one = (attachedNow: typeof attached, id: string, perFile: boolean): Alert =>
    mailAlert({
      id,
      event: mailEvent({ ...common, message: i.m, attached: attachedNow, perFile }),
      params,
      mailbox: i.mailbox,
      folder: i.folder,
      mailId: i.m.id,
      origPrefix: i.origPrefix,
      attachPrefix: i.attachPrefix,
      perFile,
      eml,
    });
  if (i.perFile && attached.length) return attached.map((a, n) => one([a], `${i.id}|attached:${n + 1}`, true));
  return [one(attached, i.id, false)];
}

/**
 * A received mail as a connector event (seed: Microsoft Graph Mail Connector): flat string keys
 * so that Case / Alert Name Templates can use them. Keys of the mail itself carry the Original
 * Received Mail Prefix (`orig_subject`, `orig_from`, …), keys of an attached mail file the Attached
 * Mail File Prefix (`attach_subject`, …). The dynamic list (regexes, behaviour.md 19) extracts
 * values from subject and body; without one, URLs. Headers to add to events: exact names or a
 * regex, as `<prefix>_header_<Name>`.
 */
import type RE2 from 're2';
import { allMatches, compileUserRegex } from '../../../kit/user-regex';
import type { AttachedMail } from './attached-mails';

export const PRODUCT = 'Microsoft Graph Mail';
const URL_PATTERN = 'https?://[^\\s<>"\'()\\[\\]]+';
/** Bodies in events are cut here (the EML, when attached, has all of it). */
const BODY_CHARS = 20_000;

export interface GraphMessage {
  id: string;
  internetMessageId?: string;
  subject?: string | null;
  from?: { emailAddress?: { address?: string; name?: string } } | null;
  sender?: { emailAddress?: { address?: string; name?: string } } | null;
  toRecipients?: Array<{ emailAddress?: { address?: string } }>;
  ccRecipients?: Array<{ emailAddress?: { address?: string } }>;
  receivedDateTime?: string;
  isRead?: boolean;
  hasAttachments?: boolean;
  body?: { contentType?: string; content?: string };
  internetMessageHeaders?: Array<{ name: string; value: string }>;
}

export interface Extractors {
  /** name → regex; the default is `urls` → URLs. */
  patterns: Array<{ key: string; re: RE2 }>;
  headers: Array<{ exact?: string; re?: RE2 }>;
}

const REGEX_CHARS = /[\\^$.|?*+()[\]{}]/;

export function compileExtractors(dynamicList: string[], headersParam: string[]): Extractors {
  const patterns = dynamicList.length
    ? dynamicList.map((source, i) => ({
        key: dynamicList.length === 1 ? 'matches' : `matches_${i + 1}`,
        re: compileUserRegex(source, 'Dynamic list entry', 'g'),
      }))
    : [{ key: 'urls', re: compileUserRegex(URL_PATTERN, 'URL pattern', 'g') }];
  const headers = headersParam.map((h) =>
    REGEX_CHARS.test(h) ? { re: compileUserRegex(`^(?:${h})$`, 'Headers to add to events', 'i') } : { exact: h.toLowerCase() },
  );
  return { patterns, headers };
}

function extract(x: Extractors, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, re } of x.patterns) {
    const found = [...new Set(allMatches(re, text))].filter(Boolean);
    if (found.length) out[key] = found.join(', ');
  }
  return out;
}

function prefixed(prefix: string, values: Record<string, string>): Record<string, string> {
  const p = prefix ? `${prefix}_` : '';
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => [`${p}${k}`, v]),
  );
}

function address(r: { emailAddress?: { address?: string } } | null | undefined): string {
  return r?.emailAddress?.address ?? '';
}

export function bodyText(m: GraphMessage): string {
  const raw = m.body?.content ?? '';
  if ((m.body?.contentType ?? '').toLowerCase() !== 'html') return raw;
  return raw
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

export interface MailEventInput {
  message: GraphMessage;
  mailbox: string;
  folder: string;
  origPrefix: string;
  attachPrefix: string;
  extractors: Extractors;
  /** The attached mail this event is about (one alert per file), or all of them. */
  attached: AttachedMail[];
  /** The alert is about one attached mail file. */
  perFile: boolean;
}

export function mailEvent(i: MailEventInput): Record<string, unknown> {
  const m = i.message;
  const body = bodyText(m);
  const headers: Record<string, string> = {};
  for (const h of m.internetMessageHeaders ?? []) {
    if (i.extractors.headers.some((x) => (x.re ? x.re.test(h.name) : x.exact === h.name.toLowerCase()))) headers[`header_${h.name}`] = h.value;
  }
  const orig = prefixed(i.origPrefix, {
    subject: m.subject ?? '',
    from: address(m.from ?? m.sender),
    sender_name: m.from?.emailAddress?.name ?? '',
    to: (m.toRecipients ?? []).map(address).filter(Boolean).join(', '),
    cc: (m.ccRecipients ?? []).map(address).filter(Boolean).join(', '),
    date: m.receivedDateTime ?? '',
    message_id: m.internetMessageId ?? '',
    body: body.slice(0, BODY_CHARS),
    ...extract(i.extractors, `${m.subject ?? ''}\n${body}`),
    ...headers,
  });
  const first = i.attached[0];
  const attach = first
    ? prefixed(i.attachPrefix, {
        subject: first.subject,
        from: first.from,
        to: first.to,
        cc: first.cc,
        date: first.date,
        message_id: first.messageId,
        file_name: first.fileName,
        body: first.body.slice(0, BODY_CHARS),
        ...extract(i.extractors, `${first.subject}\n${first.body}`),
      })
    : {};
  return {
    device_vendor: 'Microsoft',
    device_product: PRODUCT,
    event_name: i.perFile ? 'Attached Mail File' : 'Email Received',
    event_mailbox: i.mailbox,
    event_folder: i.folder,
    email_id: m.id,
    ...orig,
    ...attach,
    ...(!i.perFile && i.attached.length > 1 ? { attached_mails: i.attached.map((a) => ({ ...a, body: a.body.slice(0, 2000) })) } : {}),
  };
}

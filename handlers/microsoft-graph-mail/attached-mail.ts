/**
 * Reads an attached email file into the seed's JSON shape (Extract Data From Attached EML):
 * EML with mailparser, ICS (a calendar invitation) with a small RFC 5545 reader. MSG (Outlook's
 * binary compound file) needs @kenjiuno/msgreader, which is not installed: such files are reported
 * as not readable. An Outlook item attachment arrives as MIME (Graph renders it), so it is read as EML.
 */
import MsgReader from '@kenjiuno/msgreader';
import { UserError } from '../kit/errors';
import { simpleParser, type AddressObject } from 'mailparser';
import { applyRegexMap, type RegexMap } from './regex-map';

export type AttachedMailType = 'EML' | 'MSG' | 'ICS';

export interface AttachedMailData {
  type: AttachedMailType;
  subject: string;
  from: string;
  to: string;
  date: string;
  text: string;
  html: string;
  regex: Record<string, string[]>;
  regex_from_text_part: Record<string, string[]>;
  /** The Graph id of the mail the file is attached to. */
  id: string;
  /** The attachment's name. */
  name: string;
}

export function attachedMailType(a: { name: string; contentType: string; kind?: string }): AttachedMailType | null {
  if (a.kind === 'item' || /^message\/rfc822\b/i.test(a.contentType) || /\.eml$/i.test(a.name)) return 'EML';
  if (/^text\/calendar\b/i.test(a.contentType) || /\.ics$/i.test(a.name)) return 'ICS';
  if (/^application\/vnd\.ms-outlook\b/i.test(a.contentType) || /\.msg$/i.test(a.name)) return 'MSG';
  return null;
}

function addresses(v: AddressObject | AddressObject[] | undefined): string {
  const list = Array.isArray(v) ? v : v ? [v] : [];
  const flat = list.flatMap((o) => o.value).flatMap((a) => (a.group ? a.group : [a]));
  return flat
    .map((a) => a.address ?? '')
    .filter(Boolean)
    .join(',');
}

export async function readEml(data: Buffer, base: { id: string; name: string }, map: RegexMap): Promise<AttachedMailData> {
  const mail = await simpleParser(data, { skipImageLinks: true });
  const rawDate = mail.headerLines.find((h) => h.key === 'date')?.line.replace(/^date:\s*/i, '') ?? '';
  const text = mail.text ?? '';
  return {
    type: 'EML',
    subject: mail.subject ?? '',
    from: addresses(mail.from),
    to: addresses(mail.to),
    date: rawDate || (mail.date ? mail.date.toUTCString() : ''),
    text,
    html: typeof mail.html === 'string' ? mail.html : '',
    regex: applyRegexMap(map, readable(mail, text)),
    regex_from_text_part: applyRegexMap(map, text),
    ...base,
  };
}

/**
 * The file as a reader sees it: header lines, then the text and HTML parts decoded (a raw EML
 * often carries its body in base64, where no pattern would match).
 */
function readable(mail: Awaited<ReturnType<typeof simpleParser>>, text: string): string {
  const headers = mail.headerLines.map((h) => h.line).join('\n');
  return [headers, text, typeof mail.html === 'string' ? mail.html : ''].join('\n');
}

/** An Outlook .msg file (compound file), read with @kenjiuno/msgreader. */
export function readMsg(data: Buffer, base: { id: string; name: string }, map: RegexMap): AttachedMailData {
  const fields = new MsgReader(new DataView(data.buffer, data.byteOffset, data.byteLength)).getFileData();
  if (fields.error) throw new UserError(`${base.name} is not a readable MSG file: ${fields.error}`);
  const text = fields.body ?? '';
  const html = fields.bodyHtml ?? '';
  const to = (fields.recipients ?? [])
    .map((r) => r.smtpAddress ?? r.email ?? '')
    .filter(Boolean)
    .join(',');
  return {
    type: 'MSG',
    subject: fields.subject ?? '',
    from: fields.senderSmtpAddress ?? fields.senderEmail ?? '',
    to,
    date: fields.messageDeliveryTime ?? fields.clientSubmitTime ?? '',
    text,
    html,
    regex: applyRegexMap(map, [fields.headers ?? '', text, html].join('\n')),
    regex_from_text_part: applyRegexMap(map, text),
    ...base,
  };
}

/** RFC 5545 content lines: unfolded, then `NAME;PARAMS:VALUE`. */
function icsLines(text: string): Array<{ name: string; params: string; value: string }> {
  const unfolded = text.replace(/\r?\n[ \t]/g, '');
  return unfolded.split(/\r?\n/).flatMap((line) => {
    const m = /^([A-Za-z0-9-]+)((?:;[^:]*)?):(.*)$/.exec(line);
    return m ? [{ name: (m[1] as string).toUpperCase(), params: m[2] ?? '', value: m[3] ?? '' }] : [];
  });
}

function icsText(value: string): string {
  return value.replace(/\\n/gi, '\n').replace(/\\([,;\\])/g, '$1');
}

function mailto(value: string): string {
  return value.replace(/^mailto:/i, '');
}

/** The first VEVENT of an invitation: SUMMARY, ORGANIZER, ATTENDEEs, DTSTART, DESCRIPTION, X-ALT-DESC. */
export function readIcs(data: Buffer, base: { id: string; name: string }, map: RegexMap): AttachedMailData {
  const raw = data.toString('utf8');
  const lines = icsLines(raw);
  const readable = lines.map((l) => `${l.name}${l.params}:${icsText(l.value)}`).join('\n');
  const start = lines.findIndex((l) => l.name === 'BEGIN' && l.value.toUpperCase() === 'VEVENT');
  const end = lines.findIndex((l, i) => i > start && l.name === 'END' && l.value.toUpperCase() === 'VEVENT');
  const event = start >= 0 ? lines.slice(start + 1, end > start ? end : undefined) : lines;
  const first = (name: string) => event.find((l) => l.name === name);
  const text = icsText(first('DESCRIPTION')?.value ?? '');
  const altDesc = event.find((l) => l.name === 'X-ALT-DESC' && /FMTTYPE=text\/html/i.test(l.params));
  return {
    type: 'ICS',
    subject: icsText(first('SUMMARY')?.value ?? ''),
    from: mailto(first('ORGANIZER')?.value ?? ''),
    to: event
      .filter((l) => l.name === 'ATTENDEE')
      .map((l) => mailto(l.value))
      .join(','),
    date: first('DTSTART')?.value ?? first('DTSTAMP')?.value ?? '',
    text,
    html: altDesc ? icsText(altDesc.value) : '',
    regex: applyRegexMap(map, readable),
    regex_from_text_part: applyRegexMap(map, text),
    ...base,
  };
}

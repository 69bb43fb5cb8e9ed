/** `/users/{u}/mailboxSettings[/{setting}]`: get, and PATCH of automatic replies, time zone and language. */
import { badRequest, byMethod, contextUrl, readJson, segmentNotFound, type GraphCall, type Obj } from './graph-call';
import { isObject, json, type EmuResponse } from './http';
import { folderByIdOrWellKnown, type DateTimeTimeZone, type Mailbox } from './mailbox';

function mailboxSettingsJson(mb: Mailbox): Obj {
  const s = mb.settings;
  const archive = folderByIdOrWellKnown(mb, 'archive');
  return {
    archiveFolder: archive?.id ?? null,
    timeZone: s.timeZone,
    automaticRepliesSetting: s.automaticRepliesSetting,
    language: s.language,
    workingHours: {
      daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      startTime: '08:00:00.0000000',
      endTime: '17:00:00.0000000',
      timeZone: { name: s.timeZone },
    },
    dateFormat: s.dateFormat,
    timeFormat: s.timeFormat,
    userPurpose: s.userPurpose,
    delegateMeetingMessageDeliveryOptions: 'sendToDelegateOnly',
  };
}

function settingsEntity(g: GraphCall, mb: Mailbox): EmuResponse {
  return json(200, { '@odata.context': contextUrl(g, mb, 'mailboxSettings'), ...mailboxSettingsJson(mb) });
}

function dateTimeTimeZone(v: Obj): DateTimeTimeZone {
  return { dateTime: String(v.dateTime ?? ''), timeZone: String(v.timeZone ?? 'UTC') };
}

function updateSettings(g: GraphCall, mb: Mailbox): EmuResponse {
  const body = readJson(g.req);
  const s = mb.settings;
  if (isObject(body.automaticRepliesSetting)) {
    const a = body.automaticRepliesSetting;
    const cur = s.automaticRepliesSetting;
    if (a.status !== undefined && !['disabled', 'alwaysEnabled', 'scheduled'].includes(String(a.status)))
      return badRequest(`The value '${String(a.status)}' is not valid for 'status'.`);
    s.automaticRepliesSetting = {
      ...cur,
      ...(a.status !== undefined ? { status: a.status as typeof cur.status } : {}),
      ...(typeof a.externalAudience === 'string' ? { externalAudience: a.externalAudience as typeof cur.externalAudience } : {}),
      ...(typeof a.internalReplyMessage === 'string' ? { internalReplyMessage: a.internalReplyMessage } : {}),
      ...(typeof a.externalReplyMessage === 'string' ? { externalReplyMessage: a.externalReplyMessage } : {}),
      ...(isObject(a.scheduledStartDateTime) ? { scheduledStartDateTime: dateTimeTimeZone(a.scheduledStartDateTime) } : {}),
      ...(isObject(a.scheduledEndDateTime) ? { scheduledEndDateTime: dateTimeTimeZone(a.scheduledEndDateTime) } : {}),
    };
  }
  if (typeof body.timeZone === 'string') s.timeZone = body.timeZone;
  if (isObject(body.language) && typeof body.language.locale === 'string')
    s.language = { locale: body.language.locale, displayName: String(body.language.displayName ?? body.language.locale) };
  return settingsEntity(g, mb);
}

/** Routes `mailboxSettings/<tail>`. */
export function mailboxSettingsRoute(g: GraphCall, mb: Mailbox, tail: string[]): EmuResponse {
  if (tail.length === 0) return byMethod(g, { GET: () => settingsEntity(g, mb), PATCH: () => updateSettings(g, mb) });
  if (tail.length === 1 && g.req.method === 'GET') {
    const all = mailboxSettingsJson(mb);
    const key = Object.keys(all).find((k) => k.toLowerCase() === (tail[0] as string).toLowerCase());
    if (!key) return segmentNotFound(tail[0] as string);
    const v = all[key];
    const ctx = contextUrl(g, mb, `mailboxSettings/${key}`);
    return json(200, isObject(v) ? { '@odata.context': ctx, ...v } : { '@odata.context': ctx, value: v });
  }
  return segmentNotFound(tail[tail.length - 1] as string);
}

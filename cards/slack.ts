/**
 * ChatMessage → Slack Block Kit: a message (`toBlockKit`) and, for forms, a modal view
 * (`toSlackModal`; Slack `input` blocks only work in modals, behaviour.md 39).
 *
 * Every user string is escaped for the text object it lands in (cards/escape.ts): mrkdwn text
 * has `&<>` as entities, formatting delimiters and broadcast mentions neutralised, and
 * `verbatim: true` so Slack does not auto-link; code blocks cannot be closed from inside.
 * Limits: at most 50 blocks, section text ≤ 3000, field ≤ 2000, header ≤ 150, button text ≤ 75,
 * button value ≤ 2000 characters.
 */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  InputBlock,
  InputBlockElement,
  KnownBlock,
  ModalView,
  MrkdwnElement,
  PlainTextElement,
  PlainTextOption,
  SectionBlock,
} from '@slack/types';
import type { ResultTable } from '../handlers/kit/outcome';
import type { CardInput, ChatMessage } from './message';
import { cutAt, ELLIPSIS, escapeSlackCode, escapeSlackMrkdwn, escapeSlackPlain, sanitizeText, singleLine, slackLinkUrl } from './escape';
import { buttonPayload, isIdColumn, paragraphs, progressLine, shortId, slackButtonStyle, statusMeta } from './model';
import { slackActionId } from './slack-action-ids';

export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_SECTION_TEXT = 3000;
export const SLACK_MAX_FIELD_TEXT = 2000;
export const SLACK_MAX_FIELDS = 10;
export const SLACK_MAX_BUTTON_VALUE = 2000;
export const SLACK_MAX_HEADER_TEXT = 150;
export const SLACK_MAX_BUTTON_TEXT = 75;
export const SLACK_MAX_ACTIONS = 25;
/** The top-level `text` (notification and search text) is cut here. */
export const SLACK_MAX_TEXT = 10_000;
export const SLACK_MAX_MODAL_BLOCKS = 100;

const LINE_SECTIONS = 3;
const MAX_FACTS = 20;
const MAX_TABLES = 4;
const MAX_TABLE_COLUMNS = 10;
const MAX_CELL_WIDTH = 40;
const MAX_TABLE_WIDTH = 120;
const MAX_FILES = 20;
const MAX_MODAL_INPUTS = 90;
const MAX_SELECT_OPTIONS = 100;

export type SlackBlock = KnownBlock;
/** A modal view whose blocks are all ones this renderer knows. */
export type SlackModal = ModalView & { blocks: SlackBlock[] };

type Escape = (s: string) => string;

function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text: text || ' ', verbatim: true };
}

function plain(raw: unknown, max: number): PlainTextElement {
  const bounded = typeof raw === 'string' ? cutAt(raw, max * 2 + 64) : raw;
  return { type: 'plain_text', text: fitEscaped(singleLine(sanitizeText(bounded)).trim(), max, escapeSlackPlain) || ' ', emoji: true };
}

/**
 * `raw` sanitised, escaped with `esc` and cut so that the escaped text (marker included) is at
 * most `max` characters. The marker is `…` plus `suffix(omitted)`.
 */
export function fitEscaped(raw: unknown, max: number, esc: Escape, suffix: (omitted: number) => string = () => ''): string {
  const source = typeof raw === 'string' && raw.length > max * 2 + 64 ? cutAt(raw, max * 2 + 64) : raw;
  const s = sanitizeText(source);
  const total = typeof raw === 'string' ? s.length + (raw.length - (source as string).length) : s.length;
  if (total === s.length) {
    const whole = esc(s);
    if (whole.length <= max) return whole;
  }
  let keep = Math.min(s.length, max);
  for (let i = 0; i < 40 && keep > 0; i++) {
    const kept = cutAt(s, keep);
    const candidate = esc(kept + ELLIPSIS + suffix(total - kept.length));
    if (candidate.length <= max) return candidate;
    keep = Math.min(keep - 1, Math.floor((keep * max) / candidate.length) - 1);
  }
  const marker = esc(ELLIPSIS);
  return marker.length <= max ? marker : '';
}

/** Splits `s` (sanitised) into pieces whose escaped form is at most `max` characters each. */
function chunkEscaped(s: string, max: number, esc: Escape): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < s.length) {
    let keep = Math.min(max, s.length - pos);
    for (;;) {
      const piece = cutAt(s.slice(pos), keep) || s.slice(pos, pos + 2);
      const escaped = esc(piece);
      if (escaped.length <= max || keep <= 2) {
        out.push(escaped.length <= max ? escaped : cutAt(escaped, max));
        pos += piece.length;
        break;
      }
      keep = Math.min(keep - 1, Math.floor((keep * max) / escaped.length));
    }
  }
  return out;
}

function more(n: number, what: string): string {
  return `${ELLIPSIS} ${n} more ${what}`;
}

function section(text: string): SectionBlock {
  return { type: 'section', text: mrkdwn(text) };
}

function context(text: string): ContextBlock {
  return { type: 'context', elements: [mrkdwn(text)] };
}

function headerBlocks(msg: ChatMessage): SlackBlock[] {
  const meta = statusMeta(msg.status);
  const title = typeof msg.title === 'string' ? singleLine(sanitizeText(cutAt(msg.title, 400))).trim() : '';
  if (!title && !meta) return [];
  const line = meta ? `${meta.icon} ${title || meta.label}` : title;
  const header: HeaderBlock = { type: 'header', text: plain(line, SLACK_MAX_HEADER_TEXT) };
  const blocks: SlackBlock[] = [header];
  if (meta && title) blocks.push(context(`*${meta.label}*`));
  return blocks;
}

function lineBlocks(msg: ChatMessage): SlackBlock[] {
  const all = paragraphs(msg);
  const sections: string[] = [];
  let current = '';
  let shown = 0;
  let full = false;
  for (const p of all) {
    // A paragraph longer than the whole budget is cut first; the rest is split into pieces.
    const raw = sanitizeText(cutAt(p, SLACK_MAX_SECTION_TEXT * LINE_SECTIONS));
    const cut = p.length > SLACK_MAX_SECTION_TEXT * LINE_SECTIONS;
    const pieces = chunkEscaped(cut ? raw + ELLIPSIS : raw, SLACK_MAX_SECTION_TEXT, escapeSlackMrkdwn);
    for (const piece of pieces) {
      if (current && current.length + 1 + piece.length <= SLACK_MAX_SECTION_TEXT) {
        current += '\n' + piece;
        continue;
      }
      if (current) sections.push(current);
      current = piece;
      if (sections.length >= LINE_SECTIONS) {
        full = true;
        break;
      }
    }
    if (full) break;
    shown++;
  }
  if (!full && current) sections.push(current);
  const blocks: SlackBlock[] = sections.slice(0, LINE_SECTIONS).map(section);
  if (shown < all.length) blocks.push(context(escapeSlackMrkdwn(more(all.length - shown, 'lines'))));
  return blocks;
}

function factBlocks(msg: ChatMessage): SlackBlock[] {
  const list = Array.isArray(msg.facts) ? msg.facts.filter((f) => f && typeof f === 'object') : [];
  const fields = list.slice(0, MAX_FACTS).flatMap((f) => {
    const title = fitEscaped(singleLine(sanitizeText(cutAt(String(f.title ?? ''), 400))).trim(), 200, escapeSlackMrkdwn);
    const head = title ? `*${title}*\n` : '';
    const value = fitEscaped(f.value, SLACK_MAX_FIELD_TEXT - head.length, escapeSlackMrkdwn);
    return head || value.trim() ? [mrkdwn(head + (value || ' '))] : [];
  });
  const blocks: SlackBlock[] = [];
  for (let i = 0; i < fields.length; i += SLACK_MAX_FIELDS) {
    blocks.push({ type: 'section', fields: fields.slice(i, i + SLACK_MAX_FIELDS) });
  }
  if (list.length > MAX_FACTS) blocks.push(context(escapeSlackMrkdwn(more(list.length - MAX_FACTS, 'facts'))));
  return blocks;
}

function width(s: string): number {
  return Array.from(s).length;
}

function fitCell(s: string, w: number): string {
  const chars = Array.from(s);
  if (chars.length <= w) return s + ' '.repeat(w - chars.length);
  return chars.slice(0, Math.max(0, w - 1)).join('') + ELLIPSIS;
}

/** A table as aligned monospaced text in a code block, cut to one section. */
function tableBlock(t: ResultTable): SectionBlock {
  const rawColumns = Array.isArray(t?.columns) ? t.columns : [];
  const rawRows = (Array.isArray(t?.rows) ? t.rows : []).filter((r) => Array.isArray(r));
  const total = rawColumns.length || rawRows.reduce((m, r) => Math.max(m, r.length), 0);
  const ncol = Math.min(total, MAX_TABLE_COLUMNS);
  const title = fitEscaped(singleLine(sanitizeText(cutAt(String(t?.title || 'Table'), 400))).trim() || 'Table', 200, escapeSlackMrkdwn);
  if (ncol === 0) return section(`*${title}*\n(no columns)`);
  const clean = (v: unknown): string => singleLine(sanitizeText(typeof v === 'string' ? cutAt(v, 200) : cutAt(String(v ?? ''), 200)));
  const head = Array.from({ length: ncol }, (_, i) => clean(rawColumns[i] ?? `Column ${i + 1}`));
  // Column widths: the widest cell among the rows that can possibly be shown, capped so that a
  // line stays readable.
  // Identifier columns keep their first and last characters (the full ids are in the JSON file).
  const idColumn = head.map((h) => isIdColumn(h));
  const sample = rawRows.slice(0, 200).map((r) => Array.from({ length: ncol }, (_, i) => (idColumn[i] ? shortId(clean(r[i])) : clean(r[i]))));
  const perColumn = Math.max(4, Math.min(MAX_CELL_WIDTH, Math.floor(MAX_TABLE_WIDTH / ncol) - 2));
  const widths = head.map((h, i) => Math.min(perColumn, Math.max(width(h), ...sample.map((r) => width(r[i])))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => fitCell(c, widths[i]))
      .join('  ')
      .replace(/\s+$/, '');
  const header = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];

  const notes: string[] = [];
  if (total > ncol) notes.push(`${ELLIPSIS} ${total - ncol} more columns, see the attached file`);
  // The whole table's rows: `rows` may hold only its first ones (the rest in the attached file).
  const allRows = Math.max(rawRows.length, typeof t?.totalRows === 'number' ? t.totalRows : 0);
  const note = (hidden: number): string => {
    const parts = [...(hidden > 0 ? [`${ELLIPSIS} ${hidden} more rows, see the attached file`] : []), ...notes];
    if (!rawRows.length) parts.push('(no rows)');
    return parts.length ? '\n' + escapeSlackMrkdwn(parts.join(' · ')) : '';
  };
  const prefix = `*${title}*\n\`\`\`\n`;
  const suffix = '\n```';
  let body = header.map(escapeSlackCode).join('\n');
  let shown = 0;
  for (const row of sample) {
    const next = body + '\n' + escapeSlackCode(line(row));
    if ((prefix + next + suffix + note(allRows - shown - 1)).length > SLACK_MAX_SECTION_TEXT) break;
    body = next;
    shown++;
  }
  return section(prefix + body + suffix + note(allRows - shown));
}

function tableBlocks(msg: ChatMessage): SlackBlock[] {
  const list = Array.isArray(msg.tables) ? msg.tables.filter((t) => t && typeof t === 'object') : [];
  const blocks: SlackBlock[] = list.slice(0, MAX_TABLES).map(tableBlock);
  if (list.length > MAX_TABLES) blocks.push(context(escapeSlackMrkdwn(more(list.length - MAX_TABLES, 'tables, see the attached files'))));
  return blocks;
}

function jsonBlock(msg: ChatMessage): SlackBlock[] {
  const j = msg.json;
  if (!j || typeof j !== 'object') return [];
  const title = fitEscaped(singleLine(sanitizeText(cutAt(String(j.title || 'JSON'), 400))).trim() || 'JSON', 200, escapeSlackMrkdwn);
  const prefix = `*${title}*\n\`\`\`\n`;
  const suffix = '\n```';
  const content = typeof j.content === 'string' ? j.content : sanitizeText(j.content);
  const budget = SLACK_MAX_SECTION_TEXT - prefix.length - suffix.length;
  // The whole JSON's length: `content` may be only its start (the rest in the attached file).
  const total = Math.max(content.length, typeof j.totalChars === 'number' ? j.totalChars : 0);
  const whole = escapeSlackCode(cutAt(content, budget + 1));
  if (total <= budget && whole.length <= budget) return [section(prefix + (whole || ' ') + suffix)];
  const noteBudget = 120;
  const body = fitEscaped(content, budget - noteBudget, escapeSlackCode);
  const shownChars = body.length; // approximate: escaped characters shown
  const note = escapeSlackMrkdwn(`${ELLIPSIS} truncated (about ${Math.max(1, total - shownChars)} more characters); the full JSON is attached as a file`);
  return [section(prefix + body + suffix + '\n' + note)];
}

function fileBlocks(msg: ChatMessage): SlackBlock[] {
  const list = Array.isArray(msg.files) ? msg.files.filter((f) => f && typeof f === 'object') : [];
  if (!list.length) return [];
  const lines: string[] = [];
  let used = 0;
  let shown = 0;
  for (const f of list.slice(0, MAX_FILES)) {
    const name = fitEscaped(singleLine(sanitizeText(cutAt(String(f.name || 'file'), 400))).trim() || 'file', 150, escapeSlackMrkdwn).replace(/\|/g, '\u2223');
    const url = slackLinkUrl(f.url);
    const entry = url && url.length <= 2500 ? `📎 <${url}|${name}>` : `📎 ${name} (link unavailable)`;
    if (used + entry.length + 1 > SLACK_MAX_SECTION_TEXT - 100) break;
    lines.push(entry);
    used += entry.length + 1;
    shown++;
  }
  if (list.length > shown) lines.push(escapeSlackMrkdwn(more(list.length - shown, 'files in the thread')));
  return [section(lines.join('\n'))];
}

function inputSummary(msg: ChatMessage): SlackBlock[] {
  const list = Array.isArray(msg.inputs) ? msg.inputs.filter((i) => i && typeof i === 'object') : [];
  if (!list.length) return [];
  const names = list.map((i) => singleLine(sanitizeText(cutAt(String(i.label || i.id || ''), 100))).trim() + (i.required ? ' (required)' : ''));
  return [context(fitEscaped(`Fields: ${names.join(' · ')}`, SLACK_MAX_SECTION_TEXT, escapeSlackMrkdwn))];
}

function actionBlocks(msg: ChatMessage): ActionsBlock[] {
  const list = Array.isArray(msg.actions) ? msg.actions.filter((a) => a && typeof a === 'object') : [];
  if (!list.length) return [];
  const elements = list.slice(0, SLACK_MAX_ACTIONS).map((a, i): Button => {
    const p = buttonPayload(a, SLACK_MAX_BUTTON_VALUE);
    const style = slackButtonStyle(a.style);
    return {
      type: 'button',
      text: plain(a.title || p.verb, SLACK_MAX_BUTTON_TEXT),
      action_id: slackActionId(p.verb, i),
      value: JSON.stringify({ verb: p.verb, ...p.data }),
      ...(style ? { style } : {}),
    };
  });
  return [{ type: 'actions', elements }];
}

function progressBlock(msg: ChatMessage): SlackBlock[] {
  const p = msg.progress;
  if (!p || typeof p !== 'object') return [];
  const extra = typeof p.text === 'string' && p.text.trim() ? ` ${singleLine(sanitizeText(cutAt(p.text, 600)))}` : '';
  const icon = statusMeta(msg.status)?.icon ?? '⏳';
  return [context(fitEscaped(`${icon} ${progressLine(p)}${extra}`, 1000, escapeSlackMrkdwn))];
}

function footerBlock(msg: ChatMessage): SlackBlock[] {
  if (typeof msg.footer !== 'string' || !msg.footer.trim()) return [];
  return [context(fitEscaped(msg.footer, 500, escapeSlackMrkdwn))];
}

/** The top-level `text`: the plain message, escaped so that it cannot mention, link or format. */
function fallbackText(msg: ChatMessage): string {
  const text = fitEscaped(msg.text, SLACK_MAX_TEXT, escapeSlackMrkdwn, (n) => ` [${n} more characters]`);
  if (text.trim()) return text;
  const meta = statusMeta(msg.status);
  return fitEscaped(msg.title || meta?.label || 'Message', 200, escapeSlackMrkdwn) || 'Message';
}

/**
 * Block Kit for a message: header (status icon + title), body sections, progress, facts as
 * fields, tables as aligned code blocks, JSON in a code block, file links, form fields summary
 * (the inputs themselves go in {@link toSlackModal}), buttons and footer. At most 50 blocks.
 * Buttons: `action_id` `<verb>:<index>` (cards/slack-action-ids.ts: the listener is chosen by
 * it), `value` the JSON of `{verb, ...data}` (≤ 2000 characters, see model.buttonPayload; the
 * listener reads only the data from it). Never throws on message content.
 */
export function toBlockKit(msg: ChatMessage): { text: string; blocks: SlackBlock[] } {
  const m: ChatMessage = msg && typeof msg === 'object' ? msg : { text: sanitizeText(msg) };
  try {
    const head = [
      ...headerBlocks(m),
      ...lineBlocks(m),
      ...progressBlock(m),
      ...factBlocks(m),
      ...tableBlocks(m),
      ...jsonBlock(m),
      ...fileBlocks(m),
      ...inputSummary(m),
    ];
    const tail = [...actionBlocks(m), ...footerBlock(m)];
    let blocks = [...head, ...tail];
    if (blocks.length > SLACK_MAX_BLOCKS) {
      const room = SLACK_MAX_BLOCKS - tail.length - 1;
      blocks = [...head.slice(0, room), context(escapeSlackMrkdwn(more(head.length - room, 'parts, see the thread'))), ...tail];
    }
    return { text: fallbackText(m), blocks };
  } catch {
    const text = fitEscaped(m.text, SLACK_MAX_SECTION_TEXT, escapeSlackMrkdwn) || 'Message';
    return { text, blocks: [section(text)] };
  }
}

// ---------------------------------------------------------------------------------------------
// Modals

function inputElement(input: CardInput): { element: InputBlockElement; hint?: string; optional: boolean } {
  const placeholder = typeof input.placeholder === 'string' && input.placeholder.trim() ? { placeholder: plain(input.placeholder, 150) } : {};
  const value = typeof input.value === 'string' ? sanitizeText(input.value) : '';
  const required = Boolean(input.required);
  if (input.secret) {
    return {
      element: { type: 'plain_text_input', action_id: 'value', multiline: false, ...placeholder },
      hint: 'Slack cannot hide what you type in this field.',
      optional: !required,
    };
  }
  if (input.type === 'toggle') {
    const option: PlainTextOption = { text: plain('Yes', 75), value: 'true' };
    return {
      element: { type: 'checkboxes', action_id: 'value', options: [option], ...(value.toLowerCase() === 'true' ? { initial_options: [option] } : {}) },
      optional: true,
    };
  }
  if (input.type === 'number') {
    const initial = /^-?\d{1,15}$/.test(value.trim()) ? { initial_value: value.trim() } : {};
    return { element: { type: 'number_input', action_id: 'value', is_decimal_allowed: false, ...initial, ...placeholder }, optional: !required };
  }
  if (input.type === 'choice') {
    const seen = new Set<string>();
    const all = (Array.isArray(input.options) ? input.options : []).filter((o): o is string => typeof o === 'string');
    const usable = all.map((o) => sanitizeText(o)).filter((o) => o && o.length <= 150 && !seen.has(o) && Boolean(seen.add(o)));
    const options = usable.slice(0, MAX_SELECT_OPTIONS).map((o): PlainTextOption => ({ text: plain(o, 75), value: o }));
    if (options.length) {
      const initial = options.find((o) => o.value === value);
      const dropped = all.length - options.length;
      return {
        element: { type: 'static_select', action_id: 'value', options, ...(initial ? { initial_option: initial } : {}), ...placeholder },
        hint: dropped > 0 ? `${dropped} option(s) could not be listed here; type the command instead to use them.` : undefined,
        optional: !required,
      };
    }
  }
  const multiline = input.type === 'multiline';
  const initial = value && value.length <= 3000 ? { initial_value: value } : {};
  return { element: { type: 'plain_text_input', action_id: 'value', multiline, max_length: 3000, ...initial, ...placeholder }, optional: !required };
}

/**
 * A modal view for a form message (behaviour.md 39): one `input` block per input, `block_id` = the
 * input id and `action_id` = `value`, so `view.state.values[<id>].value` holds
 * `.value` (text, number), `.selected_option.value` (choice) or `.selected_options` (toggle:
 * one option valued `true` when ticked). `callbackId` ≤ 255 and `privateMetadata` ≤ 3000
 * characters (RangeError otherwise: they are the caller's, not user text).
 */
export function toSlackModal(msg: ChatMessage, callbackId: string, privateMetadata: string): SlackModal {
  if (typeof callbackId !== 'string' || !callbackId || callbackId.length > 255) throw new RangeError('callbackId must be 1..255 characters');
  if (typeof privateMetadata !== 'string' || privateMetadata.length > 3000) throw new RangeError('privateMetadata must be at most 3000 characters');
  const m: ChatMessage = msg && typeof msg === 'object' ? msg : { text: sanitizeText(msg) };
  const meta = statusMeta(m.status);
  const titleRaw = (typeof m.title === 'string' && m.title.trim()) || meta?.label || 'Run';
  const blocks: SlackBlock[] = [];
  const fullTitle = singleLine(sanitizeText(cutAt(titleRaw, 400))).trim();
  if (fullTitle.length > 24) blocks.push(section(`*${fitEscaped(fullTitle, 2000, escapeSlackMrkdwn)}*`));
  const intro = paragraphs(m).join('\n');
  if (intro.trim()) blocks.push(section(fitEscaped(intro, SLACK_MAX_SECTION_TEXT, escapeSlackMrkdwn)));

  const list = Array.isArray(m.inputs) ? m.inputs.filter((i) => i && typeof i === 'object') : [];
  const seen = new Set<string>();
  list.slice(0, MAX_MODAL_INPUTS).forEach((input, index) => {
    let id = sanitizeText(cutAt(String(input.id ?? ''), 200)).replace(/\s+/g, '-') || `input-${index + 1}`;
    while (seen.has(id)) id = `${id}-${index + 1}`;
    seen.add(id);
    const { element, hint, optional } = inputElement(input);
    const block: InputBlock = {
      type: 'input',
      block_id: id,
      label: plain(input.label || id, 2000),
      optional,
      element,
      ...(hint ? { hint: plain(hint, 2000) } : {}),
    };
    blocks.push(block);
  });
  if (list.length > MAX_MODAL_INPUTS) blocks.push(context(escapeSlackMrkdwn(more(list.length - MAX_MODAL_INPUTS, 'fields: type them in the command'))));

  const submit = Array.isArray(m.actions) && m.actions[0] && typeof m.actions[0].title === 'string' ? m.actions[0].title : 'Run';
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: privateMetadata,
    title: plain(titleRaw, 24),
    submit: plain(submit || 'Run', 24),
    close: plain('Cancel', 24),
    blocks: blocks.slice(0, SLACK_MAX_MODAL_BLOCKS),
  };
}

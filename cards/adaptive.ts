/**
 * ChatMessage → Adaptive Card (schema 1.5) for Teams and web chat. The layout lives in
 * `templates/message.json` and `templates/form.json`; this module prepares their data (escaped,
 * bounded) and expands them with adaptivecards-templating.
 *
 * User text goes only into `TextRun`s, which hosts do not run through Markdown, so a subject such
 * as `[click](http://evil)` is shown as typed. Data is never re-expanded by the templating engine,
 * so `${secret}` in a mail subject stays literal.
 *
 * Tables: an identifier column (`Mail ID`…) shows first…last characters; the TextRun toggles the
 * full id below it (and has it as tooltip), and the JSON result holds them all. Column weights
 * follow the longest unbreakable word. Tables carry both `firstRowAsHeader` (the schema
 * explorer's spelling) and `firstRowAsHeaders` (what the adaptivecards library and its designer
 * read), with the same value.
 */
import { Template } from 'adaptivecards-templating';
import type { ResultTable } from '../handlers/kit/outcome';
import type { CardInput, ChatMessage } from './message';
import { cutAt, ELLIPSIS, neutraliseAdaptiveText, safeHttpUrl, sanitizeText, singleLine, truncateText } from './escape';
import { adaptiveButtonStyle, buttonPayload, isIdColumn, paragraphs, plainData, progressLine, shortId, statusMeta } from './model';
import messageTemplate from './templates/message.json';
import formTemplate from './templates/form.json';

/** Cards stay under this many bytes of JSON (Teams takes ~100 KB per activity). */
export const ADAPTIVE_MAX_BYTES = 80_000;
/** Actions per ActionSet (the default host config's `maxActions`). */
const ACTIONS_PER_SET = 5;
const JSON_ID = 'chatsoar-json';

export interface AdaptiveOptions {
  /** `Action.Execute` (Teams Universal Actions, web chat) instead of `Action.Submit`. */
  universal?: boolean;
}

interface Budget {
  title: number;
  line: number;
  lines: number;
  linesTotal: number;
  facts: number;
  factTitle: number;
  factValue: number;
  tables: number;
  tableColumns: number;
  tableCells: number;
  cell: number;
  json: number;
  files: number;
  actions: number;
  actionTitle: number;
  actionData: number;
  footer: number;
  inputs: number;
  inputValue: number;
  choices: number;
  label: number;
}

const BASE: Budget = {
  title: 200,
  line: 2000,
  lines: 60,
  linesTotal: 12_000,
  facts: 30,
  factTitle: 100,
  factValue: 1000,
  tables: 5,
  tableColumns: 12,
  tableCells: 300,
  cell: 200,
  json: 15_000,
  files: 20,
  actions: 25,
  actionTitle: 80,
  actionData: 8000,
  footer: 500,
  inputs: 40,
  inputValue: 10_000,
  choices: 100,
  label: 200,
};

/** Successive shrink factors tried until the card fits {@link ADAPTIVE_MAX_BYTES}. */
const LEVELS = [1, 0.5, 0.25, 0.1, 0.04];

function scaled(factor: number): Budget {
  const out = { ...BASE };
  for (const key of Object.keys(out) as Array<keyof Budget>) {
    const min =
      key === 'tables' || key === 'facts' || key === 'files' || key === 'actions' || key === 'inputs' || key === 'lines' || key === 'choices' ? 1 : 40;
    // Buttons and inputs are the point of a card: never drop them below what was asked.
    if (key === 'actions' || key === 'inputs' || key === 'choices' || key === 'actionData' || key === 'inputValue') continue;
    out[key] = Math.max(min, Math.floor(BASE[key] * factor));
  }
  return out;
}

const prepared = {
  message: new Template(messageTemplate),
  form: new Template(formTemplate),
};

/** Text for a TextRun: sanitised, bounded, date functions neutralised. */
function run(value: unknown, max: number): string {
  return neutraliseAdaptiveText(truncateText(value, max));
}

function more(n: number, what: string): string {
  return `${ELLIPSIS} ${n} more ${what}`;
}

function header(msg: ChatMessage, b: Budget): Record<string, unknown> {
  const meta = statusMeta(msg.status);
  const title = typeof msg.title === 'string' ? singleLine(run(msg.title, b.title)).trim() : '';
  if (!title && !meta) return { show: false };
  const line = meta ? `${meta.icon} ${title || meta.label}` : title;
  return {
    show: true,
    line,
    style: meta?.style ?? 'default',
    color: meta?.color ?? 'Default',
    showStatus: Boolean(meta && title),
    status: meta?.label ?? '',
  };
}

function lines(msg: ChatMessage, b: Budget): { lines: Array<{ text: string }>; linesNote: Record<string, unknown> } {
  const all = paragraphs(msg);
  const out: Array<{ text: string }> = [];
  let used = 0;
  for (const p of all) {
    if (out.length >= b.lines || used >= b.linesTotal) break;
    const text = run(p, Math.min(b.line, Math.max(40, b.linesTotal - used)));
    out.push({ text });
    used += text.length;
  }
  const hidden = all.length - out.length;
  return { lines: out, linesNote: { show: hidden > 0, text: hidden > 0 ? more(hidden, 'lines') : '' } };
}

function facts(msg: ChatMessage, b: Budget): Record<string, unknown> {
  const list = Array.isArray(msg.facts) ? msg.facts.filter((f) => f && typeof f === 'object') : [];
  const rows = list.slice(0, b.facts).map((f) => ({
    title: singleLine(run(f.title, b.factTitle)) || ' ',
    value: run(f.value, b.factValue) || ' ',
  }));
  const hidden = list.length - rows.length;
  return { show: rows.length > 0, rows, hasNote: hidden > 0, note: hidden > 0 ? more(hidden, 'facts') : '' };
}

/** Characters of a full identifier kept behind its shortened cell (Graph item ids are ~150). */
const FULL_ID_MAX = 400;

interface CellView {
  text: string;
  weight: string;
  /** An identifier shortened in the cell: the full value, shown by clicking the short one. */
  hasFull: boolean;
  full: string;
  fullId: string;
  toggleTitle: string;
}

/**
 * A column's share of the table's width: its longest unbreakable word (ids, addresses and dates
 * cannot wrap in a host that does not break words) and up to 16 characters for prose, which
 * wraps in what is left.
 */
function columnWeight(header: string, texts: string[], monospace: boolean): number {
  // Browsers break lines at spaces and after hyphens.
  const longestWord = (text: string): number => text.split(/\s+|(?<=-)/).reduce((m, w) => Math.max(m, Array.from(w).length), 0);
  // A bold header word is about a fifth wider than the same word in a cell.
  let weight = Math.max(4, Math.ceil(longestWord(header) * 1.2));
  for (const text of texts) weight = Math.max(weight, longestWord(text), Math.min(Array.from(text).length, 16));
  // Two characters for the cell's padding; monospaced ids are about a third wider.
  return Math.min(Math.ceil(weight * (monospace ? 1.3 : 1)) + 2, 50);
}

function table(t: ResultTable, b: Budget, cellsLeft: number, tableIndex: number): { view: Record<string, unknown>; cells: number } {
  const rawColumns = Array.isArray(t?.columns) ? t.columns : [];
  const rawRows = (Array.isArray(t?.rows) ? t.rows : []).filter((r) => Array.isArray(r));
  const width = rawColumns.length || rawRows.reduce((m, r) => Math.max(m, r.length), 0);
  const ncol = Math.min(width, b.tableColumns);
  const title = singleLine(run(t?.title || 'Table', b.title));
  if (ncol === 0) {
    return { view: { title, hasColumns: false, columns: [], rows: [], hasNote: true, note: '(no columns)' }, cells: 0 };
  }
  const idColumn = Array.from({ length: ncol }, (_, i) => isIdColumn(rawColumns[i]));
  const cell = (v: unknown, weight: 'Bolder' | 'Default', row = -1, col = -1): CellView => {
    const text = run(v, b.cell) || ' ';
    const full = row >= 0 && idColumn[col] ? singleLine(run(v, FULL_ID_MAX)).trim() : '';
    const short = full ? shortId(full) : '';
    if (!full || short === full) return { text, weight, hasFull: false, full: '', fullId: '', toggleTitle: '' };
    const header = singleLine(run(rawColumns[col], 60));
    // The button's name starts with what it shows (screen readers, voice control).
    return { text: short, weight, hasFull: true, full, fullId: `chatsoar-t${tableIndex}-r${row}-c${col}`, toggleTitle: `${short}: show the full ${header}` };
  };
  const head = { cells: Array.from({ length: ncol }, (_, i) => cell(rawColumns[i] ?? `Column ${i + 1}`, 'Bolder')) };
  const maxRows = Math.max(0, Math.floor(cellsLeft / ncol) - 1);
  const shown = rawRows.slice(0, maxRows);
  const body = shown.map((r, ri) => ({ cells: Array.from({ length: ncol }, (_, i) => cell(r[i] ?? '', 'Default', ri, i)) }));
  const rows = [head, ...body];
  const columns = Array.from({ length: ncol }, (_, i) => ({
    width: columnWeight(
      head.cells[i].text,
      body.map((r) => r.cells[i].text),
      body.some((r) => r.cells[i].hasFull),
    ),
  }));
  const notes: string[] = [];
  // The whole table's rows: `rows` may hold only its first ones (the rest in the attached file).
  const allRows = Math.max(rawRows.length, typeof t?.totalRows === 'number' ? t.totalRows : 0);
  if (allRows > shown.length) notes.push(`${ELLIPSIS} ${allRows - shown.length} more rows, see the attached file`);
  if (width > ncol) notes.push(`${ELLIPSIS} ${width - ncol} more columns, see the attached file`);
  if (rawRows.length === 0) notes.push('(no rows)');
  if (idColumn.some(Boolean) && body.some((r) => r.cells.some((c) => c.hasFull)))
    notes.push('Click a shortened id to show it in full; every id is in the attached JSON');
  return {
    view: { title, hasColumns: true, columns, rows, hasNote: notes.length > 0, note: notes.join(' · ') },
    cells: rows.length * ncol,
  };
}

function tables(msg: ChatMessage, b: Budget): Array<Record<string, unknown>> {
  const list = Array.isArray(msg.tables) ? msg.tables.filter((t) => t && typeof t === 'object') : [];
  const out: Array<Record<string, unknown>> = [];
  let cellsLeft = b.tableCells;
  for (const t of list.slice(0, b.tables)) {
    const { view, cells } = table(t, b, cellsLeft, out.length);
    cellsLeft = Math.max(0, cellsLeft - cells);
    out.push(view);
  }
  if (list.length > b.tables) {
    const hidden = list.length - b.tables;
    out.push({ title: `${ELLIPSIS} ${hidden} more tables, see the attached files`, hasColumns: false, columns: [], rows: [], hasNote: false, note: '' });
  }
  return out;
}

function json(msg: ChatMessage, b: Budget): Record<string, unknown> {
  const j = msg.json;
  if (!j || typeof j !== 'object') return { show: false };
  const title = singleLine(run(j.title || 'JSON', b.actionTitle - 5)) || 'JSON';
  const raw = typeof j.content === 'string' ? j.content : sanitizeText(j.content);
  // The whole JSON's length: `content` may be only its start (the rest in the attached file).
  const total = Math.max(raw.length, typeof j.totalChars === 'number' ? j.totalChars : 0);
  const content = neutraliseAdaptiveText(sanitizeText(cutAt(raw, b.json))) || ' ';
  const cut = total > b.json || total > raw.length;
  return {
    show: true,
    id: JSON_ID,
    toggleTitle: `Show ${title}`,
    content: cut ? content + '\n' + ELLIPSIS : content,
    hasNote: cut,
    note: cut ? `${ELLIPSIS} truncated (${total - Math.min(raw.length, b.json)} more characters); the full JSON is attached as a file` : '',
  };
}

function chunk<T>(items: T[], size: number): Array<{ items: T[] }> {
  const out: Array<{ items: T[] }> = [];
  for (let i = 0; i < items.length; i += size) out.push({ items: items.slice(i, i + size) });
  return out;
}

function files(msg: ChatMessage, b: Budget): { fileGroups: unknown[]; fileNotes: unknown[] } {
  const list = Array.isArray(msg.files) ? msg.files.filter((f) => f && typeof f === 'object') : [];
  const links: Array<{ title: string; url: string }> = [];
  const notes: Array<{ text: string }> = [];
  for (const f of list.slice(0, b.files)) {
    const name = singleLine(run(f.name || 'file', b.actionTitle - 3));
    const url = safeHttpUrl(f.url);
    if (url) links.push({ title: `📎 ${name}`, url });
    else notes.push({ text: `📎 ${name} (link unavailable)` });
  }
  if (list.length > b.files) notes.push({ text: more(list.length - b.files, 'files in the thread') });
  return { fileGroups: chunk(links, ACTIONS_PER_SET), fileNotes: notes };
}

function actions(msg: ChatMessage, b: Budget): unknown[] {
  const list = Array.isArray(msg.actions) ? msg.actions.filter((a) => a && typeof a === 'object') : [];
  const seen = new Set<string>();
  const items = list.slice(0, b.actions).map((a) => {
    const payload = buttonPayload(a, b.actionData);
    // A button that asks first (a reason): its inputs and the button that sends them, under an Action.ShowCard.
    const ask = a.ask && Array.isArray(a.ask.inputs) && a.ask.inputs.length ? a.ask : undefined;
    return {
      title: singleLine(truncateText(a.title, b.actionTitle)) || payload.verb,
      verb: payload.verb,
      data: payload.data,
      submitData: { verb: payload.verb, ...payload.data },
      // Teams opens a dialog (task module) only from Action.Submit with msteams.type task/fetch.
      taskFetch: (payload.data.msteams as { type?: string } | undefined)?.type === 'task/fetch',
      style: adaptiveButtonStyle(a.style),
      showCard: Boolean(ask),
      askInputs: ask ? ask.inputs.slice(0, b.inputs).map((input, i) => inputView(input, i, b, seen)) : [],
      submitTitle: ask ? singleLine(truncateText(ask.submit, b.actionTitle)) || payload.verb : '',
    };
  });
  return chunk(items, ACTIONS_PER_SET);
}

function footer(msg: ChatMessage, b: Budget): Record<string, unknown> {
  const text = typeof msg.footer === 'string' ? run(msg.footer, b.footer).trim() : '';
  return { show: Boolean(text), text };
}

function progress(msg: ChatMessage, b: Budget): Record<string, unknown> {
  const p = msg.progress;
  if (!p || typeof p !== 'object') return { show: false };
  const extra = typeof p.text === 'string' && p.text.trim() ? ` ${singleLine(run(p.text, b.footer))}` : '';
  const [bar, ...rest] = progressLine(p).split(' ');
  return { show: true, bar, text: ` ${rest.join(' ')}${extra}` };
}

type InputKind = 'text' | 'multiline' | 'secret' | 'toggle' | 'number' | 'choice';

function inputView(input: CardInput, index: number, b: Budget, seen: Set<string>): Record<string, unknown> {
  let id =
    sanitizeText(cutAt(String(input.id ?? ''), 200))
      .replace(/\s+/g, '-')
      .slice(0, 100) || `input-${index + 1}`;
  while (seen.has(id)) id = `${id}-${index + 1}`;
  seen.add(id);
  const label = neutraliseAdaptiveText(singleLine(truncateText(input.label, b.label)).trim()) || id;
  const options = Array.isArray(input.options) ? input.options.filter((o): o is string => typeof o === 'string') : [];
  const seenChoice = new Set<string>();
  const choices = options
    .map((o) => sanitizeText(cutAt(o, 1001)))
    .filter((o) => o && o.length <= 1000 && !seenChoice.has(o) && Boolean(seenChoice.add(o)))
    .slice(0, b.choices)
    .map((o) => ({ title: neutraliseAdaptiveText(singleLine(cutAt(o, 200))), value: o }));
  let kind: InputKind;
  if (input.secret) kind = 'secret';
  else if (input.type === 'choice') kind = choices.length ? 'choice' : 'text';
  else if (input.type === 'toggle' || input.type === 'number' || input.type === 'multiline') kind = input.type;
  else kind = 'text';
  // A prefill that does not fit is left out rather than cut (a cut value would be submitted).
  const rawValue = kind === 'secret' ? '' : sanitizeText(input.value);
  const value = rawValue.length <= b.inputValue ? rawValue : '';
  const number = Number(typeof input.value === 'string' ? input.value.trim() : NaN);
  return {
    kind,
    id,
    label,
    required: Boolean(input.required) && kind !== 'toggle',
    errorMessage: `${label} is required.`,
    placeholder: neutraliseAdaptiveText(singleLine(truncateText(input.placeholder, 150))),
    value: kind === 'toggle' ? (String(input.value).toLowerCase() === 'true' ? 'true' : 'false') : kind === 'choice' && !seenChoice.has(value) ? '' : value,
    maxLength: b.inputValue,
    toggleTitle: 'Yes',
    hasNumber: typeof input.value === 'string' && input.value.trim() !== '' && Number.isFinite(number),
    number: Number.isFinite(number) ? number : 0,
    choices,
  };
}

function inputs(msg: ChatMessage, b: Budget): { inputs: unknown[]; inputNotes: unknown[] } {
  const list = Array.isArray(msg.inputs) ? msg.inputs.filter((i) => i && typeof i === 'object') : [];
  const seen = new Set<string>();
  const views = list.slice(0, b.inputs).map((input, i) => inputView(input, i, b, seen));
  const notes = list.length > b.inputs ? [{ text: more(list.length - b.inputs, 'fields: type them in the command') }] : [];
  return { inputs: views, inputNotes: notes };
}

function expand(msg: ChatMessage, b: Budget, universal: boolean): object {
  const isForm = Array.isArray(msg.inputs) && msg.inputs.length > 0;
  const data: Record<string, unknown> = {
    universal,
    header: header(msg, b),
    ...lines(msg, b),
    progress: progress(msg, b),
    facts: facts(msg, b),
    tables: tables(msg, b),
    json: json(msg, b),
    ...files(msg, b),
    actionGroups: actions(msg, b),
    footer: footer(msg, b),
    ...(isForm ? inputs(msg, b) : {}),
  };
  const template = isForm ? prepared.form : prepared.message;
  // A JSON round trip detaches the output from the data objects and drops `undefined`.
  const card = JSON.parse(JSON.stringify(template.expand({ $root: data }))) as Record<string, unknown>;
  pruneInputs(card);
  const refresh = universal && msg.refresh && typeof msg.refresh === 'object' ? msg.refresh : undefined;
  if (refresh) {
    const payload = buttonPayload({ title: '', verb: refresh.verb, data: refresh.data }, b.actionData);
    card.refresh = { action: { type: 'Action.Execute', verb: payload.verb, data: payload.data } };
  }
  return card;
}

/** Optional input properties bound to nothing are left out rather than sent empty. */
function pruneInputs(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) pruneInputs(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (typeof o.type === 'string' && o.type.startsWith('Input.')) {
    if (o.placeholder === '') delete o.placeholder;
    if (o.value === '') delete o.value;
    if (o.isRequired !== true) {
      delete o.isRequired;
      delete o.errorMessage;
    }
    return;
  }
  for (const value of Object.values(o)) pruneInputs(value);
}

/** Size of a card as sent: bytes of its UTF-8 JSON. */
export function cardBytes(card: unknown): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}

/** The smallest card there is: the status line and the start of the plain text. */
function minimalCard(msg: ChatMessage, universal: boolean): object {
  const b = scaled(LEVELS[LEVELS.length - 1]);
  const meta = statusMeta(msg.status);
  const text = run(msg.text, 2000) || ' ';
  const list = Array.isArray(msg.actions) ? msg.actions.filter((a) => a && typeof a === 'object').slice(0, ACTIONS_PER_SET) : [];
  const card = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      {
        type: 'RichTextBlock',
        inlines: [
          {
            type: 'TextRun',
            text: `${meta ? meta.icon + ' ' : ''}${singleLine(run(msg.title || meta?.label || 'Message', b.title))}`,
            weight: 'Bolder',
            size: 'Large',
          },
        ],
      },
      { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text }] },
      {
        type: 'RichTextBlock',
        inlines: [{ type: 'TextRun', text: `${ELLIPSIS} the rest did not fit in a card, see the attached files`, isSubtle: true, italic: true }],
      },
    ],
    actions: list.map((a) => {
      const p = buttonPayload(a, 1000);
      const title = singleLine(truncateText(a.title, 40)) || p.verb;
      return universal
        ? { type: 'Action.Execute', title, verb: p.verb, data: p.data, style: adaptiveButtonStyle(a.style) }
        : { type: 'Action.Submit', title, data: { verb: p.verb, ...p.data }, style: adaptiveButtonStyle(a.style) };
    }),
  };
  return card;
}

/**
 * The Adaptive Card (schema 1.5) for a message: `templates/form.json` when it has `inputs`,
 * else `templates/message.json`. Buttons are `Action.Execute` (`verb`, `data`) when
 * `universal`, else `Action.Submit` with `data: {verb, ...data}`. Long content is cut with a
 * visible marker so that the card JSON stays under {@link ADAPTIVE_MAX_BYTES}. Never throws on
 * message content.
 */
export function toAdaptiveCard(msg: ChatMessage, opts: AdaptiveOptions = {}): object {
  const universal = Boolean(opts.universal);
  const safe: ChatMessage = msg && typeof msg === 'object' ? msg : { text: sanitizeText(msg) };
  for (const level of LEVELS) {
    try {
      const card = expand(safe, scaled(level), universal);
      if (cardBytes(card) <= ADAPTIVE_MAX_BYTES) return card;
    } catch {
      // fall through to a smaller budget, then to the minimal card
    }
  }
  const card = minimalCard(safe, universal);
  return cardBytes(card) <= ADAPTIVE_MAX_BYTES ? card : minimalCard({ text: cutAt(sanitizeText(safe.text), 1000), status: safe.status }, universal);
}

// Exported for tests.
export const _internal = { BASE, LEVELS, plainData };

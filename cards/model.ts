/**
 * What the Adaptive Card and Block Kit renderers share: status icons and colours, the button
 * payload (`{verb, ...data}`), progress text and the paragraphs of a message.
 */
import type { CardActionButton, ChatMessage, MessageStatus } from './message';
import { ELLIPSIS, sanitizeText } from './escape';

export type AdaptiveColor = 'Default' | 'Accent' | 'Good' | 'Warning' | 'Attention';
export type AdaptiveContainerStyle = 'default' | 'emphasis' | 'accent' | 'good' | 'warning' | 'attention';

export interface StatusMeta {
  icon: string;
  label: string;
  color: AdaptiveColor;
  style: AdaptiveContainerStyle;
}

export const STATUS: Record<MessageStatus, StatusMeta> = {
  queued: { icon: '🕒', label: 'Queued', color: 'Default', style: 'emphasis' },
  running: { icon: '⏳', label: 'Running', color: 'Accent', style: 'accent' },
  waiting: { icon: '⌛', label: 'Waiting', color: 'Warning', style: 'warning' },
  succeeded: { icon: '✅', label: 'Succeeded', color: 'Good', style: 'good' },
  failed: { icon: '❌', label: 'Failed', color: 'Attention', style: 'attention' },
  cancelled: { icon: '🚫', label: 'Cancelled', color: 'Default', style: 'emphasis' },
  info: { icon: 'ℹ️', label: 'Info', color: 'Accent', style: 'default' },
  error: { icon: '⚠️', label: 'Error', color: 'Attention', style: 'attention' },
  approval: { icon: '🗳️', label: 'Approval needed', color: 'Warning', style: 'warning' },
  alert: { icon: '🚨', label: 'Alert', color: 'Attention', style: 'attention' },
  closed: { icon: '✅', label: 'Closed', color: 'Good', style: 'good' },
};

export function statusMeta(status: unknown): StatusMeta | undefined {
  return typeof status === 'string' && Object.hasOwn(STATUS, status) ? STATUS[status as MessageStatus] : undefined;
}

/** Plain-data copy of `value`: no functions, cycles or BigInts; non-objects → `{}`. */
export function plainData(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const seen = new WeakSet<object>();
  try {
    const json = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'function' || typeof v === 'symbol') return undefined;
      if (v !== null && typeof v === 'object') {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
    const parsed: unknown = json === undefined ? {} : JSON.parse(json);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export interface ButtonPayload {
  verb: string;
  /** The data keys kept, `verb` excluded (the button's verb always wins). */
  data: Record<string, unknown>;
  /** Keys dropped to fit `maxChars`; listed in the payload as `_truncated`. */
  dropped: string[];
}

/**
 * The click payload of a button: `{verb, ...data}` as JSON of at most `maxChars` characters.
 * A `verb` key inside `data` is ignored. When too long, data keys are dropped (largest first)
 * and named in `_truncated`, so a handler can tell the payload is incomplete.
 */
export function buttonPayload(button: CardActionButton, maxChars: number): ButtonPayload {
  const verb = buttonVerb(button);
  const data = plainData(button.data);
  delete data.verb;
  const size = (d: Record<string, unknown>): number => JSON.stringify({ verb, ...d }).length;
  if (size(data) <= maxChars) return { verb, data, dropped: [] };
  const dropped: string[] = [];
  const sizes = new Map(Object.keys(data).map((k) => [k, JSON.stringify(data[k])?.length ?? 0]));
  const keys = [...sizes.keys()].sort((a, b) => (sizes.get(b) ?? 0) - (sizes.get(a) ?? 0));
  const kept = { ...data };
  for (const key of keys) {
    delete kept[key];
    dropped.push(key);
    if (size({ ...kept, _truncated: dropped }) <= maxChars) break;
  }
  let withMarker: Record<string, unknown> = { ...kept, _truncated: dropped };
  if (size(withMarker) > maxChars) withMarker = { _truncated: true };
  return { verb, data: withMarker, dropped };
}

/** The verb, sanitised and bounded (Slack action ids are at most 255 characters). */
export function buttonVerb(button: CardActionButton): string {
  const verb = sanitizeText(button?.verb)
    .replace(/[\s\uFFFD]+/g, '-')
    .slice(0, 200);
  return verb || 'action';
}

/** `▓▓▓░░░░░░░ 3 / 10 (30%)` */
export function progressLine(progress: NonNullable<ChatMessage['progress']>): string {
  const total = Number.isFinite(progress.total) && progress.total > 0 ? progress.total : 0;
  const done = Number.isFinite(progress.done) ? Math.max(0, Math.min(progress.done, total || progress.done)) : 0;
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * 10);
  const bar = '▓'.repeat(filled) + '░'.repeat(10 - filled);
  return total > 0 ? `${bar} ${done} / ${total} (${Math.round(ratio * 100)}%)` : `${bar} ${done}`;
}

/**
 * The body paragraphs: `lines` (or, when absent, the plain `text`), each split at newlines,
 * blank ones dropped. Raw (unsanitised) strings; callers bound and escape them.
 */
export function paragraphs(msg: ChatMessage): string[] {
  const source: unknown[] = Array.isArray(msg.lines) ? msg.lines : [msg.text];
  const out: string[] = [];
  for (const line of source) {
    if (typeof line !== 'string') continue;
    for (const part of line.split(/\r\n|\r|\n/)) {
      if (part.trim()) out.push(part);
    }
  }
  return out;
}

/** Button style to Slack: positive → primary, destructive → danger, default → none. */
export function slackButtonStyle(style: CardActionButton['style']): 'primary' | 'danger' | undefined {
  return style === 'positive' ? 'primary' : style === 'destructive' ? 'danger' : undefined;
}

/** Button style to Adaptive Cards (`default` / `positive` / `destructive`). */
export function adaptiveButtonStyle(style: CardActionButton['style']): 'default' | 'positive' | 'destructive' {
  return style === 'positive' || style === 'destructive' ? style : 'default';
}

/**
 * A table column of identifiers (`Mail ID`, `Message ID`, `Job ID`…): long opaque tokens that a
 * person compares by their first and last characters, shown shortened in a card (the full value
 * stays in the JSON file and, on Adaptive Cards, one click away).
 */
export function isIdColumn(name: unknown): boolean {
  return typeof name === 'string' && /(^|\s)id$/i.test(name.trim());
}

/** Identifiers up to this many characters are shown whole. */
export const SHORT_ID_MAX = 20;

/** `AAMkAGRlbW8…dAAA=`: the first 11 and last 6 characters around an ellipsis, when longer than {@link SHORT_ID_MAX}. */
export function shortId(value: string): string {
  const chars = Array.from(value);
  if (chars.length <= SHORT_ID_MAX) return value;
  return chars.slice(0, 11).join('') + ELLIPSIS + chars.slice(-6).join('');
}

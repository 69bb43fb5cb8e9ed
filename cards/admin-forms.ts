/**
 * The admin dialogs' screens (bot/admin/dialog) and their three renderings, all built on the one
 * ChatMessage with `inputs` and the existing renderers:
 * - web chat and Teams inline cards: `adminMessage` (field errors in the field's label);
 * - Slack modal: `adminSlackView` (help as each input's hint; errors go in the
 *   `response_action: errors` answer, `adminSlackErrors`);
 * - Teams task module: `adminTaskCard` (Action.Submit; help and errors as text under the field).
 * Secrets are never in a screen: a secret field has no value, only a placeholder saying whether
 * one is saved.
 */
import type { ResultTable } from '../handlers/kit/outcome';
import { toAdaptiveCard } from './adaptive';
import { cutAt, neutraliseAdaptiveText, sanitizeText, singleLine } from './escape';
import type { CardInput, ChatMessage, MessageStatus } from './message';
import { toBlockKit, toSlackModal, type SlackBlock, type SlackModal } from './slack';

export const ADMIN_SUBMIT_VERB = 'admin-submit';
export const ADMIN_HOME_VERB = 'admin-home';
/** Slack callback ids of admin modals start with this (bot/slack/app.ts routes them here). */
export const ADMIN_CALLBACK_PREFIX = 'admin-';

export interface AdminField {
  id: string;
  label: string;
  kind: 'text' | 'secret' | 'toggle' | 'number' | 'choice' | 'multiline';
  /** Prefill (never for secrets). */
  value?: string;
  required?: boolean;
  /** The catalogue's description of the parameter. */
  help?: string;
  placeholder?: string;
  options?: string[];
  error?: string;
}

export interface AdminScreen {
  /** Which screen, e.g. `home`, `instance`; the dialog flow's step. */
  id: string;
  title: string;
  status?: MessageStatus;
  lines: string[];
  facts?: Array<{ title: string; value: string }>;
  tables?: ResultTable[];
  files?: Array<{ name: string; url: string }>;
  fields: AdminField[];
  submit: { title: string; style?: 'positive' | 'destructive' };
  /** Hidden state carried by the dialog (ids and names only, never a secret). */
  state: Record<string, string>;
  /** Offer a way back to the first screen (cards; a Slack modal has its Cancel). */
  back?: boolean;
}

function input(f: AdminField, errorsInLabels: boolean, helpInPlaceholder: boolean): CardInput {
  const label = `${f.label}${f.required ? ' (required)' : ''}`;
  return {
    id: f.id,
    label: errorsInLabels && f.error ? `${label} — ⚠ ${f.error}` : label,
    type: f.kind === 'secret' ? 'text' : f.kind,
    value: f.kind === 'secret' ? undefined : f.value,
    required: false,
    placeholder: f.placeholder ?? (helpInPlaceholder ? f.help : undefined),
    options: f.options,
    secret: f.kind === 'secret',
  };
}

/** The screen as a ChatMessage form (web chat, Teams inline). */
export function adminMessage(screen: AdminScreen, opts: { errorsInLabels?: boolean; helpInPlaceholder?: boolean } = {}): ChatMessage {
  const errorsInLabels = opts.errorsInLabels ?? true;
  const helpInPlaceholder = opts.helpInPlaceholder ?? true;
  const errors = screen.fields.filter((f) => f.error);
  const lines = [...screen.lines];
  if (errors.length && errorsInLabels) lines.push(`⚠ Fix the marked field${errors.length > 1 ? 's' : ''}: ${errors.map((f) => f.label).join(', ')}.`);
  const actions: ChatMessage['actions'] = [
    { title: screen.submit.title, verb: ADMIN_SUBMIT_VERB, data: { ...screen.state }, style: screen.submit.style ?? 'positive' },
  ];
  if (screen.back) actions.push({ title: 'Back', verb: ADMIN_HOME_VERB, data: screen.state._e ? { _e: screen.state._e } : {}, style: 'default' });
  return {
    text: [screen.title, ...lines].join('\n'),
    title: screen.title,
    status: screen.status,
    lines: lines.length ? lines : [' '],
    facts: screen.facts,
    tables: screen.tables,
    files: screen.files,
    inputs: screen.fields.length ? screen.fields.map((f) => input(f, errorsInLabels, helpInPlaceholder)) : undefined,
    actions,
  };
}

// ---------------------------------------------------------------------------------------------
// Slack

function plain(text: string, max: number): { type: 'plain_text'; text: string; emoji: boolean } {
  return { type: 'plain_text', text: cutAt(singleLine(sanitizeText(text)), max) || ' ', emoji: true };
}

/** A Slack modal for the screen: callback `admin-<screen>`, state in private_metadata. */
export function adminSlackView(screen: AdminScreen, privateMetadata: string): SlackModal {
  const msg = adminMessage({ ...screen, back: false }, { errorsInLabels: false, helpInPlaceholder: false });
  const view = toSlackModal(msg, `${ADMIN_CALLBACK_PREFIX}${screen.id}`, privateMetadata);
  view.title = plain('chatsoar admin', 24);
  // Modals show no tables or files of their own: the message's blocks for them go before the inputs.
  if (screen.tables?.length || screen.files?.length || screen.facts?.length) {
    const extra = toBlockKit({ text: ' ', lines: [], facts: screen.facts, tables: screen.tables, files: screen.files }).blocks;
    const blocks: SlackBlock[] = view.blocks;
    const firstInput = blocks.findIndex((b) => b.type === 'input');
    blocks.splice(firstInput < 0 ? blocks.length : firstInput, 0, ...extra);
    view.blocks = blocks.slice(0, 100);
  }
  const byId = new Map(screen.fields.map((f) => [f.id, f]));
  for (const block of view.blocks) {
    if (block.type !== 'input') continue;
    const f = byId.get(String(block.block_id));
    if (!f) continue;
    const existing = block.hint?.text;
    const hint = [f.help, existing].filter((s): s is string => Boolean(s?.trim())).join(' ');
    if (hint) block.hint = plain(hint, 2000);
    // Optional unless the screen says so: an empty optional field means "keep / default".
    block.optional = !f.required;
  }
  return view;
}

/** `response_action: errors` payload: block id → message. */
export function adminSlackErrors(screen: AdminScreen): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of screen.fields) if (f.error) out[f.id] = cutAt(singleLine(sanitizeText(f.error)), 2000);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Teams task module

function note(text: string, color: 'Attention' | 'Default', subtle: boolean): Record<string, unknown> {
  return {
    type: 'RichTextBlock',
    spacing: 'None',
    inlines: [{ type: 'TextRun', text: neutraliseAdaptiveText(cutAt(sanitizeText(text), 1000)), size: 'Small', color, isSubtle: subtle }],
  };
}

/** Inserts `blocks` right after the input `id`, wherever it sits in the card. */
function insertAfterInput(node: unknown, id: string, blocks: Array<Record<string, unknown>>): boolean {
  if (Array.isArray(node)) {
    const at = node.findIndex(
      (n) => n && typeof n === 'object' && (n as { id?: unknown }).id === id && String((n as { type?: unknown }).type).startsWith('Input.'),
    );
    if (at >= 0) {
      node.splice(at + 1, 0, ...blocks);
      return true;
    }
    return node.some((n) => insertAfterInput(n, id, blocks));
  }
  if (node && typeof node === 'object') return Object.values(node).some((v) => insertAfterInput(v, id, blocks));
  return false;
}

/** The Adaptive Card of a task module (Teams dialog): Action.Submit buttons, help and errors under each field. */
export function adaptiveAdminCard(screen: AdminScreen, opts: { universal: boolean }): object {
  const card = toAdaptiveCard(adminMessage(screen, { errorsInLabels: false, helpInPlaceholder: false }), { universal: opts.universal }) as Record<
    string,
    unknown
  >;
  for (const f of screen.fields) {
    const blocks: Array<Record<string, unknown>> = [];
    if (f.help) blocks.push(note(f.help, 'Default', true));
    if (f.error) blocks.push(note(`⚠ ${f.error}`, 'Attention', false));
    if (blocks.length) insertAfterInput(card.body, f.id, blocks);
  }
  return card;
}

export function adminTaskCard(screen: AdminScreen): object {
  return adaptiveAdminCard(screen, { universal: false });
}

/**
 * The platform-neutral message every part of chatsoar produces. cards/render turns it into an
 * Adaptive Card (Teams, web chat) or Block Kit (Slack). Handlers and bot code never build
 * platform JSON. All strings here are raw user/mail text: the renderer escapes them.
 */
import type { ResultTable } from '../handlers/kit/outcome';

export type MessageStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' | 'info' | 'error' | 'approval' | 'alert' | 'closed';

/** Whether a message shows a job still under way (queued, running, waiting): any other status is where it ends. */
export function inProgress(message: { status?: MessageStatus }): boolean {
  return message.status === 'queued' || message.status === 'running' || message.status === 'waiting';
}

export interface CardActionButton {
  /** Button title, shown verbatim (votes: exactly the options, contract.md §7.5). */
  title: string;
  /** Verb shared with the handlers, e.g. `vote`, `run-form`, `help`. */
  verb: string;
  /** Data sent back on click (no secrets). */
  data: Record<string, unknown>;
  style?: 'positive' | 'destructive' | 'default';
  /**
   * Inputs asked before the click is sent (a reason): Adaptive Cards show them under the button
   * (Action.ShowCard) with a `submit` button that sends them with `data`; in Slack the listener of
   * the verb opens a modal with them.
   */
  ask?: { inputs: CardInput[]; submit: string };
}

export interface CardInput {
  id: string;
  label: string;
  type: 'text' | 'toggle' | 'number' | 'choice' | 'multiline';
  value?: string;
  required?: boolean;
  placeholder?: string;
  options?: string[];
  secret?: boolean;
}

export interface ChatMessage {
  /** Plain text fallback: Slack `text`, Teams activity `text`. Contains the output message. */
  text: string;
  title?: string;
  status?: MessageStatus;
  /** Body paragraphs, shown as plain text (escaped). */
  lines?: string[];
  facts?: Array<{ title: string; value: string }>;
  tables?: ResultTable[];
  /** Shown collapsed (a toggle in Adaptive Cards, a code block in Slack). */
  json?: {
    title: string;
    content: string;
    /** Characters in the whole JSON when `content` is only its start (the rest is in the attached file). */
    totalChars?: number;
  };
  files?: Array<{ name: string; url: string }>;
  actions?: CardActionButton[];
  /** A form: inputs plus `actions` as its submit buttons. */
  inputs?: CardInput[];
  /** Progress 0..1 for long actions. */
  progress?: { done: number; total: number; text?: string };
  footer?: string;
  /**
   * Teams Universal Actions: each viewer's client asks the bot for the card as it is now (an
   * Action.Execute with this verb and data), so everyone sees the current state.
   */
  refresh?: { verb: string; data: Record<string, unknown> };
}

/** The messages of an action job's life: queued, running, waiting, result, cancelled. */
import type { ActionResult } from '../handlers/kit/outcome';
import type { ChatMessage } from './message';

export interface JobHeader {
  jobId: string;
  actionName: string;
  integrationName: string;
  requestedBy: string;
  environment: string;
  /** The approver of a four-eyes request, shown with the result. */
  approvedBy?: string;
}

function title(h: JobHeader): string {
  return `${h.integrationName} · ${h.actionName}`;
}

function footer(h: JobHeader): string {
  return `job ${h.jobId} · ${h.environment} · asked by ${h.requestedBy}${h.approvedBy ? ` · approved by ${h.approvedBy}` : ''}`;
}

export function queuedMessage(h: JobHeader): ChatMessage {
  const text = `Queued ${h.actionName} as job ${h.jobId}`;
  return { text, title: title(h), status: 'queued', lines: [text], footer: footer(h) };
}

export function runningMessage(h: JobHeader, status?: string, progress?: { done: number; total: number; text?: string }): ChatMessage {
  const line = status ?? `Running ${h.actionName} (job ${h.jobId})…`;
  return { text: line, title: title(h), status: status ? 'waiting' : 'running', lines: [line], progress, footer: footer(h) };
}

export function resultMessage(h: JobHeader, result: ActionResult, files: Array<{ name: string; url: string }> = []): ChatMessage {
  const lines = result.message.split('\n').filter(Boolean);
  return {
    text: `${result.message}\nis_success: ${result.isSuccess}`,
    title: title(h),
    status: result.isSuccess ? 'succeeded' : 'failed',
    lines,
    facts: [{ title: 'is_success', value: String(result.isSuccess) }],
    tables: result.tables,
    json: jsonShown(result),
    files: files.length ? files : undefined,
    footer: footer(h),
  };
}

/** The JSON result as the message shows it: all of it, or the start of its file's text. */
function jsonShown(result: ActionResult): ChatMessage['json'] {
  if (result.json !== undefined) return { title: 'JSON result', content: JSON.stringify(result.json, null, 2) };
  const f = result.jsonFile;
  return f ? { title: 'JSON result', content: f.head, totalChars: f.totalChars } : undefined;
}

export function cancelledMessage(h: JobHeader, by: string): ChatMessage {
  const text = `Cancelled by ${by}.`;
  return { text, title: title(h), status: 'cancelled', lines: [text], footer: footer(h) };
}

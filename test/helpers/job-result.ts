/** A job's final Slack message (the one showing is_success), as integration tests wait for it. */
import { expect } from '@jest/globals';
import type { FakeSlack } from './fake-slack';

/** What a user reads: Slack's entities decoded, and the full-width underscore the renderer uses against italics read as `_`. */
export const unescapeSlack = (t: unknown): string =>
  String(t ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\uff3f/g, '_');

/** Waits until the message of `jobId` shows its result; `what` names the command in the error. */
export async function finalMessage(slack: FakeSlack, jobId: string, what: string, timeoutMs = 25000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = [...slack.messages.values()].find((x) => JSON.stringify(x).includes(jobId));
    if (m && /is_success: (true|false)/.test(unescapeSlack(m.text))) return m;
    if (Date.now() > deadline) throw new Error(`${what}: no result; last: ${unescapeSlack(m?.text)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The Slack message whose JSON mentions `key` (a job or approval id), once its text as read matches `pattern`. */
export async function slackMessageWhen(slack: FakeSlack, key: string, pattern: RegExp, timeoutMs = 20000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = [...slack.messages.values()].filter((x) => JSON.stringify(x).includes(key));
    const m = mine.find((x) => pattern.test(unescapeSlack(x.text)));
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`${key}: ${pattern} not seen; last: ${mine.map((x) => unescapeSlack(x.text)).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface SlackButton {
  text: string;
  action_id: string;
  value: string;
}

/** The buttons of a Slack message's actions blocks, in order. */
export function slackButtons(message: Record<string, unknown>): SlackButton[] {
  const out: SlackButton[] = [];
  for (const b of (message.blocks ?? []) as Array<{
    type: string;
    elements?: Array<{ type: string; text?: { text: string }; action_id?: string; value?: string }>;
  }>) {
    if (b.type !== 'actions') continue;
    for (const e of b.elements ?? []) if (e.type === 'button') out.push({ text: e.text?.text ?? '', action_id: e.action_id ?? '', value: e.value ?? '' });
  }
  return out;
}

export function expectOk(r: { text: string }, message: string): void {
  expect(r.text).toContain(message);
  expect(r.text).toContain('is_success: true');
}

export function expectFail(r: { text: string }, message: string): void {
  expect(r.text).toContain(message);
  expect(r.text).toContain('is_success: false');
}

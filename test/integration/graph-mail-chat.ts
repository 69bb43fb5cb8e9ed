/**
 * Runs Microsoft Graph Mail commands through the chat path for the graph-mail-*.test.ts files:
 * a signed Slack slash command per command, each in a channel of its own (Slack paces a channel
 * to ~1 message/s), and the final message (the one that shows is_success) read back.
 */
import { jobIdFor } from '../../lib/ids';
import type { Harness } from '../helpers/harness';

export interface ChatResult {
  jobId: string;
  /** What a user reads: the text with Slack's entities undone. */
  text: string;
  /** The result's lines, without the is_success line. */
  lines: string[];
  isSuccess: boolean;
  /** The final Slack message (blocks included). */
  message: Record<string, unknown>;
  channel: string;
}

/** Slack escapes &, < and > in text; tests compare what a user reads. */
export function unescape(text: unknown): string {
  return String(text ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The JSON result as shown in the message's "JSON result" block (small results only). */
export function jsonOf(r: ChatResult): unknown {
  const blocks = (r.message.blocks ?? []) as Array<{ text?: { text?: string } }>;
  const block = blocks.map((b) => b.text?.text ?? '').find((t) => t.startsWith('*JSON result*'));
  if (!block) throw new Error(`no JSON result block in ${JSON.stringify(r.message).slice(0, 500)}`);
  const body = block.slice(block.indexOf('```\n') + 4, block.lastIndexOf('\n```'));
  return JSON.parse(unescape(body));
}

/** The "Matching Mails" table block's text (title, header and rows as shown). */
export function tableText(r: ChatResult): string {
  const blocks = (r.message.blocks ?? []) as Array<{ text?: { text?: string } }>;
  return unescape(blocks.map((b) => b.text?.text ?? '').find((t) => t.startsWith('*Matching Mails*')) ?? '');
}

export function chat(h: Harness, prefix: string) {
  let n = 0;
  const nextChannel = async (): Promise<string> => {
    const channel = `${prefix}${++n}`;
    await h.runtime.environments.bind(`slack:${channel}`, 'prod');
    return channel;
  };
  const triggerOf = (channel: string): string => `${channel}-${process.pid}-${Date.now()}`;

  /** Runs a command that queues a job; resolves with its final message. */
  async function run(command: string, opts: { user?: string; timeoutMs?: number } = {}): Promise<ChatResult> {
    const channel = await nextChannel();
    const triggerId = triggerOf(channel);
    const res = await h.slash(command, { channel, user: opts.user ?? 'U1', triggerId });
    const reply = await res.text();
    if (res.status !== 200) throw new Error(`slash answered ${res.status}: ${reply}`);
    const jobId = jobIdFor(`slack:${triggerId}`);
    const deadline = Date.now() + (opts.timeoutMs ?? 20000);
    for (;;) {
      const m = [...h.slack.messages.values()].find((x) => x.channel === channel && JSON.stringify(x).includes(jobId));
      const text = unescape(m?.text);
      if (m && /\nis_success: (true|false)$/.test(text)) {
        const lines = text.split('\n');
        const isSuccess = lines.pop() === 'is_success: true';
        return { jobId, text, lines, isSuccess, message: m, channel };
      }
      if (Date.now() > deadline) throw new Error(`no result for "${command}"; reply: ${reply.slice(0, 300)}; last text: ${text}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Runs a command the bot answers at once (refused, incomplete); resolves with the reply's text. */
  async function reply(command: string, opts: { user?: string } = {}): Promise<string> {
    const channel = await nextChannel();
    const res = await h.slash(command, { channel, user: opts.user ?? 'U1', triggerId: triggerOf(channel) });
    const raw = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      /* empty ack */
    }
    return unescape(JSON.stringify(body));
  }

  return { run, reply };
}

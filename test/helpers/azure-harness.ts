/**
 * The real runtime (startHarness) with `GET /oauth/callback` mounted, as the lead's server will
 * mount it, plus helpers to run `/soar azure …` commands and read their final result from the
 * message store (the content the outbox delivers to Slack, unpaced).
 */
import type { ChatMessage } from '../../cards/message';
import { jobIdFor } from '../../lib/ids';
import { startHarness, type Harness, type HarnessOptions } from './harness';

export interface AzureRun {
  jobId: string;
  text: string;
  isSuccess: boolean;
  message: ChatMessage;
  /** The JSON result, parsed. */
  json?: Record<string, unknown>;
  files: Array<{ name: string; url: string }>;
}

export interface AzureHarness extends Harness {
  /** Runs `/soar <text>` as an approver in `channel` (default C1) and waits for its result. */
  run(text: string, opts?: { channel?: string; user?: string; timeoutMs?: number }): Promise<AzureRun>;
  /** Every text the job's message showed, in order (progress and waiting states included). */
  history(jobId: string): string[];
}

let seq = 0;

export async function startAzureHarness(opts: HarnessOptions = {}): Promise<AzureHarness> {
  const h = await startHarness(opts);
  // The four-eyes rule is the approvals issue's; here requests run as soon as an approver asks.
  await h.runtime.environments.setMeta('prod', { ...(await h.runtime.environments.getMeta('prod')), approvals: { requiredFor: [] } });
  const seen = new Map<string, string[]>();

  const azure = h as AzureHarness;
  azure.history = (jobId) => seen.get(jobId) ?? [];
  azure.run = async (text, o = {}) => {
    const triggerId = `az-${process.pid}-${Date.now()}-${seq++}`;
    const jobId = jobIdFor(`slack:${triggerId}`);
    const res = await h.slash(text, { triggerId, channel: o.channel ?? 'C1', user: o.user ?? 'U2' });
    if (res.status !== 200) throw new Error(`slash command answered ${res.status}`);
    const ack = await res.text();
    const deadline = Date.now() + (o.timeoutMs ?? 15000);
    const texts: string[] = [];
    seen.set(jobId, texts);
    for (;;) {
      const stored = await h.runtime.messages.get(`job:${jobId}`);
      const content = stored?.content;
      if (content && texts[texts.length - 1] !== content.text) texts.push(content.text);
      if (content && /is_success: (true|false)/.test(content.text)) {
        const json = content.json ? (JSON.parse(content.json.content) as Record<string, unknown>) : undefined;
        return { jobId, text: content.text, isSuccess: /is_success: true/.test(content.text), message: content, json, files: content.files ?? [] };
      }
      if (Date.now() > deadline)
        throw new Error(`no result for "${text}" (job ${jobId}); ack: ${ack.slice(0, 300)}; last: ${texts[texts.length - 1] ?? 'none'}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return azure;
}

/**
 * Counts what happened to a set of commands from what the fake Slack received: accepted (the
 * slash command was acknowledged with its job), completed (exactly one final message), duplicates
 * (extra messages for one job) and lost (accepted, no final message by the deadline).
 */
import { jobIdFor } from '../../lib/ids';
import type { FakeSlack } from '../helpers/fake-slack';
import type { System } from './system';

export interface Sent {
  jobId: string;
  text: string;
  channel: string;
  accepted: boolean;
  /** The acknowledgement's body (empty when queued). */
  ack: string;
  ackAt: number;
  sentAt: number;
}

export interface Tally {
  scenario: string;
  accepted: number;
  completed: number;
  succeeded: number;
  duplicates: number;
  lost: number;
  failures: string[];
}

export const unescape = (t: unknown): string =>
  String(t ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

let seq = 0;

export async function send(sys: System, text: string, channel: string, bot = 0): Promise<Sent> {
  const triggerId = `res-${Date.now().toString(36)}-${seq++}`;
  const jobId = jobIdFor(`slack:${triggerId}`);
  const sentAt = Date.now();
  let accepted = false;
  let ack = '';
  try {
    const res = await sys.slash(text, { channel, triggerId, bot });
    ack = `${res.status} ${res.text}`;
    // A queued command is acknowledged with an empty 200; a refusal answers an ephemeral text.
    accepted = res.status === 200 && !res.text.includes('"text"');
  } catch (err) {
    ack = (err as Error).message;
  }
  return { jobId, text, channel, accepted, ack, ackAt: Date.now(), sentAt };
}

function finalsOf(slack: FakeSlack, jobId: string): Record<string, unknown>[] {
  return [...slack.messages.values()].filter((m) => JSON.stringify(m).includes(jobId));
}

export function isFinal(m: Record<string, unknown>): boolean {
  return /is_success: (true|false)/.test(unescape(m.text));
}

/** Waits until every accepted command has a final message (or the deadline), then counts. */
export async function tally(scenario: string, slack: FakeSlack, sent: Sent[], deadlineMs: number): Promise<Tally> {
  const accepted = sent.filter((s) => s.accepted);
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const open = accepted.filter((s) => !finalsOf(slack, s.jobId).some(isFinal));
    if (!open.length || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  // Let late duplicates (a second delivery of the same result) show up before counting.
  await new Promise((r) => setTimeout(r, 1500));
  let completed = 0;
  let succeeded = 0;
  let duplicates = 0;
  let lost = 0;
  const failures: string[] = [];
  for (const s of accepted) {
    const msgs = finalsOf(slack, s.jobId);
    const finals = msgs.filter(isFinal);
    if (!finals.length) {
      lost++;
      failures.push(`${s.jobId} (${s.text}): no result; last: ${unescape(msgs.at(-1)?.text).slice(0, 200)}`);
      continue;
    }
    completed++;
    duplicates += msgs.length - 1;
    if (/is_success: true/.test(unescape(finals[0]!.text))) succeeded++;
    else failures.push(`${s.jobId} (${s.text}): ${unescape(finals[0]!.text).slice(0, 300)}`);
  }
  const t: Tally = { scenario, accepted: accepted.length, completed, succeeded, duplicates, lost, failures };
  process.stdout.write(
    `[resilience] ${scenario}: sent ${sent.length}, accepted ${t.accepted}, completed ${completed} (succeeded ${succeeded}), duplicates ${duplicates}, lost ${lost}\n`,
  );
  for (const f of failures.slice(0, 5)) process.stdout.write(`[resilience]   ${f.replace(/\n/g, ' ')}\n`);
  return t;
}

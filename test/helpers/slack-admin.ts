/**
 * An admin (or analyst) in Slack as a user is: `/soar …` and its ephemeral answer, the final
 * message of a queued job, and the admin modal (views.open, then `view_submission`s).
 */
import { jobIdFor } from '../../lib/ids';
import type { Harness } from './harness';

const unescape = (t: unknown) =>
  String(t ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** Runs `/soar <text>` and returns the immediate answer's text (empty when the command was queued). */
export async function say(h: Harness, text: string, opts: { channel?: string; user?: string; triggerId?: string } = {}): Promise<string> {
  const res = await h.slash(text, opts);
  if (res.status !== 200) throw new Error(`/soar ${text}: HTTP ${res.status}`);
  const raw = await res.text();
  return raw ? unescape((JSON.parse(raw) as { text?: string }).text ?? '') : '';
}

/** The final text (`is_success: …`) of the job a `/soar` with this trigger id queued. */
export async function finalText(h: Harness, triggerId: string, timeoutMs = 20000): Promise<string> {
  const jobId = jobIdFor(`slack:${triggerId}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = [...h.slack.messages.values()].find((x) => JSON.stringify(x).includes(jobId) && /is_success/.test(String(x.text)));
    if (m) return unescape(m.text);
    if (Date.now() > deadline) throw new Error(`no result for ${jobId}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type View = { callback_id: string; private_metadata: string; blocks: Array<Record<string, unknown>> };

export function viewText(view: View): string {
  return unescape(JSON.stringify(view.blocks));
}

function slackValue(block: Record<string, unknown>, value: string | undefined): Record<string, unknown> {
  const element = block.element as { type: string; options?: Array<{ value: string; text: unknown }> };
  if (element.type === 'static_select') {
    const option = element.options?.find((o) => o.value === value);
    return { type: 'static_select', selected_option: option ? { value: option.value, text: option.text } : null };
  }
  if (element.type === 'checkboxes') return { type: 'checkboxes', selected_options: value === 'true' ? [{ value: 'true' }] : [] };
  return { type: element.type, value: value ?? null };
}

/** What a field shows before the user changes it (the saved value), as Slack would submit it. */
function initialValue(block: Record<string, unknown>): string | undefined {
  const e = block.element as { initial_value?: string; initial_option?: { value: string }; initial_options?: unknown[]; type: string };
  if (e.type === 'checkboxes') return e.initial_options?.length ? 'true' : 'false';
  return e.initial_value ?? e.initial_option?.value;
}

/** `/soar admin` in `channel`: the modal Slack was asked to open. */
export async function openAdminModal(h: Harness, user: string, channel: string): Promise<View> {
  const triggerId = `trig-admin-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await h.slash('admin', { user, channel, triggerId });
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.open' && c.body.trigger_id === triggerId));
  return h.slack.calls.find((c) => c.method === 'views.open' && c.body.trigger_id === triggerId)!.body.view as View;
}

let seq = 0;

/**
 * Submits `view` with `values` (by field id; other fields as shown) as Slack would. Returns the next view: the ack's
 * update, or (for a step that runs a Ping first) the views.update that follows; or the field errors.
 */
export async function submitView(
  h: Harness,
  view: View,
  values: Record<string, string>,
  user: string,
): Promise<{ view?: View; errors?: Record<string, string> }> {
  const state: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks.filter((b) => b.type === 'input')) {
    const id = String(block.block_id);
    state[id] = { value: slackValue(block, id in values ? values[id] : initialValue(block)) };
  }
  const viewId = `VSEC${++seq}`;
  const res = await h.interact({
    type: 'view_submission',
    user: { id: user },
    team: { id: 'T1' },
    view: { id: viewId, hash: `h${seq}`, callback_id: view.callback_id, private_metadata: view.private_metadata, state: { values: state } },
  });
  const raw = await res.text();
  const ack = raw ? (JSON.parse(raw) as { response_action?: string; view?: View; errors?: Record<string, string> }) : {};
  if (ack.response_action === 'errors') return { errors: ack.errors };
  const next = ack.view as View;
  if (!/Testing .* with Ping/.test(viewText(next))) return { view: next };
  await h.slack.waitFor((calls) => calls.some((c) => c.method === 'views.update' && c.body.view_id === viewId), 20000);
  return { view: h.slack.calls.find((c) => c.method === 'views.update' && c.body.view_id === viewId)!.body.view as View };
}

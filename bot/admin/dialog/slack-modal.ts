/**
 * The admin dialog as a Slack modal: `views.open` on `/soar admin`, then every step a
 * `view_submission` answered with `response_action` (update, or errors next to the fields).
 * The Ping-before-saving step answers "Testing…" at once (Slack waits 3 s) and updates the
 * modal with `views.update` when the Ping is done.
 */
import type { ViewResponseAction, ViewStateValue } from '@slack/bolt';
import type { View } from '@slack/types';
import { ADMIN_CALLBACK_PREFIX, adminSlackErrors, adminSlackView, type AdminScreen } from '../../../cards/admin-forms';
import type { SlackModal } from '../../../cards/slack';
import type { Reply } from '../../dispatch';
import type { AdminDeps } from '../deps';
import { errorReply } from '../text';
import { openDialog, submitStep, type DialogContext } from './flow';
import { refusalScreen, type Values } from './screens';

export { ADMIN_CALLBACK_PREFIX };

/** The few Slack Web API calls the admin modal makes. */
export interface SlackViews {
  views: {
    open(args: { trigger_id: string; view: View }): Promise<unknown>;
    update(args: { view_id: string; hash?: string; view: View }): Promise<unknown>;
  };
}

function metadata(screen: AdminScreen, channel: string): string {
  return JSON.stringify({ ...screen.state, _ch: channel });
}

export function slackView(screen: AdminScreen, channel: string): SlackModal {
  const view = adminSlackView(screen, metadata(screen, channel));
  // A modal without inputs (a refusal, "Testing…") has only its Close button.
  if (!screen.fields.length) delete view.submit;
  return view;
}

/** Opens the admin modal; a Reply (refusal) when the user is admin nowhere, else null. */
export async function openAdminModal(
  client: SlackViews,
  req: { triggerId: string; channel: string; user: string },
  deps: AdminDeps,
  env?: string,
): Promise<Reply | null> {
  const ctx: DialogContext = { platform: 'slack', channel: req.channel, user: req.user };
  const first = await openDialog(deps, ctx, env);
  if (first.kind === 'refused') return errorReply(first.message);
  if (first.kind !== 'screen') return null;
  await client.views.open({ trigger_id: req.triggerId, view: slackView(first.screen, req.channel) });
  return null;
}

type StateValues = Record<string, Record<string, ViewStateValue>>;

/** A submitted modal's values by field id (block_id), as strings. */
export function viewValues(state: StateValues | undefined): Values {
  const out: Values = {};
  for (const [blockId, actions] of Object.entries(state ?? {})) {
    for (const v of Object.values(actions ?? {})) {
      if (!v || typeof v !== 'object') continue;
      if (v.type === 'checkboxes') out[blockId] = String((v.selected_options ?? []).length > 0);
      else if (v.type === 'static_select' || v.selected_option !== undefined) out[blockId] = v.selected_option?.value ?? '';
      else out[blockId] = v.value ?? '';
    }
  }
  return out;
}

export interface ViewSubmission {
  ack(response?: ViewResponseAction): Promise<void>;
  body: { user: { id: string } };
  view: { id: string; hash?: string; callback_id: string; private_metadata?: string; state?: { values?: StateValues } };
  client: SlackViews;
}

export async function handleAdminViewSubmission(args: ViewSubmission, deps: AdminDeps): Promise<void> {
  const { ack, body, view, client } = args;
  let meta: Values = {};
  try {
    meta = JSON.parse(view.private_metadata || '{}') as Values;
  } catch {
    meta = {};
  }
  const channel = String(meta._ch ?? '');
  const update = (screen: AdminScreen): ViewResponseAction => ({ response_action: 'update', view: slackView(screen, channel) });
  if (!/^slack:\S+$/.test(channel)) {
    await ack(update(refusalScreen('This dialog has expired; run /soar admin again.')));
    return;
  }
  const ctx: DialogContext = { platform: 'slack', channel, user: `slack:${body.user.id}` };
  const state: Values = {};
  for (const [k, v] of Object.entries(meta)) if (k.startsWith('_') && k !== '_ch') state[k] = String(v);
  const result = await submitStep(deps, ctx, state, viewValues(view.state?.values));
  switch (result.kind) {
    case 'refused':
      await ack(update(refusalScreen(result.message)));
      return;
    case 'errors': {
      const errors = adminSlackErrors(result.screen);
      // Errors sit next to the fields of the modal as it is (Slack keeps what was typed).
      if (Object.keys(errors).length && result.screen.id === view.callback_id.slice(ADMIN_CALLBACK_PREFIX.length))
        await ack({ response_action: 'errors', errors });
      else await ack(update(result.screen));
      return;
    }
    case 'screen':
      await ack(update(result.screen));
      return;
    case 'slow': {
      await ack(update(result.waiting));
      let next: AdminScreen;
      try {
        next = await result.finish();
      } catch (err) {
        deps.log.warn({ err }, 'admin dialog step failed');
        next = refusalScreen('Something went wrong; nothing was saved. Please try again.');
      }
      await client.views.update({ view_id: view.id, view: slackView(next, channel) });
      return;
    }
  }
}

/**
 * The admin dialog as a Teams task module: `task/fetch` opens it, each `task/submit` answers
 * with the next card (`continue`) or closes it with a message. Teams waits up to ~15 s for an
 * invoke, so the Ping-before-saving step (at most 10 s) runs before answering.
 */
import type { Activity, TaskModuleResponse } from 'botbuilder';
import { ADAPTIVE_CARD_CONTENT_TYPE } from '../../../cards/render';
import { adminTaskCard, type AdminScreen } from '../../../cards/admin-forms';
import { channelOf, platformOf, userOf } from '../../teams/activity-origin';
import type { AdminDeps } from '../deps';
import { openDialog, settle, stateOf, stringValues, submitStep, type DialogContext } from './flow';

function continueWith(screen: AdminScreen): TaskModuleResponse {
  return {
    task: {
      type: 'continue',
      value: {
        title: 'chatsoar admin',
        height: 'large',
        width: 'medium',
        card: { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: adminTaskCard(screen) },
      },
    },
  };
}

function message(text: string): TaskModuleResponse {
  return { task: { type: 'message', value: text } };
}

export async function handleTaskModule(activity: Activity, deps: AdminDeps): Promise<TaskModuleResponse> {
  const ctx: DialogContext = { platform: platformOf(activity), channel: channelOf(activity), user: userOf(activity) };
  const data = ((activity.value as { data?: Record<string, unknown> } | undefined)?.data ?? {}) as Record<string, unknown>;
  const state = stateOf(data);
  const verb = typeof data.verb === 'string' ? data.verb : '';
  const result =
    activity.name === 'task/fetch' || verb === 'admin-home' || verb === 'admin-dialog'
      ? await openDialog(deps, ctx, state._e)
      : await settle(await submitStep(deps, ctx, state, stringValues(data)));
  switch (result.kind) {
    case 'refused':
      return message(result.message);
    case 'screen':
    case 'errors':
      return continueWith(result.screen);
    default:
      return message('Something went wrong; please try again.');
  }
}

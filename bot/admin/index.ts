/**
 * `soar admin` (contract.md §6): the text subcommands and the dialogs (Slack modal, Teams task
 * module, web chat and Teams cards). Entry points wired by bot/dispatch.ts, bot/teams/bot.ts
 * and bot/slack/app.ts.
 */
import { adminMessage, ADMIN_HOME_VERB, ADMIN_SUBMIT_VERB, type AdminScreen } from '../../cards/admin-forms';
import type { ChatMessage } from '../../cards/message';
import type { AdminCommand, ParsedCommand } from '../commands';
import type { Click, Incoming, Reply } from '../dispatch';
import type { AdminDeps } from './deps';
import { openDialog, settle, stateOf, stringValues, submitStep, type DialogContext, type StepResult } from './dialog/flow';
import { adminReply, errorReply, runAdminText } from './text';

export { adminDepsOf, type AdminDeps, type AdminExtras } from './deps';
export { handleTaskModule } from './dialog/task-module';
export { ADMIN_CALLBACK_PREFIX, handleAdminViewSubmission, openAdminModal } from './dialog/slack-modal';
export { ADMIN_USAGE } from './text';

/** Verb of the card button that opens the admin dialog (Slack: the modal). */
export const ADMIN_OPEN_VERB = 'admin-open';
/** Verb of the Teams button that opens the task module (its data carries `msteams.type = task/fetch`). */
export const ADMIN_DIALOG_VERB = 'admin-dialog';

function openButton(verb: string, data: Record<string, unknown>): ChatMessage {
  const line = 'Open the admin dialog to set up environments, channels, integrations, roles, connectors and jobs.';
  return { text: line, title: 'chatsoar admin', status: 'info', lines: [line], actions: [{ title: 'Open admin dialog', verb, data, style: 'positive' }] };
}

/** Teams and web chat show the dialog as cards; Teams also offers it as a task module. */
function cardReply(screen: AdminScreen, platform: Incoming['platform']): Reply {
  const message: ChatMessage = adminMessage(screen);
  if (platform === 'teams' && screen.id === 'home') {
    message.actions = [
      ...(message.actions ?? []),
      { title: 'Open as a dialog', verb: ADMIN_DIALOG_VERB, data: { msteams: { type: 'task/fetch' } }, style: 'default' },
    ];
  }
  return adminReply(message);
}

function stepReply(result: StepResult, platform: Incoming['platform']): Reply {
  switch (result.kind) {
    case 'refused':
      return errorReply(result.message);
    case 'screen':
    case 'errors':
      return cardReply(result.screen, platform);
    default:
      return errorReply('Something went wrong; please try again.');
  }
}

/** `soar admin …` from any platform. With no subcommand it opens the dialog. */
export async function handleAdminCommand(cmd: AdminCommand, incoming: Incoming, deps: AdminDeps): Promise<Reply> {
  const onlyEnvironment = Object.keys(cmd.flags).every((f) => f === 'environment' || f === 'env');
  if (!cmd.positional.length && onlyEnvironment) {
    const env = typeof (cmd.flags.environment ?? cmd.flags.env) === 'string' ? String(cmd.flags.environment ?? cmd.flags.env) : undefined;
    const ctx: DialogContext = { platform: incoming.platform, channel: incoming.channel, user: incoming.user };
    const first = await openDialog(deps, ctx, env);
    if (first.kind === 'refused') return errorReply(first.message);
    if (incoming.platform === 'slack') {
      // Slack forms live in modals, opened from a button (or directly by /soar admin).
      return adminReply(openButton(ADMIN_OPEN_VERB, {}));
    }
    const reply = stepReply(first, incoming.platform);
    // A Teams channel is read by everyone: it gets only the button that opens the task module.
    if (incoming.platform === 'teams' && reply.kind === 'reply') reply.shared = openButton(ADMIN_DIALOG_VERB, { msteams: { type: 'task/fetch' } });
    return reply;
  }
  return runAdminText(cmd, incoming, deps);
}

/** A click or card submit whose verb starts with `admin-` (web chat and Teams cards). */
export async function handleAdminClick(click: Click, deps: AdminDeps): Promise<Reply> {
  const ctx: DialogContext = { platform: click.platform, channel: click.channel, user: click.user };
  const state = stateOf(click.data);
  if (click.platform === 'slack' && click.verb !== ADMIN_OPEN_VERB) return errorReply('Run /soar admin to open the admin dialog.');
  switch (click.verb) {
    case ADMIN_OPEN_VERB:
    case ADMIN_DIALOG_VERB:
    case ADMIN_HOME_VERB:
      return stepReply(await openDialog(deps, ctx, state._e), click.platform);
    case ADMIN_SUBMIT_VERB:
      return stepReply(await settle(await submitStep(deps, ctx, state, stringValues(click.data))), click.platform);
    default:
      return errorReply(`This button (${click.verb}) is not available.`);
  }
}

/**
 * `/soar admin` with nothing but `--environment`: the Slack slash command opens the modal
 * directly (it carries a trigger id). Returns null for any other command.
 */
export function adminDialogRequest(cmd: ParsedCommand): { environment?: string } | null {
  if (cmd.kind !== 'admin' || cmd.positional.length) return null;
  if (!Object.keys(cmd.flags).every((f) => f === 'environment' || f === 'env')) return null;
  const env = cmd.flags.environment ?? cmd.flags.env;
  return typeof env === 'string' ? { environment: env } : {};
}

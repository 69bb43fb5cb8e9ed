/**
 * The `action_id` of a Slack button: `<verb>:<index>`. The verb says which listener handles the
 * click (bot/slack/app.ts registers one per verb); the index keeps ids unique within the actions
 * block, as Slack requires (an approval's buttons share the verb `vote`).
 */

export function slackActionId(verb: string, index: number): string {
  return `${verb}:${index}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every action_id a button with one of these verbs can have: a Bolt `app.action` constraint. */
export function slackActionIdsFor(...verbs: string[]): RegExp {
  return new RegExp(`^(?:${verbs.map(escapeRegExp).join('|')}):\\d+$`);
}

/** Every action_id that is not a button with one of these verbs. */
export function slackActionIdsExcept(...verbs: string[]): RegExp {
  return new RegExp(`^(?!(?:${verbs.map(escapeRegExp).join('|')}):\\d+$)`);
}

/** The verb of an action_id (`vote:1` → `vote`); an id not made here is its own verb. */
export function verbOfSlackActionId(actionId: string): string {
  const m = /^(.+):\d+$/.exec(actionId);
  return m ? m[1]! : actionId;
}

/**
 * Command words that group actions beyond the seeds (contract.md §8): `soar campaign <verb> …`
 * runs the action `campaign-<verb>` of whichever integration has it (`ActionSpec.group`).
 */
import { type ActionSpec, type IntegrationSpec, slug } from '../../handlers/kit/spec';

export type GroupWord = NonNullable<ActionSpec['group']>;
export const GROUP_WORDS: readonly GroupWord[] = ['campaign'];

export function isGroupWord(word: string): word is GroupWord {
  return (GROUP_WORDS as readonly string[]).includes(word);
}

/** The actions of a group, with their integration, in catalogue order. */
export function groupedActions(catalog: readonly IntegrationSpec[], group: GroupWord): Array<{ integration: IntegrationSpec; action: ActionSpec }> {
  return catalog.flatMap((integration) => integration.actions.filter((a) => a.group === group).map((action) => ({ integration, action })));
}

/** The verb of a grouped action: `purge` for `campaign-purge`. */
export function verbOf(action: ActionSpec): string {
  return action.group ? action.id.slice(action.group.length + 1) : action.id;
}

/** The grouped action a verb names, if any. */
export function findGrouped(
  catalog: readonly IntegrationSpec[],
  group: GroupWord,
  word: string,
): { integration: IntegrationSpec; action: ActionSpec } | undefined {
  const key = slug(word);
  return key ? groupedActions(catalog, group).find((g) => verbOf(g.action) === key || g.action.id === key) : undefined;
}

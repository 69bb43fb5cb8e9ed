/** The integration, action or parameter a typed word names in the catalogue. */
import { type ActionSpec, type IntegrationSpec, type ParamSpec, param, slug } from '../../handlers/kit/spec';

/** The item whose id, else alias (any case), else slug of its name is the slug of `word`. */
function findNamed<T extends { id: string }>(
  items: readonly T[],
  word: string,
  aliases: (item: T) => readonly string[],
  name: (item: T) => string,
): T | undefined {
  const key = slug(word);
  if (!key) return undefined;
  return items.find((x) => x.id === key) ?? items.find((x) => aliases(x).some((a) => a.toLowerCase() === key)) ?? items.find((x) => slug(name(x)) === key);
}

/** Finds an integration by id, alias or slug of its name (case-insensitive, slugged). */
export function findIntegration(catalog: readonly IntegrationSpec[], word: string): IntegrationSpec | undefined {
  return findNamed(
    catalog,
    word,
    (i) => [i.alias],
    (i) => i.name,
  );
}

/** Finds an action by id (slug of its name), alias or slug of its name; grouped actions only under their word (grouped.ts). */
export function findAction(integration: IntegrationSpec, word: string): ActionSpec | undefined {
  return findNamed(
    ungroupedActions(integration),
    word,
    (a) => a.aliases ?? [],
    (a) => a.name,
  );
}

/** The actions typed as `soar <integration> <action>`: all but the grouped ones (`soar campaign …`). */
export function ungroupedActions(integration: IntegrationSpec): ActionSpec[] {
  return integration.actions.filter((a) => !a.group);
}

/**
 * The User entities of an entity action (contract.md §4): `--user a@x.com,b@x.com`, kept as
 * `params.user`; a command without it gets the missing-parameter form like any required one.
 */
export const USER_ENTITY_PARAM: ParamSpec = param('User', {
  type: 'email-list',
  required: true,
  aliases: ['users'],
  description: 'The User entities to run on: comma-separated email addresses (user principal names).',
});

/** An action's parameters as typed in chat: the entity list first for entity actions (unless the spec declares it). */
export function actionParams(action: ActionSpec): ParamSpec[] {
  if (action.entity !== 'user' || action.params.some((p) => p.id === USER_ENTITY_PARAM.id)) return action.params;
  return [USER_ENTITY_PARAM, ...action.params];
}

/** The param an `--name` refers to: id, alias or slug of the display name. */
export function findParam(action: ActionSpec, name: string): ParamSpec | undefined {
  return findNamed(
    actionParams(action),
    name,
    (p) => p.aliases ?? [],
    (p) => p.displayName,
  );
}

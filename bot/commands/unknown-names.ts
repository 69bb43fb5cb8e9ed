/** The errors for a word that names no integration, action or parameter, with what it may have meant. */
import { type ActionSpec, type IntegrationSpec, slug } from '../../handlers/kit/spec';
import { actionParams, findAction, findParam, ungroupedActions } from './catalog-lookup';
import { didYouMean, fail, flagName } from './command-error';
import { findGrouped, GROUP_WORDS, verbOf } from './grouped';
import type { CommandError } from './parsed-command';
import { orList, suggest } from '../../lib/suggest';
import { show, type Token } from './tokenize';

/** The names closest to `typed` shown as `label(name)`, best first: at most 3, no repeats. */
function closest(typed: string, names: readonly string[], label: (name: string) => string): string[] {
  return [...new Set(suggest(typed, names, 6).map(label))].slice(0, 3);
}

/** `closest` over the names of `items`; a suggestion is the `label` of the item a name belongs to. */
function closestItems<T>(typed: string, items: readonly T[], namesOf: (item: T) => string[], label: (item: T) => string): string[] {
  const names: string[] = [];
  const owner = new Map<string, T>();
  for (const item of items) {
    for (const n of namesOf(item)) {
      names.push(n);
      owner.set(n, item);
    }
  }
  return closest(typed, names, (n) => label(owner.get(n)!));
}

/** `<alias> <action>` for each integration of `catalog` that has an action named `word`. */
function actionsNamed(catalog: readonly IntegrationSpec[], word: string): Array<{ integration: IntegrationSpec; command: string }> {
  return catalog.flatMap((integration) => {
    const a = findAction(integration, word);
    return a ? [{ integration, command: `${integration.alias} ${a.id}` }] : [];
  });
}

export function unknownIntegration(catalog: readonly IntegrationSpec[], word: string): CommandError {
  const key = slug(word) || word.toLowerCase();
  // `soar search-emails …`: an action typed without its integration.
  const owners = actionsNamed(catalog, word);
  if (owners.length && key) {
    const suggestions = owners.map((o) => o.command);
    return fail(`Unknown integration ${show(word)}: it is an action of ${orList(owners.map((o) => o.integration.name))}.${didYouMean(suggestions)}`, {
      suggestions,
    });
  }
  const suggestions = closestItems(
    key,
    catalog,
    (i) => [i.alias, i.id, slug(i.name)],
    (i) => i.alias,
  );
  const list = catalog.map((i) => i.alias).join(', ');
  const tail = suggestions.length ? didYouMean(suggestions) : list ? ` Integrations: ${list} (soar help lists them).` : ' No integrations are available.';
  return fail(`Unknown integration ${show(word)}.${tail}`, { suggestions });
}

export function unknownAction(catalog: readonly IntegrationSpec[], integration: IntegrationSpec, word: string): CommandError {
  const key = slug(word) || word.toLowerCase();
  // `soar graphmail campaign-find`: a grouped action is typed under its word (contract.md §8).
  const grouped = GROUP_WORDS.flatMap((g) => {
    const found = findGrouped(catalog, g, word);
    return found && found.action.id === key ? [`${g} ${verbOf(found.action)}`] : [];
  });
  if (grouped.length) return fail(`Unknown action ${show(word)} for ${integration.name}.${didYouMean(grouped)}`, { suggestions: grouped, integration });
  let suggestions = closestItems(
    key,
    ungroupedActions(integration),
    (a) => [a.id, ...(a.aliases ?? [])],
    (a) => a.id,
  );
  if (!suggestions.length) {
    // The action exists, but in another integration.
    suggestions = actionsNamed(
      catalog.filter((i) => i !== integration),
      word,
    )
      .map((o) => o.command)
      .slice(0, 3);
  }
  const tail = suggestions.length ? didYouMean(suggestions) : ` Run soar help ${integration.alias} for its actions.`;
  return fail(`Unknown action ${show(word)} for ${integration.name}.${tail}`, { suggestions, integration });
}

export function unknownParam(integration: IntegrationSpec, action: ActionSpec, tok: Token): CommandError {
  const typed = slug(tok.option?.name ?? '') || (tok.option?.name ?? '').toLowerCase();
  const names: string[] = [];
  for (const p of actionParams(action)) names.push(p.id, ...(p.aliases ?? []));
  names.push('environment', 'timeout');
  if (action.dryRun) names.push('dry-run');
  const suggestions = closest(typed, names, (n) => findParam(action, n)?.id ?? n).map((n) => `--${n}`);
  const tail = suggestions.length ? didYouMean(suggestions) : ` Run soar help ${integration.alias} ${action.id} for its parameters.`;
  return fail(`Unknown parameter ${flagName(tok)} for ${action.name}.${tail}`, { integration, action, suggestions });
}

/**
 * Problems that would make the grammar ambiguous in a catalogue (for a drift test): duplicate or
 * reserved integration/action/param names, ids that are not the slug of their names, enums
 * without options.
 */
import { type IntegrationSpec, slug } from '../../handlers/kit/spec';
import { RESERVED_WORDS } from './builtins';
import { GLOBAL_OPTION_NAMES } from './global-options';

/** An id and its aliases, lowercased, each once. */
function namesOf(id: string, aliases: readonly string[] = []): Set<string> {
  return new Set([id, ...aliases.map((x) => x.toLowerCase())]);
}

/**
 * Takes `names` for `owner` in `taken` (name → who has it). A name someone already has, or (with
 * `slugsOnly`) one that is not a slug, is a problem starting with `where`.
 */
function claimNames(
  problems: string[],
  taken: Map<string, string>,
  claim: { where: string; owner: string; names: Iterable<string>; slugsOnly: boolean; shown?: (name: string) => string },
): void {
  const shown = claim.shown ?? ((n: string) => `"${n}"`);
  for (const n of claim.names) {
    if (claim.slugsOnly && n !== slug(n)) problems.push(`${claim.where}: alias "${n}" is not a slug`);
    if (taken.has(n)) problems.push(`${claim.where}: ${shown(n)} is already ${taken.get(n)}`);
    else taken.set(n, claim.owner);
  }
}

export function checkCatalog(catalog: readonly IntegrationSpec[]): string[] {
  const problems: string[] = [];
  const top = new Map(RESERVED_WORDS.map((w) => [w, `the built-in ${w}`]));
  for (const i of catalog) {
    if (i.id !== slug(i.name)) problems.push(`integration ${i.id}: id is not the slug of "${i.name}"`);
    const owner = `integration ${i.id}`;
    claimNames(problems, top, { where: owner, owner, names: namesOf(i.id, [i.alias]), slugsOnly: false });
    const actions = new Map(RESERVED_WORDS.map((w) => [w, `the word ${w}`]));
    for (const a of i.actions) {
      if (a.id !== slug(a.name)) problems.push(`${i.id} ${a.id}: id is not the slug of "${a.name}"`);
      if (a.integration !== i.id) problems.push(`${i.id} ${a.id}: its integration is ${a.integration}`);
      claimNames(problems, actions, { where: `${i.id} ${a.id}`, owner: `action ${a.id}`, names: namesOf(a.id, a.aliases), slugsOnly: true });
      const params = new Map([...GLOBAL_OPTION_NAMES.keys()].map((g) => [g, `the global option --${g}`]));
      for (const p of a.params) {
        const where = `${i.id} ${a.id} --${p.id}`;
        if (p.id !== slug(p.displayName)) problems.push(`${where}: id is not the slug of "${p.displayName}"`);
        if (p.type === 'enum' && !p.options?.length) problems.push(`${where}: enum without options`);
        claimNames(problems, params, { where, owner: `--${p.id}`, names: namesOf(p.id, p.aliases), slugsOnly: true, shown: (n) => `"--${n}"` });
      }
    }
  }
  return problems;
}

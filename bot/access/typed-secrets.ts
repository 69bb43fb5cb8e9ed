/**
 * Secrets typed into a chat line. A channel message is read by everyone in the channel and kept
 * in its history, so a secret parameter given there (`soar admin set graphmail --secret-id …`) is
 * refused, and the line is neither stored nor echoed; dialogs and forms take secrets instead.
 */
import { catalog as defaultCatalog } from '../../handlers/catalog';
import { slug, type IntegrationSpec, type ParamSpec } from '../../handlers/kit/spec';
import { stripLeadingMention, tokenize } from '../commands';

const names = new WeakMap<readonly IntegrationSpec[], Set<string>>();

/** Every `--name` that is a secret parameter somewhere in the catalogue (instance, action, connector, job). */
export function secretParamNames(catalog: readonly IntegrationSpec[]): Set<string> {
  const known = names.get(catalog);
  if (known) return known;
  const out = new Set<string>();
  const add = (params: readonly ParamSpec[]): void => {
    for (const p of params) if (p.secret) for (const n of [p.id, ...(p.aliases ?? []), slug(p.displayName)]) out.add(slug(n));
  };
  for (const i of catalog) {
    add(i.params);
    for (const s of [...i.actions, ...i.connectors, ...i.jobs]) add(s.params);
  }
  names.set(catalog, out);
  return out;
}

/** The secret parameters given a value in `text` (as `--name value` or `--name=value`), by name. */
export function typedSecrets(text: string, catalog: readonly IntegrationSpec[] = defaultCatalog): string[] {
  const secret = secretParamNames(catalog);
  const line = stripLeadingMention(text);
  const tokenized = tokenize(line);
  if (!tokenized.ok) {
    // An unreadable line (an unclosed quote) is judged by the names it mentions.
    const found = [...line.matchAll(/(?:--|[—–−])([A-Za-z][\w-]*)/g)].map((m) => slug(m[1]!)).filter((n) => secret.has(n));
    return [...new Set(found)];
  }
  const tokens = tokenized.tokens;
  const found = new Set<string>();
  tokens.forEach((tok, i) => {
    if (!tok.option) return;
    const name = slug(tok.option.name);
    if (!secret.has(name)) return;
    const next = tokens[i + 1];
    const value = tok.option.value !== undefined ? tok.option.value : next && !next.option ? next.value : '';
    if (value.trim()) found.add(name);
  });
  return [...found];
}

/** The one-line refusal: where to type the secret instead. */
export function typedSecretRefusal(found: string[], platform: 'slack' | 'teams' | 'webchat'): string {
  const flags = found.map((n) => `--${n}`).join(', ');
  const where =
    platform === 'slack'
      ? 'the /soar slash command or the admin dialog (/soar admin)'
      : 'the admin dialog (soar admin), or the form an action shows when you leave the value out';
  return `Secrets are not taken from channel messages, which others can read (${flags}): use ${where}. If others saw this message, change that secret.`;
}

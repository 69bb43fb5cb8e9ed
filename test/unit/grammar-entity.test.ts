/** contract.md §4 entities: the one entity action takes its User entities as `--user a@x.com,b@x.com`. */
import { formatCommand, parseCommand, type ActionCommand, type CommandError, type ParsedCommand } from '../../bot/commands';
import { missingMessage } from '../../bot/commands/action-args';
import { actionParams, USER_ENTITY_PARAM } from '../../bot/commands/catalog-lookup';
import { catalog } from '../../handlers/catalog';

const parse = (text: string): ParsedCommand => parseCommand(text, catalog);

function action(text: string): ActionCommand {
  const r = parse(text);
  if (r.kind !== 'action') throw new Error(`expected an action for ${text}, got ${r.kind === 'error' ? r.message : r.kind}`);
  return r;
}

function error(text: string): CommandError {
  const r = parse(text);
  if (r.kind !== 'error') throw new Error(`expected an error for ${text}, got ${r.kind}`);
  return r;
}

const OOF = 'graphmail get-mailbox-account-out-of-facility-settings';

describe('--user on entity actions', () => {
  it('reads a comma-separated list of users into params.user', () => {
    const cmd = action(`${OOF} --user alice@contoso.com,bob@contoso.com`);
    expect(cmd.params.user).toEqual(['alice@contoso.com', 'bob@contoso.com']);
    expect(cmd.missing).toEqual([]);
    expect(cmd.given).toEqual(['user']);
  });

  it('takes --user=…, spaces after commas, mailto: and <…>, and the alias --users', () => {
    expect(action(`${OOF} --user=alice@contoso.com`).params.user).toEqual(['alice@contoso.com']);
    expect(action(`${OOF} --user "alice@contoso.com, <bob@contoso.com>"`).params.user).toEqual(['alice@contoso.com', 'bob@contoso.com']);
    expect(action(`${OOF} --users mailto:carol@contoso.com`).params.user).toEqual(['carol@contoso.com']);
  });

  it('without --user the users are a missing required parameter (the reply offers a form)', () => {
    const cmd = action(OOF);
    expect(cmd.params.user).toBeUndefined();
    expect(cmd.missing.map((p) => p.id)).toEqual(['user']);
    expect(missingMessage(cmd)).toBe('Missing required parameter(s) for Get Mailbox Account Out Of Facility Settings: --user.');
  });

  it('refuses a value that is not an address, naming the parameter', () => {
    expect(error(`${OOF} --user alice`).message).toBe('Parameter --user: "alice" is not an email address.');
  });

  it('is not a parameter of actions without entities, with a suggestion-free clear error', () => {
    const e = error('graphmail search-emails --user alice@contoso.com');
    expect(e.message).toMatch(/^Unknown parameter --user for Search Emails\./);
  });

  it('round-trips through formatCommand', () => {
    const cmd = action(`${OOF} --user alice@contoso.com,bob@contoso.com`);
    const again = action(formatCommand(cmd));
    expect(again.params).toEqual(cmd.params);
  });

  it('actionParams puts the entity first for entity actions only, once', () => {
    const oof = catalog.flatMap((i) => i.actions).find((a) => a.entity === 'user')!;
    expect(actionParams(oof)[0]).toBe(USER_ENTITY_PARAM);
    const search = catalog.flatMap((i) => i.actions).find((a) => a.id === 'search-emails')!;
    expect(actionParams(search)).toBe(search.params);
    // A spec that declares its own `user` parameter keeps it (no second one).
    const declared = { ...oof, params: [{ ...USER_ENTITY_PARAM, required: true }] };
    expect(actionParams(declared)).toBe(declared.params);
  });
});

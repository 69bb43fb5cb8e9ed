/** contract.md §4 grammar: tokenizer, chat-text normalisation, parser, durations. */
import {
  checkCatalog,
  formatCommand,
  formatDuration,
  missingMessage,
  normalizeChatText,
  parseCommand,
  parseDuration,
  quoteArg,
  suggest,
  tokenize,
  type ActionCommand,
  type CommandError,
  type ParsedCommand,
} from '../../bot/commands';
import { deleteEmail, executeHttpRequest, fixtureCatalog, searchEmails, sendEmail } from '../fixtures/catalog-fixture';

const parse = (text: string): ParsedCommand => parseCommand(text, fixtureCatalog);

function action(text: string): ActionCommand {
  const r = parse(text);
  if (r.kind !== 'action') throw new Error(`expected an action for ${JSON.stringify(text)}, got ${JSON.stringify(r.kind === 'error' ? r.message : r.kind)}`);
  return r;
}

function error(text: string): CommandError {
  const r = parse(text);
  if (r.kind !== 'error') throw new Error(`expected an error for ${JSON.stringify(text)}, got ${r.kind}`);
  expect(r.message).not.toMatch(/\n/);
  return r;
}

function values(text: string): string[] {
  const r = tokenize(text);
  if (!r.ok) throw new Error(r.error);
  return r.tokens.map((t) => t.value);
}

describe('tokenize', () => {
  it.each<[string, string[]]>([
    ['a b  c', ['a', 'b', 'c']],
    ['  lead\ttab\nnewline  ', ['lead', 'tab', 'newline']],
    ['"a b" c', ['a b', 'c']],
    ["'a b' c", ['a b', 'c']],
    ['"say \\"hi\\"" x', ['say "hi"', 'x']],
    ["'it\\'s' x", ["it's", 'x']],
    ['"back\\\\slash"', ['back\\slash']],
    ['"C:\\files\\x"', ['C:\\files\\x']],
    ["'\\d+'", ['\\d+']],
    ['“smart quotes” next', ['smart quotes', 'next']],
    ['‘single smart’ next', ['single smart', 'next']],
    ['„German“ x', ['German', 'x']],
    ['"ascii keeps “inner” smart"', ['ascii keeps “inner” smart']],
    ["'don’t stop' now", ['don’t stop', 'now']],
    ["don't it’s", ["don't", 'it’s']],
    ['--p="a b" --q=\'c d\'', ['--p=a b', '--q=c d']],
    ['--p=“a b”', ['--p=a b']],
    ['"prod","staging"', ['prod,staging']],
    ['"" x', ['', 'x']],
    ['a\\ b', ['a b']],
    ['non\u00a0breaking', ['non', 'breaking']],
    ['"multi\nline"', ['multi\nline']],
    ['—dry-run –environment', ['--dry-run', '--environment']],
  ])('%j', (line, expected) => {
    expect(values(line)).toEqual(expected);
  });

  it('marks options and splits --p=v', () => {
    const r = tokenize('--subject="a b" --flag "--not-an-option" --x=');
    if (!r.ok) throw new Error(r.error);
    expect(r.tokens[0].option).toEqual({ name: 'subject', value: 'a b', literal: 'a b', source: '"a b"', quoted: true });
    expect(r.tokens[1].option).toEqual({ name: 'flag', quoted: false });
    expect(r.tokens[2].option).toBeUndefined();
    expect(r.tokens[2].value).toBe('--not-an-option');
    expect(r.tokens[3].option).toEqual({ name: 'x', value: '', literal: '', source: '', quoted: false });
  });

  it.each(['"abc', "'abc", 'x "a b', '“open', '--p="a b', "'it\\'"])('unterminated quote: %j', (line) => {
    const r = tokenize(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^Unterminated quote/);
  });

  it('quoteArg round-trips', () => {
    for (const v of ['plain', 'a b', '', 'say "hi"', 'back\\slash', "it's", '--x', '“q”', 'line\nbreak', '-5']) {
      expect(values(quoteArg(v))).toEqual([v]);
    }
  });
});

describe('normalizeChatText', () => {
  it.each<[string, string]>([
    ['<at>chatsoar</at> soar jobs', 'soar jobs'],
    ['<at id="0">Chat SOAR</at>&nbsp;soar help', 'soar help'],
    ['@chatsoar soar jobs', 'soar jobs'],
    ['soar vote &quot;Block it?&quot; --options Yes/No', 'soar vote "Block it?" --options Yes/No'],
    ['<p>soar jobs</p>', 'soar jobs'],
    ['a &amp; b &lt;c&gt; &#39;d&#39; &#x201C;e&#x201D;', "a & b <c> 'd' “e”"],
    ['soar azure http --url-path <https://graph.microsoft.com/v1.0/me>', 'soar azure http --url-path https://graph.microsoft.com/v1.0/me'],
    ['--url <https://x.example/a|https://x.example/a>', '--url https://x.example/a'],
    ['--url <http://x.example/a|see this>', '--url http://x.example/a'],
    ['--tenant <http://contoso.onmicrosoft.com|contoso.onmicrosoft.com>', '--tenant contoso.onmicrosoft.com'],
    ['--user <mailto:a@x.com|a@x.com>,<mailto:b@x.com|b@x.com>', '--user a@x.com,b@x.com'],
    ['--voters <@U0123ABC|alice> <@U0456DEF>', '--voters slack:U0123ABC slack:U0456DEF'],
    ['--channel <#C0123ABCD|soc>', '--channel slack:C0123ABCD'],
    ['--json \'{"a": "b &amp; c"}\'', '--json \'{"a": "b & c"}\''],
    ['zero\u200bwidth\u00a0nbsp', 'zerowidth nbsp'],
    ['<@U0BOT> soar jobs', 'soar jobs'],
    ['<@U0BOT|chatsoar> soar vote "Q" --voters <@U1>', 'soar vote "Q" --voters slack:U1'],
  ])('%j', (input, expected) => {
    expect(normalizeChatText(input)).toBe(expected);
  });

  it('web chat text is kept verbatim apart from spaces and a leading mention', () => {
    expect(normalizeChatText('--body "<p>Hi &amp; bye</p>"', 'web')).toBe('--body "<p>Hi &amp; bye</p>"');
  });

  it('decodes Teams entities before parsing a quoted value', () => {
    const cmd = action(normalizeChatText('<at>bot</at> soar graphmail search-emails --subject-filter &quot;Invoice &amp; payment&quot;', 'teams'));
    expect(cmd.params['subject-filter']).toBe('Invoice & payment');
  });
});

describe('parseDuration / formatDuration', () => {
  it.each<[string, number | null]>([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['120', 120_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['2 hours', 7_200_000],
    ['1W', 604_800_000],
    ['', null],
    ['abc', null],
    ['-5m', null],
    ['5x', null],
    ['m', null],
  ])('parseDuration(%j)', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each<[number, string]>([
    [0, '0s'],
    [250, '250ms'],
    [45_000, '45s'],
    [90_000, '1m30s'],
    [1_800_000, '30m'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [2 * 86_400_000 + 3 * 3_600_000, '2d3h'],
  ])('formatDuration(%d)', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('parseCommand: commands', () => {
  it.each<[string, Partial<ParsedCommand>]>([
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['soar', { kind: 'help' }],
    ['/soar', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['soar help', { kind: 'help' }],
    ['SOAR HELP', { kind: 'help' }],
    ['soar --help', { kind: 'help' }],
    ['soar jobs', { kind: 'jobs' }],
    ['jobs', { kind: 'jobs' }],
    ['<at>chatsoar</at> soar jobs', { kind: 'jobs' }],
    ['@chatsoar jobs', { kind: 'jobs' }],
    ['soar cancel j-4821', { kind: 'cancel', jobId: 'j-4821' }],
    ['soar cancel #j-4821', { kind: 'cancel', jobId: 'j-4821' }],
    ['soar help vote', { kind: 'help', topic: 'vote' }],
  ])('%j', (text, expected) => {
    expect(parse(text)).toMatchObject(expected);
  });

  it('help for an integration and an action, by id, alias or any case', () => {
    for (const t of ['soar help graphmail', 'soar help Microsoft-Graph-Mail', 'soar graphmail', 'soar graphmail help', 'soar graphmail --help']) {
      const r = parse(t);
      expect(r).toMatchObject({ kind: 'help', integration: { id: 'microsoft-graph-mail' } });
      expect(r.kind === 'help' && r.action).toBeFalsy();
    }
    for (const t of [
      'soar help graphmail search-emails',
      'soar help GRAPHMAIL Search-Emails',
      'soar graphmail search-emails --help',
      'soar graphmail search-emails -h',
      'soar graphmail search-emails help',
    ]) {
      expect(parse(t)).toMatchObject({ kind: 'help', integration: { id: 'microsoft-graph-mail' }, action: { id: 'search-emails' } });
    }
  });

  it.each<[string, RegExp]>([
    ['soar jobs now', /^soar jobs takes no arguments\.$/],
    ['soar cancel', /^Which job\?/],
    ['soar cancel a b', /takes one job id/],
    ['soar cancel "a b"', /is not a job id/],
    ['soar help nosuch', /^Unknown integration "nosuch"/],
    ['soar help graphmail nosuch', /^Unknown action "nosuch" for Microsoft Graph Mail/],
    ['soar help graphmail search-emails extra', /at most an integration and an action/],
    ['soar --environment prod azure ping', /starts with an integration/],
    ['soar azure --url x', /Name an action of Azure API/],
  ])('error %j', (text, message) => {
    expect(error(text).message).toMatch(message);
  });

  describe('vote', () => {
    it.each<[string, object]>([
      ['soar vote "Block sender?"', { kind: 'vote', question: 'Block sender?', options: ['Approve', 'Reject'], timeoutMs: 1_800_000 }],
      ['soar vote Block the sender? --options Yes/No', { question: 'Block the sender?', options: ['Yes', 'No'] }],
      ['soar vote "Q" --options "Block / Allow / Ask later" --timeout 2h', { options: ['Block', 'Allow', 'Ask later'], timeoutMs: 7_200_000 }],
      ['soar vote "Q" --voters approver', { voters: ['approver'] }],
      ['soar vote "Q" --voters slack:U1,slack:U2', { voters: ['slack:U1', 'slack:U2'] }],
      ['soar vote "Q" --voters slack:U1 slack:U2 --timeout=90s', { voters: ['slack:U1', 'slack:U2'], timeoutMs: 90_000 }],
      ['soar vote “Smart quoted?” --options=Yes/No', { question: 'Smart quoted?', options: ['Yes', 'No'] }],
    ])('%j', (text, expected) => {
      expect(parse(text)).toMatchObject(expected);
    });

    it('has no voters unless given', () => {
      expect(parse('soar vote "Q"')).not.toHaveProperty('voters');
    });

    it.each<[string, RegExp]>([
      ['soar vote', /^What is the question\?/],
      ['soar vote "Q" --options Yes', /at least two choices/],
      ['soar vote "Q" --options Yes/yes', /given twice/],
      ['soar vote "Q" --timeout soon', /expected a duration/],
      ['soar vote "Q" --timeout 30d', /at most 7d/],
      ['soar vote "Q" --optoins Yes/No', /Unknown option --optoins for soar vote\. Did you mean --options\?/],
      ['soar vote "Q" --voters', /needs a value/],
      ['soar vote "Q" --timeout 1m --timeout 2m', /given twice/],
    ])('error %j', (text, message) => {
      expect(error(text).message).toMatch(message);
    });
  });

  describe('admin', () => {
    it.each<[string, object]>([
      ['soar admin', { kind: 'admin', args: [], positional: [], flags: {} }],
      ['soar admin env list', { args: ['env', 'list'], positional: ['env', 'list'], flags: {} }],
      [
        'soar admin set graphmail --client-id abc --secret-id="s p a c e" --verify-ssl',
        {
          args: ['set', 'graphmail', '--client-id', 'abc', '--secret-id=s p a c e', '--verify-ssl'],
          positional: ['set', 'graphmail'],
          flags: { 'client-id': 'abc', 'secret-id': 's p a c e', 'verify-ssl': true },
        },
      ],
      ['soar admin role grant approver slack:U1 slack:U2', { positional: ['role', 'grant', 'approver', 'slack:U1', 'slack:U2'] }],
      ['soar admin --environment prod env list', { positional: ['env', 'list'], flags: { environment: 'prod' } }],
      [
        'soar admin connector add phish --type microsoft-graph-mail-connector --every 60s',
        { positional: ['connector', 'add', 'phish'], flags: { type: 'microsoft-graph-mail-connector', every: '60s' } },
      ],
    ])('%j', (text, expected) => {
      expect(parse(text)).toMatchObject(expected);
    });

    it('refuses a flag given twice and an empty flag name', () => {
      expect(error('soar admin set azure --client-id a --client-id b').message).toMatch(/given twice/);
      expect(error('soar admin set azure -- x').message).toMatch(/a name must follow/);
    });

    it('is safe with prototype-ish names', () => {
      const r = parse('soar admin x --__proto__ evil --constructor y');
      expect(r.kind).toBe('admin');
      if (r.kind === 'admin') expect(Object.keys(r.flags).sort()).toEqual(['constructor', 'proto'].sort());
      expect(({} as Record<string, unknown>).evil).toBeUndefined();
    });
  });
});

describe('parseCommand: integrations and actions', () => {
  it.each<[string, string, string]>([
    ['soar azure ping', 'azure-api', 'ping'],
    ['soar azure-api ping', 'azure-api', 'ping'],
    ['soar AZURE Ping', 'azure-api', 'ping'],
    ['/soar azure ping', 'azure-api', 'ping'],
    ['azure ping', 'azure-api', 'ping'],
    ['soar o365 start-a-subscription --start-a-subscription-for DLP.All', 'o365-management-api', 'start-a-subscription'],
    ['soar graphmail Search-Emails', 'microsoft-graph-mail', 'search-emails'],
    ['soar graphmail search_emails', 'microsoft-graph-mail', 'search-emails'],
    ['soar graphmail get-mailbox-account-out-of-facility-settings --user a@x.com', 'microsoft-graph-mail', 'get-mailbox-account-out-of-facility-settings'],
    ['soar microsoft-graph-mail send --subject s --send-to a@x.com --mail-content hi', 'microsoft-graph-mail', 'send-email'],
    ['soar azure http --url-path https://x.example', 'azure-api', 'execute-http-request'],
    ['soar "Microsoft Graph Mail" search-emails', 'microsoft-graph-mail', 'search-emails'],
  ])('%j', (text, integration, act) => {
    const cmd = action(text);
    expect(cmd.integration.id).toBe(integration);
    expect(cmd.action.id).toBe(act);
  });

  it.each<[string, RegExp, string[]]>([
    ['soar azur ping', /^Unknown integration "azur"\. Did you mean azure\?$/, ['azure']],
    ['soar grahpmail search-emails', /^Unknown integration "grahpmail"\. Did you mean graphmail\?$/, ['graphmail']],
    ['soar o356 ping', /Did you mean o365\?$/, ['o365']],
    ['soar nothing-like-it ping', /^Unknown integration "nothing-like-it"\. Integrations: azure, graphmail, o365/, []],
    ['soar search-emails --subject x', /it is an action of Microsoft Graph Mail\. Did you mean graphmail search-emails\?$/, ['graphmail search-emails']],
    ['soar graphmail serch-emails', /^Unknown action "serch-emails" for Microsoft Graph Mail\. Did you mean search-emails\?$/, ['search-emails']],
    ['soar graphmail search', /Did you mean search-emails\?$/, ['search-emails']],
    ['soar graphmail delete-emails', /Did you mean delete-email\?$/, ['delete-email']],
    [
      'soar azure start-a-subscription',
      /^Unknown action "start-a-subscription" for Azure API\. Did you mean o365 start-a-subscription\?$/,
      ['o365 start-a-subscription'],
    ],
    ['soar azure zzzzzz', /^Unknown action "zzzzzz" for Azure API\. Run soar help azure for its actions\.$/, []],
  ])('%j', (text, message, suggestions) => {
    const e = error(text);
    expect(e.message).toMatch(message);
    expect(e.suggestions ?? []).toEqual(suggestions);
  });
});

describe('parseCommand: parameters', () => {
  it('takes --p v, --p=v, quoted values, aliases and any case', () => {
    const cmd = action(
      'soar graphmail search-emails --Search-In-Mailbox a@x.com --FOLDER-NAME="Sent Items" --subject "Invoice 42" --max=10 --time-frame-minutes 60',
    );
    expect(cmd.params).toEqual({
      'search-in-mailbox': ['a@x.com'],
      'folder-name': 'Sent Items',
      'subject-filter': 'Invoice 42',
      'max-emails-to-return': 10,
      'time-frame-minutes': 60,
    });
    expect(cmd.given).toEqual(['search-in-mailbox', 'folder-name', 'subject-filter', 'max-emails-to-return', 'time-frame-minutes']);
    expect(cmd.options).toEqual({ dryRun: false });
    expect(cmd.missing).toEqual([]);
  });

  it('does not fill defaults unless asked', () => {
    expect(action('soar graphmail search-emails').params).toEqual({});
    const filled = parseCommand('soar azure http --url https://x.example', fixtureCatalog, { fillDefaults: true });
    expect(filled).toMatchObject({
      kind: 'action',
      params: {
        method: 'GET',
        'url-path': 'https://x.example',
        headers: { 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json' },
        'fail-on-4xx-5xx': true,
        'fields-to-return': ['response_data', 'redirects', 'response_code', 'cookies', 'response_headers', 'apparent_encoding'],
        'request-timeout': 120,
      },
      given: ['url-path'],
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['--only-unread', { 'only-unread': true }],
    ['--only-unread=false', { 'only-unread': false }],
    ['--only-unread=FALSE', { 'only-unread': false }],
    ['--only-unread=no', { 'only-unread': false }],
    ['--only-unread=0', { 'only-unread': false }],
    ['--only-unread=yes', { 'only-unread': true }],
    ['--only-unread=1', { 'only-unread': true }],
    ['--only-unread false', { 'only-unread': false }],
    ['--only-unread true', { 'only-unread': true }],
    ['--only-unread --max 5', { 'only-unread': true, 'max-emails-to-return': 5 }],
    ['--only-unread="false"', { 'only-unread': false }],
  ])('boolean %s', (args, params) => {
    expect(action(`soar graphmail search-emails ${args}`).params).toEqual(params);
  });

  it.each<[string, unknown]>([
    ['--mail-ids a,b,c', ['a', 'b', 'c']],
    ['--mail-ids " a , b ,, c , "', ['a', 'b', 'c']],
    ['--mail-ids=x', ['x']],
    // A JSON array keeps commas inside items; anything else starting with [ is split as usual.
    ['--mail-ids \'["Invoice, March.eml", " b "]\'', ['Invoice, March.eml', 'b']],
    ['--mail-ids "[a, b"', ['[a', 'b']],
    ['--delete-in-mailbox "a@x.com, b@x.com"', ['a@x.com', 'b@x.com']],
    ['--delete-in-mailbox "a@x.com; b@x.com"', ['a@x.com', 'b@x.com']],
  ])('list %s', (args, expected) => {
    const cmd = action(`soar graphmail delete-email ${args}`);
    const key = args.slice(2).split(/[ =]/)[0];
    expect(cmd.params[key]).toEqual(expected);
  });

  it.each<[string, unknown]>([
    [`--regex-map-json '{"ips": "\\\\b\\\\d{1,3}(\\\\.\\\\d{1,3}){3}\\\\b"}'`, { ips: '\\b\\d{1,3}(\\.\\d{1,3}){3}\\b' }],
    [`--regex-map-json "{\\"a\\": 1}"`, { a: 1 }],
    [`--regex-map-json='{"a": [1, 2]}'`, { a: [1, 2] }],
    [`--regex-map-json {"a":1}`, { a: 1 }],
    [`--regex-map-json ‘{“a”: “b c”}’`, { a: 'b c' }],
    [`--regex-map-json '{"a": "it\\'s"}'`, { a: "it's" }],
    [`--regex-map-json 42`, 42],
  ])('json %s', (args, expected) => {
    expect(action(`soar graphmail extract-data-from-attached-eml --mail-ids m1 ${args}`).params['regex-map-json']).toEqual(expected);
  });

  it('enum: any case, stored as written in options', () => {
    expect(action('soar azure http --url https://x.example --method post').params.method).toBe('POST');
    expect(action('soar o365 start-a-subscription --start-a-subscription-for audit.general').params['start-a-subscription-for']).toBe('Audit.General');
    expect(action('soar o365 start-a-subscription --start-a-subscription-for dlp-all').params['start-a-subscription-for']).toBe('DLP.All');
  });

  it('code and string values are kept verbatim', () => {
    const cmd = action(`soar graphmail send-email --subject "  spaced  " --send-to a@x.com --mail-content '<p class="x">Hi\n  there</p>'`);
    expect(cmd.params.subject).toBe('  spaced  ');
    expect(cmd.params['mail-content']).toBe('<p class="x">Hi\n  there</p>');
  });

  it('url and email values', () => {
    expect(action('soar azure http --url http://127.0.0.1:8080/v1.0/me').params['url-path']).toBe('http://127.0.0.1:8080/v1.0/me');
    expect(action('soar graphmail search-emails --sender-filter mailto:bad@evil.example').params['sender-filter']).toBe('bad@evil.example');
  });

  it.each<[string, RegExp]>([
    ['soar graphmail search-emails --max-emails-to-return abc', /^Parameter --max-emails-to-return: expected a whole number, got "abc"\.$/],
    ['soar graphmail search-emails --max 1.5', /expected a whole number, got "1\.5"/],
    ['soar graphmail search-emails --max 99999999999999999999', /expected a whole number/],
    ['soar graphmail search-emails --only-unread=maybe', /^Parameter --only-unread: expected true or false, got "maybe"\.$/],
    [
      'soar graphmail search-emails --only-unread maybe',
      /^Unexpected "maybe" after --only-unread: it is a flag \(write --only-unread or --only-unread=false\)\.$/,
    ],
    ["soar graphmail extract-data-from-attached-eml --mail-ids m --regex-map-json '{ips: 1}'", /^Parameter --regex-map-json: invalid JSON \(.+\)\.$/],
    ['soar azure http --url https://x.example --method FETCH', /^Parameter --method: "FETCH" is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS\.$/],
    ['soar azure http --url https://x.example --method PSOT', /is not one of .*\. Did you mean POST\?$/],
    ['soar azure http --url ftp://x.example', /^Parameter --url-path: expected an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x\.example"\.$/],
    ['soar azure http --url graph.microsoft.com', /expected an http:\/\/ or https:\/\/ URL/],
    ['soar graphmail search-emails --sender-filter nobody', /^Parameter --sender-filter: "nobody" is not an email address\.$/],
    ['soar graphmail delete-email --mail-ids a --delete-in-mailbox a@x.com,oops', /"oops" is not an email address/],
    ['soar graphmail search-emails --subject a --subject b', /^Parameter --subject-filter is given twice\.$/],
    ['soar graphmail search-emails --subject-filter a --subject b', /given twice/],
    ['soar graphmail search-emails --subject', /^Parameter --subject-filter needs a value\.$/],
    ['soar graphmail search-emails --subject --only-unread', /needs a value/],
    ['soar graphmail search-emails stray', /^Unexpected "stray" for Search Emails: parameters are given as --<param> <value>\.$/],
    ['soar graphmail search-emails --', /a parameter name must follow the two dashes/],
    ['soar graphmail search-emails --max ""', /needs a value/],
    ['soar azure generate-token --client-secret abc def', /^Unexpected value after --client-secret: put a value with spaces in quotes\.$/],
  ])('error %j', (text, message) => {
    const e = error(text);
    expect(e.message).toMatch(message);
    expect(e.integration).toBeDefined();
    expect(e.action).toBeDefined();
  });

  it.each<[string, RegExp, string[]]>([
    ['--subjet x', /^Unknown parameter --subjet for Search Emails\. Did you mean --subject-filter\?$/, ['--subject-filter']],
    ['--only-unred', /Did you mean --only-unread\?$/, ['--only-unread']],
    ['--folder x', /Did you mean --folder-name\?$/, ['--folder-name']],
    ['--filter x', /Did you mean --subject-filter or --sender-filter\?$/, ['--subject-filter', '--sender-filter']],
    ['--enviroment prod', /Did you mean --environment\?$/, ['--environment']],
    ['--xyzzy 1', /^Unknown parameter --xyzzy for Search Emails\. Run soar help graphmail search-emails for its parameters\.$/, []],
  ])('unknown parameter %s', (args, message, suggestions) => {
    const e = error(`soar graphmail search-emails ${args}`);
    expect(e.message).toMatch(message);
    expect(e.suggestions ?? []).toEqual(suggestions);
  });

  it('reports missing required params (no default, no defaultFromInstance) without failing', () => {
    const cmd = action('soar graphmail send-email --subject "Hello"');
    expect(cmd.missing.map((p) => p.id)).toEqual(['send-to', 'mail-content']);
    expect(missingMessage(cmd)).toBe('Missing required parameter(s) for Send Email: --send-to, --mail-content.');
    expect(action('soar graphmail delete-email').missing.map((p) => p.id)).toEqual(['mail-ids']);
    expect(action('soar graphmail delete-email --mail-ids a').missing).toEqual([]);
    expect(missingMessage(action('soar graphmail delete-email --mail-ids a'))).toBe('');
  });

  it('an empty required value counts as missing and may be given again (the form appends it)', () => {
    const cmd = action('soar graphmail send-email --subject "" --send-to a@x.com --mail-content hi');
    expect(cmd.missing.map((p) => p.id)).toEqual(['subject']);
    const again = action('soar graphmail send-email --subject "" --send-to a@x.com --mail-content hi --subject="Filled in"');
    expect(again.missing).toEqual([]);
    expect(again.params.subject).toBe('Filled in');
  });
});

describe('parseCommand: global options', () => {
  it('--environment, --timeout, --dry-run', () => {
    expect(action('soar graphmail delete-email --mail-ids a --environment prod --timeout 90s --dry-run').options).toEqual({
      environment: 'prod',
      timeoutMs: 90_000,
      dryRun: true,
    });
    expect(action('soar graphmail search-emails --timeout=2h').options).toEqual({ dryRun: false, timeoutMs: 7_200_000 });
    expect(action('soar graphmail search-emails --timeout 600').options.timeoutMs).toBe(600_000);
    expect(action('soar graphmail search-emails --timeout 1d').options.timeoutMs).toBe(86_400_000);
    expect(action('soar graphmail search-emails --env=staging').options.environment).toBe('staging');
    expect(action('soar graphmail delete-email --mail-ids a --dry-run=false').options.dryRun).toBe(false);
    expect(action('soar graphmail delete-email --mail-ids a —dry-run').options.dryRun).toBe(true);
    expect(action('soar graphmail delete-email --dry-run').options.dryRun).toBe(true);
    expect(action('soar graphmail send-email --dry-run=false --subject s --send-to a@x.com --mail-content c').options.dryRun).toBe(false);
  });

  it.each<[string, RegExp]>([
    ['soar graphmail send-email --subject s --dry-run', /^--dry-run is not supported by Send Email\.$/],
    ['soar graphmail search-emails --timeout soon', /^--timeout: expected a duration such as 90s, 30m, 2h or 1d, got "soon"\.$/],
    ['soar graphmail search-emails --timeout 0s', /expected a duration/],
    ['soar graphmail search-emails --timeout 8d', /at most 7d/],
    ['soar graphmail search-emails --timeout', /^--timeout needs a value such as 30m\.$/],
    ['soar graphmail search-emails --environment', /^--environment needs a value such as prod\.$/],
    ['soar graphmail search-emails --environment ""', /needs a name/],
    ['soar graphmail search-emails --environment a --environment b', /^--environment is given twice\.$/],
    ['soar graphmail delete-email --dry-run --dry-run', /given twice/],
  ])('error %j', (text, message) => {
    expect(error(text).message).toMatch(message);
  });
});

describe('parseCommand: limits and robustness', () => {
  it('refuses input over 20,000 characters', () => {
    const text = `soar graphmail search-emails --subject ${'x'.repeat(20_001)}`;
    expect(error(text).message).toBe(`Command too long (${text.length} characters, at most 20000).`);
    expect(parse(`soar graphmail search-emails --subject ${'x'.repeat(19_000)}`).kind).toBe('action');
  });

  it('an unterminated quote is an error', () => {
    expect(error('soar graphmail search-emails --subject "Invoice').message).toMatch(/^Unterminated quote/);
  });

  it('never throws on odd input and keeps messages to one line', () => {
    const odd = [
      '\u0000\u0001\u001f',
      '\ud800 lone surrogate',
      'soar graphmail search-emails --\ud800=1',
      `soar ${'\n'.repeat(10)}azure`,
      'soar graphmail search-emails --subject-filter\n"x"\n--folder-name\ny',
      `soar azur${'e'.repeat(5000)} ping`,
      `soar graphmail search-emails --${'s'.repeat(5000)} x`,
      'soar graphmail search-emails --constructor x',
      'soar graphmail search-emails --__proto__ x',
      'soar graphmail search-emails --to-string x',
      'soar admin set --=x',
      undefined as unknown as string,
      null as unknown as string,
      42 as unknown as string,
    ];
    for (const t of odd) {
      const r = parse(t);
      expect(['help', 'error', 'action', 'admin', 'jobs', 'vote', 'cancel']).toContain(r.kind);
      if (r.kind === 'error') {
        expect(r.message).not.toMatch(/[\n\r]/);
        expect(r.message.length).toBeLessThan(500);
      }
    }
    expect(parseCommand('soar azure ping', undefined as unknown as [])).toMatchObject({ kind: 'error' });
  });

  it('newlines between tokens are whitespace; inside quotes they are kept', () => {
    const cmd = action('soar graphmail search-emails\n--subject-filter "a\nb"\n--only-unread');
    expect(cmd.params).toEqual({ 'subject-filter': 'a\nb', 'only-unread': true });
  });
});

describe('formatCommand', () => {
  it('reads back to the same params and options', () => {
    const cmd = action(
      `soar azure http --url "https://x.example/a b" --method post --headers '{"X-A": "1 \\" 2"}' --body-payload "line1\nline2 \\\\ end" --save-to-case-wall --fail-on-4xx-5xx=false --fields-to-return a,b --request-timeout 30 --timeout 1500ms --environment prod`,
    );
    const text = formatCommand(cmd);
    const back = action(text);
    expect(back.params).toEqual(cmd.params);
    expect(back.options).toEqual(cmd.options);
    const del = action('soar graphmail delete-email --mail-ids a,b --dry-run');
    expect(action(formatCommand(del))).toMatchObject({ params: del.params, options: { dryRun: true } });
  });
});

describe('suggest', () => {
  it('ranks typos and abbreviations, at most three', () => {
    expect(suggest('azur', ['azure', 'graphmail', 'o365'])).toEqual(['azure']);
    expect(suggest('mailbox', ['search-in-mailbox', 'folder-name'])).toEqual(['search-in-mailbox']);
    expect(suggest('x', ['a', 'b', 'c', 'd', 'e']).length).toBeLessThanOrEqual(3);
    expect(suggest('y'.repeat(1000), ['yyy'])).toEqual([]);
  });
});

describe('the fixture catalogue is consistent with the grammar', () => {
  it('has no ambiguous or reserved names', () => {
    expect(checkCatalog(fixtureCatalog)).toEqual([]);
  });

  it('checkCatalog finds collisions', () => {
    const bad = [
      {
        ...fixtureCatalog[0],
        alias: 'jobs',
        actions: [
          {
            ...executeHttpRequest,
            aliases: ['ping', 'Not A Slug'],
            params: [...executeHttpRequest.params, { ...executeHttpRequest.params[0], id: 'timeout', displayName: 'Timeout' }],
          },
          fixtureCatalog[0].actions[0],
        ],
      },
    ];
    const problems = checkCatalog(bad);
    expect(problems.join('\n')).toMatch(/"jobs" is already the built-in jobs/);
    expect(problems.join('\n')).toMatch(/"--timeout" is already the global option --timeout/);
    expect(problems.join('\n')).toMatch(/alias "not a slug" is not a slug/);
    expect(problems.join('\n')).toMatch(/"ping" is already action execute-http-request/);
  });

  it('knows the fixture actions used above', () => {
    expect([searchEmails.id, deleteEmail.id, sendEmail.id]).toEqual(['search-emails', 'delete-email', 'send-email']);
  });
});

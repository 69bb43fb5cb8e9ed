import fc from 'fast-check';
import type { ChatMessage, CardInput, MessageStatus } from '../../cards/message';
import { render } from '../../cards/render';
import { toAdaptiveCard, cardBytes, ADAPTIVE_MAX_BYTES } from '../../cards/adaptive';
import { toBlockKit, toSlackModal, type SlackBlock } from '../../cards/slack';
import { validateAdaptiveCard } from '../../cards/validate';
import {
  escapeAdaptiveMarkdown,
  escapeSlackCode,
  escapeSlackMrkdwn,
  escapeSlackPlain,
  neutraliseAdaptiveText,
  sanitizeText,
  slackLinkUrl,
  truncateText,
} from '../../cards/escape';

// ---------------------------------------------------------------------------------------------
// Fixtures

const resultMsg: ChatMessage = {
  text: 'Found 3 email(s) in soc@contoso.com.\nis_success: true',
  title: 'Microsoft Graph Mail · Search Emails',
  status: 'succeeded',
  lines: ['Found 3 email(s) in soc@contoso.com.'],
  facts: [{ title: 'is_success', value: 'true' }],
  tables: [
    {
      title: 'Emails',
      columns: ['Id', 'From', 'Subject', 'Received'],
      rows: [
        ['AAMkAGI2_1', 'alice@contoso.com', 'Invoice', '2024-05-01T10:00:00Z'],
        ['AAMkAGI2_2', 'bob@fabrikam.com', 'Quarterly report', '2024-05-01T11:30:00Z'],
        ['AAMkAGI2_3', 'mallory@evil.example', 'Password reset', '2024-05-02T08:15:00Z'],
      ],
    },
  ],
  json: { title: 'JSON result', content: JSON.stringify([{ id: 'AAMkAGI2_1', subject: 'Invoice' }], null, 2) },
  files: [{ name: 'search-emails.json', url: 'https://chatsoar.example/files/j-4821/search-emails.json?sig=abc&exp=123' }],
  footer: 'job j-4821 · prod · asked by alice',
};

const progressMsg: ChatMessage = {
  text: 'Waiting for recipients to reply (2 of 5)',
  title: 'Microsoft Graph Mail · Send Email And Wait',
  status: 'waiting',
  lines: ['Waiting for recipients to reply (2 of 5)'],
  progress: { done: 2, total: 5, text: 'replies received' },
  footer: 'job j-1002 · prod · asked by bob',
};

const approvalMsg: ChatMessage = {
  text: 'alice asks to run Delete Email on soc@contoso.com. Approve or reject.',
  title: 'Approval needed: Delete Email',
  status: 'approval',
  lines: ['alice asks to run Delete Email on soc@contoso.com.', 'One approver with the approver role is needed.'],
  facts: [
    { title: 'Requested by', value: 'alice' },
    { title: 'Environment', value: 'prod' },
    { title: 'Mail IDs', value: 'AAMkAGI2_1, AAMkAGI2_2' },
  ],
  actions: [
    { title: 'Approve', verb: 'approve', data: { requestId: 'r-77', decision: 'approve' }, style: 'positive' },
    { title: 'Reject', verb: 'approve', data: { requestId: 'r-77', decision: 'reject' }, style: 'destructive' },
  ],
  footer: 'request r-77 · expires in 1 hour',
};

const voteMsg: ChatMessage = {
  text: 'Vote: block sender mallory@evil.example? (0 of 2 votes)',
  title: 'Vote: block sender mallory@evil.example?',
  status: 'info',
  lines: ['Only members of the approver role may vote, once each.'],
  facts: [{ title: 'Votes', value: 'none yet' }],
  actions: [
    { title: 'Yes', verb: 'vote', data: { voteId: 'v-9', option: 'Yes' }, style: 'positive' },
    { title: 'No', verb: 'vote', data: { voteId: 'v-9', option: 'No' }, style: 'destructive' },
  ],
};

const formMsg: ChatMessage = {
  text: 'Missing required parameter: Mail IDs',
  title: 'Microsoft Graph Mail · Delete Email',
  status: 'error',
  lines: ['Missing required parameter: Mail IDs'],
  inputs: [
    { id: 'mail-ids', label: 'Mail IDs', type: 'text', required: true, placeholder: 'Comma-separated ids', value: 'AAMkAGI2_1' },
    { id: 'body', label: 'Body', type: 'multiline', placeholder: 'Mail body' },
    { id: 'dry-run', label: 'Dry run', type: 'toggle', value: 'true' },
    { id: 'time-frame-minutes', label: 'Time Frame (minutes)', type: 'number', value: '60', required: true },
    { id: 'folder', label: 'Folder', type: 'choice', options: ['Inbox', 'Junk Email', 'Archive'], value: 'Inbox' },
    { id: 'client-secret', label: 'Client Secret', type: 'text', secret: true, value: 'must-never-be-prefilled', required: true },
  ],
  actions: [{ title: 'Run', verb: 'run-form', data: { command: 'soar microsoft-graph-mail delete-email', fields: ['mail-ids'] }, style: 'positive' }],
};

const alertMsg: ChatMessage = {
  text: 'DLP alert: Credit card numbers shared externally (event 5f0c-42)',
  title: 'DLP alert: Credit card numbers shared externally',
  status: 'alert',
  facts: [
    { title: 'Event id', value: '5f0c-42' },
    { title: 'Time', value: '2024-05-02T08:15:00Z' },
    { title: 'Policy', value: 'PCI DSS' },
    { title: 'Rule', value: 'Credit card numbers, high volume' },
    { title: 'Severity', value: 'High' },
    { title: 'Environment', value: 'prod' },
  ],
  json: { title: 'Event', content: JSON.stringify({ Id: '5f0c-42', Operation: 'DLPRuleMatch', Workload: 'Exchange' }, null, 2) },
  footer: 'Office 365 Management API connector · prod',
};

const FIXTURES: Record<string, ChatMessage> = {
  result: resultMsg,
  progress: progressMsg,
  approval: approvalMsg,
  vote: voteMsg,
  form: formMsg,
  alert: alertMsg,
};

// ---------------------------------------------------------------------------------------------
// Helpers

type Json = Record<string, unknown>;

function walk(node: unknown, visit: (o: Json) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node && typeof node === 'object') {
    visit(node as Json);
    Object.values(node as Json).forEach((v) => walk(v, visit));
  }
}

interface TextObj {
  type: string;
  text: string;
}

function textObjects(blocks: unknown): TextObj[] {
  const out: TextObj[] = [];
  walk(blocks, (o) => {
    if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push(o as unknown as TextObj);
  });
  return out;
}

/** Every Slack limit the renderer promises. */
function expectSlackLimits(out: { text: string; blocks: SlackBlock[] }): void {
  expect(out.blocks.length).toBeLessThanOrEqual(50);
  expect(out.text.length).toBeGreaterThan(0);
  expect(out.text.length).toBeLessThanOrEqual(40_000);
  const actionIds = new Set<string>();
  for (const block of out.blocks) {
    const b = block as unknown as Json;
    if (b.type === 'section') {
      const text = b.text as TextObj | undefined;
      if (text) {
        expect(text.text.length).toBeGreaterThan(0);
        expect(text.text.length).toBeLessThanOrEqual(3000);
      }
      const fields = (b.fields as TextObj[] | undefined) ?? [];
      expect(fields.length).toBeLessThanOrEqual(10);
      for (const f of fields) expect(f.text.length).toBeLessThanOrEqual(2000);
    } else if (b.type === 'header') {
      expect((b.text as TextObj).text.length).toBeLessThanOrEqual(150);
    } else if (b.type === 'context') {
      const elements = b.elements as TextObj[];
      expect(elements.length).toBeLessThanOrEqual(10);
      for (const e of elements) expect(e.text.length).toBeLessThanOrEqual(3000);
    } else if (b.type === 'actions') {
      const elements = b.elements as Json[];
      expect(elements.length).toBeLessThanOrEqual(25);
      for (const e of elements) {
        expect((e.text as TextObj).text.length).toBeLessThanOrEqual(75);
        expect(String(e.value).length).toBeLessThanOrEqual(2000);
        expect(String(e.action_id).length).toBeLessThanOrEqual(255);
        expect(actionIds.has(String(e.action_id))).toBe(false);
        actionIds.add(String(e.action_id));
        if (e.style !== undefined) expect(['primary', 'danger']).toContain(e.style);
      }
    } else {
      throw new Error(`unexpected block type ${String(b.type)}`);
    }
  }
  for (const t of textObjects(out.blocks)) {
    expect(t.text.length).toBeGreaterThan(0);
    expect(t.text.length).toBeLessThanOrEqual(3000);
  }
}

/** No mention, broadcast, channel link or foreign link can come out of mrkdwn. */
function expectNoSlackInjection(out: { text: string; blocks: SlackBlock[] }, allowedLinkPrefix = '<https://files.example/'): void {
  const mrkdwnTexts = [
    out.text,
    ...textObjects(out.blocks)
      .filter((t) => t.type === 'mrkdwn')
      .map((t) => t.text),
  ];
  for (const text of mrkdwnTexts) {
    expect(text).not.toMatch(/<[!@#]/);
    // The only `<` are links the renderer built from file URLs.
    for (const m of text.matchAll(/</g)) expect(text.slice(m.index).startsWith(allowedLinkPrefix)).toBe(true);
    // Every & starts an entity.
    expect(text).not.toMatch(/&(?!(amp|lt|gt);)/);
    expect(text).not.toMatch(/(^|[^\p{L}\p{N}])@(here|channel|everyone)\b/iu);
  }
  for (const t of textObjects(out.blocks).filter((x) => x.type === 'plain_text')) {
    expect(t.text).not.toMatch(/[<>]/);
    expect(t.text).not.toMatch(/&(?!(amp|lt|gt);)/);
  }
  // Everything shown (button values are opaque payloads, not shown, and stay faithful).
  const raw = JSON.stringify({ text: out.text, texts: textObjects(out.blocks) });
  expect(raw).not.toContain('\\u0000');
  expect(raw).not.toContain('\u202E');
}

function adaptiveCards(msg: ChatMessage): object[] {
  return [
    toAdaptiveCard(msg, { universal: true }),
    toAdaptiveCard(msg, { universal: false }),
    render(msg, 'teams').attachments[0].content,
    render(msg, 'webchat').attachments[0].content,
  ];
}

function expectValidCard(card: object): void {
  const result = validateAdaptiveCard(card);
  expect(result.errors).toEqual([]);
  expect(cardBytes(card)).toBeLessThanOrEqual(ADAPTIVE_MAX_BYTES);
  // User text only ever lands in TextRuns (no Markdown); TextBlock and FactSet are never used.
  walk(card, (o) => {
    expect(o.type).not.toBe('TextBlock');
    expect(o.type).not.toBe('FactSet');
  });
  // Everything shown (action `data` is an opaque payload, not shown, and stays faithful).
  const raw = JSON.stringify(card, (key, value: unknown) => (key === 'data' ? undefined : value));
  expect(raw).not.toContain('\\u0000');
  expect(raw).not.toContain('\u202E');
}

function textRuns(card: object): string[] {
  const out: string[] = [];
  walk(card, (o) => {
    if (o.type === 'TextRun' && typeof o.text === 'string') out.push(o.text);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Snapshots and validity

describe('cards: fixtures', () => {
  for (const [name, msg] of Object.entries(FIXTURES)) {
    it(`renders "${name}" for Slack (snapshot, limits)`, () => {
      const out = render(msg, 'slack');
      expectSlackLimits(out);
      expectNoSlackInjection(out, '<https://chatsoar.example/');
      expect(out).toMatchSnapshot();
    });

    it(`renders "${name}" as an Adaptive Card for Teams (snapshot, validates)`, () => {
      const out = render(msg, 'teams');
      expect(out.attachments).toHaveLength(1);
      expect(out.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      for (const card of adaptiveCards(msg)) expectValidCard(card);
      expect(out).toMatchSnapshot();
    });
  }

  it('renders the approval card with Action.Submit when not universal (snapshot)', () => {
    const card = toAdaptiveCard(approvalMsg);
    expectValidCard(card);
    expect(card).toMatchSnapshot();
  });

  it('renders the form as a Slack modal (snapshot)', () => {
    const view = toSlackModal(formMsg, 'run-form', JSON.stringify({ command: 'soar microsoft-graph-mail delete-email' }));
    expect(view).toMatchSnapshot();
  });

  it('the plain text carries the output message verbatim (contract.md §7.3)', () => {
    const message = 'Successfully connected to the Microsoft Graph mail service with the provided connection parameters!';
    const msg: ChatMessage = { text: `${message}\nis_success: true`, title: 'Microsoft Graph Mail · Ping', status: 'succeeded', lines: [message] };
    for (const platform of ['slack', 'teams', 'webchat'] as const) expect(render(msg, platform).text).toBe(`${message}\nis_success: true`);
    const dryRun = 'Dry run: would delete 1 email(s) in soc@contoso.com: AAMkAGI2_x-1 "Invoice"';
    expect(render({ text: dryRun }, 'slack').text).toBe(dryRun);
    expect(render({ text: dryRun }, 'teams').text).toBe(dryRun);
  });

  it('Teams text shrinks so that card and text fit one activity', () => {
    const big = 'é'.repeat(30_000);
    const out = render({ text: big, lines: Array.from({ length: 200 }, () => big.slice(0, 1500)) }, 'teams');
    expect(cardBytes(out)).toBeLessThanOrEqual(96_000);
    expect(out.text).toMatch(/… \[\d+ more characters\]$/);
  });

  it('webchat gets the same Universal Actions card as Teams', () => {
    expect(render(approvalMsg, 'webchat')).toEqual(render(approvalMsg, 'teams'));
  });
});

// ---------------------------------------------------------------------------------------------
// What a click sends back

describe('cards: buttons and their payloads', () => {
  it('Slack: action_id <verb>:<index>, value JSON {verb, ...data}, primary/danger', () => {
    const { blocks } = toBlockKit(approvalMsg);
    const actions = blocks.find((b) => b.type === 'actions') as unknown as { elements: Json[] };
    expect(actions.elements.map((e) => [e.action_id, (e.text as TextObj).text, e.style])).toEqual([
      ['approve:0', 'Approve', 'primary'],
      ['approve:1', 'Reject', 'danger'],
    ]);
    expect(JSON.parse(String(actions.elements[0].value))).toEqual({ verb: 'approve', requestId: 'r-77', decision: 'approve' });
    expect(JSON.parse(String(actions.elements[1].value))).toEqual({ verb: 'approve', requestId: 'r-77', decision: 'reject' });
  });

  it('vote buttons are titled exactly with the options (contract.md §7.5)', () => {
    const slack = toBlockKit(voteMsg).blocks.find((b) => b.type === 'actions') as unknown as { elements: Json[] };
    expect(slack.elements.map((e) => (e.text as TextObj).text)).toEqual(['Yes', 'No']);
    const titles: string[] = [];
    walk(toAdaptiveCard(voteMsg, { universal: true }), (o) => {
      if (o.type === 'Action.Execute') titles.push(String(o.title));
    });
    expect(titles).toEqual(['Yes', 'No']);
  });

  it('Teams: Action.Execute with verb and data, styles positive/destructive', () => {
    const found: Json[] = [];
    walk(toAdaptiveCard(approvalMsg, { universal: true }), (o) => {
      if (typeof o.type === 'string' && o.type.startsWith('Action.')) found.push(o);
    });
    expect(found).toEqual([
      { type: 'Action.Execute', title: 'Approve', verb: 'approve', data: { requestId: 'r-77', decision: 'approve' }, style: 'positive' },
      { type: 'Action.Execute', title: 'Reject', verb: 'approve', data: { requestId: 'r-77', decision: 'reject' }, style: 'destructive' },
    ]);
  });

  it('Action.Submit carries data {verb, ...data}', () => {
    const found: Json[] = [];
    walk(toAdaptiveCard(voteMsg), (o) => {
      if (o.type === 'Action.Submit') found.push(o);
    });
    expect(found.map((a) => a.data)).toEqual([
      { verb: 'vote', voteId: 'v-9', option: 'Yes' },
      { verb: 'vote', voteId: 'v-9', option: 'No' },
    ]);
  });

  it('a verb key inside data cannot override the button verb', () => {
    const msg: ChatMessage = { text: 'x', actions: [{ title: 'Go', verb: 'help', data: { verb: 'admin-delete', a: 1 } }] };
    const slack = toBlockKit(msg).blocks.find((b) => b.type === 'actions') as unknown as { elements: Json[] };
    expect(JSON.parse(String(slack.elements[0].value))).toEqual({ verb: 'help', a: 1 });
    const submit: Json[] = [];
    walk(toAdaptiveCard(msg), (o) => {
      if (o.type === 'Action.Submit') submit.push(o);
    });
    expect(submit[0].data).toEqual({ verb: 'help', a: 1 });
  });

  it('an oversized Slack value drops the largest keys and says so', () => {
    const msg: ChatMessage = { text: 'x', actions: [{ title: 'Run', verb: 'run-form', data: { command: 'c'.repeat(5000), fields: ['a'] } }] };
    const slack = toBlockKit(msg).blocks.find((b) => b.type === 'actions') as unknown as { elements: Json[] };
    const value = String(slack.elements[0].value);
    expect(value.length).toBeLessThanOrEqual(2000);
    expect(JSON.parse(value)).toEqual({ verb: 'run-form', fields: ['a'], _truncated: ['command'] });
  });

  it('data that cannot be serialised does not break rendering', () => {
    const cyclic: Record<string, unknown> = { a: 1, big: BigInt(12) };
    cyclic.self = cyclic;
    const msg: ChatMessage = { text: 'x', actions: [{ title: 'Go', verb: 'help', data: cyclic }] };
    const slack = toBlockKit(msg).blocks.find((b) => b.type === 'actions') as unknown as { elements: Json[] };
    expect(JSON.parse(String(slack.elements[0].value))).toEqual({ verb: 'help', a: 1, big: '12', self: '[Circular]' });
    expectValidCard(toAdaptiveCard(msg, { universal: true }));
  });
});

// ---------------------------------------------------------------------------------------------
// Forms

describe('cards: forms', () => {
  it('Adaptive Card inputs: one per input, secrets as password and never prefilled', () => {
    const card = toAdaptiveCard(formMsg, { universal: true });
    expectValidCard(card);
    const inputs: Json[] = [];
    walk(card, (o) => {
      if (typeof o.type === 'string' && o.type.startsWith('Input.')) inputs.push(o);
    });
    expect(inputs.map((i) => [i.type, i.id])).toEqual([
      ['Input.Text', 'mail-ids'],
      ['Input.Text', 'body'],
      ['Input.Toggle', 'dry-run'],
      ['Input.Number', 'time-frame-minutes'],
      ['Input.ChoiceSet', 'folder'],
      ['Input.Text', 'client-secret'],
    ]);
    expect(inputs[0]).toMatchObject({ value: 'AAMkAGI2_1', isRequired: true, label: 'Mail IDs', errorMessage: 'Mail IDs is required.' });
    expect(inputs[1]).toMatchObject({ isMultiline: true });
    expect(inputs[2]).toMatchObject({ value: 'true', valueOn: 'true', valueOff: 'false' });
    expect(inputs[3]).toMatchObject({ value: 60, isRequired: true });
    expect(inputs[4]).toMatchObject({
      value: 'Inbox',
      style: 'compact',
      choices: [
        { title: 'Inbox', value: 'Inbox' },
        { title: 'Junk Email', value: 'Junk Email' },
        { title: 'Archive', value: 'Archive' },
      ],
    });
    expect(inputs[5]).toMatchObject({ style: 'password', isRequired: true });
    expect(inputs[5].value).toBeUndefined();
    expect(JSON.stringify(card)).not.toContain('must-never-be-prefilled');
  });

  it('a choice input without options falls back to a text input', () => {
    const card = toAdaptiveCard({ text: 'x', inputs: [{ id: 'c', label: 'C', type: 'choice', options: [] }] });
    expectValidCard(card);
    const types: string[] = [];
    walk(card, (o) => {
      if (typeof o.type === 'string' && o.type.startsWith('Input.')) types.push(o.type);
    });
    expect(types).toEqual(['Input.Text']);
  });

  it('Slack message for a form lists the fields and keeps the Run button (inputs live in the modal)', () => {
    const out = toBlockKit(formMsg);
    expectSlackLimits(out);
    expect(out.blocks.some((b) => b.type === 'input')).toBe(false);
    expect(JSON.stringify(out.blocks)).toContain('Mail IDs (required)');
    const actions = out.blocks.find((b) => b.type === 'actions') as unknown as { elements: Json[] };
    expect(JSON.parse(String(actions.elements[0].value))).toMatchObject({ verb: 'run-form' });
  });

  it('Slack modal: input blocks keyed by input id with the right elements', () => {
    const view = toSlackModal(formMsg, 'run-form', '{}') as unknown as { type: string; blocks: Json[]; title: TextObj; submit: TextObj; callback_id: string };
    expect(view.type).toBe('modal');
    expect(view.callback_id).toBe('run-form');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.submit.text).toBe('Run');
    const inputs = view.blocks.filter((b) => b.type === 'input');
    expect(inputs.map((b) => [b.block_id, (b.element as Json).type, (b.element as Json).action_id, b.optional])).toEqual([
      ['mail-ids', 'plain_text_input', 'value', false],
      ['body', 'plain_text_input', 'value', true],
      ['dry-run', 'checkboxes', 'value', true],
      ['time-frame-minutes', 'number_input', 'value', false],
      ['folder', 'static_select', 'value', true],
      ['client-secret', 'plain_text_input', 'value', false],
    ]);
    expect((inputs[0].element as Json).initial_value).toBe('AAMkAGI2_1');
    expect((inputs[1].element as Json).multiline).toBe(true);
    expect((inputs[2].element as Json).initial_options).toEqual([{ text: { type: 'plain_text', text: 'Yes', emoji: true }, value: 'true' }]);
    expect((inputs[3].element as Json).initial_value).toBe('60');
    expect(((inputs[4].element as Json).initial_option as Json).value).toBe('Inbox');
    expect((inputs[5].element as Json).initial_value).toBeUndefined();
    expect(JSON.stringify(view)).not.toContain('must-never-be-prefilled');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
  });

  it('Slack modal refuses caller metadata beyond Slack limits', () => {
    expect(() => toSlackModal(formMsg, 'run-form', 'x'.repeat(3001))).toThrow(RangeError);
    expect(() => toSlackModal(formMsg, 'x'.repeat(256), '{}')).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Escaping

const SUBJECT = '<!channel> *bold* [x](http://evil) ${secret} </code>';

describe('cards: escape functions', () => {
  it('sanitizeText: controls, bidi overrides, lone surrogates, line endings', () => {
    expect(sanitizeText('a\u0000b\u0007c')).toBe('a\uFFFDb\uFFFDc');
    expect(sanitizeText('invoice\u202Efdp.exe')).toBe('invoice[U+202E]fdp.exe');
    expect(sanitizeText('x\u2066y')).toBe('x[U+2066]y');
    expect(sanitizeText('a\r\nb\rc\u2028d')).toBe('a\nb\nc\nd');
    expect(sanitizeText('\uD800x\uDC00')).toBe('\uFFFDx\uFFFD');
    expect(sanitizeText('😀 ok\t')).toBe('😀 ok\t');
    expect(sanitizeText(null)).toBe('');
    expect(sanitizeText(42)).toBe('42');
  });

  it('truncateText keeps surrogate pairs whole and says how much was cut', () => {
    const out = truncateText('😀'.repeat(100), 51);
    expect(out.length).toBeLessThanOrEqual(51);
    expect(out).toMatch(/… \[\d+ more characters\]$/);
    expect(sanitizeText(out)).toBe(out);
    expect(truncateText('x'.repeat(2_000_000), 100).length).toBeLessThanOrEqual(100);
  });

  it('escapeSlackMrkdwn neutralises entities, mentions, links and formatting', () => {
    const out = escapeSlackMrkdwn(SUBJECT);
    expect(out).toBe('&lt;!channel&gt; ∗bold* [x](http://evil) ${secret} &lt;/code&gt;');
    expect(escapeSlackMrkdwn('<@U123> <#C1|general> <http://evil|click>')).toBe('&lt;@U123&gt; &lt;#C1|general&gt; &lt;http://evil|click&gt;');
    expect(escapeSlackMrkdwn('@here @Channel @everyone ops@here.com')).toBe('＠here ＠Channel ＠everyone ops@here.com');
    expect(escapeSlackMrkdwn('_it_ ~st~ `code` a&b')).toBe('＿it_ ∼st~ ˋcodeˋ a&amp;b');
    // Word-internal delimiters stay copyable (mail ids, snake_case).
    expect(escapeSlackMrkdwn('AAMk_AGI2 soc_team a*b')).toBe('AAMk_AGI2 soc_team a*b');
    // A URL is linked whole by Slack: a look-alike would break it (a sign-in link whose state begins with `_`).
    expect(escapeSlackMrkdwn('open https://x.example/authorize?state=_Ab*c~d&x=1 _now_')).toBe('open https://x.example/authorize?state=_Ab*c~d&amp;x=1 ＿now_');
    expect(escapeSlackMrkdwn('> quoted\n  > again a > b')).toBe('＞ quoted\n  ＞ again a &gt; b');
  });

  it('escapeSlackPlain and escapeSlackCode', () => {
    expect(escapeSlackPlain('<b> & *x*')).toBe('&lt;b&gt; &amp; *x*');
    const code = escapeSlackCode('a ``` b ```` c <!here>');
    expect(code).not.toContain('``');
    expect(code).toContain('&lt;!here&gt;');
  });

  it('slackLinkUrl accepts only http(s) and cannot break out of <url|text>', () => {
    expect(slackLinkUrl('javascript:alert(1)')).toBeUndefined();
    expect(slackLinkUrl('/files/x')).toBeUndefined();
    expect(slackLinkUrl('https://user:pw@x.example/')).toBeUndefined();
    const url = slackLinkUrl('https://x.example/a|b>c?x=1&y=<2>');
    expect(url).toBe('https://x.example/a%7Cb%3Ec?x=1&amp;y=%3C2%3E');
  });

  it('escapeAdaptiveMarkdown backslash-escapes Markdown syntax; TextRun text keeps it literal', () => {
    expect(escapeAdaptiveMarkdown('[click](http://evil) **b** _i_ # h - l 1. n')).toBe('\\[click\\]\\(http://evil\\) \\*\\*b\\*\\* \\_i\\_ \\# h \\- l 1\\. n');
    expect(neutraliseAdaptiveText('{{DATE(2017-02-14T06:08:39Z, SHORT)}}')).toBe('{\u200B{DATE(2017-02-14T06:08:39Z, SHORT)}}');
  });
});

describe('cards: hostile input on every platform', () => {
  const MB = 1024 * 1024;
  const HOSTILE = [
    SUBJECT,
    '@here please check',
    '@channel @everyone',
    '<@U123> and <@W999|boss>',
    '<#C0123|general> <!subteam^S1|@sec> <!date^1392734382^{date}|x>',
    '<http://evil.example|Microsoft login>',
    '<script>alert(document.cookie)</script><img src=x onerror=alert(1)>',
    '```\n</code> ``` escaped? ```',
    '**bold** __under__ ~~strike~~ # Heading\n> quote\n- item\n1. one',
    '[click](http://evil) ![img](http://evil/x.png)',
    '{{DATE(2017-02-14T06:08:39Z, SHORT)}} {{TIME(2017-02-14T06:08:39Z)}}',
    '${secret} ${$root.universal} ${json(x)} @{x}',
    'invoice\u202Efdp.exe \u2066isolated\u2069',
    'null\u0000byte\u0001\u001F\u007F',
    'lone \uD800 surrogate \uDFFF',
    '&amp; &lt; & < >',
    'javascript:alert(1)',
    'A'.repeat(MB),
    (SUBJECT + ' \u202E\u0000 ').repeat(Math.ceil(MB / 60)),
    '\n'.repeat(10_000) + 'x',
    '😀'.repeat(MB / 2),
  ];

  function hostileMessage(s: string, status: MessageStatus = 'alert'): ChatMessage {
    return {
      text: s,
      title: s,
      status,
      lines: [s, `Subject: ${s}`],
      facts: [
        { title: s, value: s },
        { title: 'Subject', value: s },
      ],
      tables: [
        {
          title: s,
          columns: [s, 'Subject'],
          rows: [
            [s, s],
            ['AAMk_1', s],
          ],
        },
        { title: 'Many rows', columns: ['#', 'Subject'], rows: Array.from({ length: 500 }, (_, i) => [String(i), s.slice(0, 300)]) },
      ],
      json: { title: s, content: s },
      files: [
        { name: s, url: `https://files.example/f?n=${encodeURIComponent(s.slice(0, 200).replace(/[\uD800-\uDFFF]/g, ''))}` },
        { name: s, url: s.slice(0, 5000) },
      ],
      actions: [
        { title: s, verb: 'vote', data: { option: s.slice(0, 500), x: '${secret}' }, style: 'destructive' },
        { title: 'Approve', verb: 'approve', data: { big: s }, style: 'positive' },
      ],
      progress: { done: 1, total: 3, text: s },
      footer: s,
    };
  }

  function hostileForm(s: string): ChatMessage {
    const types: CardInput['type'][] = ['text', 'toggle', 'number', 'choice', 'multiline'];
    return {
      text: s,
      title: s,
      status: 'error',
      lines: [s],
      inputs: [
        ...types.map((type, i) => ({ id: `in-${i}`, label: s, type, value: s, placeholder: s, options: [s, 'Inbox', s.slice(0, 100)], required: i % 2 === 0 })),
        { id: s.slice(0, 300), label: s, type: 'text' as const, secret: true, value: s },
      ],
      actions: [{ title: s, verb: 'run-form', data: { command: s } }],
    };
  }

  it.each(HOSTILE.map((s, i) => [i, s.length, s] as const))('corpus #%d (%d chars): Slack escaped and within limits', (_i, _len, s) => {
    for (const msg of [hostileMessage(s), hostileForm(s)]) {
      const out = render(msg, 'slack');
      expectSlackLimits(out);
      expectNoSlackInjection(out);
      const modal = toSlackModal(msg, 'run-form', '{}');
      expect(modal.blocks.length).toBeLessThanOrEqual(100);
      for (const t of textObjects(modal.blocks)) expect(t.text.length).toBeLessThanOrEqual(3000);
      expectNoSlackInjection({ text: 'x', blocks: modal.blocks });
    }
  });

  it.each(HOSTILE.map((s, i) => [i, s.length, s] as const))('corpus #%d (%d chars): Adaptive Cards valid, literal and under 80 KB', (_i, _len, s) => {
    for (const msg of [hostileMessage(s), hostileForm(s)]) {
      for (const card of adaptiveCards(msg)) expectValidCard(card);
      const teams = render(msg, 'teams');
      expect(teams.text.length).toBeLessThanOrEqual(20_000);
      expect(cardBytes(teams)).toBeLessThanOrEqual(96_000);
      expect(teams.text).not.toContain('\u0000');
    }
  });

  it('the mail subject renders literally in TextRuns (Adaptive Cards) and escaped in Slack', () => {
    const msg: ChatMessage = { text: SUBJECT, title: SUBJECT, lines: [SUBJECT], facts: [{ title: 'Subject', value: SUBJECT }] };
    const card = toAdaptiveCard(msg, { universal: true });
    const runs = textRuns(card);
    expect(runs).toContain(SUBJECT); // a line, shown verbatim: `${secret}` not expanded, no Markdown
    expect(runs.filter((r) => r.includes('${secret}')).length).toBeGreaterThanOrEqual(3);
    const slack = render(msg, 'slack');
    expect(slack.text).toBe('&lt;!channel&gt; ∗bold* [x](http://evil) ${secret} &lt;/code&gt;');
    expect(JSON.stringify(slack.blocks)).not.toContain('<!channel>');
  });

  it('`${...}` in data is never expanded by the templating engine', () => {
    const msg: ChatMessage = {
      text: '${text}',
      title: '${header.line} ${$root} ${universal}',
      lines: ['${lines}', '${json.content}', "${if(true, 'a', 'b')}"],
      facts: [{ title: '${title}', value: '${value}' }],
      tables: [{ title: '${title}', columns: ['${columns}'], rows: [['${cells}']] }],
      json: { title: '${json.title}', content: '{"a":"${secret}"}' },
      files: [{ name: '${name}', url: 'https://files.example/${x}' }],
      actions: [{ title: '${title}', verb: 'vote', data: { option: '${secret}', nested: { $when: '${false}', $data: '${x}' } } }],
      footer: '${footer.text}',
    };
    const card = toAdaptiveCard(msg, { universal: true });
    expectValidCard(card);
    const runs = textRuns(card);
    for (const expected of [
      '${header.line} ${$root} ${universal}',
      '${lines}',
      '${json.content}',
      "${if(true, 'a', 'b')}",
      '${title}',
      '${value}',
      '${columns}',
      '${cells}',
      '{"a":"${secret}"}',
      '${footer.text}',
    ]) {
      expect(runs.some((r) => r.includes(expected))).toBe(true);
    }
    const actions: Json[] = [];
    walk(card, (o) => {
      if (typeof o.type === 'string' && o.type.startsWith('Action.')) actions.push(o);
    });
    expect(actions.find((a) => a.type === 'Action.Execute')).toMatchObject({
      title: '${title}',
      data: { option: '${secret}', nested: { $when: '${false}', $data: '${x}' } },
    });
    expect(actions.find((a) => a.type === 'Action.ToggleVisibility')).toMatchObject({ title: 'Show ${json.title}' });
    expect(actions.find((a) => a.type === 'Action.OpenUrl')).toMatchObject({ title: '📎 ${name}', url: 'https://files.example/$%7Bx%7D' });

    const form = toAdaptiveCard({
      text: 'x',
      inputs: [
        { id: 'a', label: '${label}', type: 'text', value: '${value}', placeholder: '${placeholder}' },
        { id: 'b', label: 'B', type: 'choice', options: ['${x}', 'y'], value: '${x}' },
      ],
    });
    expectValidCard(form);
    const inputs: Json[] = [];
    walk(form, (o) => {
      if (typeof o.type === 'string' && o.type.startsWith('Input.')) inputs.push(o);
    });
    expect(inputs[0]).toMatchObject({ label: '${label}', value: '${value}', placeholder: '${placeholder}' });
    expect(inputs[1]).toMatchObject({
      value: '${x}',
      choices: [
        { title: '${x}', value: '${x}' },
        { title: 'y', value: 'y' },
      ],
    });
  });

  it('long tables are cut with "… N more rows, see the attached file" on both platforms', () => {
    const msg: ChatMessage = {
      text: 'x',
      tables: [{ title: 'Emails', columns: ['Id', 'Subject'], rows: Array.from({ length: 1000 }, (_, i) => [`AAMk_${i}`, `Subject ${i}`]) }],
    };
    const card = toAdaptiveCard(msg, { universal: true });
    expectValidCard(card);
    expect(textRuns(card).some((r) => /^… \d+ more rows, see the attached file$/.test(r))).toBe(true);
    const slack = toBlockKit(msg);
    expectSlackLimits(slack);
    expect(JSON.stringify(slack.blocks)).toMatch(/… \d+ more rows, see the attached file/);
  });

  it('long JSON is cut with a marker pointing to the attached file', () => {
    const content = JSON.stringify(
      Array.from({ length: 5000 }, (_, i) => ({ id: i, subject: `s${i}` })),
      null,
      2,
    );
    const msg: ChatMessage = { text: 'x', json: { title: 'JSON result', content } };
    const card = toAdaptiveCard(msg, { universal: true });
    expectValidCard(card);
    expect(textRuns(card).some((r) => r.includes('the full JSON is attached as a file'))).toBe(true);
    const slack = toBlockKit(msg);
    expectSlackLimits(slack);
    expect(JSON.stringify(slack.blocks)).toContain('the full JSON is attached as a file');
  });

  it('a result kept in its file: the first rows and the start of the JSON, counted against the whole', () => {
    // As Search Emails over thousands of mailboxes gives it: 200 of 20,000 rows, 16,384 of 3,000,000 characters.
    const content = `[\n${Array.from({ length: 400 }, (_, i) => JSON.stringify({ mailbox: `m${i}@x`, id: `AAMk_${i}` })).join(',\n')}`.slice(0, 16_384);
    const msg: ChatMessage = {
      text: 'x',
      tables: [
        { title: 'Matching Mails', columns: ['Mail ID', 'Subject'], rows: Array.from({ length: 200 }, (_, i) => [`AAMk_${i}`, `s${i}`]), totalRows: 20_000 },
      ],
      json: { title: 'JSON result', content, totalChars: 3_000_000 },
    };
    const card = toAdaptiveCard(msg, { universal: true });
    expectValidCard(card);
    const runs = textRuns(card);
    const rowsNote = runs.find((r) => /more rows, see the attached file/.test(r));
    expect(rowsNote).toMatch(/^… (\d+) more rows/);
    const shownRows = 20_000 - Number(/^… (\d+)/.exec(rowsNote!)![1]);
    expect(shownRows).toBeGreaterThan(0);
    expect(shownRows).toBeLessThanOrEqual(200);
    const jsonNote = runs.find((r) => r.includes('the full JSON is attached as a file'));
    expect(Number(/truncated \((\d+) more characters\)/.exec(jsonNote ?? '')?.[1])).toBeGreaterThanOrEqual(3_000_000 - 16_384);
    const slack = toBlockKit(msg);
    expectSlackLimits(slack);
    const text = JSON.stringify(slack.blocks);
    const hidden = Number(/… (\d+) more rows, see the attached file/.exec(text)?.[1]);
    expect(hidden).toBeGreaterThanOrEqual(20_000 - 200);
    expect(Number(/truncated \(about (\d+) more characters\)/.exec(text)?.[1])).toBeGreaterThan(3_000_000 - 3000);
  });

  it('many lines, facts, files and buttons stay within the limits', () => {
    const msg: ChatMessage = {
      text: 'x',
      title: 'Lots',
      status: 'info',
      lines: Array.from({ length: 2000 }, (_, i) => `line ${i} ${'y'.repeat(i % 300)}`),
      facts: Array.from({ length: 200 }, (_, i) => ({ title: `f${i}`, value: 'v'.repeat(900) })),
      tables: Array.from({ length: 20 }, (_, t) => ({
        title: `t${t}`,
        columns: Array.from({ length: 30 }, (_, c) => `c${c}`),
        rows: Array.from({ length: 100 }, () => Array.from({ length: 30 }, () => 'cell')),
      })),
      files: Array.from({ length: 100 }, (_, i) => ({ name: `f${i}.json`, url: `https://files.example/f${i}.json` })),
      actions: Array.from({ length: 60 }, (_, i) => ({ title: `b${i}`, verb: 'vote', data: { i } })),
      footer: 'f',
    };
    const slack = toBlockKit(msg);
    expectSlackLimits(slack);
    expectNoSlackInjection(slack);
    for (const card of adaptiveCards(msg)) expectValidCard(card);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random input never breaks a renderer or its limits

describe('cards: property over random input', () => {
  const hostileUnit = fc.constantFrom(
    '<',
    '>',
    '&',
    '*',
    '_',
    '~',
    '`',
    '@',
    '!',
    '#',
    '$',
    '{',
    '}',
    '[',
    ']',
    '(',
    ')',
    '|',
    ':',
    '\n',
    '\r',
    '\t',
    ' ',
    '\u0000',
    '\u202E',
    '\u2066',
    '\uD800',
    '\uDC00',
    '\uFFFD',
    'a',
    'Z',
    '1',
    'é',
    'ж',
    '😀',
    '<!channel>',
    '<!here>',
    '<@U123>',
    '@here',
    '${x}',
    '{{DATE(2017-02-14T06:08:39Z)}}',
    '```',
    'http://evil',
  );
  const str = fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    { weight: 4, arbitrary: fc.string({ unit: hostileUnit, maxLength: 80 }) },
    { weight: 1, arbitrary: fc.string({ unit: hostileUnit, minLength: 2000, maxLength: 5000 }) },
  );
  const small = fc.string({ unit: hostileUnit, maxLength: 20 });
  const statuses: MessageStatus[] = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'info', 'error', 'approval', 'alert'];
  const input: fc.Arbitrary<CardInput> = fc.record(
    {
      id: small,
      label: str,
      type: fc.constantFrom<CardInput['type']>('text', 'toggle', 'number', 'choice', 'multiline'),
      value: str,
      required: fc.boolean(),
      placeholder: str,
      options: fc.array(small, { maxLength: 8 }),
      secret: fc.boolean(),
    },
    { requiredKeys: ['id', 'label', 'type'] },
  );
  const message: fc.Arbitrary<ChatMessage> = fc.record(
    {
      text: str,
      title: str,
      status: fc.constantFrom(...statuses),
      lines: fc.array(str, { maxLength: 12 }),
      facts: fc.array(fc.record({ title: str, value: str }), { maxLength: 14 }),
      tables: fc.array(
        fc.record({ title: str, columns: fc.array(small, { maxLength: 14 }), rows: fc.array(fc.array(small, { maxLength: 14 }), { maxLength: 60 }) }),
        { maxLength: 6 },
      ),
      json: fc.record({ title: str, content: str }),
      files: fc.array(fc.record({ name: str, url: fc.oneof(fc.webUrl(), str) }), { maxLength: 8 }),
      actions: fc.array(
        fc.record(
          {
            title: str,
            verb: fc.oneof(fc.constantFrom('vote', 'approve', 'run-form', 'help'), small),
            data: fc.dictionary(small, fc.oneof(str, fc.integer(), fc.boolean()), { maxKeys: 4 }),
            style: fc.constantFrom<'positive' | 'destructive' | 'default'>('positive', 'destructive', 'default'),
          },
          { requiredKeys: ['title', 'verb', 'data'] },
        ),
        { maxLength: 12 },
      ),
      inputs: fc.array(input, { maxLength: 8 }),
      progress: fc.record({ done: fc.integer(), total: fc.integer(), text: str }, { requiredKeys: ['done', 'total'] }),
      footer: str,
    },
    { requiredKeys: ['text'] },
  );

  it('render never throws; Adaptive Cards valid and ≤ 80 KB; Slack ≤ 50 blocks, texts ≤ 3000, no raw <! or <@', () => {
    fc.assert(
      fc.property(message, (msg) => {
        const slack = render(msg, 'slack');
        expect(slack.blocks.length).toBeLessThanOrEqual(50);
        for (const t of textObjects(slack.blocks)) expect(t.text.length).toBeLessThanOrEqual(3000);
        for (const t of [
          slack.text,
          ...textObjects(slack.blocks)
            .filter((x) => x.type === 'mrkdwn')
            .map((x) => x.text),
        ]) {
          expect(t).not.toMatch(/<[!@#]/);
        }
        expectSlackLimits(slack);
        for (const platform of ['teams', 'webchat'] as const) {
          const out = render(msg, platform);
          const card = out.attachments[0].content;
          expect(cardBytes(card)).toBeLessThanOrEqual(ADAPTIVE_MAX_BYTES);
          expect(validateAdaptiveCard(card).errors).toEqual([]);
        }
        if (msg.inputs?.length) {
          const modal = toSlackModal(msg, 'run-form', '{}');
          expect(modal.blocks.length).toBeLessThanOrEqual(100);
        }
      }),
      { numRuns: 150 },
    );
  });
});

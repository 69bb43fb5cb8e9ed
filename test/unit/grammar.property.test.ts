/**
 * Property tests of the grammar (10,000 runs in all): `parseCommand` never throws, always returns
 * a known kind, keeps every error message to one short line, and reads back the values of valid
 * commands built from the catalogue with properly quoted values.
 */
import fc from 'fast-check';
import { normalizeChatText, parseCommand, tokenize, type ParsedCommand } from '../../bot/commands';
import type { ActionSpec, IntegrationSpec, ParamSpec } from '../../handlers/kit/spec';
import { fixtureCatalog } from '../fixtures/catalog-fixture';

const KINDS = new Set(['action', 'help', 'jobs', 'cancel', 'vote', 'admin', 'error']);
const catalog = fixtureCatalog;

function checkShape(r: ParsedCommand): void {
  expect(KINDS.has(r.kind)).toBe(true);
  if (r.kind === 'error') {
    expect(typeof r.message).toBe('string');
    expect(r.message.length).toBeGreaterThan(0);
    expect(r.message.length).toBeLessThan(500);
    expect(r.message).not.toMatch(/[\n\r]/);
  }
  if (r.kind === 'action') {
    expect(Array.isArray(r.missing)).toBe(true);
    expect(Array.isArray(r.given)).toBe(true);
    expect(typeof r.options.dryRun).toBe('boolean');
  }
}

function parseSafely(text: string): ParsedCommand {
  let r: ParsedCommand | undefined;
  expect(() => {
    r = parseCommand(text, catalog);
  }).not.toThrow();
  checkShape(r!);
  return r!;
}

// --- vocabulary from the catalogue ----------------------------------------------------------

const vocabulary: string[] = [
  'soar',
  '/soar',
  'SOAR',
  'help',
  'jobs',
  'cancel',
  'vote',
  'admin',
  '--help',
  '-h',
  '?',
  '"',
  "'",
  '“',
  '”',
  '‘',
  '’',
  '„',
  '\\',
  '\\\\',
  '\\"',
  "\\'",
  '--',
  '=',
  '-',
  '—',
  '–',
  '--dry-run',
  '--timeout',
  '--environment',
  '--options',
  '--voters',
  '30m',
  '90s',
  'Yes/No',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '{"a":',
  '"b"}',
  '[1,',
  'null',
  'true',
  'false',
  'yes',
  '0',
  '-1',
  '1e999',
  '<at>bot</at>',
  '&quot;',
  '&amp;',
  '<http://x|x>',
  '<mailto:a@b.c|a@b.c>',
  '\u00a0',
  '\u200b',
  '\n',
  '\t',
  '\r',
  '\u0000',
  '\u001b',
  '\ud800',
  '\udfff',
  '💥',
  'e\u0301',
  '__proto__',
  'constructor',
];
for (const i of catalog) {
  vocabulary.push(i.id, i.alias, i.name);
  for (const a of i.actions) {
    vocabulary.push(a.id, a.name, ...(a.aliases ?? []));
    for (const p of a.params) vocabulary.push(`--${p.id}`, `--${p.id}=`, p.displayName, ...(p.aliases ?? []).map((x) => `--${x}`), ...(p.options ?? []));
  }
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const controlChar = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));
const anyChar = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: controlChar },
);
const randomText = fc.array(anyChar, { maxLength: 120 }).map((cs) => cs.join(''));
const jsonFragment = fc.jsonValue({ maxDepth: 2 }).map((v) => {
  const s = JSON.stringify(v) ?? 'null';
  return s.slice(0, Math.max(1, Math.floor(s.length / 2)));
});
const separator = fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\n', '\u00a0', '');
const soupToken = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...vocabulary) },
  { weight: 2, arbitrary: randomText },
  { weight: 1, arbitrary: jsonFragment },
  { weight: 1, arbitrary: loneSurrogate },
);
const soup = fc.array(fc.tuple(soupToken, separator), { maxLength: 24 }).map((parts) => parts.map(([t, s]) => t + s).join(''));
const catalogPrefix = fc.constantFrom(...catalog.flatMap((i) => i.actions.map((a) => `soar ${i.alias} ${a.id} `)));
const prefixedSoup = fc.tuple(catalogPrefix, soup).map(([p, s]) => p + s);
const huge = fc
  .tuple(
    fc.constantFrom(19_990, 20_000, 20_001, 25_000),
    fc.constantFrom('x', '"', '--a ', '\\', '“', ' ', '\ud800', '{"a":', 'é'),
    fc.constantFrom('', 'soar graphmail search-emails --subject-filter ', 'soar vote ', 'soar admin '),
  )
  .map(([n, unit, prefix]) => (prefix + unit.repeat(Math.ceil(n / unit.length))).slice(0, n));

// --- valid commands ---------------------------------------------------------------------------

interface Built {
  text: string;
  integration: IntegrationSpec;
  action: ActionSpec;
  expected: Record<string, unknown>;
  given: string[];
  options: { environment?: string; timeoutMs?: number; dryRun: boolean };
}

const SINGLE_CLASS = /['‘’‚]/;
const DOUBLE_CLASS = /["“”„]/;

/** Ways to write `value` as one token that reads back as `value`. */
function quotings(value: string): fc.Arbitrary<string> {
  const styles: string[] = [`"${value.replace(/[\\"]/g, (m) => `\\${m}`)}"`];
  if (!SINGLE_CLASS.test(value) && !value.includes('\\')) styles.push(`'${value}'`, `‘${value}’`);
  if (!DOUBLE_CLASS.test(value) && !value.includes('\\')) styles.push(`“${value}”`);
  if (/^[A-Za-z0-9_@%+:,./=-]+$/.test(value) && !value.startsWith('-')) styles.push(value);
  return fc.constantFrom(...styles);
}

const textValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', ' ', '"', "'", '\\', '“', '’', '\n', '=', '-', ',', 'é', '\ud83d\udca5'), maxLength: 20 }),
  fc.array(fc.oneof(anyChar, loneSurrogate), { maxLength: 20 }).map((c) => c.join('')),
);
const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 1, maxLength: 10 });
const email = fc.tuple(word, word, fc.constantFrom('com', 'org', 'example')).map(([l, d, t]) => `${l}@${d}.${t}`);
const listItem = textValue.map((s) => s.replace(/,/g, '').trim()).filter((s) => s.length > 0);
const url = fc
  .tuple(fc.constantFrom('http', 'https', 'HTTPS'), word, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), fc.array(word, { maxLength: 3 }))
  .map(([scheme, host, port, path]) => `${scheme}://${host}.example${port ? `:${port}` : ''}/${path.join('/')}`);

function caseOf(text: string): fc.Arbitrary<string> {
  return fc.constantFrom(text, text.toUpperCase(), text.toLowerCase(), text.charAt(0).toUpperCase() + text.slice(1));
}

/** One `--param value` for `p`: its text and the value the parser should give. */
function paramArb(p: ParamSpec): fc.Arbitrary<{ text: string; value: unknown }> {
  const names = fc
    .constantFrom(p.id, ...(p.aliases ?? []))
    .chain(caseOf)
    .map((n) => `--${n}`);
  const valued = (valueArb: fc.Arbitrary<{ raw: string; value: unknown }>): fc.Arbitrary<{ text: string; value: unknown }> =>
    fc.tuple(names, valueArb, fc.boolean()).chain(([n, v, eq]) => quotings(v.raw).map((q) => ({ text: eq ? `${n}=${q}` : `${n} ${q}`, value: v.value })));
  switch (p.type) {
    case 'boolean':
      return fc
        .tuple(names, fc.boolean())
        .chain(([n, b]) =>
          fc
            .constantFrom(...(b ? [n, `${n}=true`, `${n} yes`, `${n}=1`, `${n}="on"`] : [`${n}=false`, `${n} no`, `${n}="false"`, `${n}=0`, `${n} off`]))
            .map((text) => ({ text, value: b })),
        );
    case 'integer':
      return valued(fc.integer().map((n) => ({ raw: String(n), value: n })));
    case 'list':
      return valued(
        fc
          .tuple(fc.array(listItem, { minLength: 1, maxLength: 4 }), fc.constantFrom(',', ', ', ' ,'))
          .map(([items, sep]) => ({ raw: items.join(sep), value: items })),
      );
    case 'email':
      return valued(email.map((e) => ({ raw: e, value: e })));
    case 'email-list':
      return valued(
        fc
          .tuple(fc.array(email, { minLength: 1, maxLength: 3 }), fc.constantFrom(',', ', ', ';'))
          .map(([items, sep]) => ({ raw: items.join(sep), value: items })),
      );
    case 'json':
      return valued(fc.jsonValue({ maxDepth: 3 }).map((v) => ({ raw: JSON.stringify(v), value: JSON.parse(JSON.stringify(v)) })));
    case 'enum':
      return valued(fc.constantFrom(...(p.options ?? [])).chain((o) => caseOf(o).map((raw) => ({ raw, value: o }))));
    case 'url':
      return valued(url.map((u) => ({ raw: u, value: u })));
    default:
      return valued(textValue.map((s) => ({ raw: s, value: s })));
  }
}

interface TypedParam {
  p: ParamSpec;
  text: string;
  value: unknown;
}

const actions = catalog.flatMap((i) => i.actions.map((a) => ({ i, a })));

const validCommand: fc.Arbitrary<Built> = fc.constantFrom(...actions).chain(({ i, a }) => {
  const integrationWord = fc.constantFrom(i.id, i.alias).chain(caseOf);
  const actionWord = fc.constantFrom(a.id, ...(a.aliases ?? [])).chain(caseOf);
  const chosen = fc.shuffledSubarray(a.params);
  return fc
    .tuple(
      fc.constantFrom('', 'soar ', 'SOAR ', '/soar ', '<at>chatsoar</at> soar ', '@chatsoar '),
      integrationWord,
      actionWord,
      chosen.chain(
        (ps): fc.Arbitrary<TypedParam[]> => (ps.length ? fc.tuple(...ps.map((p) => paramArb(p).map((x): TypedParam => ({ p, ...x })))) : fc.constant([])),
      ),
      fc.option(word, { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
      a.dryRun ? fc.boolean() : fc.constant(false),
      fc.array(
        separator.filter((s) => s !== ''),
        { minLength: 40, maxLength: 40 },
      ),
    )
    .map(([prefix, iw, aw, params, env, minutes, dry, seps]) => {
      const parts = [iw, aw, ...params.map((x) => x.text)];
      if (env) parts.push(`--environment ${env}`);
      if (minutes) parts.push(`--timeout=${minutes}m`);
      if (dry) parts.push('--dry-run');
      const text = prefix + parts.map((t, k) => (k ? seps[k % seps.length] : '') + t).join('');
      const expected: Record<string, unknown> = {};
      for (const x of params) expected[x.p.id] = x.value;
      const options: Built['options'] = { dryRun: dry };
      if (env) options.environment = env;
      if (minutes) options.timeoutMs = minutes * 60_000;
      return { text, integration: i, action: a, expected, given: params.map((x) => x.p.id), options };
    });
});

function isBlank(v: unknown): boolean {
  return v === undefined || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

// --- the properties ---------------------------------------------------------------------------

describe('parseCommand properties', () => {
  it('never throws, returns a known kind, errors are one short line (random text, token soup, huge input)', () => {
    fc.assert(
      fc.property(
        fc.oneof({ weight: 4, arbitrary: randomText }, { weight: 5, arbitrary: soup }, { weight: 5, arbitrary: prefixedSoup }, { weight: 1, arbitrary: huge }),
        (text) => {
          const r = parseSafely(text);
          if (text.length > 20_000) expect(r).toEqual({ kind: 'error', message: `Command too long (${text.length} characters, at most 20000).` });
          expect(() => normalizeChatText(text)).not.toThrow();
          expect(() => tokenize(text)).not.toThrow();
          parseSafely(normalizeChatText(text));
        },
      ),
      { numRuns: 6000 },
    );
  });

  it('reads back every value of a valid command built from the catalogue', () => {
    fc.assert(
      fc.property(validCommand, (built) => {
        const r = parseSafely(built.text);
        if (r.kind !== 'action') throw new Error(`${JSON.stringify(built.text)} → ${r.kind === 'error' ? r.message : r.kind}`);
        expect(r.integration.id).toBe(built.integration.id);
        expect(r.action.id).toBe(built.action.id);
        expect(r.params).toEqual(built.expected);
        expect(r.given).toEqual(built.given);
        expect(r.options).toEqual(built.options);
        const missing = built.action.params
          .filter((p) => p.required && p.default === undefined && !p.defaultFromInstance && isBlank(built.expected[p.id]))
          .map((p) => p.id);
        expect(r.missing.map((p) => p.id)).toEqual(missing);
      }),
      { numRuns: 4000 },
    );
  });
});

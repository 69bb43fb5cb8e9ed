/**
 * Security: user-given regexes (behaviour.md 16) can neither hang nor crash a worker. Every regex
 * parameter is fed classic ReDoS patterns, patterns that match empty text (re2 1.24.0 aborts the
 * process on `text.match(globalRe2)` for those) and patterns RE2 refuses, over 100 KB hostile
 * texts, through the code that evaluates it; one run goes end to end through the chat path.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import RE2 from 're2';
import { environmentLabel } from '../../handlers/kit/alert-fields';
import { UserError } from '../../handlers/kit/errors';
import { allMatches, MAX_MATCHES } from '../../handlers/kit/user-regex';
import { compileExtractors, mailEvent } from '../../handlers/microsoft-graph-mail/connectors/mail/mail-event';
import { compileExclude, excluded } from '../../handlers/microsoft-graph-mail/connectors/mail/mail-filters';
import { applyRegexMap, compileRegexMap } from '../../handlers/microsoft-graph-mail/regex-map';
import { compileExcludePattern, isExcluded } from '../../handlers/microsoft-graph-mail/vote/exclude-pattern';
import { startHarness, MAILBOX, type Harness } from '../helpers/harness';
import { chat } from '../integration/graph-mail-chat';

/** A safety net, not a benchmark: a backtracking engine would take minutes to years on these. */
const BOUND_MS = 2000;
const A100K = 'a'.repeat(100_000);

const REDOS = ['(a+)+$', '(a|aa)+$', '(a*)*b', '(.*a){20}', '^(\\w+\\s?)*$'];
const EMPTY_MATCHING = ['a*', 'x?', ''];
const REFUSED = ['(a)\\1', '(?<=a)b', '(?!a)b', '(?<n>a)\\k<n>', 'a{1001}', '(a{1000}){1000}'];
const TEXTS = { 'a…a!': `${A100K}!`, empty: '', 'a…a': A100K, 'a a … !': `${'a '.repeat(50_000)}!`, emoji: '😀'.repeat(50_000) };

function mail(body: string, headerName = 'X-Test') {
  return {
    message: {
      id: 'm1',
      subject: body.slice(0, 1000),
      body: { contentType: 'text', content: body },
      internetMessageHeaders: [{ name: headerName, value: 'v' }],
    },
    mailbox: MAILBOX,
    folder: 'Inbox',
    origPrefix: 'orig',
    attachPrefix: 'attach',
    attached: [{ fileName: 'a.eml', subject: 's', from: '', to: '', cc: '', date: '', messageId: '', body }],
    perFile: false,
  };
}

/** Each user regex parameter: its name in messages, and its real compile + evaluate path. */
const PARAMS: Array<[string, (pattern: string, text: string) => unknown]> = [
  ['Regex Map JSON', (p, text) => applyRegexMap(compileRegexMap(JSON.stringify({ x: p })), text)],
  ['Wait Stage Exclude pattern', (p, text) => isExcluded(compileExcludePattern(p), { contentType: 'text', content: text })],
  ['Email exclude pattern', (p, text) => excluded(compileExclude(p), text.slice(0, 1000), text)],
  ['Headers to add to events', (p, text) => mailEvent({ ...mail(text, text || 'X'), extractors: compileExtractors([], [p]) })],
  ['Dynamic list entry', (p, text) => mailEvent({ ...mail(text), extractors: compileExtractors([p], []) })],
  ['Environment Regex Pattern', (p, text) => environmentLabel({ Env: text }, 'Env', p, 'default environment')],
];

function timed<T>(what: string, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  if (ms >= BOUND_MS) throw new Error(`${what} took ${Math.round(ms)} ms`);
  return out;
}

describe.each(PARAMS)('%s', (param, evaluate) => {
  it('evaluates ReDoS and empty-matching patterns over 100 KB texts in bounded time', () => {
    for (const pattern of [...REDOS, ...EMPTY_MATCHING]) {
      for (const [name, text] of Object.entries(TEXTS)) {
        const run = () => evaluate(pattern, text);
        if (param === 'Regex Map JSON' && pattern === '') expect(run).toThrow('Regex Map JSON: the value of "x" must be a regular expression in a string.');
        else timed(`${param} ${JSON.stringify(pattern)} on ${name}`, run);
      }
    }
  });

  it('refuses what RE2 cannot take with a one-line UserError naming the parameter', () => {
    for (const pattern of REFUSED) {
      let error: unknown;
      try {
        timed(`${param} ${JSON.stringify(pattern)}`, () => evaluate(pattern, `${A100K}!`));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toContain(param);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('allMatches', () => {
  it('reads every match like String.prototype.match, empty ones and astral characters included', () => {
    const text = '😀aa😀b';
    for (const p of ['a*', '', 'x?', '😀|b', '.', 'a']) {
      expect(allMatches(new RE2(p, 'g'), text)).toEqual(text.match(new RegExp(p, 'gu')) ?? []);
      expect(allMatches(new RE2(p), text)).toEqual(text.match(new RegExp(p, 'gu')) ?? []);
    }
  });

  it(`stops at ${MAX_MATCHES} matches (a pattern matching empty text at each of 100 KB positions)`, () => {
    const matches = timed('x? on 100 KB', () => allMatches(new RE2('x?', 'g'), A100K));
    expect(matches).toHaveLength(MAX_MATCHES);
    expect(applyRegexMap(compileRegexMap('{"x": "x?"}'), A100K)).toEqual({ x: [''] });
  });

  it('is the only way user regexes are read: no JS RegExp built, no String.prototype.match on RE2, in handlers/', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));
    const offending = files(join(__dirname, '..', '..', 'handlers')).filter((f) => {
      const src = readFileSync(f, 'utf8');
      return /\bRegExp\(/.test(src) || (/from 're2'/.test(src) && /\.(match|matchAll|replace|replaceAll|split)\(\s*re\b/.test(src));
    });
    expect(offending).toEqual([]);
  });
});

describe('end to end: Extract Data From Attached EML', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs an empty-matching and a ReDoS Regex Map over a 100 KB attached EML, and the worker keeps answering', async () => {
    const c = chat(h, 'CR');
    const eml = ['From: x@evil.example', 'To: soc@demo.onmicrosoft.com', 'Subject: big', 'Content-Type: text/plain', '', A100K, ''].join('\r\n');
    const msg = h.emulator.state.addMessage(MAILBOX, 'Inbox', {
      subject: 'report',
      attachments: [{ name: 'big.eml', contentType: 'message/rfc822', content: eml }],
    });
    const t0 = Date.now();
    const r = await c.run(`graphmail extract-data-from-attached-eml --mail-ids ${msg.id} --regex-map-json '{"x":"a*","y":"(a+)+$"}'`);
    expect(r.text).toContain(`Extracted data from big.eml attached email files. Files: jobs/${r.jobId}/attached-mail/big.eml`);
    expect(r.isSuccess).toBe(true);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const ping = await c.run('graphmail ping');
    expect(ping.text).toContain('Successfully connected to the Microsoft Graph mail service with the provided connection parameters!');
  });
});

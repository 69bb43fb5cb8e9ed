/**
 * Security: hostile mail subjects and bodies rendered through the real chat path (Search Emails)
 * reach Slack and the Bot Connector escaped: no mentions, no live links, no template expressions.
 */
import { jobIdFor } from '../../lib/ids';
import { MAILBOX, startHarness, type Harness } from '../helpers/harness';
import { unescapeSlack } from './security-helpers';

const MARK = 'INJX';
const HOSTILE = [
  `${MARK} <!channel> urgent`,
  `${MARK} <!here|here> and <!everyone>`,
  `${MARK} ping <@U0ADMIN> and <#C0SECRET>`,
  `${MARK} [click me](https://evil.example/login) now`,
  `${MARK} <https://evil.example/login|Reset your password>`,
  `${MARK} \${user.password} and \${$root.secret}`,
  `${MARK} {{DATE(2017-02-14T06:08:39Z, SHORT)}}`,
  `${MARK} *bold* _it_ ~strike~ \`code\` > quote`,
  `${MARK} <script>alert(1)</script><img src=x onerror=alert(2)>`,
  `${MARK} invoice\u202Efdp.exe`,
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  for (const subject of HOSTILE) {
    h.emulator.state.addMessage(MAILBOX, 'inbox', {
      subject,
      from: 'Mallory <mallory@evil.example>',
      to: [MAILBOX],
      body: `<p>${subject}</p><a href="https://evil.example">[x](https://evil.example)</a> <!channel>`,
      bodyType: 'html',
    });
  }
});
afterAll(async () => {
  await h?.close();
});

/** Every string inside `node`, with the key it sits under and the nearest element type. */
function strings(node: unknown, type = '', key = '', out: Array<{ type: string; key: string; value: string }> = []): typeof out {
  if (typeof node === 'string') out.push({ type, key, value: node });
  else if (Array.isArray(node)) for (const n of node) strings(n, type, key, out);
  else if (node && typeof node === 'object') {
    const t = typeof (node as { type?: unknown }).type === 'string' ? String((node as { type: string }).type) : type;
    for (const [k, v] of Object.entries(node)) strings(v, t, k, out);
  }
  return out;
}

it('Slack payloads carry hostile subjects escaped', async () => {
  await h.slash(`graphmail search-emails --search-in-mailbox ${MAILBOX} --subject-filter ${MARK} --max-emails-to-return 50`, { triggerId: 'inj-slack' });
  const jobId = jobIdFor('slack:inj-slack');
  await h.slack.waitFor(() => [...h.slack.messages.values()].some((m) => JSON.stringify(m).includes(jobId) && /is_success/.test(unescapeSlack(m.text))), 20000);
  await new Promise((r) => setTimeout(r, 1500));
  const payload = h.slack.calls.filter((c) => c.method.startsWith('chat.') || c.method.startsWith('files.'));
  const texts = strings(payload.map((c) => c.body)).filter((s) => s.value.includes(MARK));
  const problems: string[] = [];
  for (const s of texts) {
    if (/<[!@#]/.test(s.value)) problems.push(`raw mention in ${s.key}: ${s.value.slice(0, 80)}`);
    if (/<https?:\/\/evil/.test(s.value)) problems.push(`live link in ${s.key}: ${s.value.slice(0, 80)}`);
    if (/<script/i.test(s.value)) problems.push(`raw tag in ${s.key}: ${s.value.slice(0, 80)}`);
    if (/\u202E/.test(s.value)) problems.push(`bidi override in ${s.key}`);
  }
  const seen = HOSTILE.filter((subject) =>
    texts.some(
      (s) =>
        unescapeSlack(s.value).includes(subject.slice(MARK.length + 1, MARK.length + 8)) || s.value.includes(subject.slice(MARK.length + 1, MARK.length + 8)),
    ),
  );
  console.log(
    `[security] card injection (Slack): ${HOSTILE.length} hostile subjects, ${texts.length} strings carrying them in ${payload.length} calls, subjects shown ${seen.length}; problems ${problems.length}`,
  );
  for (const p of problems.slice(0, 10)) console.log(`[security] ${p}`);
  expect(seen.length).toBe(HOSTILE.length);
  expect(problems).toEqual([]);
}, 30000);

it('Bot Connector activities carry them escaped (Adaptive Card markdown, templates)', async () => {
  await h.teamsMessage(`soar graphmail search-emails --search-in-mailbox ${MAILBOX} --subject-filter ${MARK} --max-emails-to-return 50`, { id: 'inj-teams' });
  const jobId = jobIdFor('teams:inj-teams');
  await h.connector.waitFor((calls) => calls.some((c) => JSON.stringify(c.activity).includes(jobId) && /is_success/.test(String(c.activity.text))), 20000);
  await new Promise((r) => setTimeout(r, 1500));
  const texts = strings(h.connector.calls.map((c) => c.activity)).filter((s) => s.value.includes(MARK));
  const problems: string[] = [];
  for (const s of texts) {
    // Markdown is processed in TextBlock / FactSet / titles, not in TextRun.
    const markdown = s.type !== 'TextRun' && ['text', 'title', 'value'].includes(s.key) && s.type !== '';
    if (markdown && /(^|[^\\])\[click me\]\(https:\/\/evil/.test(s.value)) problems.push(`live markdown link in ${s.type}.${s.key}: ${s.value.slice(0, 80)}`);
    if (/\{\{DATE\(/.test(s.value)) problems.push(`live {{DATE()}} in ${s.type}.${s.key}`);
    if (/\u202E/.test(s.value)) problems.push(`bidi override in ${s.type}.${s.key}`);
  }
  // `${…}` is shown literally: it reached the card as text, nothing evaluated it away.
  const literalTemplate = texts.some((s) => s.value.includes('${user.password}'));
  console.log(
    `[security] card injection (Teams): ${texts.length} strings carrying hostile subjects in ${h.connector.calls.length} activities; \${…} shown literally ${literalTemplate}; problems ${problems.length}`,
  );
  for (const p of problems.slice(0, 10)) console.log(`[security] ${p}`);
  expect(texts.length).toBeGreaterThanOrEqual(HOSTILE.length);
  expect(literalTemplate).toBe(true);
  expect(problems).toEqual([]);
}, 30000);

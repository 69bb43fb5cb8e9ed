/**
 * Security: no configured secret ever appears in logs (production logger), /metrics, error
 * messages or chat payloads, across working and failing commands.
 */
import { randomBytes } from 'node:crypto';
import { DEMO_CLIENT_ID } from '../../emulator';
import { SLACK_SECRET, SLACK_TOKEN, startHarness, type Harness } from '../helpers/harness';
import { sleep } from './security-helpers';

const tag = (name: string) => `S3CR3T-${name}-${randomBytes(6).toString('hex')}`;
/** One distinctive value for every secret parameter of every integration. */
const SECRETS = {
  graphSecretId: tag('graph-secret-id'),
  azureClientSecret: tag('azure-client-secret'),
  azureRefreshToken: tag('azure-refresh-token'),
  o365ClientSecret: tag('o365-client-secret'),
  o365CertificatePassword: tag('o365-cert-password'),
  typedInChat: tag('typed-in-chat'),
  wrongGraphSecret: tag('wrong-graph-secret'),
};

let h: Harness;
const logLines: string[] = [];
const replies: string[] = [];

beforeAll(async () => {
  h = await startHarness({ logLines });
  h.emulator.state.apps.get(DEMO_CLIENT_ID)!.secrets.push(SECRETS.graphSecretId, SECRETS.azureClientSecret, SECRETS.o365ClientSecret, SECRETS.typedInChat);
  const env = h.runtime.environments;
  await env.setInstance('prod', 'microsoft-graph-mail', { 'secret-id': SECRETS.graphSecretId });
  await env.setInstance('prod', 'azure-api', { 'client-secret': SECRETS.azureClientSecret });
  await env.setInstance('prod', 'o365-management-api', { 'client-secret': SECRETS.o365ClientSecret, 'certificate-password': SECRETS.o365CertificatePassword });
  await env.grant('prod', 'admin', ['slack:UADMIN']);
});
afterAll(async () => {
  await h?.close();
});

async function run(text: string, user = 'UADMIN', channel = 'C1'): Promise<void> {
  const res = await h.slash(text, { user, channel });
  replies.push(await res.text());
}

async function settle(pattern: RegExp, timeoutMs = 15000): Promise<void> {
  await h.slack.waitFor((calls) => calls.some((c) => pattern.test(JSON.stringify(c.body))), timeoutMs);
}

it('no configured secret appears in logs, metrics, errors or chat payloads', async () => {
  // Working commands.
  await run('graphmail ping');
  await run('azure ping');
  await run('o365 ping');
  await run(`graphmail search-emails --search-in-mailbox ${'soc@demo.onmicrosoft.com'} --max-emails-to-return 2`);
  await settle(/Successfully connected to the Microsoft Graph mail service/);
  await settle(/Successfully connected to the Azure API/);
  await settle(/Successfully connected to the O365 Management API/);
  // Admin views and a secret typed in chat.
  await run('admin show graphmail');
  await run('admin show azure');
  await run('admin show o365');
  await run(`admin set azure-api --client-secret ${SECRETS.typedInChat}`);
  await run('admin audit');
  await run('admin test azure-api');
  // Failing ones: a wrong secret, an unreachable host, a refresh token the login service refuses.
  await h.runtime.environments.bind('slack:C2', 'prod');
  await h.runtime.environments.bind('slack:C3', 'prod');
  await h.runtime.environments.setInstance('prod', 'microsoft-graph-mail', { 'secret-id': SECRETS.wrongGraphSecret });
  await run('graphmail ping', 'UADMIN', 'C2');
  await settle(/Failed to connect to the Microsoft Graph mail service|is_success: false/);
  await h.runtime.environments.setInstance('prod', 'o365-management-api', {
    'api-root': 'http://127.0.0.1:1',
    'oauth2-login-endpoint-url': 'http://127.0.0.1:1',
  });
  await run('o365 ping', 'UADMIN', 'C3');
  await h.runtime.environments.setInstance('prod', 'azure-api', { 'refresh-token': SECRETS.azureRefreshToken });
  await run('azure ping', 'UADMIN', 'C3');
  await settle(/Failed to connect to the O365 Management API/);
  await settle(/Failed to test connectivity|Failed to connect to the Azure API|is_success: false[\s\S]*is_success: false/);
  await sleep(1500);

  const metrics = await (await fetch(`${h.url}/metrics`)).text();
  const sources: Record<string, string> = {
    logs: logLines.join('\n'),
    metrics,
    'slash replies': replies.join('\n'),
    // The bot token is rightly sent to Slack itself as the call's credential (its `token` field); everything else must not carry it.
    'Slack Web API calls': JSON.stringify(
      h.slack.calls.map(({ token, ...c }) => ({
        ...c,
        token: token === SLACK_TOKEN ? '(credential)' : token,
        body: { ...c.body, token: c.body.token === SLACK_TOKEN ? '(credential)' : c.body.token },
      })),
    ),
    'Slack messages': JSON.stringify([...h.slack.messages.values()]),
    'Bot Connector calls': JSON.stringify(h.connector.calls),
    'audit log': JSON.stringify(await h.runtime.audit.since(0, 'prod', 10000)),
  };
  const all = { ...SECRETS, slackSigningSecret: SLACK_SECRET, slackBotToken: SLACK_TOKEN };
  const found: string[] = [];
  for (const [where, text] of Object.entries(sources)) {
    for (const [name, secret] of Object.entries(all)) {
      if (text.includes(secret)) found.push(`${name} in ${where}`);
      // Also the base64 and URL-encoded forms (a secret in a Basic header or a form body).
      if (text.includes(Buffer.from(secret).toString('base64')) || (encodeURIComponent(secret) !== secret && text.includes(encodeURIComponent(secret))))
        found.push(`${name} (encoded) in ${where}`);
    }
  }
  const bytes = Object.values(sources).reduce((n, t) => n + Buffer.byteLength(t), 0);
  console.log(
    `[security] secrets: ${Object.keys(all).length} secrets × ${Object.keys(sources).length} sources, ${bytes} bytes scanned (${logLines.length} log lines, ${h.slack.calls.length} Slack calls); found ${found.length}${found.length ? `: ${found.join('; ')}` : ''}`,
  );
  // The test must be able to fail: the sources really saw the commands and their failures.
  expect(sources['Slack Web API calls']).toMatch(/Successfully connected to the Microsoft Graph mail service/);
  expect(sources['Slack Web API calls']).toMatch(/Failed to connect to the O365 Management API/);
  expect(logLines.length).toBeGreaterThan(10);
  expect(found).toEqual([]);
}, 60000);

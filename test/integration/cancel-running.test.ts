/**
 * A job blocked in a slow HTTP request stops at once: `soar cancel` and the worker closing abort
 * the job's signal, the HTTP layer hands it to undici, and the request in flight is dropped (the
 * slow server sees its connection closed).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { catalog } from '../../handlers/catalog';
import { success } from '../../handlers/kit/outcome';
import { param, type ActionSpec, type IntegrationSpec } from '../../handlers/kit/spec';
import { jobIdFor } from '../../lib/ids';
import { startHarness, type Harness } from '../helpers/harness';

/** Takes requests and never answers; records which paths arrived and whose connection closed. */
interface SlowServer {
  url: string;
  arrived: string[];
  closed: string[];
  close(): Promise<void>;
}

async function startSlowServer(): Promise<SlowServer> {
  const arrived: string[] = [];
  const closed: string[] = [];
  const server: Server = createServer((req) => {
    const path = req.url ?? '/';
    arrived.push(path);
    req.socket.on('close', () => closed.push(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived,
    closed,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let slow: SlowServer;

const hangFixture: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'hang-fixture',
  name: 'Hang Fixture',
  description: 'Waits for a server that never answers.',
  params: [param('Name', { type: 'string', required: true, description: 'request path under /hang/' })],
  messages: { success: { answered: 'Answered.' }, failure: {} },
  async run(ctx, params) {
    await ctx.http.send({ url: `${slow.url}/hang/${String(params.name)}`, retries: 0, signal: ctx.signal });
    return success('Answered.');
  },
};

const withFixture: IntegrationSpec[] = catalog.map((i) => (i.id === 'microsoft-graph-mail' ? { ...i, actions: [...i.actions, hangFixture] } : i));

const unescape = (t: unknown) =>
  String(t ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a running job stops at once', () => {
  let h: Harness;
  beforeAll(async () => {
    slow = await startSlowServer();
    h = await startHarness({ catalog: withFixture, trustedOrigins: [slow.url] });
  });
  afterAll(async () => {
    await h?.close();
    await slow?.close();
  });

  const messageOf = (jobId: string) => unescape([...h.slack.messages.values()].find((m) => JSON.stringify(m).includes(jobId))?.text);

  it('soar cancel aborts the request in flight and says who cancelled, within a second or two', async () => {
    const jobId = jobIdFor('slack:t-hang-cancel');
    await h.slash('graphmail hang-fixture --name cancel', { triggerId: 't-hang-cancel' });
    await until('request at the slow server', () => slow.arrived.includes('/hang/cancel'));
    const asked = Date.now();
    const res = (await (await h.slash(`cancel ${jobId}`)).json()) as { text: string };
    expect(res.text).toContain(`Cancelling job ${jobId}`);
    await until('cancelled message', () => messageOf(jobId) === 'Cancelled by slack:U1.', 2000);
    expect(Date.now() - asked).toBeLessThan(2000);
    await until('connection closed', () => slow.closed.includes('/hang/cancel'), 1000);
    const jobs = (await (await h.slash('jobs')).json()) as { text: string };
    expect(jobs.text).not.toContain(jobId);
    expect(await (await h.runtime.queues.actions.getJob(jobId))?.getState()).toBe('completed');
  });

  it('closing the worker aborts the request in flight and hands the job back to run again', async () => {
    const jobId = jobIdFor('slack:t-hang-stop');
    await h.slash('graphmail hang-fixture --name stop', { triggerId: 't-hang-stop' });
    await until('request at the slow server', () => slow.arrived.includes('/hang/stop'));
    const closing = Date.now();
    await Promise.all(h.runtime.workers.map((w) => w.close()));
    expect(Date.now() - closing).toBeLessThan(2000);
    await until('connection closed', () => slow.closed.includes('/hang/stop'), 1000);
    expect(await (await h.runtime.queues.actions.getJob(jobId))?.getState()).toBe('delayed');
    expect(messageOf(jobId)).not.toMatch(/is_success: false|Cancelled/);
  });
});

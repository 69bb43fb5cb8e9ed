/**
 * The load benchmark's floor: the same outside I/O as one `/soar graphmail ping` with nothing
 * else. `bot`: a bare @slack/bolt app that checks the signature, adds one BullMQ job and acks.
 * `worker`: a BullMQ worker (chatsoar's action worker concurrency, ACTION_CONCURRENCY) that posts
 * the queued message (chat.postMessage), makes one Graph GET with a cached token and updates the
 * message with the result (chat.update). Run as
 * `node -r test/helpers/register-ts.js bench/bare-pipeline.ts <role>` with the environment below;
 * it prints one line when ready.
 */
import { createServer } from 'node:http';
import { App, HTTPReceiver, LogLevel, webApi } from '@slack/bolt';
import { Queue, Worker } from 'bullmq';
import { jobIdFor } from '../lib/ids';
import { ACTION_CONCURRENCY } from '../queue/queues';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const QUEUE = 'bare-pipeline';

function connection(): { host: string; port: number; maxRetriesPerRequest: null } {
  const u = new URL(env('REDIS_URL'));
  return { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null };
}

interface PingJob {
  jobId: string;
  channel: string;
}

async function bot(): Promise<void> {
  const queue = new Queue<PingJob>(QUEUE, { connection: connection(), prefix: env('BARE_PREFIX') });
  const receiver = new HTTPReceiver({ signingSecret: env('SLACK_SIGNING_SECRET'), endpoints: '/slack/events', processBeforeResponse: false });
  // The bot's identity known up front (no auth.test per request, as chatsoar's cachedAuthorize).
  const botToken = env('SLACK_BOT_TOKEN');
  const app = new App({
    receiver,
    authorize: async () => ({ botToken, botId: 'B0', botUserId: 'U0' }),
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: env('SLACK_API_URL') },
  });
  app.command('/soar', async ({ command, ack }) => {
    const jobId = jobIdFor(`slack:${command.trigger_id}`);
    await queue.add('ping', { jobId, channel: command.channel_id }, { jobId, removeOnComplete: true });
    await ack();
  });
  const server = createServer(receiver.requestListener);
  await new Promise<void>((r) => server.listen(Number(env('PORT')), '127.0.0.1', () => r()));
  console.log('bare bot listening');
}

async function worker(): Promise<void> {
  const slack = new webApi.WebClient(env('SLACK_BOT_TOKEN'), { slackApiUrl: env('SLACK_API_URL') });
  const graph = env('GRAPH_URL');
  const mailbox = env('MAILBOX');
  let token: { value: string; until: number } | undefined;
  const accessToken = async (): Promise<string> => {
    if (token && token.until > Date.now()) return token.value;
    const res = await fetch(`${graph}/${env('TENANT')}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: env('CLIENT_ID'),
        client_secret: env('CLIENT_SECRET'),
        scope: `${graph}/.default`,
      }),
    });
    const body = (await res.json()) as { access_token: string; expires_in: number };
    token = { value: body.access_token, until: Date.now() + (body.expires_in - 60) * 1000 };
    return token.value;
  };
  new Worker<PingJob>(
    QUEUE,
    async (job) => {
      const { jobId, channel } = job.data;
      const posted = await slack.chat.postMessage({ channel, text: `Job ${jobId} queued` });
      const res = await fetch(`${graph}/v1.0/users/${encodeURIComponent(mailbox)}/mailFolders/inbox?$select=id`, {
        headers: { authorization: `Bearer ${await accessToken()}` },
      });
      await res.arrayBuffer();
      await slack.chat.update({ channel, ts: String(posted.ts), text: `Job ${jobId} done, is_success: ${res.ok}` });
    },
    { connection: connection(), prefix: env('BARE_PREFIX'), concurrency: ACTION_CONCURRENCY },
  );
  console.log('bare worker is running');
}

const role = process.argv[2];
(role === 'bot' ? bot() : role === 'worker' ? worker() : Promise.reject(new Error('role: bot or worker'))).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
// An orderly exit on SIGTERM, so that --cpu-prof writes its profile.
process.on('SIGTERM', () => process.exit(0));

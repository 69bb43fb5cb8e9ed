/** Slack Web API calls of the outbox: chat.postMessage, chat.update, files upload v2. */
import { webApi } from '@slack/bolt';
import { render } from '../../cards/render';
import { inProgress, type ChatMessage } from '../../cards/message';
import type { PlatformMessageRef } from '../../store/messages';
import type { ConversationRef } from '../../queue/types';
import { PermanentSendError, RateLimitedError, type ChatSender } from '../../queue/chat-sender';

const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'account_inactive',
  'msg_too_long',
  'invalid_blocks',
  'message_not_found',
  'cant_update_message',
]);

/** Message metadata type of chatsoar's posts (https://api.slack.com/metadata). */
const METADATA_TYPE = 'chatsoar_message';

export function slackClient(token: string, apiUrl: string): webApi.WebClient {
  return new webApi.WebClient(token, {
    slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: webApi.LogLevel.ERROR,
  });
}

function channelId(conversation: ConversationRef): string {
  return conversation.channel.replace(/^slack:/, '');
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { code?: string; retryAfter?: number; data?: { error?: string } };
    if (e.code === webApi.ErrorCode.RateLimitedError) throw new RateLimitedError((e.retryAfter ?? 1) * 1000);
    if (e.code === webApi.ErrorCode.PlatformError && e.data?.error && PERMANENT.has(e.data.error))
      throw new PermanentSendError(`Slack refused: ${e.data.error}`);
    throw err;
  }
}

export class SlackSender implements ChatSender {
  readonly intervalMs = 1000;

  constructor(private readonly client: webApi.WebClient) {}

  /** A message only `conversation.privateTo` sees (Slack: ephemeral, in the channel). */
  private async ephemeral(conversation: ConversationRef, message: ChatMessage): Promise<PlatformMessageRef> {
    const { text, blocks } = render(message, 'slack');
    const channel = channelId(conversation);
    const user = conversation.privateTo!.replace(/^slack:/, '');
    const res = await call(() => this.client.chat.postEphemeral({ channel, user, text, blocks, thread_ts: conversation.threadTs }));
    return { id: `ephemeral:${String(res.message_ts ?? '')}`, channel };
  }

  async post(conversation: ConversationRef, message: ChatMessage, threadOf?: PlatformMessageRef, key?: string): Promise<PlatformMessageRef> {
    // An ephemeral message cannot be updated: a private one skips the in-progress states and shows its outcome.
    if (conversation.privateTo) return inProgress(message) ? { id: 'ephemeral:', channel: channelId(conversation) } : this.ephemeral(conversation, message);
    const { text, blocks } = render(message, 'slack');
    const channel = channelId(conversation);
    const metadata = key ? { event_type: METADATA_TYPE, event_payload: { key } } : undefined;
    // Slack threads are one level deep: a reply goes under the thread's parent (the command's
    // thread when the job lives in one), never under another reply.
    const res = await call(() =>
      this.client.chat.postMessage({
        channel,
        text,
        blocks,
        thread_ts: conversation.threadTs ?? threadOf?.id,
        unfurl_links: false,
        unfurl_media: false,
        metadata,
      }),
    );
    return { id: String(res.ts), channel: String(res.channel ?? channel) };
  }

  /** Reads the channel (or thread) since `sinceMs` for a message whose metadata carries `key`. */
  async findPosted(conversation: ConversationRef, key: string, sinceMs: number): Promise<PlatformMessageRef | undefined> {
    // An ephemeral message is in no history.
    if (conversation.privateTo) return undefined;
    const channel = channelId(conversation);
    // A little earlier than the post began: the clocks of Slack and this worker differ.
    const oldest = (Math.max(0, sinceMs - 60_000) / 1000).toFixed(6);
    const page = await call(() =>
      conversation.threadTs
        ? this.client.conversations.replies({ channel, ts: conversation.threadTs, oldest, include_all_metadata: true, limit: 200 })
        : this.client.conversations.history({ channel, oldest, include_all_metadata: true, limit: 200 }),
    ).catch((err: { code?: string; data?: { error?: string } }) => {
      // Slack's refusal (missing_scope, not_in_channel, …) will not change on a retry.
      if (err.code === webApi.ErrorCode.PlatformError) throw new PermanentSendError(`Slack refused to show the history: ${err.data?.error}`);
      throw err;
    });
    const hit = (page.messages ?? []).find(
      (m) => m.metadata?.event_type === METADATA_TYPE && (m.metadata.event_payload as { key?: unknown } | undefined)?.key === key,
    );
    return hit?.ts ? { id: hit.ts, channel } : undefined;
  }

  async update(conversation: ConversationRef, ref: PlatformMessageRef, message: ChatMessage): Promise<void> {
    if (conversation.privateTo) {
      if (!inProgress(message)) await this.ephemeral(conversation, message);
      return;
    }
    const { text, blocks } = render(message, 'slack');
    await call(() => this.client.chat.update({ channel: ref.channel, ts: ref.id, text, blocks }));
  }

  async uploadFile(
    conversation: ConversationRef,
    file: { name: string; data: Buffer; title?: string; url: string },
    threadOf?: PlatformMessageRef,
  ): Promise<void> {
    // A file uploaded to a channel is the channel's: a private one is given as its signed link.
    if (conversation.privateTo) {
      await this.ephemeral(conversation, {
        text: `${file.title ?? file.name}: ${file.url}`,
        title: file.title ?? file.name,
        files: [{ name: file.name, url: file.url }],
      });
      return;
    }
    const channel_id = channelId(conversation);
    const threadTs = conversation.threadTs ?? threadOf?.id; // as in post: under the thread's parent
    const destination = threadTs !== undefined ? { channel_id, thread_ts: threadTs } : { channel_id };
    await call(() =>
      this.client.filesUploadV2({
        ...destination,
        file: file.data,
        filename: file.name,
        title: file.title ?? file.name,
      }),
    );
  }
}

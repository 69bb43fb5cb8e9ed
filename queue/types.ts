/** Job payloads of the queues: ids, never secrets, so a retried job is safe and Redis holds no plain secret. */
import type { ChatMessage } from '../cards/message';
import type { IntegrationId } from '../handlers/kit/spec';

export type Platform = 'slack' | 'teams' | 'webchat';

/** Where a message goes: the channel id of contract.md §5 plus, in Slack, the thread. */
export interface ConversationRef {
  platform: Platform;
  /** `slack:C0123`, `teams:19:abc@thread.tacv2`, `web:demo` */
  channel: string;
  /** Slack thread ts, when the reply belongs in a thread. */
  threadTs?: string;
  /** Only this user (`slack:U…`, `teams:<aad>`, `web:<name>`) may see what goes here (Slack: ephemeral, Teams: a 1:1 chat). */
  privateTo?: string;
}

export interface ActionJobData {
  jobId: string;
  integration: IntegrationId;
  action: string;
  actionName: string;
  params: Record<string, unknown>;
  environment: string;
  requestedBy: string;
  conversation: ConversationRef;
  /**
   * The Slack thread the command was typed in (`thread_ts` of a reply); absent when it was typed
   * at channel level. Bare file names resolve to the files posted there (behaviour.md 6); Teams
   * carries its thread in the conversation id.
   */
  commandThread?: string;
  /** Outbox key of the chat message this job keeps updating. */
  messageKey: string;
  /** A dry run whose result goes onto this approval's card instead of a message of its own: it posts nothing (behaviour.md 43). */
  previewFor?: string;
  /** Who approved the request (four-eyes); the result, in place of the approval card, says so. */
  approvedBy?: string;
  timeoutAt: number;
  dryRun: boolean;
  createdAt: number;
  /** Async actions: state handed back by the last poll, and the poll count. */
  state?: unknown;
  attempt: number;
}

export type OutboxJobData =
  | { op: 'upsert'; messageKey: string; version: number; conversation: ConversationRef }
  | { op: 'post'; conversation: ConversationRef; message: ChatMessage; threadOf?: string }
  // environment: whose files root `file.path` is in (absent in jobs queued before files were per environment).
  | { op: 'file'; conversation: ConversationRef; threadOf?: string; environment?: string; file: { name: string; path: string; title?: string } };

/**
 * What the wait actions carry from one poll to the next (stored with the job in Redis, so it
 * holds ids, addresses and short texts, never mail bodies or secrets).
 */
import type { ResultFile } from '../../kit/outcome';

/** The mail whose replies are awaited. */
export interface WatchedMail {
  mailbox: string;
  id: string;
  internetMessageId: string;
  conversationId: string;
  subject: string;
  sentDateTime: string;
  /** To, CC and BCC addresses (the sending mailbox left out), as the mail writes them. */
  recipients: string[];
  /** Vote mails: the reference their vote links carry, and their options. */
  ref?: string;
  options?: string[];
}

export interface FoundReply {
  /** The recipient who replied, as the sent mail writes the address. */
  recipient: string;
  id: string;
  receivedDateTime: string;
  sender: string;
  /** The reply's To and CC addresses. */
  recipients: string;
  subject: string;
  /** The reply's own text as one line. */
  text: string;
  /** Vote mails: the option voted for, null when the reply names none. */
  vote?: string | null;
  files: ResultFile[];
}

export interface WatchedFolder {
  path: string;
  /** A Graph folder id or well-known name. */
  id: string;
}

export interface WaitState {
  mail: WatchedMail;
  folders: WatchedFolder[];
  /** Per folder id: the newest receivedDateTime seen, where the next look at new mail starts. */
  cursors: Record<string, string>;
  replies: FoundReply[];
  /** Replies set aside by the Wait Stage Exclude pattern (ids, the newest 50). */
  excluded: string[];
  checks: number;
  /** The last check's transient failure, shown while waiting. */
  lastError?: string;
}

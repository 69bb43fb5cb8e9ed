/**
 * Files the bot posted, by name, per thread and per channel (behaviour.md 6: "a file the bot posted
 * earlier in the thread may be named by its file name"). The outbox records each file it posts
 * (name → path under the files root) in the channel's index and, when the file goes into a
 * thread, in that thread's index; the newest file of a name wins. A command typed in a thread
 * looks names up in that thread only; a command typed at channel level (a Slack slash command or
 * a top-level mention, a Teams chat without threads, a web chat room) in the channel's index.
 * Each environment has its own indexes (its paths are in its own files root): a channel bound to
 * another environment later does not see the names posted before.
 * The index only maps names to paths: every path it gives is checked by the files root again.
 */
import type { Redis } from 'ioredis';
import type { ConversationRef } from '../queue/types';
import { Keys } from './keys';

/** As long as the messages the files were posted under (store/messages.ts). */
export const THREAD_FILES_TTL_MS = 14 * 86400_000;
/** Names kept per channel or thread; the oldest go first. */
export const THREAD_FILES_MAX = 1000;
/** Names looked up for one job (from its parameters). */
const MAX_LOOKUP = 200;

/** Where files are indexed or looked up: a channel (contract.md §5 id, Teams without `;messageid=`) and a thread in it. */
export interface FileScope {
  channel: string;
  /** Slack thread ts, Teams reply chain (root message id); none for the channel itself. */
  thread?: string;
}

/**
 * The scope a command was typed in: the thread of a reply (Slack `event.thread_ts`, a Teams
 * channel thread), none for a slash command, a top-level mention or post, or a web chat room.
 */
export function commandScope(conversation: ConversationRef, commandThread?: string): FileScope {
  return commandThread && conversation.platform !== 'webchat' ? { channel: conversation.channel, thread: commandThread } : { channel: conversation.channel };
}

/**
 * The scope a file lands in when the outbox posts it to `conversation` under `threadOf` (the
 * platform ref of the job's message): the conversation's own thread when it has one (the command
 * was typed in a thread), else the thread under the job's message; a web chat room has no threads.
 */
export function postedScope(conversation: ConversationRef, threadOf?: { id: string }): FileScope {
  if (conversation.platform === 'webchat') return { channel: conversation.channel };
  const thread = conversation.threadTs ?? (threadOf?.id || undefined);
  return thread ? { channel: conversation.channel, thread } : { channel: conversation.channel };
}

/** A file name alone (no folder): what may name a posted file. */
export function isBareName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && Buffer.byteLength(name) <= 255;
}

/**
 * The bare names among a job's parameter values (strings, lists, and the parts of comma- or
 * semicolon-separated strings, as given and trimmed): what the job may ask its files store for.
 */
export function bareNamesIn(values: unknown[]): string[] {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (out.size >= MAX_LOOKUP) return;
    if (Array.isArray(v)) {
      for (const item of v) visit(item);
      return;
    }
    if (typeof v !== 'string') return;
    for (const part of [v, ...v.split(/[,;\n]/)]) {
      for (const name of [part, part.trim()]) if (isBareName(name) && out.size < MAX_LOOKUP) out.add(name);
    }
  };
  values.forEach(visit);
  return [...out];
}

// KEYS: names hash, times zset. ARGV: name, value, now (ms), cutoff (ms, older goes), max names, ttl (ms).
const RECORD_SCRIPT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
for _, n in ipairs(stale) do
  redis.call('HDEL', KEYS[1], n)
  redis.call('ZREM', KEYS[2], n)
end
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, over - 1)
  for _, n in ipairs(oldest) do
    redis.call('HDEL', KEYS[1], n)
    redis.call('ZREM', KEYS[2], n)
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1
`;

interface Entry {
  path: string;
  at: number;
}

export class ThreadFiles {
  private readonly keys: Keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly maxNames = THREAD_FILES_MAX,
  ) {
    this.keys = new Keys(prefix);
  }

  /** Notes that `name` (as posted) is the file at `path` (relative to the environment's files root) in the channel and, if any, the thread of `scope`. */
  async record(environment: string, scope: FileScope, name: string, path: string, at = Date.now()): Promise<void> {
    if (!name) return;
    const value = JSON.stringify({ path, at } satisfies Entry);
    const scopes = scope.thread ? [{ channel: scope.channel }, scope] : [scope];
    const tx = this.redis.multi();
    for (const s of scopes) {
      tx.eval(
        RECORD_SCRIPT,
        2,
        this.keys.threadFiles(environment, s.channel, s.thread),
        this.keys.threadFilesAt(environment, s.channel, s.thread),
        name,
        value,
        String(at),
        String(at - THREAD_FILES_TTL_MS),
        String(this.maxNames),
        String(THREAD_FILES_TTL_MS),
      );
    }
    const replies = await tx.exec();
    const failed = replies?.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  /** The paths of those `names` posted for `environment` in the scope's thread (or, with no thread, in its channel) in the last 14 days. */
  async lookup(environment: string, scope: FileScope, names: string[], now = Date.now()): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const wanted = [...new Set(names)].slice(0, MAX_LOOKUP);
    if (!wanted.length) return out;
    const raw = await this.redis.hmget(this.keys.threadFiles(environment, scope.channel, scope.thread), ...wanted);
    wanted.forEach((name, i) => {
      const value = raw[i];
      if (!value) return;
      try {
        const entry = JSON.parse(value) as Partial<Entry>;
        if (typeof entry.path === 'string' && entry.path && typeof entry.at === 'number' && entry.at >= now - THREAD_FILES_TTL_MS) out.set(name, entry.path);
      } catch {
        // Not an entry this store wrote: no file by that name.
      }
    });
    return out;
  }
}

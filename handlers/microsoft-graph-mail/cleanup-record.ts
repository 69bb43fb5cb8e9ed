/**
 * The idempotency record of Delete Email and Move Email To Folder: the mails a job matched in a
 * mailbox, written under the job's folder of the shared files root before anything changes. When
 * the job runs again (its worker died mid-way), it acts on the recorded mails instead of searching
 * again (the changed ones no longer match), and a 404 on one of them means the first run already
 * changed it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { safeFileName } from '../../lib/files';
import type { ActionContext } from '../kit/context';
import type { Message } from './lookup';

export interface RecordedMatches {
  messages: Message[];
  missingIds: string[];
}

function recordName(verb: string, mailbox: string): string {
  const hash = createHash('sha256').update(mailbox.toLowerCase()).digest('hex').slice(0, 16);
  return `idempotency-${verb.replace(/[^a-z0-9]+/gi, '-')}-${hash}.json`;
}

export async function readRecordedMatches(ctx: ActionContext, verb: string, mailbox: string): Promise<RecordedMatches | undefined> {
  try {
    const path = ctx.files.resolve(`jobs/${safeFileName(ctx.job.id)}/${recordName(verb, mailbox)}`);
    return JSON.parse(await readFile(path, 'utf8')) as RecordedMatches;
  } catch {
    return undefined;
  }
}

export async function recordMatches(ctx: ActionContext, verb: string, mailbox: string, matches: RecordedMatches): Promise<void> {
  await ctx.files.write(recordName(verb, mailbox), JSON.stringify(matches));
}

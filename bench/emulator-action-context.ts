/**
 * The `ActionContext` the benches give an action's `run`: the demo tenant's Graph Mail instance
 * on the bench's own emulator, no progress, no cancel, a job of its own.
 */
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT } from '../emulator';
import type { ActionContext } from '../handlers/kit/context';
import type { HttpClient } from '../handlers/kit/http';
import type { FilesRoot } from '../lib/files';
import { createLogger } from '../lib/log';

export function emulatorActionContext(url: string, client: HttpClient, files: FilesRoot, job: string, approvedBy?: string): ActionContext {
  return {
    environment: 'bench',
    instance: {
      'azure-ad-endpoint': url,
      'microsoft-graph-endpoint': url,
      'client-id': DEMO_CLIENT_ID,
      'secret-id': DEMO_CLIENT_SECRET,
      tenant: DEMO_TENANT,
      'default-mailbox': 'soc@demo.onmicrosoft.com',
      'verify-ssl': true,
    },
    http: client,
    log: createLogger('silent'),
    progress: async () => undefined,
    files: files.forJob(job),
    attempt: 0,
    signal: new AbortController().signal,
    saveInstanceParam: async () => undefined,
    publicUrl: 'http://127.0.0.1',
    job: {
      id: job,
      requestedBy: 'bench-analyst',
      conversationId: 'bench',
      dryRun: false,
      timeoutAt: Date.now() + 3600_000,
      ...(approvedBy ? { approvedBy } : {}),
    },
  };
}

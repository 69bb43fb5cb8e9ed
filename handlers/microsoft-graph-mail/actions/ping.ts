import type { ActionSpec, OutputMessages } from '../../kit/spec';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { GraphClient } from '../client';

const messages = {
  success: { connected: 'Successfully connected to the Microsoft Graph mail service with the provided connection parameters!' },
  failure: { failed: 'Failed to connect to the Microsoft Graph mail service! Error is ERROR_REASON' },
} satisfies OutputMessages;

/** Seed: Ping. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'ping',
  name: 'Ping',
  description: 'Test connectivity to the Microsoft Graph mail service.',
  params: [],
  messages,
  async run(ctx) {
    try {
      const graph = new GraphClient(ctx);
      const mailbox = graph.inst.defaultMailbox;
      // Reading the default mailbox's Inbox proves the token and the Mail permissions at once.
      await graph.call('GET', `v1.0/users/${encodeURIComponent(mailbox)}/mailFolders/inbox?$select=id`);
      return success(messages.success.connected);
    } catch (err) {
      return failure(fill(messages.failure.failed, { ERROR_REASON: reasonOf(err) }));
    }
  },
};

import { type ActionSpec } from '../../kit/spec';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { GraphClient } from '../client';

/** Seed: Ping. */
export const spec: ActionSpec = {
  integration: 'microsoft-graph-mail',
  id: 'ping',
  name: 'Ping',
  description: 'Test connectivity to the Microsoft Graph mail service.',
  params: [],
  messages: {
    success: ['Successfully connected to the Microsoft Graph mail service with the provided connection parameters!'],
    failure: ['Failed to connect to the Microsoft Graph mail service! Error is ERROR_REASON'],
  },
  async run(ctx) {
    const [ok] = spec.messages.success;
    const [failed] = spec.messages.failure;
    try {
      const graph = new GraphClient(ctx);
      const mailbox = graph.inst.defaultMailbox;
      // Reading the default mailbox's Inbox proves the token and the Mail permissions at once.
      await graph.call('GET', `v1.0/users/${encodeURIComponent(mailbox)}/mailFolders/inbox?$select=id`);
      return success(ok!);
    } catch (err) {
      return failure(fill(failed!, { ERROR_REASON: reasonOf(err) }));
    }
  },
};

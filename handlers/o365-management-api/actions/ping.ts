/** O365 Management API — Ping (seed: o365-management-api 7.0; behaviour.md 20: token from the instance). */
import { slug, type ActionSpec, type OutputMessages } from '../../kit/spec';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { ManagementClient } from '../client';

const NAME = 'Ping';

const messages = {
  success: { connected: 'Successfully connected to the O365 Management API with the provided connection parameters!' },
  failure: { failed: 'Failed to connect to the O365 Management API! Error is {0}' },
} satisfies OutputMessages;

export const spec: ActionSpec = {
  integration: 'o365-management-api',
  id: slug(NAME),
  name: NAME,
  description: 'Test connectivity to the O365 Management API service with the parameters of the integration instance.',
  params: [],
  changesMail: false,
  messages,
  jsonResult: false,
  async run(ctx) {
    try {
      await new ManagementClient(ctx).feed('GET', 'subscriptions/list');
      return success(messages.success.connected);
    } catch (err) {
      return failure(fill(messages.failure.failed, [reasonOf(err)]));
    }
  },
};

/** O365 Management API — Ping (seed: o365-management-api 7.0; behaviour.md 20: token from the instance). */
import { slug, type ActionSpec } from '../../kit/spec';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { ManagementClient } from '../client';

const NAME = 'Ping';

export const spec: ActionSpec = {
  integration: 'o365-management-api',
  id: slug(NAME),
  name: NAME,
  description: 'Test connectivity to the O365 Management API service with the parameters of the integration instance.',
  params: [],
  changesMail: false,
  messages: {
    success: ['Successfully connected to the O365 Management API with the provided connection parameters!'],
    failure: ['Failed to connect to the O365 Management API! Error is {0}'],
  },
  jsonResult: false,
  async run(ctx) {
    try {
      await new ManagementClient(ctx).feed('GET', 'subscriptions/list');
      return success(spec.messages.success[0]!);
    } catch (err) {
      return failure(fill(spec.messages.failure[0]!, [reasonOf(err)]));
    }
  },
};

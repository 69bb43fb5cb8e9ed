/**
 * O365 Management API — Stop a Subscription (seed: o365-management-api 7.0; behaviour.md 2, 21).
 * The failure message's seed typo ("Failed to connect to execute command!") is corrected.
 */
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { param, slug, type ActionSpec, type OutputMessages } from '../../kit/spec';
import { ManagementClient } from '../client';
import { CONTENT_TYPES } from './start-a-subscription';

const NAME = 'Stop a Subscription';

const messages = {
  success: { stopped: 'Successfully stopped O365 Management API subscription for the {0} content type!' },
  failure: { failed: 'Failed to execute command! Error is {0}' },
} satisfies OutputMessages;

export const spec: ActionSpec = {
  integration: 'o365-management-api',
  id: slug(NAME),
  name: NAME,
  description: 'Stop a subscription to a chosen Office 365 Management API content type.',
  params: [
    param('Stop a Subscription for', {
      type: 'enum',
      required: true,
      options: CONTENT_TYPES,
      aliases: ['content-type'],
      description: 'Specify for which content type to stop a subscription.',
    }),
  ],
  // Stopping a subscription blinds the audit/DLP connectors: a four-eyes candidate.
  changesMail: true,
  messages,
  jsonResult: false,
  async run(ctx, params) {
    const contentType = String(params['stop-a-subscription-for']);
    try {
      await new ManagementClient(ctx).feed('POST', `subscriptions/stop?contentType=${encodeURIComponent(contentType)}`);
      return success(fill(messages.success.stopped, [contentType]));
    } catch (err) {
      return failure(fill(messages.failure.failed, [reasonOf(err)]));
    }
  },
};

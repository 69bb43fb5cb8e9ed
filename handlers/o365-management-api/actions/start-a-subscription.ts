/**
 * O365 Management API — Start a Subscription (seed: o365-management-api 7.0; behaviour.md 21).
 * "Select content type" of the seed is a placeholder, not a default: the content type is required.
 */
import { reasonOf, UpstreamError } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { param, slug, type ActionSpec, type OutputMessages } from '../../kit/spec';
import { ManagementClient } from '../client';

const NAME = 'Start a Subscription';

/** behaviour.md 21: the Office 365 Management Activity API content types. */
export const CONTENT_TYPES = ['Audit.General', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.AzureActiveDirectory', 'DLP.All'];

const messages = {
  success: { started: 'Successfully created O365 Management API subscription for the {0} content type!' },
  failure: { failed: 'Failed to execute command! Error is {0}' },
} satisfies OutputMessages;

export const spec: ActionSpec = {
  integration: 'o365-management-api',
  id: slug(NAME),
  name: NAME,
  description: 'Start a subscription to a chosen Office 365 Management API content type.',
  params: [
    param('Start a Subscription for', {
      type: 'enum',
      required: true,
      options: CONTENT_TYPES,
      aliases: ['content-type'],
      description: 'Specify for which content type to start a subscription.',
    }),
  ],
  // Additive and idempotent: it only turns on the audit feed the connectors read.
  changesMail: false,
  messages,
  jsonResult: false,
  async run(ctx, params) {
    const contentType = String(params['start-a-subscription-for']);
    try {
      await new ManagementClient(ctx).feed('POST', `subscriptions/start?contentType=${encodeURIComponent(contentType)}`);
    } catch (err) {
      // AF20024: already enabled — the subscription the user asked for is there.
      if (!(err instanceof UpstreamError && /^AF20024\b/.test(err.message))) return failure(fill(messages.failure.failed, [reasonOf(err)]));
    }
    return success(fill(messages.success.started, [contentType]));
  },
};

/** Azure API — Ping (seed: azure-api 1.0; behaviour.md 25, 28: GET on the instance's Test URL). */
import { slug, type ActionSpec, type OutputMessages } from '../../kit/spec';
import { reasonOf } from '../../kit/errors';
import { failure, fill, success } from '../../kit/outcome';
import { callJson } from '../../kit/remote';
import { azureToken } from '../client';

const NAME = 'Ping';

const messages = {
  success: { connected: 'Successfully connected to the Azure API.' },
  failure: { failed: 'Failed to test connectivity. ERROR_REASON' },
} satisfies OutputMessages;

export const spec: ActionSpec = {
  integration: 'azure-api',
  id: slug(NAME),
  name: NAME,
  description: 'Test the connectivity to Azure API.',
  params: [],
  changesMail: false,
  messages,
  jsonResult: true,
  async run(ctx) {
    const endpoint = String(ctx.instance['test-url'] ?? '');
    try {
      await callJson({ http: ctx.http, token: await azureToken(ctx), url: endpoint, verifySsl: ctx.instance['verify-ssl'] !== false, signal: ctx.signal });
      return success(messages.success.connected, { json: { endpoint } });
    } catch (err) {
      return failure(fill(messages.failure.failed, { ERROR_REASON: reasonOf(err) }));
    }
  },
};

/** O365 Management API Start a Subscription, run alone through a fake ActionContext whose HTTP answers from fixtures. */
import { spec as startSubscription } from '../../../handlers/o365-management-api/actions/start-a-subscription';
import { fakeActionContext, runAction, type HttpFixture } from '../../helpers/fake-action-context';

const LOGIN = 'https://login.microsoftonline.com';
const MANAGE = 'https://manage.office.com';
const instance = {
  'api-root': MANAGE,
  'oauth2-login-endpoint-url': LOGIN,
  'azure-active-directory-id': 'tenant-id',
  'client-id': 'app-id',
  'client-secret': 'app-secret',
};
const START = `${MANAGE}/api/v1.0/tenant-id/activity/feed/subscriptions/start?contentType=Audit.Exchange`;
const run = (http: HttpFixture[]) => {
  const ctx = fakeActionContext({ instance, http });
  return { ctx, result: runAction(startSubscription, ctx, { 'start-a-subscription-for': 'Audit.Exchange' }) };
};

describe('o365-management-api start-a-subscription', () => {
  it('starts the content type’s subscription with a v1 token for the Api Root', async () => {
    const { ctx, result } = run([{ method: 'POST', url: START, body: { contentType: 'Audit.Exchange', status: 'enabled' } }]);
    expect(await result).toEqual({
      kind: 'result',
      isSuccess: true,
      message: 'Successfully created O365 Management API subscription for the Audit.Exchange content type!',
    });
    expect(ctx.sent.map((r) => `${r.method} ${r.url}`)).toEqual([`POST ${LOGIN}/tenant-id/oauth2/token`, `POST ${START}`]);
    expect(ctx.sent[0]?.body).toEqual(expect.stringContaining(`resource=${encodeURIComponent(MANAGE)}`));
  });

  it('a subscription that is already on (AF20024) counts as started', async () => {
    const { result } = run([
      { method: 'POST', url: START, status: 400, body: { error: { code: 'AF20024', message: 'The subscription is already enabled. No property change.' } } },
    ]);
    expect(await result).toMatchObject({
      isSuccess: true,
      message: 'Successfully created O365 Management API subscription for the Audit.Exchange content type!',
    });
  });

  it('any other refusal is the seed’s failure text with the API’s reason', async () => {
    const { result } = run([
      {
        method: 'POST',
        url: START,
        status: 403,
        body: { error: { code: 'AF10001', message: 'The permission set () sent in the request does not include the expected permission.' } },
      },
    ]);
    expect(await result).toEqual({
      kind: 'result',
      isSuccess: false,
      message: 'Failed to execute command! Error is AF10001: The permission set () sent in the request does not include the expected permission.',
    });
  });
});

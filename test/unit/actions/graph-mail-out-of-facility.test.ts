/** Get Mailbox Account Out Of Facility Settings, run alone through a fake ActionContext whose HTTP answers from fixtures. */
import { spec as outOfFacility } from '../../../handlers/microsoft-graph-mail/actions/get-mailbox-account-out-of-facility-settings';
import { fakeActionContext, runAction, type HttpFixture } from '../../helpers/fake-action-context';

const GRAPH = 'https://graph.microsoft.com';
const instance = {
  'azure-ad-endpoint': 'https://login.microsoftonline.com',
  'microsoft-graph-endpoint': GRAPH,
  'client-id': 'app-id',
  'secret-id': 'app-secret',
  tenant: 'tenant-id',
  'default-mailbox': 'soc@demo.onmicrosoft.com',
};
const presence = (user: string) => `${GRAPH}/beta/users/${encodeURIComponent(user)}/presence`;
const away = (id: string) => ({ id, availability: 'Away', outOfOfficeSettings: { message: 'Back Monday', isOutOfOffice: true } });
const run = (params: Record<string, unknown>, http: HttpFixture[]) => {
  const ctx = fakeActionContext({ instance, http });
  return { ctx, result: runAction(outOfFacility, ctx, params) };
};

describe('microsoft-graph-mail get-mailbox-account-out-of-facility-settings', () => {
  it('one user: the seed’s success text and that user’s presence as the JSON result', async () => {
    const { ctx, result } = run({ user: 'alice@demo.onmicrosoft.com' }, [{ url: presence('alice@demo.onmicrosoft.com'), body: away('a-1') }]);
    expect(await result).toEqual({
      kind: 'result',
      isSuccess: true,
      message: 'Successfully returned OOF settings for alice@demo.onmicrosoft.com.',
      json: away('a-1'),
    });
    expect(ctx.unanswered).toEqual([]);
  });

  it('several users: a JSON list of those found; an unknown user and one without settings are each named', async () => {
    const { result } = run({ user: 'alice@demo.onmicrosoft.com,ghost@demo.onmicrosoft.com,bob@demo.onmicrosoft.com' }, [
      { url: presence('alice@demo.onmicrosoft.com'), body: away('a-1') },
      {
        url: presence('ghost@demo.onmicrosoft.com'),
        status: 404,
        body: { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } },
      },
      { url: presence('bob@demo.onmicrosoft.com'), body: { id: 'b-1', availability: 'Available' } },
    ]);
    expect(await result).toEqual({
      kind: 'result',
      isSuccess: true,
      message: [
        'Successfully returned OOF settings for alice@demo.onmicrosoft.com.',
        'Failed to find the following usernames in Office 365 service: ghost@demo.onmicrosoft.com.',
        "Action wasn't able to find OOF settings for bob@demo.onmicrosoft.com.",
      ].join('\n'),
      json: [away('a-1')],
    });
  });

  it('no user found at all fails the action', async () => {
    const { result } = run({ user: 'ghost@demo.onmicrosoft.com' }, [
      { url: presence('ghost@demo.onmicrosoft.com'), status: 404, body: { error: { code: 'ErrorItemNotFound', message: 'Not found.' } } },
    ]);
    expect(await result).toEqual({
      kind: 'result',
      isSuccess: false,
      message: 'Failed to find the following usernames in Office 365 service: ghost@demo.onmicrosoft.com.',
    });
  });

  it('without User entities it fails before calling Microsoft 365', async () => {
    const { ctx, result } = run({}, []);
    expect(await result).toMatchObject({ kind: 'result', isSuccess: false, message: expect.stringContaining('no User entities given') });
    expect(ctx.sent).toEqual([]);
  });
});

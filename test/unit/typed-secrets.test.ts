/** Which secret parameters a chat line gives a value (bot/access/typed-secrets.ts). */
import { secretParamNames, typedSecrets } from '../../bot/access/typed-secrets';
import { catalog } from '../../handlers/catalog';

describe('typedSecrets', () => {
  it('knows every secret parameter of the catalogue: instance, action, connector and job', () => {
    expect([...secretParamNames(catalog)].sort()).toEqual(
      expect.arrayContaining(['authorization-url', 'certificate-password', 'client-secret', 'proxy-password', 'refresh-token', 'secret-id']),
    );
  });

  it.each([
    ['soar admin set graphmail --secret-id xyz', ['secret-id']],
    ['@chatsoar soar admin set azure --client-secret="a b" --client-id c', ['client-secret']],
    ['admin set azure —client-secret xyz', ['client-secret']],
    ['admin set azure --Client-Secret xyz', ['client-secret']],
    ['admin connector add m --type microsoft-graph-mail-connector --every 5m --client-secret s', ['client-secret']],
    ['azure generate-token --authorization-url "https://x/cb?code=1&state=2"', ['authorization-url']],
    ['admin set azure --client-secret "unclosed', ['client-secret']],
  ])('%s → %j', (text, found) => {
    expect(typedSecrets(text, catalog)).toEqual(found);
  });

  it.each([
    'admin set graphmail --client-id x --tenant t',
    'admin set azure --client-secret ""',
    'admin set azure --client-secret= --client-id x',
    'azure generate-token',
    'help admin',
    'say the word secret-id',
  ])('%s → none', (text) => {
    expect(typedSecrets(text, catalog)).toEqual([]);
  });
});

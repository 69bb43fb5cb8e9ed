/** The environment's SSRF allow-list (behaviour.md 30) from its instances and its http-allow-list. */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { catalog } from '../../handlers/catalog';
import { environmentAllowList } from '../../store/allow-list';
import { SecretBox } from '../../store/crypto';
import { EnvironmentStore } from '../../store/environments';

it('holds the origins of every configured root and endpoint and the environment list, not the OAuth redirect', async () => {
  const redis = new Redis(process.env.TEST_REDIS_URL!);
  try {
    const store = new EnvironmentStore(redis, new SecretBox(randomBytes(32).toString('base64')), `al-${randomBytes(4).toString('hex')}:`);
    await store.create('prod');
    await store.setInstance('prod', 'microsoft-graph-mail', { 'microsoft-graph-endpoint': 'https://graph.microsoft.us/', tenant: 't' });
    await store.setInstance('prod', 'azure-api', { 'client-id': 'c', 'test-url': 'https://graph.microsoft.com/v1.0/organization' });
    await store.setMeta('prod', { httpAllowList: ['https://api.partner.example'] });
    const list = await environmentAllowList(store, 'prod', catalog, 'http://chatsoar.local:3978');
    expect(list).toEqual(
      expect.arrayContaining(['https://api.partner.example', 'https://graph.microsoft.us', 'https://login.microsoftonline.com', 'https://graph.microsoft.com']),
    );
    expect(list).not.toContain('http://chatsoar.local:3978');
    expect(list).not.toContain('https://manage.office.com'); // no O365 instance in this environment
  } finally {
    redis.disconnect();
  }
});

/** TRUSTED_ORIGINS: comma-separated origins; anything else stops the start with one line naming it. */
import { readSettings } from '../../lib/settings';

it('reads origins and refuses what is not one', () => {
  expect(readSettings({ TRUSTED_ORIGINS: 'http://10.0.0.5:8080, https://relay.corp.example' }).trustedOrigins).toEqual([
    'http://10.0.0.5:8080',
    'https://relay.corp.example',
  ]);
  expect(readSettings({}).trustedOrigins).toEqual([]);
  expect(() => readSettings({ TRUSTED_ORIGINS: '10.0.0.5:8080' })).toThrow(
    'TRUSTED_ORIGINS: "10.0.0.5:8080" is not an origin (scheme://host:port, comma-separated); fix TRUSTED_ORIGINS and start again.',
  );
  expect(() => readSettings({ TRUSTED_ORIGINS: 'http://10.0.0.5/path' })).toThrow(/TRUSTED_ORIGINS/);
});

/** ALLOW_UNAUTHENTICATED_TEAMS, TEAMS_TENANTS and TEAMS_EXTRA_CHANNELS as read at start. */
import { readSettings } from '../../lib/settings';

describe('Teams access settings', () => {
  it('are closed by default', () => {
    const s = readSettings({});
    expect(s.allowUnauthenticatedTeams).toBe(false);
    expect(s.teamsTenants).toEqual([]);
    expect(s.teamsExtraChannels).toEqual([]);
  });

  it('only "1" turns the development switch on', () => {
    expect(readSettings({ ALLOW_UNAUTHENTICATED_TEAMS: '1' }).allowUnauthenticatedTeams).toBe(true);
    for (const v of ['true', 'yes', '0', '']) expect(readSettings({ ALLOW_UNAUTHENTICATED_TEAMS: v }).allowUnauthenticatedTeams).toBe(false);
  });

  it('reads tenant ids (trimmed, lowercase) and the extra channels', () => {
    const s = readSettings({
      TEAMS_TENANTS: ' AAAAAAAA-0000-4000-8000-00000000000A , bbbbbbbb-0000-4000-8000-00000000000b,',
      TEAMS_EXTRA_CHANNELS: 'WebChat, directline',
    });
    expect(s.teamsTenants).toEqual(['aaaaaaaa-0000-4000-8000-00000000000a', 'bbbbbbbb-0000-4000-8000-00000000000b']);
    expect(s.teamsExtraChannels).toEqual(['webchat', 'directline']);
  });

  it('refuses to start on a tenant that is not an id, or a channel that cannot be enabled, in one line naming the variable', () => {
    expect(() => readSettings({ TEAMS_TENANTS: 'contoso.onmicrosoft.com' })).toThrow(/^TEAMS_TENANTS: "contoso\.onmicrosoft\.com" is not an Entra tenant id/);
    expect(() => readSettings({ TEAMS_EXTRA_CHANNELS: 'slack' })).toThrow(
      /^TEAMS_EXTRA_CHANNELS: "slack" is not a channel that can be enabled \(webchat, directline\)/,
    );
  });
});

/** The audit export: every CSV cell quoted, spreadsheet formulas defused, JSON lines one entry each. */
import { auditCsv, auditJsonLines, csvCell } from '../../bot/admin/ops/audit-view';

describe('audit export', () => {
  it('quotes every cell and puts a quote before what a spreadsheet would run', () => {
    for (const lead of ['=', '+', '-', '@', ';', '\t', '\r']) expect(csvCell(`${lead}cmd|' /C calc'!A0`)).toBe(`"'${lead}cmd|' /C calc'!A0"`);
    expect(csvCell('plain')).toBe('"plain"');
    expect(csvCell('a "quoted", b\nc')).toBe('"a ""quoted"", b\nc"');
    expect(csvCell('')).toBe('""');
  });

  it('writes a header and one quoted row per entry, CRLF', () => {
    const csv = auditCsv([
      { at: '2026-01-31T10:00:00.000Z', environment: 'prod', actor: 'slack:U1', event: 'admin set', detail: '=1+1' },
      { at: '2026-01-31T09:00:00.000Z', actor: 'chatsoar', event: 'x' },
    ]);
    expect(csv).toBe(
      'at,environment,actor,event,detail\r\n"2026-01-31T10:00:00.000Z","prod","slack:U1","admin set","\'=1+1"\r\n"2026-01-31T09:00:00.000Z","","chatsoar","x",""\r\n',
    );
  });

  it('writes JSON lines a SIEM can read one by one', () => {
    const lines = auditJsonLines([
      { id: 'a1', at: '2026-01-31T10:00:00.000Z', environment: 'prod', actor: 'slack:U1', event: 'admin set', detail: 'line\nbreak' },
    ]);
    expect(lines.endsWith('\n')).toBe(true);
    expect(
      lines
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([{ id: 'a1', at: '2026-01-31T10:00:00.000Z', environment: 'prod', actor: 'slack:U1', event: 'admin set', detail: 'line\nbreak' }]);
    expect(auditJsonLines([])).toBe('');
  });
});

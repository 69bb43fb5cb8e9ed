import { escapeSlackMrkdwn } from '../../cards/escape';

it('keeps runs of _ * ~ inside a word (mail ids stay copyable) and neutralises those that could format', () => {
  expect(escapeSlackMrkdwn('AAMkAGRlbW8v0Upavpkxk__ppiXsR-YBa-DAi_zs_ykGa')).toBe('AAMkAGRlbW8v0Upavpkxk__ppiXsR-YBa-DAi_zs_ykGa');
  expect(escapeSlackMrkdwn('a**b')).toBe('a**b');
  expect(escapeSlackMrkdwn('AAMkAGRlbW8hf4eZvSaWNiKFAorTRO4bWh9DQfeailvrvrPx_w28_-Y1wr')).toBe('AAMkAGRlbW8hf4eZvSaWNiKFAorTRO4bWh9DQfeailvrvrPx_w28_-Y1wr');
  expect(escapeSlackMrkdwn('in b1: AAMkAGRlbW8xkanQppzzG-kyQaN7t4oqz9B8YxnVUGNIdd0cNUeKox6T421yIPN4wkxzP_H5hBFUXe6_tWz-_Z5fYSbAAA= "x"')).toContain(
    'tWz-_Z5fYSbAAA=',
  );
  // Every opener is neutralised, so nothing formats.
  expect(escapeSlackMrkdwn('_bold_ *x* ~y~')).not.toMatch(/(^|\s)[_*~]/);
  expect(escapeSlackMrkdwn('x __init__')).not.toMatch(/\s__/);
});

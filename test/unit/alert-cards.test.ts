/**
 * Alert cards with their triage (behaviour.md 33): which buttons each state offers, what the card
 * says about who did what, and the same card rendered for Teams (Universal Actions: Action.Execute,
 * a ShowCard asking the close reason, refresh) and Slack, checked by the adaptivecards library.
 */
import { alertMessage, triagedAlertMessage, type AlertTriageView } from '../../cards/alert-messages';
import type { ChatMessage } from '../../cards/message';
import { render } from '../../cards/render';
import { validateAdaptiveCard } from '../../cards/validate';
import { toAdaptiveCard } from '../../cards/adaptive';
import type { Alert } from '../../handlers/kit/schedule';

const alert: Alert = {
  id: 'evt-1',
  name: 'Invoice overdue',
  time: '2026-12-07T04:00:00Z',
  rule: 'billing@fabrikam.example · "Invoice overdue"',
  who: 'billing@fabrikam.example',
  event: { subject: 'Invoice overdue' },
  buttons: [
    { title: 'Search the mail', command: 'graphmail search-emails --mail-ids X' },
    { title: 'Search this sender', command: 'graphmail search-emails --sender-filter billing@fabrikam.example', form: true },
  ],
};
const base = alertMessage(alert, { connector: 'phish', environment: 'prod' }, [{ name: 'event.json', url: 'https://bot.example/files/x' }]);
const ref = { environment: 'prod', alert: 'h1' };
const at = Date.UTC(2026, 11, 7, 5, 1);

function titles(m: ChatMessage): string[] {
  return (m.actions ?? []).map((a) => a.title);
}

describe('alert card triage', () => {
  it('an open alert offers Acknowledge, Assign to me, Close… and Escalate before its own buttons; "Search this sender" opens a form', () => {
    const card = triagedAlertMessage(base, {}, ref);
    expect(titles(card)).toEqual(['Acknowledge', 'Assign to me', 'Close…', 'Escalate', 'Search the mail', 'Search this sender']);
    expect(card.actions!.slice(0, 4).every((a) => a.data.environment === 'prod' && a.data.alert === 'h1')).toBe(true);
    expect(card.actions![4]).toMatchObject({ verb: 'run-form', data: { command: 'graphmail search-emails --mail-ids X', fields: [] } });
    expect(card.actions![5]).toMatchObject({ verb: 'prefill-form', data: { command: 'graphmail search-emails --sender-filter billing@fabrikam.example' } });
    expect(card.actions![2]!.ask!.inputs).toEqual([expect.objectContaining({ id: 'reason', required: true })]);
    expect(card.refresh).toEqual({ verb: 'alert-refresh', data: ref });
    expect(card.status).toBe('alert');
  });

  it('says who did what, in order, and offers each step once; a closed alert keeps only its own buttons', () => {
    const triage: AlertTriageView = {
      acknowledged: { by: 'slack:U1', at },
      assigned: { to: 'slack:U2', by: 'slack:U1', at },
      escalated: { by: 'slack:U2', at },
    };
    const open = triagedAlertMessage(base, triage, ref);
    expect(titles(open)).toEqual(['Assign to me', 'Close…', 'Search the mail', 'Search this sender']);
    expect(open.lines!.slice(-3)).toEqual([
      'Acknowledged by slack:U1 at 2026-12-07 05:01 UTC.',
      'Assigned to slack:U2 by slack:U1 at 2026-12-07 05:01 UTC.',
      'Escalated to the admin channel by slack:U2 at 2026-12-07 05:01 UTC.',
    ]);
    expect(open.text).toContain('Event ID: evt-1\nAcknowledged by slack:U1');
    const closed = triagedAlertMessage(base, { ...triage, closed: { by: 'slack:U1', at, reason: 'false positive' } }, ref);
    expect(titles(closed)).toEqual(['Search the mail', 'Search this sender']);
    expect(closed.status).toBe('closed');
    expect(closed.lines!.at(-1)).toBe('Closed by slack:U1 at 2026-12-07 05:01 UTC: false positive');
  });

  it('someone who may not act sees the state without the triage buttons', () => {
    const card = triagedAlertMessage(base, { acknowledged: { by: 'teams:a', at } }, ref, false);
    expect(titles(card)).toEqual(['Search the mail', 'Search this sender']);
    expect(card.text).toContain('Acknowledged by teams:a');
  });
});

describe('alert card rendering', () => {
  const card = triagedAlertMessage(base, {}, ref);

  it('Teams and web chat: Action.Execute buttons, the close reason in an Action.ShowCard, a refresh; valid for the adaptivecards library', () => {
    const { attachments } = render(card, 'teams');
    const content = attachments[0]!.content as Record<string, unknown>;
    expect(validateAdaptiveCard(content)).toEqual({ ok: true, errors: [] });
    expect(content.refresh).toEqual({ action: { type: 'Action.Execute', verb: 'alert-refresh', data: ref } });
    const json = JSON.stringify(content);
    expect(json).toContain('{"type":"Action.Execute","title":"Acknowledge","verb":"alert-ack","data":{"environment":"prod","alert":"h1"}');
    const show = /\{"type":"Action\.ShowCard","title":"Close…","card":(\{.*?\}\]\})\}/.exec(json);
    expect(show).not.toBeNull();
    const inner = JSON.parse(show![1]!) as { body: Array<Record<string, unknown>>; actions: Array<Record<string, unknown>> };
    expect(inner.body).toEqual([
      expect.objectContaining({ type: 'Input.Text', id: 'reason', isMultiline: true, isRequired: true, label: 'Reason for closing' }),
    ]);
    expect(inner.actions).toEqual([expect.objectContaining({ type: 'Action.Execute', title: 'Close alert', verb: 'alert-close', data: ref })]);
  });

  it('without Universal Actions: Action.Submit carries the verb, and there is no refresh', () => {
    const content = toAdaptiveCard(card) as Record<string, unknown>;
    expect(validateAdaptiveCard(content).ok).toBe(true);
    expect(content.refresh).toBeUndefined();
    expect(JSON.stringify(content)).toContain('{"type":"Action.Submit","title":"Close alert","data":{"verb":"alert-close","environment":"prod","alert":"h1"}');
  });

  it('Slack: one button per verb, action_id `<verb>:<index>`, the alert named in the value', () => {
    const { blocks } = render(card, 'slack');
    const actions = blocks.filter((b) => b.type === 'actions').flatMap((b) => (b as { elements: Array<{ action_id: string; value: string }> }).elements);
    expect(actions.map((a) => a.action_id)).toEqual(['alert-ack:0', 'alert-assign:1', 'alert-close:2', 'alert-escalate:3', 'run-form:4', 'prefill-form:5']);
    expect(JSON.parse(actions[2]!.value)).toEqual({ verb: 'alert-close', environment: 'prod', alert: 'h1' });
  });
});

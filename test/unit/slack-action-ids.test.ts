/** The action_id scheme Slack listeners are registered by (cards/slack-action-ids.ts). */
import { slackActionId, slackActionIdsExcept, slackActionIdsFor, verbOfSlackActionId } from '../../cards/slack-action-ids';

it('an action_id is the verb and the button index; its verb comes back out', () => {
  expect(slackActionId('vote', 1)).toBe('vote:1');
  expect(verbOfSlackActionId('run-form:0')).toBe('run-form');
  expect(verbOfSlackActionId('a:b:12')).toBe('a:b');
  expect(verbOfSlackActionId('foreign')).toBe('foreign');
});

it('a listener for some verbs matches exactly their ids; the rest-listener matches every other id', () => {
  const mine = slackActionIdsFor('vote', 'admin-open');
  const rest = slackActionIdsExcept('vote', 'admin-open');
  for (const id of ['vote:0', 'vote:24', 'admin-open:0']) {
    expect(mine.test(id)).toBe(true);
    expect(rest.test(id)).toBe(false);
  }
  for (const id of ['vote', 'vote:x', 'votes:0', 'xvote:0', 'help:0', 'admin-openx:1', 'a']) {
    expect(mine.test(id)).toBe(false);
    expect(rest.test(id)).toBe(true);
  }
});

it('verbs are matched literally', () => {
  expect(slackActionIdsFor('a.b').test('a.b:0')).toBe(true);
  expect(slackActionIdsFor('a.b').test('axb:0')).toBe(false);
});

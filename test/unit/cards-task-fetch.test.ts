import { toAdaptiveCard } from '../../cards/adaptive';

it('a Teams dialog button (msteams.type task/fetch) is an Action.Submit even on universal cards', () => {
  const card = toAdaptiveCard(
    {
      text: 'Admin',
      actions: [
        { title: 'Open as a dialog', verb: 'admin-dialog', data: { msteams: { type: 'task/fetch' } } },
        { title: 'Help', verb: 'help', data: {} },
      ],
    },
    { universal: true },
  );
  const json = JSON.stringify(card);
  expect(json).toContain('"type":"Action.Submit","title":"Open as a dialog","data":{"verb":"admin-dialog","msteams":{"type":"task/fetch"}}');
  expect(json).toContain('"type":"Action.Execute","title":"Help","verb":"help"');
});

import { loadDemo } from '../client/cli/demo';
import { SHIPPED_PROCESSES_DIR } from '../config/settings';
import { HEAD_BAKER, OWNER, SHOP_MANAGER, eventually, testSettings, withStack } from './helpers';

describe('the demo bakery', () => {
  test('loads ideas from four sources at different points, with review requests waiting, and loading again adds nothing', async () => {
    await withStack(async ({ client, store }) => {
      // The demo uses fixed ids; a run of its own keeps them apart from other tests' ideas.
      const loaded = await loadDemo(client);
      expect(loaded).toEqual(['demo-gluten-free-bread', 'demo-faster-dough', 'demo-loyalty-cards', 'demo-pastry-of-the-month']);
      const statuses = await Promise.all(loaded.map((id) => client.getIdea(id)));
      expect(statuses.map((s) => [s.ideaId, s.source, s.status, s.stage.id, s.round?.gate])).toEqual([
        ['demo-gluten-free-bread', 'customer', 'in-review', 'idea', 'idea-screen'],
        ['demo-faster-dough', 'employee', 'in-review', 'idea', 'quick-decision'],
        ['demo-loyalty-cards', 'employee', 'in-review', 'build', 'go-to-pilot'],
        ['demo-pastry-of-the-month', 'partner', 'in-stage', 'build', undefined],
      ]);
      expect(statuses[3]!.conditions).toEqual([{ gate: 'idea-screen', text: 'Agree the price split with Bean Co', met: false }]);
      await eventually(async () => {
        const requests = (await store.outbox()).filter((m) => m.purpose === 'review-request').map((m) => `${m.ideaId} ${m.to.email}`);
        expect(requests).toEqual(
          expect.arrayContaining([
            `demo-gluten-free-bread ${HEAD_BAKER}`,
            `demo-gluten-free-bread ${SHOP_MANAGER}`,
            `demo-faster-dough ${SHOP_MANAGER}`,
            `demo-loyalty-cards ${OWNER}`,
          ]),
        );
      });
      expect(await loadDemo(client)).toEqual([]);
    }, testSettings({ processesDir: SHIPPED_PROCESSES_DIR }));
  });
});

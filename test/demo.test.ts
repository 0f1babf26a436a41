import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDemo } from '../client/cli/demo';
import { SHIPPED_PROCESSES_DIR } from '../config/settings';
import { assessReading } from '../workflows/kpi-rules';
import { HEAD_BAKER, OWNER, SHOP_MANAGER, eventually, testSettings, withStack } from './helpers';

/**
 * The shipped templates, with a pilot in smb-lite's pilot stage when it has none yet (the bakery's:
 * weekly sales and repeat customers), so the demo's pumpkin pastry runs one.
 */
function piloting(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-demo-'));
  cpSync(SHIPPED_PROCESSES_DIR, dir, { recursive: true });
  const lite = join(dir, 'smb-lite.yaml');
  const yaml = readFileSync(lite, 'utf8');
  const stage = yaml.slice(yaml.indexOf('  - id: pilot\n'), yaml.indexOf('  - id: launch\n'));
  if (stage.includes('    pilot:\n')) return dir;
  const pilot = `    pilot:
      checkEvery: 1w
      kpis:
        - { id: weekly_sales, label: Weekly sales, unit: pastries, direction: higher, target: 60, killAt: 20, countsAsBenefit: true }
        - { id: repeat_share, label: Customers who buy again, unit: '%', direction: higher, target: 30 }
`;
  writeFileSync(lite, yaml.replace(stage, stage.replace('    gate:\n', `${pilot}    gate:\n`)));
  return dir;
}

describe('the demo bakery', () => {
  test('loads ideas from four sources at different points, with review requests waiting, one in its pilot with three weekly readings and an alert in the outbox, and loading again adds nothing', async () => {
    await withStack(async ({ client, store }) => {
      // The demo uses fixed ids; a run of its own keeps them apart from other tests' ideas.
      const loaded = await loadDemo(client);
      expect(loaded).toEqual(['demo-gluten-free-bread', 'demo-faster-dough', 'demo-loyalty-cards', 'demo-pastry-of-the-month', 'demo-pumpkin-pastry']);
      const statuses = await Promise.all(loaded.map((id) => client.getIdea(id)));
      expect(statuses.map((s) => [s.ideaId, s.source, s.status, s.stage.id, s.round?.gate])).toEqual([
        ['demo-gluten-free-bread', 'customer', 'in-review', 'idea', 'idea-screen'],
        ['demo-faster-dough', 'employee', 'in-review', 'idea', 'quick-decision'],
        ['demo-loyalty-cards', 'employee', 'in-review', 'build', 'go-to-pilot'],
        ['demo-pastry-of-the-month', 'partner', 'in-stage', 'build', undefined],
        ['demo-pumpkin-pastry', 'customer', 'in-stage', 'pilot', undefined],
      ]);
      // The pumpkin pastry's pilot: three weeks of readings, the first KPI's last week short of its target (not past a kill line), which alerts.
      const pilot = await client.pilotStatus('demo-pumpkin-pastry');
      expect(pilot.summary.map((kpi) => kpi.recent!.length)).toEqual(pilot.summary.map(() => 3));
      const [first, ...others] = pilot.summary;
      expect(first!.recent!.map((point) => assessReading(first!, point.value))).toEqual(['on-target', 'on-target', first!.alertAt === undefined ? 'below-target' : 'alert']);
      for (const kpi of others) expect(kpi.recent!.every((point) => assessReading(kpi, point.value) === 'on-target')).toBe(true);
      const alerts = await eventually(async () => {
        const found = (await store.outbox({ ideaId: 'demo-pumpkin-pastry' })).filter((message) => message.purpose === 'kpi-alert');
        if (found.length < 2) throw new Error('the alert is not out yet');
        return found;
      });
      expect(alerts.map((message) => [message.to.email, message.subject]).sort()).toEqual([
        [HEAD_BAKER, `Alert: ${first!.label} for "Pumpkin spice pastry" is ${first!.latest}${first!.unit ? ` ${first!.unit}` : ''}`],
        [OWNER, `Alert: ${first!.label} for "Pumpkin spice pastry" is ${first!.latest}${first!.unit ? ` ${first!.unit}` : ''}`],
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
    }, testSettings({ processesDir: piloting() }));
  });
});

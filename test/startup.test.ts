import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHIPPED_PEOPLE_FILE } from '../config/settings';
import { cliEnv, runCli } from './cli-process';
import { testSettings } from './helpers';
import { FIXTURE_PROCESSES_DIR } from './paths';

/** A folder of process templates: the fixtures' two-gates, and a broken one when asked. */
function processesDir(broken: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-startup-'));
  copyFileSync(join(FIXTURE_PROCESSES_DIR, 'two-gates.yaml'), join(dir, 'two-gates.yaml'));
  if (broken) {
    writeFileSync(
      join(dir, 'broken.yaml'),
      `id: broken
version: 1
name: Broken
stages:
  - id: screen
    name: Screen
    duration: 1d
    gate: { id: screen, name: Screen, reviewers: { roles: [owner] }, criteria: [{ id: fit, label: Fit }], passScore: 9, quorum: any, deadline: 1d, reminderEvery: 1d, escalateTo: { roles: [owner] }, onNoDecision: hold }
`,
    );
  }
  return dir;
}

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'stagegate-startup-')), name);
  writeFileSync(path, text);
  return path;
}

const CASES: { what: string; env: () => Record<string, string>; names: RegExp }[] = [
  { what: 'an invalid process template', env: () => ({ STAGEGATE_PROCESSES_DIR: processesDir(true) }), names: /broken\.yaml: stages\[0\]\.gate\.passScore: / },
  {
    what: 'an invalid people file',
    env: () => ({ STAGEGATE_PEOPLE_FILE: file('people.yaml', 'organisation: Corner Bakery\npeople:\n  - { email: not-an-email, name: Olivia }\n') }),
    names: /people\.yaml: people\[0\]\.email: /,
  },
  { what: 'invalid settings', env: () => ({ STAGEGATE_CONFIG: file('stagegate.yaml', 'webPort: lots\n') }), names: /stagegate\.yaml: webPort: / },
];

describe('startup refuses bad configuration', () => {
  for (const command of ['dev', 'worker', 'web', 'intake']) {
    for (const { what, env, names } of CASES) {
      test(`stagegate ${command} with ${what} starts nothing and names the file and the field`, async () => {
        const settings = testSettings({ processesDir: processesDir(false) });
        const run = await runCli(cliEnv(settings, { STAGEGATE_PEOPLE_FILE: SHIPPED_PEOPLE_FILE, STAGEGATE_LINK_SECRET: 'x'.repeat(40), ...env() }), [command, ...(command === 'dev' ? ['--port', '0', '--ui-port', '0'] : [])], 20_000);
        expect(run.stderr).toMatch(names);
        expect(run.code).toBe(1);
        expect(run.stderr).not.toMatch(/Starting the Temporal dev server|stagegate is running|polling task queue|listening on|intake running/);
      });
    }
  }

  test('process validate makes the same check: a good configuration passes, each bad one is named', async () => {
    const settings = testSettings({ processesDir: processesDir(false) });
    const run = await runCli(cliEnv(settings), ['process', 'validate', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([{ id: 'two-gates', valid: true }]);
    for (const { env, names } of CASES) {
      const bad = await runCli(cliEnv(settings, env()), ['process', 'validate']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(names);
    }
  });
});

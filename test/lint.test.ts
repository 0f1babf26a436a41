import { join } from 'node:path';
import { ESLint } from 'eslint';

/**
 * The lint keeps the design's arrows true: `npm test` runs it over the tree, and this suite
 * proves each rule fires on the import it exists to stop, so a rule that silently matches
 * nothing cannot pass for a rule that holds.
 */
const ROOT = join(__dirname, '..');
const PROBES = ['workflows', 'client/web', 'config', 'store', 'links', 'codec'].map((room) => `${room}/lint-probe.ts`);
// The config is handed over rather than found (jest's module sandbox cannot import a config
// file), with the probes, which exist only in memory, let into TypeScript's default project.
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: true,
  baseConfig: [
    ...require('../eslint.config.js'),
    { files: PROBES, languageOptions: { parserOptions: { projectService: { allowDefaultProject: PROBES } } } },
  ],
});

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result!.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

describe('the lint of the rooms', () => {
  test('workflow code may not use Node APIs', async () => {
    expect(await problems('workflows/lint-probe.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: 'node:fs' .*no Node APIs/),
    ]);
    expect((await problems('workflows/lint-probe.ts', "import { createHash } from 'crypto';\nexport const hash = createHash;\n")).join('\n')).toMatch(/no Node APIs/);
  });

  test('workflow code imports nothing of ours from outside workflows/ at run time, types are fine', async () => {
    expect(await problems('workflows/lint-probe.ts', "import { linkBuilder } from '../links';\nexport const links = linkBuilder;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: '\.\.\/links' .*at run time/),
    ]);
    expect(await problems('workflows/lint-probe.ts', "import type { createActivities } from '../activities';\nexport type Activities = ReturnType<typeof createActivities>;\n")).toEqual([]);
  });

  test('workflow code bundles only the workflow SDK', async () => {
    expect(await problems('workflows/lint-probe.ts', "import { z } from 'zod';\nexport const schema = z.string();\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: 'zod' /),
    ]);
    expect(await problems('workflows/lint-probe.ts', "import { sleep } from '@temporalio/workflow';\nexport const wait = sleep;\n")).toEqual([]);
  });

  test('a floating promise is an error', async () => {
    expect(await problems('workflows/lint-probe.ts', "import { sleep } from '@temporalio/workflow';\nexport async function nap(): Promise<void> {\n  sleep(1);\n}\n")).toEqual([
      expect.stringMatching(/^@typescript-eslint\/no-floating-promises: /),
    ]);
  });

  test('client/ never imports activities/, even for types', async () => {
    expect(await problems('client/web/lint-probe.ts', "import type { StageGateActivities } from '../../activities';\nexport type A = StageGateActivities;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: '\.\.\/\.\.\/activities' /),
    ]);
    expect(await problems('client/web/lint-probe.ts', "import { openStore } from '../../store';\nexport const open = openStore;\n")).toEqual([]);
  });

  test('config/ imports nothing of ours', async () => {
    expect(await problems('config/lint-probe.ts', "import { IDEA_SOURCES } from '../workflows/inputs';\nexport const sources = IDEA_SOURCES;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: '\.\.\/workflows\/inputs' /),
    ]);
  });

  test('the store, links and text do not reach into activities or clients', async () => {
    expect(await problems('store/lint-probe.ts', "import { createActivities } from '../activities';\nexport const create = createActivities;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: '\.\.\/activities' /),
    ]);
    expect(await problems('links/lint-probe.ts', "import { StageGateClient } from '../client/sdk';\nexport const Client = StageGateClient;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: '\.\.\/client\/sdk' /),
    ]);
  });

  test('the codec reads config/ and store/, never activities/ or client/', async () => {
    expect(await problems('codec/lint-probe.ts', "import { createActivities } from '../activities';\nexport const create = createActivities;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: '\.\.\/activities' /),
    ]);
    expect(await problems('codec/lint-probe.ts', "import { StageGateClient } from '../client/sdk';\nexport const Client = StageGateClient;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: '\.\.\/client\/sdk' /),
    ]);
    expect(await problems('codec/lint-probe.ts', "import { openStore } from '../store';\nimport { loadSettings } from '../config/settings';\nexport const both = [openStore, loadSettings];\n")).toEqual([]);
  });
});

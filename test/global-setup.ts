import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer } from '../worker/dev-server';
import { bundleWorkflows } from '../worker/worker';
import { ARTEFACTS_DIR } from './paths';

/**
 * Once per test run: a real Temporal dev server on a free port (in memory, headless) and one
 * bundle of the workflow code, which every test's worker loads instead of bundling again.
 */
export default async function globalSetup(): Promise<void> {
  mkdirSync(ARTEFACTS_DIR, { recursive: true });
  const runDir = mkdtempSync(join(tmpdir(), 'stagegate-test-'));
  const env = await startDevServer({ log: (line) => process.stderr.write(`${line}\n`) });
  (globalThis as { __temporalTestEnv?: unknown }).__temporalTestEnv = env;
  const address = env.connection.options.address;
  const bundleFile = join(runDir, 'workflow-bundle.js');
  writeFileSync(bundleFile, (await bundleWorkflows()).code);
  process.env.TEMPORAL_ADDRESS = address;
  process.env.TEMPORAL_NAMESPACE = env.namespace ?? 'default';
  process.env.STAGEGATE_TEST_BUNDLE = bundleFile;
  process.env.STAGEGATE_TEST_RUN_DIR = runDir;
}

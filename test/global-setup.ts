import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer } from '../worker/dev-server';
import { bundleWorkflows } from '../worker/worker';
import { ARTEFACTS_DIR } from './paths';
import { startTestPostgres, type TestPostgres } from './postgres';

/**
 * Once per test run: a real Temporal dev server on a free port (in memory, headless), a throwaway
 * PostgreSQL cluster for the events store's PostgreSQL backend, and one bundle of the workflow
 * code, which every test's worker loads instead of bundling again.
 */
export default async function globalSetup(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  mkdirSync(ARTEFACTS_DIR, { recursive: true });
  const runDir = mkdtempSync(join(tmpdir(), 'stagegate-test-'));
  const env = await startDevServer({ log });
  (globalThis as { __temporalTestEnv?: unknown }).__temporalTestEnv = env;
  const address = env.connection.options.address;
  // PostgreSQL starts while the workflows bundle; without it only the PostgreSQL tests fail, saying why.
  const postgres = process.env.STAGEGATE_TEST_DATABASE_URL ? undefined : startTestPostgres(log).catch((err: Error) => err);
  const bundleFile = join(runDir, 'workflow-bundle.js');
  try {
    writeFileSync(bundleFile, (await bundleWorkflows()).code);
  } catch (err) {
    const started = await postgres;
    if (started && !(started instanceof Error)) await started.stop();
    throw err;
  }
  const started = await postgres;
  if (started instanceof Error) {
    log(`The PostgreSQL tests will fail: ${started.message}`);
    process.env.STAGEGATE_TEST_POSTGRES_PROBLEM = started.message;
  } else if (started) {
    (globalThis as { __testPostgres?: TestPostgres }).__testPostgres = started;
    process.env.STAGEGATE_TEST_DATABASE_URL = started.url;
  }
  process.env.TEMPORAL_ADDRESS = address;
  process.env.TEMPORAL_NAMESPACE = env.namespace ?? 'default';
  process.env.STAGEGATE_TEST_BUNDLE = bundleFile;
  process.env.STAGEGATE_TEST_RUN_DIR = runDir;
}

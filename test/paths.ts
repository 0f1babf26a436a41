import { join } from 'node:path';

export const FIXTURE_PROCESSES_DIR = join(__dirname, 'fixtures', 'processes');
export const ARTEFACTS_DIR = join(__dirname, '..', '.test-results', 'artefacts');

/** Scratch space of this test run (data folders, the workflow bundle), made by the global setup. */
export function testRunDir(): string {
  const dir = process.env.STAGEGATE_TEST_RUN_DIR;
  if (!dir) throw new Error('STAGEGATE_TEST_RUN_DIR is not set: run the tests through jest (npm test)');
  return dir;
}

import { rmSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestPostgres } from './postgres';

export default async function globalTeardown(): Promise<void> {
  const env = (globalThis as { __temporalTestEnv?: TestWorkflowEnvironment }).__temporalTestEnv;
  const postgres = (globalThis as { __testPostgres?: TestPostgres }).__testPostgres;
  // Both stop even when one of them fails, so nothing is left running.
  const stopped = await Promise.allSettled([env?.teardown(), postgres?.stop()]);
  if (process.env.STAGEGATE_TEST_RUN_DIR) rmSync(process.env.STAGEGATE_TEST_RUN_DIR, { recursive: true, force: true });
  for (const result of stopped) if (result.status === 'rejected') throw result.reason;
}

import { rmSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

export default async function globalTeardown(): Promise<void> {
  const env = (globalThis as { __temporalTestEnv?: TestWorkflowEnvironment }).__temporalTestEnv;
  await env?.teardown();
  if (process.env.STAGEGATE_TEST_RUN_DIR) rmSync(process.env.STAGEGATE_TEST_RUN_DIR, { recursive: true, force: true });
}

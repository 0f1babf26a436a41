import { join } from 'node:path';
import type { Settings } from '../config/settings';

/** The built `stagegate` command, run as its own process the way an admin runs it. */
export const CLI = join(__dirname, '..', 'dist', 'client', 'cli', 'main.js');

/** The environment of a `stagegate` process pointed at this test's Temporal, task queue and data folder. */
export function cliEnv(settings: Settings, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE,
    STAGEGATE_TASK_QUEUE: settings.taskQueue,
    STAGEGATE_DATA_DIR: settings.dataDir,
    STAGEGATE_PROCESSES_DIR: settings.processesDir,
    ...extra,
  };
}

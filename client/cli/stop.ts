import type { Worker } from '@temporalio/worker';
import { note } from './output';

/**
 * Ctrl-C (SIGINT) or SIGTERM for a long-running command, heard from the moment it starts. A
 * Temporal worker listens for them only once it runs, and Temporal's runtime only once it exists,
 * so a signal during startup (the dev server starting, the workflows bundling: seconds, a minute
 * on a loaded machine) could be lost and the command run on. Here the first one is kept, said,
 * and acted on as soon as what it stops is up; a second one ends the process at once.
 */
export function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    let heard = false;
    const onSignal = () => {
      if (heard) process.exit(130);
      heard = true;
      note('Stopping (Ctrl-C again to quit at once)...');
      resolve();
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
  });
}

/** Drains these running workers when `stop` comes, or at once if it came during startup. */
export function drainOn(stop: Promise<void>, workers: Worker[]): void {
  void stop.then(() => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  });
}

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from './helpers';

/**
 * Histories recorded from journeys of earlier releases must replay on today's workflow code:
 * a change that breaks one needs `patched()` or worker versioning. Record new ones with
 * `npm run record-histories` (test/record/histories.record.ts), or with
 * `temporal workflow show --workflow-id idea-<id> --output json` after a journey worth keeping,
 * saved as `<workflow id>.json`, a later run of a workflow that continued as new as
 * `<workflow id>.run-<n>.json` (the folder's README lists them).
 */
const HISTORIES_DIR = join(__dirname, 'fixtures', 'histories');

describe('replay of recorded idea journeys', () => {
  const files = readdirSync(HISTORIES_DIR).filter((name) => name.endsWith('.json'));

  test('there are recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  test.each(files)('%s replays without nondeterminism', async (file) => {
    const history = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'));
    // The file is named by the workflow id (a pilot's child id derives from its idea's), and a later run by its number.
    const workflowId = basename(file, '.json').replace(/\.run-\d+$/, '');
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, workflowId)).resolves.toBeUndefined();
  });
});

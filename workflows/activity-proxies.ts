import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

/** Recording and telling: retried until they succeed, backing off to a minute between tries. */
export const { recordEvent, notify } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Pulling a KPI gets a few tries; a source that stays down is noted and tried again at the next check. */
export const { pullKpi } = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});

/** Computed on the worker, which holds the key; a local activity: one marker in history, no task queue round trip. */
export const { reviewerPseudonyms } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
});

/** Who a round asks, from the people directory as it is now; a local activity too: the worker reads the file, one marker in history. */
export const { peopleForRound } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * Looking for similar open ideas on submission: two short tries, then the journey goes on without
 * them, so an events store that does not answer holds the first gate back by seconds, not minutes.
 */
export const { findSimilarIdeas } = proxyActivities<Activities>({
  startToCloseTimeout: '8 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 2 },
});

import { workflowInfo } from '@temporalio/workflow';
import { notify } from './activity-proxies';
import type { Notification } from './notification';

/** What the SDK hands the workflow: the round's review request for one reviewer, as the journey would word it. */
export type ReviewLinkRequest = Omit<Notification, 'seq' | 'journey'> & { purpose: 'review-request' };

/**
 * A fresh review link emailed to a reviewer who asked for one from their queue page. Its id
 * (`idea-<id>:link:<gate>:<round>:<reviewer hash>:<10-minute bucket>`) makes pressing the button
 * again within the bucket send nothing more; the message is named by this workflow, so it never
 * meets the journey's own messages in the outbox.
 */
export async function reviewLinkResend(request: ReviewLinkRequest): Promise<void> {
  await notify({ ...request, seq: 1, journey: workflowInfo().workflowId });
}

import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Action, Hold, Override, Ready, Vote } from '../client/sdk/inputs';
import type { IdeaStatus, VoteReceipt } from './state';

/** Every message an idea journey answers, defined once for the workflow and the SDK. */

export const statusQuery = defineQuery<IdeaStatus>('status');

export const castVoteUpdate = defineUpdate<VoteReceipt, [Vote]>('castVote');
export const markReadyUpdate = defineUpdate<void, [Ready]>('markReady');
export const overrideDecisionUpdate = defineUpdate<void, [Override]>('overrideDecision');
export const holdUpdate = defineUpdate<void, [Hold]>('hold');
export const resumeUpdate = defineUpdate<void, [Action]>('resume');
export const withdrawUpdate = defineUpdate<void, [Action]>('withdraw');
export const markConditionsMetUpdate = defineUpdate<void, [Action]>('markConditionsMet');
/** A reviewer opened the review page of a round; no answer needed, so a signal. */
export const reviewOpenedSignal = defineSignal<[{ reviewer: string; round: number }]>('reviewOpened');

/** Why an update was turned away; the SDK raises each as a typed error carrying the same code. */
export const REJECTIONS = [
  'not-a-reviewer',
  'already-voted',
  'gate-closed',
  'invalid-scores',
  'not-allowed',
  'wrong-status',
  'idea-ended',
] as const;
export type Rejection = (typeof REJECTIONS)[number];

export const statusKey = defineSearchAttributeKey('StageGateStatus', SearchAttributeType.KEYWORD);
export const stageKey = defineSearchAttributeKey('StageGateStage', SearchAttributeType.KEYWORD);
export const processKey = defineSearchAttributeKey('StageGateProcess', SearchAttributeType.KEYWORD);
export const sourceKey = defineSearchAttributeKey('StageGateSource', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTES = [statusKey, stageKey, processKey, sourceKey];

export const IDEA_WORKFLOW_PREFIX = 'idea-';
export function ideaWorkflowId(ideaId: string): string {
  return `${IDEA_WORKFLOW_PREFIX}${ideaId}`;
}

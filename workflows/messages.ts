import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { ApplicationFailure, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Action, Categorise, Credit, Delegation, Hold, KpiReading, KpiReadings, Merge, Override, Ready, Reassignment, Vote } from './inputs';
import type { IdeaStatus, KpiReceipt, PilotPlanTemplate, PilotStatus, ReplacementReceipt, VoteReceipt } from './state';

/** Every message an idea journey answers, defined once for the workflow and the SDK. */

export const statusQuery = defineQuery<IdeaStatus>('status');
/** What the champion may plan now: the default plan and limits of the pilot after the current stage's gate, or nothing. */
export const pilotPlanQuery = defineQuery<PilotPlanTemplate | undefined>('pilotPlan');

export const castVoteUpdate = defineUpdate<VoteReceipt, [Vote]>('castVote');
export const markReadyUpdate = defineUpdate<void, [Ready]>('markReady');
export const overrideDecisionUpdate = defineUpdate<void, [Override]>('overrideDecision');
export const holdUpdate = defineUpdate<void, [Hold]>('hold');
export const resumeUpdate = defineUpdate<void, [Action]>('resume');
export const withdrawUpdate = defineUpdate<void, [Action]>('withdraw');
export const markConditionsMetUpdate = defineUpdate<void, [Action]>('markConditionsMet');
/** A screener or an admin merges this idea into another (its survivor, whose title the SDK looked up): this journey ends `merged`. */
export const mergeUpdate = defineUpdate<void, [Merge & { survivorTitle: string }]>('merge');
/**
 * Before a merge into this idea is sent, the SDK claims it: refused when this idea is itself being
 * merged or has ended; while the claim holds this idea cannot be merged, so two opposite merges at
 * the same instant cannot both go through.
 */
export const claimMergeUpdate = defineUpdate<void, [{ from: string }]>('claimMerge');
/** The merge a claim was for did not go through: the claim is dropped. */
export const releaseMergeClaimSignal = defineSignal<[{ from: string }]>('releaseMergeClaim');
/** An admin sets the idea's category. */
export const categoriseUpdate = defineUpdate<void, [Categorise]>('categorise');
/** A duplicate's journey, ending merged into this idea, says whom to credit; it needs no answer. */
export const creditSignal = defineSignal<[Credit]>('credit');
/** A reviewer hands their review in the open round to a colleague, who is asked instead. */
export const delegateReviewUpdate = defineUpdate<ReplacementReceipt, [Delegation]>('delegateReview');
/** A reviewer who left the people directory (or was deactivated) is replaced in the open round by someone the directory has now. */
export const reassignReviewerUpdate = defineUpdate<ReplacementReceipt, [Reassignment]>('reassignReviewer');
/** A reviewer opened the review page of a round; no answer needed, so a signal. */
export const reviewOpenedSignal = defineSignal<[{ reviewer: string; round: number }]>('reviewOpened');

/** A pilot's KPI reading, sent to the pilot's own workflow; its status, as a query. */
export const recordKpiUpdate = defineUpdate<KpiReceipt, [KpiReading & { source: 'manual' | 'http' }]>('recordKpi');
/** Several readings at once, checked together: one bad KPI refuses them all, so a form records all it says or nothing. */
export const recordKpiReadingsUpdate = defineUpdate<KpiReceipt[], [KpiReadings]>('recordKpiReadings');
export const pilotStatusQuery = defineQuery<PilotStatus>('pilotStatus');
/** The receipts a pilot gave an update it answered lately (in this run or one before), by the update's id; undefined if it does not remember it. */
export const pilotAnswerQuery = defineQuery<KpiReceipt[] | undefined, [string]>('pilotAnswer');
/** The idea was put on hold while its pilot ran: the pilot ends now, with what it measured so far. */
export const endPilotSignal = defineSignal<[{ by: string; reason: string }]>('endPilot');

/** Why an update was turned away; the SDK raises each as a typed error carrying the same code. */
export const REJECTIONS = [
  'not-a-reviewer',
  'already-voted',
  'gate-closed',
  'invalid-scores',
  'not-allowed',
  'wrong-status',
  'idea-ended',
  'unknown-kpi',
  'pilot-ended',
  'pilot-busy',
  'invalid-plan',
  'stale-package',
  'invalid-merge',
  'invalid-delegation',
] as const;
export type Rejection = (typeof REJECTIONS)[number];

/** Turns an update away in its validator: nothing reaches history, and the caller learns why. */
export function reject(type: Rejection, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

export const statusKey = defineSearchAttributeKey('StageGateStatus', SearchAttributeType.KEYWORD);
export const stageKey = defineSearchAttributeKey('StageGateStage', SearchAttributeType.KEYWORD);
export const processKey = defineSearchAttributeKey('StageGateProcess', SearchAttributeType.KEYWORD);
export const sourceKey = defineSearchAttributeKey('StageGateSource', SearchAttributeType.KEYWORD);
/** Pseudonyms (keyed hashes, see `reviewerPseudonym`) of the open round's reviewers who have not voted yet: a reviewer's queue in one query. */
export const awaitingKey = defineSearchAttributeKey('StageGateAwaiting', SearchAttributeType.KEYWORD_LIST);
/** The members of an innovation network a network idea is shared with: a member sees the network's ideas that name it, and no others. */
export const sharedKey = defineSearchAttributeKey('StageGateShared', SearchAttributeType.KEYWORD_LIST);
export const SEARCH_ATTRIBUTES = [statusKey, stageKey, processKey, sourceKey, awaitingKey, sharedKey];

export const IDEA_WORKFLOW_PREFIX = 'idea-';
export function ideaWorkflowId(ideaId: string): string {
  return `${IDEA_WORKFLOW_PREFIX}${ideaId}`;
}

/**
 * Every other workflow that belongs to an idea (its pilots, link resends, ...) has the id
 * `idea-<ideaId>:<kind>:...`. Idea ids cannot contain ':', so no idea id a user chooses can equal
 * one of these ids, and the idea an id belongs to is read back unambiguously.
 */
export const WORKFLOW_ID_SEPARATOR = ':';
export function ideaPartWorkflowId(ideaId: string, ...parts: (string | number)[]): string {
  return [ideaWorkflowId(ideaId), ...parts].join(WORKFLOW_ID_SEPARATOR);
}

/** The idea a workflow id belongs to, or undefined when it is not one of stagegate's idea ids. */
export function ideaIdOfWorkflowId(workflowId: string): string | undefined {
  if (!workflowId.startsWith(IDEA_WORKFLOW_PREFIX)) return undefined;
  const ideaId = workflowId.slice(IDEA_WORKFLOW_PREFIX.length).split(WORKFLOW_ID_SEPARATOR)[0];
  return ideaId || undefined;
}

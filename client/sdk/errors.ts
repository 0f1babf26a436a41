import { ApplicationFailure } from '@temporalio/common';
import {
  isGrpcCancelledError,
  isGrpcDeadlineError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { z } from 'zod';
import { ConfigError, formatIssues } from '../../config/yaml';
import { REJECTIONS, type Rejection } from '../../workflows/messages';

/** The stable codes of `StageGateError`: a refusal by the journey (`already-voted`, `gate-closed`, ...) or by the SDK. */
export type StageGateErrorCode =
  | Rejection
  | 'invalid-input'
  | 'unknown-idea'
  | 'unknown-process'
  | 'no-reviewers'
  | 'no-worker'
  | 'server-unreachable'
  | 'forgotten'
  | 'unknown-delivery'
  | 'idempotency-key-reused'
  | 'unknown-campaign'
  | 'campaign-exists'
  | 'campaign-not-open'
  | 'campaign-closed'
  | 'not-in-audience'
  | 'too-many-pending'
  | 'config';

/** Every failure the SDK reports: a code to branch on and a message that says what was wrong. */
export class StageGateError extends Error {
  override readonly name = 'StageGateError';
  constructor(
    readonly code: StageGateErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A zod failure as an `invalid-input` error naming each bad field. */
export function invalidInput(what: string, error: z.ZodError): StageGateError {
  return new StageGateError('invalid-input', formatIssues(what, error), { cause: error });
}

/**
 * Turns what Temporal says into a StageGateError, so callers never see transport details.
 * `timedOut` says the call's own deadline had passed: the server then sometimes ends the call
 * itself (CANCELLED) a moment before the client's deadline timer says DEADLINE_EXCEEDED.
 */
export function explain(err: unknown, ideaId: string, updateTimeoutMs?: number, timedOut = false): Error {
  if (err instanceof StageGateError) return err;
  if (err instanceof ConfigError) return new StageGateError('config', err.message, { cause: err });
  // Either the journey had ended when the command came, or it ended while the command waited for
  // its turn (the server then aborts it; Temporal's WorkflowNotFoundError says so in its message).
  if (err instanceof Error && /workflow execution already completed|workflow update was aborted by closing workflow/i.test(err.message)) {
    return new StageGateError('idea-ended', `Idea "${ideaId}" has ended; nothing more can change.`, { cause: err });
  }
  if (err instanceof WorkflowNotFoundError) return new StageGateError('unknown-idea', `No idea "${ideaId}" is known.`, { cause: err });
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && (REJECTIONS as readonly string[]).includes(cause.type ?? '')) {
      return new StageGateError(cause.type as Rejection, cause.message, { cause: err });
    }
    return new StageGateError('not-allowed', cause?.message ?? err.message, { cause: err });
  }
  // A query the server turns away because no worker has polled the task queue lately (a worker down,
  // or not yet back after the server restarted) is the same news: nothing answered.
  const noPoller = err instanceof Error && /no poller seen for task queue recently/i.test(`${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`);
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err) || (timedOut && isGrpcCancelledError(err)) || noPoller) {
    const seconds = updateTimeoutMs ? ` within ${Math.round(updateTimeoutMs / 1000)} s` : '';
    return new StageGateError(
      'no-worker',
      `No stagegate worker answered${seconds}, so nothing was confirmed for idea "${ideaId}". Check that a worker is running (stagegate worker), then look at the idea (stagegate idea show ${ideaId}); sending the same vote or decision again is safe, it is never counted twice.`,
      { cause: err },
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}


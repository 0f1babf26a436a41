import { z } from 'zod';
import { DECISIONS } from '../../../config/process';
import { API_SCOPES } from '../../../config/settings';
import { REPORTS, reportRangeSchema } from '../../../reports';
import { IDEA_STATUSES } from '../../../workflows/state';
import {
  actionSchema,
  CAMPAIGN_AUDIENCES,
  campaignCloseSchema,
  campaignIdSchema,
  campaignSchema,
  holdSchema,
  IDEA_CATEGORIES,
  IDEA_HORIZONS,
  IDEA_SOURCES,
  ideaIdSchema,
  ideaSubmissionSchema,
  kpiReadingSchemaFor,
  listFilterSchema,
  readySchema,
  reviewerVoteSchema,
  type IdeaStatus,
  type IdeaSummary,
  type KpiReceipt,
  type VoteReceipt,
} from '../../sdk';
import type { NumberSeparators } from '../../../workflows/kpi-rules';

/**
 * The HTTP API's bodies, queries and answers: the handlers parse with these, and the OpenAPI
 * document is generated from them (openapi.ts), so the two cannot drift apart. Bodies are the
 * SDK's own input schemas, less `via` and `key`, which the API sets from the caller's API key.
 */

export const ideaPathSchema = z.object({ ideaId: ideaIdSchema }).strict();

export const submissionBody = ideaSubmissionSchema;
export const voteBody = reviewerVoteSchema;
export const readyBody = readySchema.omit({ via: true, key: true });
export const holdBody = holdSchema.omit({ via: true, key: true });
export const resumeBody = actionSchema.omit({ via: true, key: true });
/** A KPI reading; a value given as text is read in the firm's locale. */
export function kpiReadingBodyFor(separators?: NumberSeparators) {
  return kpiReadingSchemaFor(separators).omit({ via: true, key: true });
}
export const kpiReadingBody = kpiReadingBodyFor();

/** The most ideas one page holds. */
const MAX_PAGE = 500;

/** The CLI's `idea list` filters, a page size, and the cursor of the page before. */
export const listQuery = z
  .object({
    stage: listFilterSchema.shape.stage,
    status: listFilterSchema.shape.status,
    source: listFilterSchema.shape.source,
    process: listFilterSchema.shape.process,
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
    /** The `next` of the page before, with the same filters. */
    cursor: z.string().min(1).max(4096).optional(),
  })
  .strict();

export const campaignPathSchema = z.object({ campaignId: campaignIdSchema }).strict();
export const campaignBody = campaignSchema;
export const campaignCloseBody = campaignCloseSchema;

export const reportPathSchema = z.object({ name: z.enum(REPORTS.map((report) => report.name) as [string, ...string[]]) }).strict();
export const reportQuery = reportRangeSchema;

export const idempotencyKeyHeader = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'expected 1 to 255 visible ASCII characters, like a UUID');

// ---- answers ----

const person = z.object({ email: z.string(), name: z.string() }).strict();
const decision = z.enum(DECISIONS);

/** A campaign with its status now and its page's address. */
export const campaignViewSchema = z
  .object({
    id: z.string(),
    question: z.string(),
    description: z.string(),
    audience: z.array(z.enum(CAMPAIGN_AUDIENCES)),
    opensAt: z.string(),
    closesAt: z.string().optional(),
    process: z.string().optional(),
    goals: z.array(z.string()),
    createdAt: z.string(),
    createdBy: z.string(),
    closedAt: z.string().optional(),
    closedBy: z.string().optional(),
    status: z.enum(['upcoming', 'open', 'closed']),
    /** The campaign's page in the submission portal. */
    url: z.string(),
  })
  .strict();
export const campaignListSchema = z.object({ campaigns: z.array(campaignViewSchema) }).strict();

export const submittedSchema = z
  .object({
    ideaId: z.string(),
    /** False when this answers a submission made before (the same Idempotency-Key or idea id). */
    created: z.boolean(),
  })
  .strict();

export const ideaSchema = z
  .object({
    ideaId: z.string(),
    title: z.string(),
    description: z.string(),
    source: z.enum(IDEA_SOURCES),
    /** Absent while the idea is uncategorised. */
    category: z.enum(IDEA_CATEGORIES).optional(),
    horizon: z.enum(IDEA_HORIZONS),
    strategicGoals: z.array(z.string()),
    estimatedCost: z.number().optional(),
    estimatedBenefit: z.number().optional(),
    submitter: person,
    champion: person,
    process: z.object({ id: z.string(), version: z.number().int(), name: z.string() }).strict(),
    status: z.enum(IDEA_STATUSES),
    /** Temporal stopped the journey (failed, timed out, terminated, cancelled): it is stuck in its status. */
    stopped: z.enum(['failed', 'timed-out', 'terminated', 'cancelled']).optional(),
    submittedAt: z.string(),
    endedAt: z.string().optional(),
    stage: z
      .object({
        id: z.string(),
        name: z.string(),
        index: z.number().int(),
        of: z.number().int(),
        enteredAt: z.string(),
        dueAt: z.string(),
        deliverables: z.array(z.string()),
        /** The stage waits for its champion to mark the work ready (POST .../ready). */
        awaitingReady: z.boolean(),
        ready: z.object({ by: z.string(), at: z.string(), notes: z.string(), links: z.array(z.string()) }).strict().optional(),
      })
      .strict(),
    /** The open gate round, while the idea is in review. */
    round: z
      .object({
        gate: z.string(),
        gateName: z.string(),
        round: z.number().int(),
        openedAt: z.string(),
        deadlineAt: z.string(),
        votesNeeded: z.number().int(),
        criteria: z.array(z.object({ id: z.string(), label: z.string() }).strict()),
        reviewers: z.array(z.object({ email: z.string(), name: z.string(), voted: z.boolean() }).strict()),
      })
      .strict()
      .optional(),
    hold: z.object({ by: z.string(), reason: z.string(), at: z.string(), revisitAt: z.string() }).strict().optional(),
    conditions: z.array(z.object({ gate: z.string(), text: z.string(), met: z.boolean() }).strict()),
    decisions: z.array(
      z
        .object({
          gate: z.string(),
          round: z.number().int(),
          decision,
          decidedBy: z.enum(['reviewers', 'authority', 'admin', 'deadline']),
          at: z.string(),
          score: z.number().optional(),
          reasons: z.array(z.string()),
          conditions: z.array(z.string()),
          /** When decided under delegated authority: by whom, from where, on what figures. */
          authority: z.object({ holder: z.string(), name: z.string(), budget: z.number(), estimatedCost: z.number(), source: z.string() }).strict().optional(),
        })
        .strict(),
    ),
  })
  .strict();
export type IdeaView = z.infer<typeof ideaSchema>;

export const ideaSummarySchema = z
  .object({
    ideaId: z.string(),
    title: z.string(),
    status: z.enum(IDEA_STATUSES).optional(),
    stage: z.string().optional(),
    process: z.string().optional(),
    source: z.string().optional(),
    submittedAt: z.string(),
    stopped: z.enum(['failed', 'timed-out', 'terminated', 'cancelled']).optional(),
  })
  .strict() satisfies z.ZodType<IdeaSummary>;

export const ideaPageSchema = z
  .object({
    ideas: z.array(ideaSummarySchema),
    /** The cursor of the next page; absent on the last page. */
    next: z.string().optional(),
  })
  .strict();

export const voteReceiptSchema = z
  .object({
    ideaId: z.string(),
    gate: z.string(),
    round: z.number().int(),
    reviewer: z.string(),
    decision,
    /** The decision this vote completed, when it was the one that met the quorum. */
    decided: decision.optional(),
    castAt: z.string(),
    votesIn: z.number().int(),
    votesNeeded: z.number().int(),
  })
  .strict() satisfies z.ZodType<VoteReceipt>;

export const kpiReceiptSchema = z
  .object({ kpi: z.string(), value: z.number(), level: z.enum(['on-target', 'below-target', 'alert', 'kill']), met: z.boolean(), at: z.string() })
  .strict() satisfies z.ZodType<KpiReceipt>;

export const reportSchema = z
  .object({
    report: z.string(),
    title: z.string(),
    from: z.string().optional(),
    to: z.string().optional(),
    /** The report's own result, as `stagegate report <name> --json` prints it. */
    result: z.unknown(),
  })
  .strict();

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    /** Stable, to branch on: an SDK error code (unknown-idea, already-voted, no-worker, ...) or the API's own (unauthorized, missing-scope, ...). */
    code: z.string(),
    /** For invalid input: each bad field's path (`submitter.email`, `scores.feasibility`) and what is wrong with it. */
    errors: z.array(z.object({ path: z.string(), message: z.string() }).strict()).optional(),
    /** The scope a request needed, when its key lacks it. */
    scope: z.enum(API_SCOPES).optional(),
  })
  .strict();
export type Problem = z.infer<typeof problemSchema>;

/** The API's view of an idea: what an integrator needs, without the journey's internals (timeline, votes' details, pilots' plumbing). */
export function ideaView(idea: IdeaStatus): IdeaView {
  const { stage, round, hold } = idea;
  return {
    ideaId: idea.ideaId,
    title: idea.title,
    description: idea.description,
    source: idea.source,
    ...(idea.category ? { category: idea.category } : {}),
    horizon: idea.horizon,
    strategicGoals: idea.strategicGoals,
    ...(idea.estimatedCost !== undefined ? { estimatedCost: idea.estimatedCost } : {}),
    ...(idea.estimatedBenefit !== undefined ? { estimatedBenefit: idea.estimatedBenefit } : {}),
    submitter: { email: idea.submitter.email, name: idea.submitter.name },
    champion: { email: idea.champion.email, name: idea.champion.name },
    process: { id: idea.process.id, version: idea.process.version, name: idea.process.name },
    status: idea.status,
    ...(idea.stopped ? { stopped: idea.stopped } : {}),
    submittedAt: idea.submittedAt,
    ...(idea.endedAt ? { endedAt: idea.endedAt } : {}),
    stage: {
      id: stage.id,
      name: stage.name,
      index: stage.index,
      of: stage.of,
      enteredAt: stage.enteredAt,
      dueAt: stage.dueAt,
      deliverables: stage.deliverables,
      awaitingReady: stage.awaitingReady,
      ...(stage.ready ? { ready: { by: stage.ready.by, at: stage.ready.at, notes: stage.ready.notes, links: stage.ready.links } } : {}),
    },
    ...(round
      ? {
          round: {
            gate: round.gate,
            gateName: round.gateName,
            round: round.round,
            openedAt: round.openedAt,
            deadlineAt: round.deadlineAt,
            votesNeeded: round.votesNeeded,
            criteria: round.criteria.map((criterion) => ({ id: criterion.id, label: criterion.label })),
            reviewers: round.reviewers.map((reviewer) => ({ email: reviewer.email, name: reviewer.name, voted: reviewer.voted })),
          },
        }
      : {}),
    ...(hold ? { hold: { by: hold.by, reason: hold.reason, at: hold.at, revisitAt: hold.revisitAt } } : {}),
    conditions: idea.conditions.map((condition) => ({ gate: condition.gate, text: condition.text, met: condition.met })),
    decisions: idea.decisions.map((made) => ({
      gate: made.gate,
      round: made.round,
      decision: made.decision,
      decidedBy: made.decidedBy,
      at: made.at,
      ...(made.score !== undefined ? { score: made.score } : {}),
      reasons: made.reasons,
      conditions: made.conditions,
      ...(made.authority ? { authority: made.authority } : {}),
    })),
  };
}

import { z } from 'zod';
import { DECISIONS, SCORE_MAX, SCORE_MIN } from '../../config/process';
import { durationSchema } from '../../config/duration';

/** Everything the SDK, the CLI and (later) the HTTP API accept, checked before anything reaches Temporal. */

const email = z.email().transform((value) => value.toLowerCase());
/** People's text, without the control characters no store can keep (NUL) or that only confuse. */
const clean = (value: string) => value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const text = (max: number) => z.string().transform(clean).pipe(z.string().trim().min(1).max(max));
const note = (max: number) => z.string().transform(clean).pipe(z.string().trim().max(max));

export const IDEA_SOURCES = ['employee', 'customer', 'partner', 'network', 'other'] as const;
export const IDEA_CATEGORIES = ['product', 'process', 'service', 'business-model'] as const;
export const IDEA_HORIZONS = ['incremental', 'radical'] as const;

export const ideaIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, 'expected 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const contributorSchema = z.object({ email, name: text(120) }).strict();

export const ideaSubmissionSchema = z
  .object({
    /** Your own id for the idea; submitting the same id again returns the same journey. */
    ideaId: ideaIdSchema.optional(),
    title: text(200),
    description: text(20_000),
    source: z.enum(IDEA_SOURCES),
    submitter: contributorSchema,
    /** Who carries the idea through its stages; the submitter when not given. */
    champion: contributorSchema.optional(),
    category: z.enum(IDEA_CATEGORIES),
    horizon: z.enum(IDEA_HORIZONS).default('incremental'),
    strategicGoals: z.array(text(200)).default([]),
    estimatedCost: z.number().nonnegative().optional(),
    estimatedBenefit: z.number().nonnegative().optional(),
    /** The process template id; `smb-lite` when not given. */
    process: z.string().min(1).default('smb-lite'),
  })
  .strict();
export type IdeaSubmission = z.input<typeof ideaSubmissionSchema>;

/** An idea as its journey carries it: submitted fields plus its id and champion settled. */
export type Idea = Omit<z.output<typeof ideaSubmissionSchema>, 'ideaId' | 'champion' | 'process'> & {
  ideaId: string;
  champion: z.output<typeof contributorSchema>;
};

export const scoreSchema = z.number().int().min(SCORE_MIN).max(SCORE_MAX);

export const voteSchema = z
  .object({
    reviewer: email,
    decision: z.enum(DECISIONS),
    /** One score per criterion of the gate, 1–5. */
    scores: z.record(z.string().min(1), scoreSchema),
    comment: note(5_000).default(''),
    /** Required with a conditional go: what the champion must do before the next gate. */
    conditions: z.array(text(500)).default([]),
    /** The gate round the reviewer was asked about; a vote for an older round is rejected. */
    round: z.number().int().min(1).optional(),
    /** The fingerprint of the gate package the reviewer saw. */
    fingerprint: z.string().regex(/^[0-9a-f]{16}$/).optional(),
    /** How the vote came: `link` means from an emailed link, cast as the person it was sent to. */
    via: z.enum(['link', 'cli', 'sdk']).default('sdk'),
  })
  .strict()
  .superRefine((vote, ctx) => {
    if (vote.decision === 'conditional-go' && vote.conditions.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['conditions'], message: 'a conditional go needs at least one condition' });
    }
    if (vote.decision !== 'conditional-go' && vote.conditions.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['conditions'], message: 'conditions go with a conditional go only' });
    }
  });
export type VoteInput = z.input<typeof voteSchema>;
export type Vote = z.output<typeof voteSchema>;

export const readySchema = z
  .object({
    by: email,
    notes: note(10_000).default(''),
    links: z.array(z.url()).default([]),
  })
  .strict();
export type ReadyInput = z.input<typeof readySchema>;
export type Ready = z.output<typeof readySchema>;

export const overrideSchema = z
  .object({
    by: email,
    decision: z.enum(DECISIONS),
    reason: text(5_000),
    conditions: z.array(text(500)).default([]),
  })
  .strict()
  .refine((override) => override.decision !== 'conditional-go' || override.conditions.length > 0, {
    path: ['conditions'],
    message: 'a conditional go needs at least one condition',
  });
export type OverrideInput = z.input<typeof overrideSchema>;
export type Override = z.output<typeof overrideSchema>;

export const holdSchema = z
  .object({
    by: email,
    reason: text(5_000),
    /** When the idea comes back for review by itself; the gate's revisitAfter when not given. */
    revisitAfter: durationSchema.optional(),
  })
  .strict();
export type HoldInput = z.input<typeof holdSchema>;
export type Hold = z.output<typeof holdSchema>;

export const actionSchema = z.object({ by: email, reason: note(5_000).default('') }).strict();
export type ActionInput = z.input<typeof actionSchema>;
export type Action = z.output<typeof actionSchema>;

export const listFilterSchema = z
  .object({
    stage: z.string().min(1).optional(),
    status: z.enum(['in-stage', 'in-review', 'on-hold', 'launched', 'killed', 'withdrawn']).optional(),
    source: z.enum(IDEA_SOURCES).optional(),
    process: z.string().min(1).optional(),
    limit: z.number().int().min(1).max(10_000).default(100),
  })
  .strict();
export type ListFilter = z.input<typeof listFilterSchema>;

export const kpiReadingSchema = z
  .object({
    kpi: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a KPI id like weekly_sales'),
    value: z.number().finite(),
    by: email,
    note: note(1_000).default(''),
  })
  .strict();
export type KpiReadingInput = z.input<typeof kpiReadingSchema>;
export type KpiReading = z.output<typeof kpiReadingSchema>;

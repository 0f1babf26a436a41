import { z } from 'zod';
import { DECISIONS, SCORE_MAX, SCORE_MIN } from '../../config/process';
import { durationSchema } from '../../config/duration';
import {
  IDEA_CATEGORIES,
  IDEA_HORIZONS,
  IDEA_SOURCES,
  type Action,
  type Hold,
  type Idea,
  type KpiReading,
  type Override,
  type Person,
  type Ready,
  type Vote,
} from '../../workflows/inputs';

/**
 * Everything the SDK, the CLI and (later) the HTTP API accept, checked before anything reaches
 * Temporal. Each schema produces exactly a type of the contract in `workflows/inputs.ts`: the
 * compiler refuses a schema and a contract type that drift apart.
 */

export { IDEA_CATEGORIES, IDEA_HORIZONS, IDEA_SOURCES };
export type { Action, Hold, Idea, KpiReading, Override, Person, Ready, Vote };

/** Same keys, and each type assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;

/** Passes a schema through unchanged, refusing to compile unless it produces exactly `T`. */
const producing =
  <T>() =>
  <S extends z.ZodType<T>>(schema: S & (Same<z.output<S>, T> extends true ? unknown : { 'does not produce the contract type': T })): S =>
    schema;

const email = z.email().transform((value) => value.toLowerCase());
/** People's text, without the control characters no store can keep (NUL) or that only confuse. */
const clean = (value: string) => value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const text = (max: number) => z.string().transform(clean).pipe(z.string().trim().min(1).max(max));
const note = (max: number) => z.string().transform(clean).pipe(z.string().trim().max(max));


export const ideaIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, 'expected 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const contributorSchema = producing<Person>()(z.object({ email, name: text(120) }).strict());

/** What a submission settles into once parsed: the idea, with its id and champion still to settle, and its process. */
type Submission = Omit<Idea, 'ideaId' | 'champion'> & { ideaId?: string; champion?: Person; process: string };

export const ideaSubmissionSchema = producing<Submission>()(z
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
  .strict());
export type IdeaSubmission = z.input<typeof ideaSubmissionSchema>;

export const scoreSchema = z.number().int().min(SCORE_MIN).max(SCORE_MAX);

export const voteSchema = producing<Vote>()(z
  .object({
    reviewer: email,
    decision: z.enum(DECISIONS),
    /** One score per criterion of the gate, 1–5. */
    scores: z.record(z.string().min(1), scoreSchema),
    comment: note(5_000).default(''),
    /** Required with a conditional go: what the champion must do before the next gate. */
    conditions: z.array(text(500)).default([]),
    /** The gate and round the reviewer was asked about; a vote for any other is refused. The open one when not given. */
    gate: z.string().min(1).optional(),
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
  }));
export type VoteInput = z.input<typeof voteSchema>;

export const readySchema = producing<Ready>()(z
  .object({
    by: email,
    notes: note(10_000).default(''),
    links: z.array(z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// link' })).default([]),
  })
  .strict());
export type ReadyInput = z.input<typeof readySchema>;

export const overrideSchema = producing<Override>()(z
  .object({
    by: email,
    decision: z.enum(DECISIONS),
    reason: text(5_000),
    conditions: z.array(text(500)).default([]),
    /** The gate and round being decided; a decision meant for any other is refused. The open one when not given. */
    gate: z.string().min(1).optional(),
    round: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((override) => override.decision !== 'conditional-go' || override.conditions.length > 0, {
    path: ['conditions'],
    message: 'a conditional go needs at least one condition',
  }));
export type OverrideInput = z.input<typeof overrideSchema>;

export const holdSchema = producing<Hold>()(z
  .object({
    by: email,
    reason: text(5_000),
    /** When the idea comes back for review by itself; the gate's revisitAfter when not given. */
    revisitAfter: durationSchema.optional(),
  })
  .strict());
export type HoldInput = z.input<typeof holdSchema>;

export const actionSchema = producing<Action>()(z.object({ by: email, reason: note(5_000).default('') }).strict());
export type ActionInput = z.input<typeof actionSchema>;

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

export const kpiReadingSchema = producing<KpiReading>()(z
  .object({
    kpi: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a KPI id like weekly_sales'),
    value: z.number().finite(),
    by: email,
    note: note(1_000).default(''),
  })
  .strict());
export type KpiReadingInput = z.input<typeof kpiReadingSchema>;

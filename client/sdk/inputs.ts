import { z } from 'zod';
import { daySchema } from '../../config/people';
import { DECISIONS, kpiSchema, SCORE_MAX, SCORE_MIN } from '../../config/process';
import { durationSchema } from '../../config/duration';
import { LIMITS, limitedList, optionalText, requiredText } from '../../config/text';
import { IDEA_STATUSES } from '../../workflows/state';
import { CAMPAIGN_AUDIENCES } from '../../store';
import { DEFAULT_LOCALE, kpiNumberProblem, numberSeparators, readKpiNumber, type NumberSeparators } from '../../workflows/kpi-rules';
import { IDEA_CATEGORIES, IDEA_HORIZONS, IDEA_SOURCES } from '../../config/idea';
import {
  ACTOR_CHANNELS,
  type Action,
  type Categorise,
  type Hold,
  type Idea,
  type KpiReading,
  type Merge,
  type Override,
  type Person,
  type PilotPlan,
  type Ready,
  type Vote,
} from '../../workflows/inputs';

/**
 * Everything the SDK, the CLI and (later) the HTTP API accept, checked before anything reaches
 * Temporal. Each schema produces exactly a type of the contract in `workflows/inputs.ts`: the
 * compiler refuses a schema and a contract type that drift apart.
 */

/** The allowed values of an idea's source, category, horizon and status, of a campaign's audience, of an actor's channel, and the length limits of every text. */
export { ACTOR_CHANNELS, CAMPAIGN_AUDIENCES, IDEA_CATEGORIES, IDEA_HORIZONS, IDEA_SOURCES, IDEA_STATUSES, LIMITS };
/** The contract types the schemas produce (what reaches the journey once parsed). */
export type { Action, Categorise, Hold, Idea, KpiReading, Merge, Override, Person, PilotPlan, Ready, Vote };

/** Same keys, and each type assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;

/** Passes a schema through unchanged, refusing to compile unless it produces exactly `T`. */
const producing =
  <T>() =>
  <S extends z.ZodType<T>>(schema: S & (Same<z.output<S>, T> extends true ? unknown : { 'does not produce the contract type': T })): S =>
    schema;

const email = z.email().max(254, 'at most 254 characters').transform((value) => value.toLowerCase());
const text = requiredText;
const note = optionalText;
/** How the caller identified the person acting; the SDK's own callers are `sdk` unless they say otherwise. */
const identified = {
  via: z.enum(ACTOR_CHANNELS).default('sdk'),
  /** The name of the API key a request came with (the HTTP API), never the key itself. */
  key: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected an API key name like erp-sync').optional(),
};
/** How a submission came in (`submitIdea`'s `through`): the channel, and the API key's name for `api`. */
export const submittedThroughSchema = z.object(identified).strict();
const gateId = z.string().min(1).max(LIMITS.id, `at most ${LIMITS.id} characters`);

/** An idea id: 1–64 letters, digits, `.`, `_` or `-`; the workflow id is `idea-<ideaId>`. */
export const ideaIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, 'expected 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** A campaign id: 1–64 lower-case letters, digits, `.`, `_` or `-`, like `less-waste-2027`. */
export const campaignIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected 1–64 lower-case letters, digits, ".", "_" or "-", like less-waste-2027');

/** A person: email (lowercased) and name. */
export const contributorSchema = producing<Person>()(z.object({ email, name: text(LIMITS.name) }).strict());

/** What a submission settles into once parsed: the idea, with its id and champion still to settle, and its process. */
type Submission = Omit<Idea, 'ideaId' | 'champion' | 'route'> & { ideaId?: string; champion?: Person; process?: string };

/** An idea as `submitIdea` takes it: without `ideaId` one is made from the title, without `champion` the submitter carries it. */
export const ideaSubmissionSchema = producing<Submission>()(z
  .object({
    /** Your own id for the idea; submitting the same id again returns the same journey. */
    ideaId: ideaIdSchema.optional(),
    title: text(LIMITS.title),
    description: text(LIMITS.description),
    source: z.enum(IDEA_SOURCES),
    submitter: contributorSchema,
    /** Who carries the idea through its stages; the submitter when not given. */
    champion: contributorSchema.optional(),
    /** Optional: the reviewers of the first gate that sees the idea uncategorised set it (or an admin does). */
    category: z.enum(IDEA_CATEGORIES).optional(),
    horizon: z.enum(IDEA_HORIZONS).default('incremental'),
    strategicGoals: limitedList(text(LIMITS.goal), LIMITS.strategicGoals).default([]),
    estimatedCost: z.number().nonnegative().optional(),
    estimatedBenefit: z.number().nonnegative().optional(),
    /** The campaign the idea answers. */
    campaign: campaignIdSchema.optional(),
    /** The process template id; when not given, the first routing rule that matches chooses it (`smb-lite` without rules). */
    process: z.string().min(1).max(LIMITS.id, `at most ${LIMITS.id} characters`).optional(),
  })
  .strict());
/** The input of `submitIdea`. */
export type IdeaSubmission = z.input<typeof ideaSubmissionSchema>;

/** A criterion's score, a whole number from 1 to 5. */
export const scoreSchema = z.number().int().min(SCORE_MIN).max(SCORE_MAX);

/** What a reviewer says in a vote, before who sent it and how; the HTTP API takes this, and sets `via` and `key` from the API key. */
const voteFields = {
  reviewer: email,
  decision: z.enum(DECISIONS),
  /** One score per criterion of the gate, 1–5. */
  scores: z.record(gateId, scoreSchema).refine((scores) => Object.keys(scores).length <= LIMITS.templateList, `at most ${LIMITS.templateList} scores`),
  comment: note(LIMITS.comment).default(''),
  /** Required with a conditional go: what the champion must do before the next gate. */
  conditions: limitedList(text(LIMITS.condition), LIMITS.conditions).default([]),
  /** The gate and round the reviewer was asked about; a vote for any other is refused. The open one when not given. */
  gate: gateId.optional(),
  round: z.number().int().min(1).optional(),
  /** The fingerprint of the gate package the reviewer saw. */
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/).optional(),
  /** Only for an idea without a category: the one the reviewer names; the round's decision takes the one most votes named. */
  category: z.enum(IDEA_CATEGORIES).optional(),
};

function conditionsGoWithConditionalGo(vote: { decision: string; conditions: string[] }, ctx: z.RefinementCtx): void {
  if (vote.decision === 'conditional-go' && vote.conditions.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['conditions'], message: 'a conditional go needs at least one condition' });
  }
  if (vote.decision !== 'conditional-go' && vote.conditions.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['conditions'], message: 'conditions go with a conditional go only' });
  }
}

/** A reviewer's vote: decision, a score per criterion, comment, conditions of a conditional go; `gate` and `round` pin it to a round. */
export const voteSchema = producing<Vote>()(z
  .object({
    ...voteFields,
    /** How the vote came: `link` means from an emailed link, cast as the person it was sent to. */
    ...identified,
  })
  .strict()
  .superRefine(conditionsGoWithConditionalGo));
/** A vote as the HTTP API takes it: the API key says how it came. */
export const reviewerVoteSchema = z.object(voteFields).strict().superRefine(conditionsGoWithConditionalGo);
/** The input of `castVote`. */
export type VoteInput = z.input<typeof voteSchema>;

/**
 * A champion's pilot plan, in the words of a template's `pilot:` section: KPIs as there, a
 * duration like `4w`, the place. What needs the template (its limits: how many KPIs, what
 * duration) and unique KPI ids are checked by `planProblems` against the idea's snapshot when
 * the plan is handed in.
 */
export const pilotPlanSchema = producing<PilotPlan>()(z
  .object({
    kpis: limitedList(kpiSchema, LIMITS.templateList).min(1, 'a pilot measures at least one KPI'),
    duration: durationSchema,
    /** Where the pilot runs, e.g. "the town shop". */
    place: text(LIMITS.title),
  })
  .strict());
/** A pilot's plan as the champion hands it in with `markReady`. */
export type PilotPlanInput = z.input<typeof pilotPlanSchema>;

/** The champion's "ready for review": who, notes, links to deliverables, and the pilot's plan where one follows. */
export const readySchema = producing<Ready>()(z
  .object({
    by: email,
    notes: note(LIMITS.notes).default(''),
    links: limitedList(z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// link' }).max(LIMITS.link, `at most ${LIMITS.link} characters`), LIMITS.links).default([]),
    /** Only when marking ready the stage whose gate leads into a pilot: the plan that pilot is to run. */
    pilot: pilotPlanSchema.optional(),
    ...identified,
  })
  .strict());
/** The input of `markReady`. */
export type ReadyInput = z.input<typeof readySchema>;

/** An admin's or escalation contact's decision of a gate round, with its reason. */
export const overrideSchema = producing<Override>()(z
  .object({
    by: email,
    decision: z.enum(DECISIONS),
    reason: text(LIMITS.reason),
    conditions: limitedList(text(LIMITS.condition), LIMITS.conditions).default([]),
    /** The gate and round being decided; a decision meant for any other is refused. The open one when not given. */
    gate: gateId.optional(),
    round: z.number().int().min(1).optional(),
    ...identified,
  })
  .strict()
  .refine((override) => override.decision !== 'conditional-go' || override.conditions.length > 0, {
    path: ['conditions'],
    message: 'a conditional go needs at least one condition',
  }));
/** The input of `overrideDecision`. */
export type OverrideInput = z.input<typeof overrideSchema>;

/** An admin's hold: who, why, and when the idea comes back by itself. */
export const holdSchema = producing<Hold>()(z
  .object({
    by: email,
    reason: text(LIMITS.reason),
    /** When the idea comes back for review by itself; the gate's revisitAfter when not given. */
    revisitAfter: durationSchema.optional(),
    ...identified,
  })
  .strict());
/** The input of `hold`. */
export type HoldInput = z.input<typeof holdSchema>;

/** A command with only an actor and a reason: resume, withdraw, conditions met. */
export const actionSchema = producing<Action>()(z.object({ by: email, reason: note(LIMITS.reason).default(''), ...identified }).strict());
/** The input of `resume`, `withdraw` and `markConditionsMet`. */
export type ActionInput = z.input<typeof actionSchema>;

/** A screener's or admin's merge of a duplicate into its survivor (`into`), with the reason told to the duplicate's submitter. */
export const mergeSchema = producing<Merge>()(z
  .object({
    into: ideaIdSchema,
    by: email,
    reason: note(LIMITS.reason).default(''),
    ...identified,
  })
  .strict());
/** The input of `merge`. */
export type MergeInput = z.input<typeof mergeSchema>;

/**
 * A reviewer hands their review in the open round to a colleague of the people directory (`to`);
 * `by` is who hands it over, the reviewer unless an admin does it for them.
 */
export const delegationSchema = z
  .object({
    reviewer: email,
    to: email,
    by: email.optional(),
    gate: gateId.optional(),
    round: z.number().int().min(1).optional(),
    ...identified,
  })
  .strict()
  .refine((delegation) => delegation.to !== delegation.reviewer, { path: ['to'], message: 'a reviewer cannot hand the review to themselves' });
/** The input of `delegateReview`. */
export type DelegationInput = z.input<typeof delegationSchema>;

/** The day `people` (who stands in for whom) is asked about. */
export const standInDaySchema = daySchema;

/** `syncPeople`: the admin who runs it, when a person does (the worker that noticed the people file change names nobody). */
export const peopleSyncSchema = z.object({ by: email.optional() }).strict();
export type PeopleSyncInput = z.input<typeof peopleSyncSchema>;

/** An admin sets (or changes) an idea's category. */
export const categoriseSchema = producing<Categorise>()(z.object({ category: z.enum(IDEA_CATEGORIES), by: email, ...identified }).strict());
/** The input of `categorise`. */
export type CategoriseInput = z.input<typeof categoriseSchema>;

/** The filters of `listIdeas`: stage, status, source, process, and a limit. */
export const listFilterSchema = z
  .object({
    stage: z.string().min(1).max(LIMITS.id).optional(),
    status: z.enum(IDEA_STATUSES).optional(),
    source: z.enum(IDEA_SOURCES).optional(),
    process: z.string().min(1).max(LIMITS.id).optional(),
    limit: z.number().int().min(1).max(10_000).default(100),
  })
  .strict();
/** The input of `listIdeas`. */
export type ListFilter = z.input<typeof listFilterSchema>;

/** A KPI value: a finite number, or text that follows the one KPI number grammar in the firm's locale, refused with the same words in every channel. */
export function kpiValueSchemaFor(separators: NumberSeparators = numberSeparators(DEFAULT_LOCALE)) {
  return z
    .union([z.number(), z.string()], { error: `expected a number or a decimal like 620 or 4${separators.decimal}5` })
    .transform((value, ctx) => {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      const reading = typeof value === 'number' ? undefined : readKpiNumber(value, separators);
      if (!reading || 'problem' in reading) {
        ctx.addIssue({ code: 'custom', message: reading?.problem ?? kpiNumberProblem(String(value), separators)! });
        return z.NEVER;
      }
      return reading.value;
    });
}
/** A KPI value read in en-GB; the client reads values in the firm's `locale`. */
export const kpiValueSchema = kpiValueSchemaFor();

/** A reviewer opened a round's review page: sent as a signal, so checked here as strictly as any update. */
export const reviewOpenedSchema = z.object({ reviewer: email, round: z.number().int().min(1) }).strict();

const kpiId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected a KPI id like weekly_sales');

/** One KPI reading (KPI id, value, who, when), its text values read with `separators`. */
export function kpiReadingSchemaFor(separators?: NumberSeparators) {
  return producing<KpiReading>()(z
    .object({
      kpi: kpiId,
      /** A number, or text in the one KPI number grammar (620, -3, 4.5; 4,5 in de-DE). */
      value: kpiValueSchemaFor(separators),
      by: email,
      note: note(LIMITS.kpiNote).default(''),
      ...identified,
    })
    .strict());
}
/** One KPI reading, read in en-GB. */
export const kpiReadingSchema = kpiReadingSchemaFor();
/** The input of `recordKpiReading`. */
export type KpiReadingInput = z.input<typeof kpiReadingSchema>;

/** A form's worth of readings, taken all or none; `form` names the form (the KPI page's nonce), so sending it again records nothing twice. */
export function kpiReadingsSchemaFor(separators?: NumberSeparators) {
  return z
    .object({
      readings: limitedList(z.object({ kpi: kpiId, value: kpiValueSchemaFor(separators) }).strict(), LIMITS.templateList).min(1, 'expected at least one reading'),
      by: email,
      note: note(LIMITS.kpiNote).default(''),
      form: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'expected a form id of 16 to 64 letters, digits, - or _').optional(),
      ...identified,
    })
    .strict();
}
/** Several KPI readings at once, read in en-GB. */
export const kpiReadingsSchema = kpiReadingsSchemaFor();
/** The input of `recordKpiReadings`. */
export type KpiReadingsInput = z.input<typeof kpiReadingsSchema>;

/** Which webhook deliveries to list: the dead letters only (`failed`), at most `limit`. */
export const webhookListSchema = z
  .object({
    failed: z.boolean().optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type WebhookListInput = z.input<typeof webhookListSchema>;

/** A delivery's id as `stagegate webhook list` prints it. */
export const webhookDeliveryIdSchema = z.string().regex(/^webhook:[A-Za-z0-9._:-]{3,400}$/, 'expected a delivery id like webhook:<event id>:<subscriber>, as stagegate webhook list prints it');

/** A date (`2027-01-31`) or an ISO time; a date closes a campaign at the end of that day (UTC) and opens one at its start. */
const campaignInstant = (dateMeans: 'start' | 'end') =>
  z
    .union([z.iso.date(), z.iso.datetime({ offset: true })], { error: (issue) => `expected a date like 2027-01-31 (or an ISO time), got ${JSON.stringify(issue.input)}` })
    .transform((text) => new Date(new Date(text).getTime() + (dateMeans === 'end' && text.length === 10 ? 24 * 3_600_000 : 0)).toISOString());

/** A new campaign: the question, who may answer, when, and where its ideas go. */
export const campaignSchema = z
  .object({
    id: campaignIdSchema,
    question: text(LIMITS.title),
    description: note(LIMITS.description).default(''),
    /** Who may submit: staff (staffDomains), partners (partnerDomains), customers, network, anyone; `anyone` when not given. */
    audience: z
      .array(z.enum(CAMPAIGN_AUDIENCES))
      .min(1, 'expected at least one audience')
      .max(CAMPAIGN_AUDIENCES.length)
      .refine((audience) => new Set(audience).size === audience.length, 'expected each audience once')
      .default(['anyone']),
    /** When submissions open; now when not given. */
    opensAt: campaignInstant('start').optional(),
    /** When submissions close; a date closes at the end of that day (UTC). Open-ended when not given. */
    closesAt: campaignInstant('end').optional(),
    /** The process its ideas go to when a submission names none; routing decides when not given. */
    process: z.string().min(1).max(LIMITS.id, `at most ${LIMITS.id} characters`).optional(),
    goals: limitedList(text(LIMITS.goal), LIMITS.strategicGoals).default([]),
    /** Who opens it. */
    by: email,
  })
  .strict()
  .refine((campaign) => !campaign.opensAt || !campaign.closesAt || campaign.opensAt < campaign.closesAt, { path: ['closesAt'], message: 'must be after opensAt' });
/** The input of `createCampaign`. */
export type CampaignInput = z.input<typeof campaignSchema>;

/** Who closes a campaign. */
export const campaignCloseSchema = z.object({ by: email }).strict();
export type CampaignCloseInput = z.input<typeof campaignCloseSchema>;

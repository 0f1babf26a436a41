import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { durationSchema, formatDuration } from './duration';
import { LIMITS, limitedList, optionalText, requiredText } from './text';
import { ConfigError, readYamlFile } from './yaml';
import { authoritiesFor, type AuthorityHolder, type PeopleDirectory, type PersonRef, resolvePeople } from './people';

/** A member of an innovation network (config/network.ts checks it is one). */
const memberId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'expected a member id like "bakery-a"');
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'expected a lowercase id like "idea-screen" (at most 64 characters)');
/** A role of the people directory. */
const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'expected a role like "head-baker", or an email');

/** Scores are given on a 1–5 scale. */
export const SCORE_MIN = 1;
export const SCORE_MAX = 5;
const scoreValue = z.number().min(SCORE_MIN).max(SCORE_MAX);

export const criterionSchema = z.object({
  id: slug,
  label: requiredText(LIMITS.title),
  weight: z.number().positive().default(1),
  /** A must-meet criterion: any reviewer scoring it below this is a knock-out, so the gate cannot decide go. */
  minimum: scoreValue.optional(),
});

export const quorumSchema = z.union(
  [z.enum(['any', 'all', 'majority']), z.object({ atLeast: z.number().int().min(1) }).strict()],
  { error: (issue) => `expected any, all, majority or { atLeast: N } with N ≥ 1, got ${JSON.stringify(issue.input)}` },
);
export type Quorum = z.infer<typeof quorumSchema>;

const peopleSelectorSchema = z
  .object({
    people: limitedList(z.email().transform((email) => email.toLowerCase()), LIMITS.selector).default([]),
    roles: limitedList(z.string().min(1).max(LIMITS.id, `at most ${LIMITS.id} characters`), LIMITS.selector).default([]),
    /** A network process's gate: only people of these members (ids of the network file) among those named. */
    members: limitedList(memberId, LIMITS.selector).optional(),
  })
  .strict()
  .refine((selector) => selector.people.length + selector.roles.length > 0, 'name at least one person or role');

export const DECISIONS = ['go', 'conditional-go', 'kill', 'hold', 'recycle'] as const;
export type Decision = (typeof DECISIONS)[number];

/** What a gate does when its deadline passes without a decision; never an implicit go. */
export const NO_DECISION_ACTIONS = ['hold', 'kill', 'recycle', 'escalate'] as const;

export const gateSchema = z
  .object({
    id: slug,
    name: requiredText(LIMITS.title),
    reviewers: peopleSelectorSchema,
    criteria: limitedList(criterionSchema, LIMITS.templateList).min(1),
    passScore: scoreValue,
    quorum: quorumSchema,
    deadline: durationSchema,
    reminderEvery: durationSchema,
    escalateTo: peopleSelectorSchema,
    onNoDecision: z.enum(NO_DECISION_ACTIONS),
    revisitAfter: durationSchema.prefault('30d'),
    allowSelfReview: z.boolean().default(false),
  })
  .strict()
  .superRefine((gate, ctx) => {
    uniqueIds(gate.criteria, ['criteria'], ctx);
  });

/** Where a KPI's readings come from: people (CLI, SDK, the entry page) or the firm's own system over HTTP. */
export const kpiSourceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('manual') }).strict(),
  z
    .object({
      type: z.literal('http'),
      url: z.url(),
      /** Where the number is in the JSON answer, e.g. `$.totals.sales` or `data[0].value`. */
      jsonPath: z.string().regex(/^(\$\.?)?[A-Za-z0-9_]+(\[\d+\])*(\.[A-Za-z0-9_]+(\[\d+\])*)*$/, 'expected a path like $.totals.sales or data[0].value'),
    })
    .strict(),
]);

export const kpiSchema = z
  .object({
    id: slug.or(z.string().regex(/^[a-z0-9][a-z0-9_]{0,63}$/, 'expected a lowercase id like "weekly_sales"')),
    label: requiredText(LIMITS.title),
    unit: optionalText(LIMITS.name).default(''),
    /** Which way is better: `higher` (sales) or `lower` (waste, complaints). */
    direction: z.enum(['higher', 'lower']),
    target: z.number(),
    /** A reading on the wrong side of this alerts the champion. */
    alertAt: z.number().optional(),
    /** A reading on the wrong side of this ends the pilot early and opens its gate. */
    killAt: z.number().optional(),
    source: kpiSourceSchema.prefault({ type: 'manual' }),
    /** This KPI's total over the pilot counts as the idea's realised benefit. */
    countsAsBenefit: z.boolean().default(false),
  })
  .strict()
  .superRefine((kpi, ctx) => {
    const worse = (a: number, b: number) => (kpi.direction === 'higher' ? a <= b : a >= b);
    if (kpi.alertAt !== undefined && !worse(kpi.alertAt, kpi.target)) {
      ctx.addIssue({ code: 'custom', path: ['alertAt'], message: `must be ${kpi.direction === 'higher' ? 'below' : 'above'} the target ${kpi.target} when ${kpi.direction} is better` });
    }
    if (kpi.killAt !== undefined && !worse(kpi.killAt, kpi.alertAt ?? kpi.target)) {
      ctx.addIssue({ code: 'custom', path: ['killAt'], message: `must be ${kpi.direction === 'higher' ? 'below' : 'above'} ${kpi.alertAt !== undefined ? 'alertAt' : 'the target'} when ${kpi.direction} is better` });
    }
  });

/** What a champion's pilot plan may ask for: at most so many KPIs, a duration within a range. */
export const pilotLimitsSchema = z
  .object({
    maxKpis: z.number().int().min(1).max(LIMITS.templateList).default(10),
    duration: z
      .object({ min: durationSchema.prefault('1d'), max: durationSchema.prefault('52w') })
      .strict()
      .prefault({})
      .refine((range) => range.min <= range.max, 'min must not be longer than max'),
  })
  .strict();

export const pilotSchema = z
  .object({
    /** How long the pilot runs; the stage's duration when not given. */
    duration: durationSchema.optional(),
    /** Where the pilot runs by default, e.g. "the town shop"; the champion's plan says where it really does. */
    place: optionalText(LIMITS.title).default(''),
    /** How often HTTP readings are pulled and overdue manual readings are asked for. */
    checkEvery: durationSchema,
    kpis: limitedList(kpiSchema, LIMITS.templateList).min(1),
    /** The pilot continues as new once its history passes this many events. */
    historyLimit: z.number().int().min(50).default(2000),
    /** Who besides the champion and the admins may record readings: emails, or roles of the people directory. */
    recorders: limitedList(z.union([z.email().transform((email) => email.toLowerCase()), id]), LIMITS.templateList).default([]),
    /** What a champion's plan may ask for; this section's KPIs, duration and place are the default plan and must keep to them too. */
    limits: pilotLimitsSchema.prefault({}),
  })
  .strict()
  .superRefine((pilot, ctx) => {
    uniqueIds(pilot.kpis, ['kpis'], ctx);
    const { maxKpis, duration } = pilot.limits;
    if (pilot.kpis.length > maxKpis) ctx.addIssue({ code: 'custom', path: ['kpis'], message: `${pilot.kpis.length} KPIs, more than limits.maxKpis (${maxKpis})` });
    if (pilot.duration !== undefined && (pilot.duration < duration.min || pilot.duration > duration.max)) {
      ctx.addIssue({ code: 'custom', path: ['duration'], message: `outside limits.duration (${formatDuration(duration.min)} to ${formatDuration(duration.max)})` });
    }
  });

export const stageSchema = z
  .object({
    id: slug,
    name: requiredText(LIMITS.title),
    description: optionalText(LIMITS.comment).default(''),
    /** Planned duration; the champion is reminded when the stage overruns it. */
    duration: durationSchema,
    reminderEvery: durationSchema.optional(),
    deliverables: limitedList(requiredText(LIMITS.condition), LIMITS.templateList).default([]),
    /** A pilot runs the idea for real while the stage lasts; its end opens the stage's gate. */
    pilot: pilotSchema.optional(),
    gate: gateSchema.optional(),
  })
  .strict();

/**
 * A template's own words for the engine's decisions (a discovery track's persevere, pivot and
 * stop), shown on the review page, in emails and in reports; the journey decides the same.
 */
export const decisionLabelsSchema = z.object(Object.fromEntries(DECISIONS.map((decision) => [decision, requiredText(LIMITS.name).optional()])) as Record<Decision, z.ZodOptional<ReturnType<typeof requiredText>>>).strict();
export type DecisionLabels = z.output<typeof decisionLabelsSchema>;

/** The default words: the gate vocabulary people who run stage-gate processes know. */
export const DECISION_NAMES: Record<Decision, string> = { go: 'Go', 'conditional-go': 'Conditional go', kill: 'Kill', hold: 'Hold', recycle: 'Recycle' };

/** What a decision is called in a template: its own label, or the engine's word. */
export function decisionName(decision: Decision, labels: DecisionLabels | undefined): string {
  return labels?.[decision] ?? DECISION_NAMES[decision];
}

/** The templates that name their decisions, their words by process id. */
export function decisionLabelsOf(processes: Iterable<ProcessDefinition>): Record<string, DecisionLabels> {
  return Object.fromEntries([...processes].flatMap((process) => (process.decisionLabels ? [[process.id, process.decisionLabels]] : [])));
}

export const processSchema = z
  .object({
    id: slug,
    version: z.number().int().min(1),
    name: requiredText(LIMITS.title),
    description: optionalText(LIMITS.comment).default(''),
    decisionLabels: decisionLabelsSchema.optional(),
    /** A network process: the members its ideas are shared with (every member of the network unless given). */
    sharedWith: limitedList(memberId, LIMITS.selector).optional(),
    stages: limitedList(stageSchema, LIMITS.templateList).min(1),
  })
  .strict()
  .superRefine((process, ctx) => {
    uniqueIds(process.stages, ['stages'], ctx);
    const gates = process.stages.flatMap((stage, index) => (stage.gate ? [{ id: stage.gate.id, index }] : []));
    if (gates.length === 0) ctx.addIssue({ code: 'custom', path: ['stages'], message: 'a process needs at least one gate' });
    const seen = new Set<string>();
    for (const gate of gates) {
      if (seen.has(gate.id)) ctx.addIssue({ code: 'custom', path: ['stages', gate.index, 'gate', 'id'], message: `gate id "${gate.id}" is used twice` });
      seen.add(gate.id);
    }
  });

export type ProcessDefinition = z.output<typeof processSchema>;
export type StageDefinition = ProcessDefinition['stages'][number];
export type GateDefinition = NonNullable<StageDefinition['gate']>;
export type Criterion = GateDefinition['criteria'][number];
export type PilotDefinition = NonNullable<StageDefinition['pilot']>;
export type Kpi = PilotDefinition['kpis'][number];

/**
 * A gate with its reviewers and escalation contacts resolved to people, as snapshotted into an
 * idea; `selectors` keeps whom the template names, so a round resolves them from the people
 * directory as it is when it opens. Ideas submitted before that have none: their rounds ask the
 * people of the snapshot.
 * `authorities`, when someone may decide this idea alone at the gate (its estimated cost within
 * their budget), absent otherwise and in snapshots from before delegated authority.
 */
export type ResolvedGate = Omit<GateDefinition, 'reviewers' | 'escalateTo'> & { reviewers: PersonRef[]; escalateTo: PersonRef[]; selectors?: Pick<GateDefinition, 'reviewers' | 'escalateTo'>; authorities?: AuthorityHolder[] };
export type PilotLimits = PilotDefinition['limits'];
/**
 * A pilot with its recorders resolved to people, as snapshotted into an idea. Snapshots of ideas
 * submitted before recorders, places or plan limits existed have none of them.
 */
export type ResolvedPilot = Omit<PilotDefinition, 'recorders' | 'place' | 'limits'> & { recorders?: PersonRef[]; place?: string; limits?: PilotLimits };
export type ResolvedStage = Omit<StageDefinition, 'gate' | 'pilot'> & { gate?: ResolvedGate; pilot?: ResolvedPilot };
export type ResolvedProcess = Omit<ProcessDefinition, 'stages'> & { stages: ResolvedStage[] };

function uniqueIds(items: { id: string }[], path: (string | number)[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: [...path, index, 'id'], message: `id "${item.id}" is used twice` });
    seen.add(item.id);
  });
}

export function loadProcessFile(file: string): ProcessDefinition {
  return readYamlFile(file, processSchema);
}

/** Every process template in a folder, by id; the highest version wins when a template ships several. */
export function loadProcesses(folder: string): Map<string, ProcessDefinition> {
  let files: string[];
  try {
    files = readdirSync(folder).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch (err) {
    throw new ConfigError(`${folder}: cannot list process templates (${(err as Error).message})`);
  }
  const processes = new Map<string, ProcessDefinition>();
  for (const name of files) {
    const process = loadProcessFile(join(folder, name));
    const known = processes.get(process.id);
    if (!known || known.version < process.version) processes.set(process.id, process);
  }
  return processes;
}

/**
 * Resolves every gate's reviewers, escalation contacts and delegated authorities against the
 * people directory, for one idea. The submitter and champion never review their own idea, nor
 * decide it under authority, unless the gate allows it.
 */
export function resolveProcess(
  process: ProcessDefinition,
  directory: PeopleDirectory,
  idea: { submitter: string; champion: string; estimatedCost?: number },
): ResolvedProcess {
  const own = new Set([idea.submitter.toLowerCase(), idea.champion.toLowerCase()]);
  const stages = process.stages.map((stage, index): ResolvedStage => {
    const pilot = stage.pilot && { ...stage.pilot, recorders: resolveRecorders(directory, stage.pilot.recorders) };
    if (!stage.gate) return { ...stage, pilot, gate: undefined };
    const gate = stage.gate;
    const reviewers = resolvePeople(directory, gate.reviewers).filter((person) => gate.allowSelfReview || !own.has(person.email));
    const where = `process "${process.id}" stages[${index}].gate (${gate.id})`;
    if (reviewers.length === 0) {
      throw new ConfigError(`${where}: no reviewer is left for this idea once its submitter and champion are excluded`);
    }
    if (typeof gate.quorum === 'object' && gate.quorum.atLeast > reviewers.length) {
      throw new ConfigError(`${where}: quorum needs ${gate.quorum.atLeast} reviewers but only ${reviewers.length} can review this idea`);
    }
    const escalateTo = resolvePeople(directory, gate.escalateTo);
    if (escalateTo.length === 0) throw new ConfigError(`${where}: escalateTo names nobody in the people directory`);
    const authorities = authoritiesFor(directory, gate.id, idea.estimatedCost).filter((holder) => gate.allowSelfReview || !own.has(holder.email));
    return {
      ...stage,
      pilot,
      gate: { ...gate, reviewers: reviewers.map(personRef), escalateTo: escalateTo.map(personRef), selectors: { reviewers: gate.reviewers, escalateTo: gate.escalateTo }, ...(authorities.length ? { authorities } : {}) },
    };
  });
  return { ...process, stages };
}

/** A pilot's recorders, named by email or by role, as people of the directory (like a gate's reviewers). */
function resolveRecorders(directory: PeopleDirectory, recorders: string[]): PersonRef[] {
  return resolvePeople(directory, { people: recorders.filter((entry) => entry.includes('@')), roles: recorders.filter((entry) => !entry.includes('@')) }).map(personRef);
}

/** A person as an idea keeps them: address and name, not the directory's roles, status or absences. */
function personRef(person: PersonRef): PersonRef {
  return { email: person.email, name: person.name };
}

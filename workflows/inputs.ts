import type { IdeaCategory, IdeaHorizon, IdeaSource } from '../config/idea';
import type { Decision, Kpi } from '../config/process';

/**
 * What callers send to an idea journey, as plain types: the contract between the SDK (which
 * checks each with a zod schema that must produce exactly this type) and the workflow.
 */

export interface Person {
  email: string;
  name: string;
}

/** An idea's source, category and horizon (their lists are in config/idea.ts, which settings read too). */
export type { IdeaCategory, IdeaHorizon, IdeaSource } from '../config/idea';

/** An idea as its journey carries it: its id and champion settled when it was submitted. */
export interface Idea {
  ideaId: string;
  title: string;
  description: string;
  source: IdeaSource;
  submitter: Person;
  /** Who carries the idea through its stages; the submitter unless someone else was named. */
  champion: Person;
  /** Absent when the submitter did not say: the reviewers of the first gate that sees it uncategorised set it (or an admin does). */
  category?: IdeaCategory;
  horizon: IdeaHorizon;
  strategicGoals: string[];
  estimatedCost?: number;
  estimatedBenefit?: number;
  /** The campaign the idea answers, by id; absent for ideas sent outside any campaign. */
  campaign?: string;
  /** The routing rule that chose the idea's process (and champion), and why it matched; absent when the caller named the process. */
  route?: { rule: string; why: string };
}

/**
 * How the person acting was identified: `link` by an emailed link sent to them, `cli` and `sdk`
 * by the people directory of the caller's stagegate, `api` by an API key (named in `key`). An idea
 * also comes in through the submission `portal` or by `email` to the intake address.
 */
export const ACTOR_CHANNELS = ['link', 'cli', 'sdk', 'api', 'portal', 'email'] as const;
export type ActorChannel = (typeof ACTOR_CHANNELS)[number];
/** How a vote came: `link` means from an emailed link, cast as the person it was sent to. */
export type VoteChannel = ActorChannel;

/** How an actor was identified, recorded with what they did. Absent on what came before it was recorded. */
export interface Identified {
  via: ActorChannel;
  /** The name of the API key the request came with, for `api`. */
  key?: string;
}

/** What an event's detail says of how its actor was identified; nothing for commands older than that. */
export function identifiedBy(actor: Partial<Identified> | undefined): Partial<Identified> {
  if (!actor?.via) return {};
  return actor.key ? { via: actor.via, key: actor.key } : { via: actor.via };
}

/**
 * A reviewer hands their review in the open round to a colleague (from the review page, the CLI or
 * the SDK); the SDK found the colleague active in the people directory.
 */
export interface Delegation extends Partial<Identified> {
  reviewer: string;
  to: Person;
  /** Who handed it over: the reviewer, by their own link or the directory. */
  by: string;
  gate?: string;
  round?: number;
}

/** Why a reviewer is replaced in an open round without handing it over: they left the people directory or were deactivated. */
export const REASSIGN_REASONS = ['removed', 'deactivated'] as const;
export interface Reassignment {
  reviewer: string;
  why: (typeof REASSIGN_REASONS)[number];
  /** Who asked: `people sync` run by an admin, or the worker that noticed the people file change. */
  by: string;
}

/** One reviewer's decision at one gate round. */
export interface Vote {
  reviewer: string;
  decision: Decision;
  /** One score per criterion of the gate. */
  scores: Record<string, number>;
  comment: string;
  /** With a conditional go: what the champion must do before the next gate. */
  conditions: string[];
  /** The gate and round the reviewer was asked about; a vote for any other is refused. */
  gate?: string;
  round?: number;
  /** The fingerprint of the gate package the reviewer saw. */
  fingerprint?: string;
  via: VoteChannel;
  key?: string;
  /** For an idea without a category: the one this reviewer names; the round's decision sets the one most votes named. */
  category?: IdeaCategory;
}

/**
 * The champion's plan for the pilot after the next gate: what it measures, how long it runs and
 * where. The gate approves it with the rest of the package; the pilot then runs it.
 */
export interface PilotPlan {
  kpis: Kpi[];
  /** Milliseconds. */
  duration: number;
  /** Where the pilot runs, e.g. "the town shop". */
  place: string;
}

/** The champion says the stage's work is ready for its gate. */
export interface Ready extends Identified {
  by: string;
  notes: string;
  links: string[];
  /** Only for the stage whose gate leads into a pilot: the plan that pilot is to run; the template's default plan when absent. */
  pilot?: PilotPlan;
}

/** An admin (or an escalation contact) decides a gate round instead of its reviewers. */
export interface Override extends Identified {
  by: string;
  decision: Decision;
  reason: string;
  conditions: string[];
  /** The gate and round being decided; a decision meant for any other is refused. */
  gate?: string;
  round?: number;
}

/** An idea parked until it is resumed or its revisit time comes. */
export interface Hold extends Identified {
  by: string;
  reason: string;
  /** Milliseconds until the idea comes back for review by itself; the gate's revisitAfter when absent. */
  revisitAfter?: number;
}

/** Resume, withdraw, conditions met: who asks, and why. */
export interface Action extends Identified {
  by: string;
  reason: string;
}

/** One reading of one of a pilot's KPIs. */
export interface KpiReading extends Identified {
  kpi: string;
  value: number;
  by: string;
  note: string;
}

/** Readings of several of a pilot's KPIs sent together (a KPI page's form): all taken, or none. */
export interface KpiReadings extends Identified {
  readings: { kpi: string; value: number }[];
  by: string;
  note: string;
}

/** A screener (a reviewer of the first gate) or an admin merges this idea, a duplicate, into the survivor `into`. */
export interface Merge extends Identified {
  into: string;
  by: string;
  reason: string;
}

/** An admin sets (or changes) the idea's category. */
export interface Categorise extends Identified {
  category: IdeaCategory;
  by: string;
}

/** What a duplicate's journey tells its survivor as it ends merged: whom to credit. */
export interface Credit {
  /** The duplicate merged into this idea. */
  from: string;
  title: string;
  /** Its submitter, and whoever was credited on it before. */
  people: Person[];
  by: string;
}

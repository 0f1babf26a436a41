import type { Decision } from '../config/process';

/**
 * What callers send to an idea journey, as plain types: the contract between the SDK (which
 * checks each with a zod schema that must produce exactly this type) and the workflow.
 */

export interface Person {
  email: string;
  name: string;
}

export const IDEA_SOURCES = ['employee', 'customer', 'partner', 'network', 'other'] as const;
export type IdeaSource = (typeof IDEA_SOURCES)[number];
export const IDEA_CATEGORIES = ['product', 'process', 'service', 'business-model'] as const;
export type IdeaCategory = (typeof IDEA_CATEGORIES)[number];
export const IDEA_HORIZONS = ['incremental', 'radical'] as const;
export type IdeaHorizon = (typeof IDEA_HORIZONS)[number];

/** An idea as its journey carries it: its id and champion settled when it was submitted. */
export interface Idea {
  ideaId: string;
  title: string;
  description: string;
  source: IdeaSource;
  submitter: Person;
  /** Who carries the idea through its stages; the submitter unless someone else was named. */
  champion: Person;
  category: IdeaCategory;
  horizon: IdeaHorizon;
  strategicGoals: string[];
  estimatedCost?: number;
  estimatedBenefit?: number;
}

/** How a vote came: `link` means from an emailed link, cast as the person it was sent to. */
export type VoteChannel = 'link' | 'cli' | 'sdk';

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
}

/** The champion says the stage's work is ready for its gate. */
export interface Ready {
  by: string;
  notes: string;
  links: string[];
}

/** An admin (or an escalation contact) decides a gate round instead of its reviewers. */
export interface Override {
  by: string;
  decision: Decision;
  reason: string;
  conditions: string[];
  /** The gate and round being decided; a decision meant for any other is refused. */
  gate?: string;
  round?: number;
}

/** An idea parked until it is resumed or its revisit time comes. */
export interface Hold {
  by: string;
  reason: string;
  /** Milliseconds until the idea comes back for review by itself; the gate's revisitAfter when absent. */
  revisitAfter?: number;
}

/** Resume, withdraw, conditions met: who asks, and why. */
export interface Action {
  by: string;
  reason: string;
}

/** One reading of one of a pilot's KPIs. */
export interface KpiReading {
  kpi: string;
  value: number;
  by: string;
  note: string;
}

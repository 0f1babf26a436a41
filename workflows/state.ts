import type { AuthorityHolder } from '../config/people';
import type { Criterion, Decision, PilotLimits, Quorum, ResolvedPilot, ResolvedProcess } from '../config/process';
import type { KpiLevel, KpiSummary, KpiTrack } from './kpi-rules';
import type { Notification } from './notification';
import type { Calendar } from '../config/settings';
import type { Action, ActorChannel, Hold, Idea, IdeaCategory, Identified, KpiReading, Merge, Person, PilotPlan, Vote } from './inputs';

/** The shapes an idea journey keeps and answers with; plain data, safe in workflow code. */

export const IDEA_STATUSES = ['in-stage', 'in-review', 'on-hold', 'launched', 'killed', 'withdrawn', 'merged'] as const;
export type IdeaStatusName = (typeof IDEA_STATUSES)[number];
export const ENDED_STATUSES: readonly IdeaStatusName[] = ['launched', 'killed', 'withdrawn', 'merged'];

export const EVENT_TYPES = [
  'submitted',
  'stage_entered',
  'ready_for_review',
  'gate_opened',
  'review_opened',
  'vote_cast',
  'decided',
  'reminder_sent',
  'escalated',
  'held',
  'resumed',
  'conditions_met',
  'kpi_recorded',
  'kpi_alert',
  'pilot_ended',
  'launched',
  'killed',
  'withdrawn',
  'recognised',
  'forgotten',
  'categorised',
  'similar_found',
  'merged',
  'credited',
  'reviewer_reassigned',
  'review_delegated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface IdeaJourneyInput {
  idea: Idea;
  /** The process as it was when the idea was submitted, reviewers resolved. */
  process: ResolvedProcess;
  /** People who may override, hold, resume and withdraw any idea. */
  admins: string[];
  /** When given, deadlines, reminders and planned durations count business days only. */
  calendar?: Calendar;
  /** A run continues as new once its history passes this many events (or Temporal suggests it); 5,000 when absent. */
  historyLimit?: number;
  /** What the run before this one carried over when it continued as new. */
  carried?: JourneyCarry;
  /** How the idea came in (`api` with the API key's name, `cli`, `sdk`); absent on ideas submitted before it was recorded. */
  submittedThrough?: Identified;
}

/** Where a journey that continued as new picks up: the wait it was in, with its timers. */
export type ResumePoint =
  | { at: 'stage-work'; remindAt: number }
  | { at: 'gate-round'; remindAt: number; deadline: number }
  | { at: 'launch-conditions'; remindAt: number };

/** A journey's state, carried across continue-as-new. */
export interface JourneyCarry {
  state: IdeaStatus;
  requests: { hold?: Hold; resume?: Action; withdraw?: Action; merge?: Merge & { survivorTitle: string } };
  rounds: Record<string, number>;
  pilotRuns: Record<string, number>;
  notificationSeq: number;
  eventSeq: number;
  resumeAt: ResumePoint;
}

/** One step of the journey, as shown by `idea show` and written to the events store. */
export interface TimelineEntry {
  /** Position in the journey; with the idea id, it makes the event's idempotency key. */
  seq: number;
  type: EventType;
  at: string;
  stage?: string;
  gate?: string;
  round?: number;
  actor?: string;
  detail: Record<string, unknown>;
}

export interface RecordedVote extends Vote {
  reviewerName: string;
  castAt: string;
}

export interface ReviewerStatus extends Person {
  voted: boolean;
}

/** A round takes votes while `open`; once a decision closes it, it is `closing` until the decision is recorded and told, then gone. */
export type RoundPhase = 'open' | 'closing';

export interface OpenRound {
  /** Absent on rounds of journeys started before rounds closed with their decision. */
  phase?: RoundPhase;
  /** The decision that closed the round, while it is closing. */
  decision?: DecisionRecord;
  gate: string;
  gateName: string;
  round: number;
  openedAt: string;
  deadlineAt: string;
  quorum: Quorum;
  votesNeeded: number;
  criteria: Criterion[];
  /** The fingerprint of the gate package under review; a vote on another one was cast on an earlier version. */
  packageFingerprint?: string;
  reviewers: ReviewerStatus[];
  votes: RecordedVote[];
  escalated: boolean;
  /** Reviewers who opened their review page this round; later openings are not recorded again. */
  opened?: string[];
  /** Whether the reviewers were asked: a vote that closes the round first leaves them unasked. */
  requested?: boolean;
  /** Who is asked in the place of someone away (from the people file's absences); absent on rounds that asked the submission's snapshot. */
  standIns?: { for: string; standIn: string; until: string }[];
  /** The escalation contacts and admins as the people directory had them when the round opened (or a reviewer was last replaced in it). */
  escalateTo?: Person[];
  admins?: string[];
  /** Reviewers replaced in the round: handed over (`delegated`) or reassigned (`removed`, `deactivated`); their links are refused from then on. */
  replaced?: { from: string; to?: string; why: 'delegated' | 'removed' | 'deactivated'; by: string; at: string }[];
  /** Why nobody is left to review this round: it escalated at once. */
  nobodyLeft?: string;
  /**
   * Who may decide this round alone under delegated authority (the idea's estimated cost within
   * their budget), committee members or not; the quorum counts the reviewers only. Absent when
   * nobody may, and on rounds of journeys started before delegated authority.
   */
  authorities?: AuthorityHolder[];
}

/** What a hand-over or a reassignment did: who left the round and who was asked instead (nobody, when nobody was left). */
export interface ReplacementReceipt {
  ideaId: string;
  gate: string;
  round: number;
  from: string;
  to?: string;
  /** False when nothing changed: the reviewer had left the round or voted meanwhile. */
  replaced: boolean;
}

/** Who decided a round: the committee's votes, an authority holder alone, an admin (or escalation contact) overriding, or the deadline's rule. */
export type DecidedBy = 'reviewers' | 'authority' | 'admin' | 'deadline';

/** The delegated authority a decision was taken under: who held it, from where, and the figures it rested on. */
export interface DecisionAuthority {
  holder: string;
  name: string;
  budget: number;
  estimatedCost: number;
  source: AuthorityHolder['source'];
}

export interface DecisionRecord {
  gate: string;
  gateName: string;
  round: number;
  decision: Decision;
  decidedBy: DecidedBy;
  actor?: string;
  /** How the actor was identified, when an admin or contact decided. */
  via?: ActorChannel;
  key?: string;
  at: string;
  score?: number;
  reasons: string[];
  conditions: string[];
  /** What each reviewer said, passed on to the submitter and champion. */
  comments: { reviewer: string; decision: Decision; comment: string }[];
  /** When `decidedBy` is `authority`: whose, and on what figures. */
  authority?: DecisionAuthority;
}

export interface Condition {
  gate: string;
  text: string;
  met: boolean;
}

export interface HoldState {
  by: string;
  reason: string;
  at: string;
  revisitAt: string;
  /** Where the idea returns on resume: its stage's work, or a new round of the gate. */
  returnTo: 'stage' | 'gate';
}

export interface IdeaStatus {
  ideaId: string;
  title: string;
  description: string;
  strategicGoals: string[];
  estimatedCost?: number;
  estimatedBenefit?: number;
  source: Idea['source'];
  /** Absent while the idea is uncategorised. */
  category?: IdeaCategory;
  horizon: Idea['horizon'];
  submitter: Person;
  champion: Person;
  /** The campaign the idea answers, and the routing rule that chose its process, when it has them. */
  campaign?: Idea['campaign'];
  route?: Idea['route'];
  process: { id: string; version: number; name: string };
  /** Open ideas that looked like this one when it was submitted, most alike first; absent on journeys before duplicates were looked for. */
  similar?: SimilarIdea[];
  /** The idea this one was merged into, once it is `merged`. */
  mergedInto?: { ideaId: string; title: string };
  /** Who screens the idea: the reviewers of its process's first gate, who (with admins) may merge it. Absent on journeys that cannot be merged. */
  screeners?: { gate: string; name: string; reviewers: string[] };
  /** People credited on this idea because their duplicates were merged into it; what recognition at launch will thank. Absent on journeys that cannot take merges. */
  credited?: CreditedContributor[];
  status: IdeaStatusName;
  submittedAt: string;
  stage: {
    id: string;
    name: string;
    index: number;
    of: number;
    enteredAt: string;
    dueAt: string;
    deliverables: string[];
    awaitingReady: boolean;
    ready?: { by: string; at: string; notes: string; links: string[]; fingerprint: string; pilot?: PilotPlan };
    /** The plan the gate before this pilot stage approved (its package's fingerprint with it); the template's pilot runs when absent. */
    plan?: PilotPlan & { fingerprint: string; gate: string };
    /** The stage's pilot, when it has one: running, or ended with its summary. */
    pilot?: StagePilot;
  };
  round?: OpenRound;
  /** The admins as the people directory had them when a round last opened or replaced a reviewer; the submission's list until then. */
  admins?: string[];
  conditions: Condition[];
  hold?: HoldState;
  decisions: DecisionRecord[];
  /** Messages the mail server refused for good; the journey went on without them. */
  undelivered: { purpose: string; to: string; at: string; error: string }[];
  endedAt?: string;
  /** How many events the journey has recorded; `timeline` holds the latest of them, the events store all. */
  eventCount?: number;
  /**
   * Set by the SDK, never by the journey: Temporal stopped the workflow (it failed, timed out, was
   * terminated or cancelled), so the idea is stuck where its status says, not moving on from there.
   */
  stopped?: StoppedHow;
  timeline: TimelineEntry[];
}

/** An open idea found alike on submission: by title and description, 0–1. */
export interface SimilarIdea {
  ideaId: string;
  title: string;
  score: number;
}

export interface CreditedContributor extends Person {
  /** The merged idea that brought them. */
  from: string;
  title: string;
  at: string;
}

export type StoppedHow = 'failed' | 'timed-out' | 'terminated' | 'cancelled';

export interface VoteReceipt {
  ideaId: string;
  /** The decision this vote completed, when it was the one that met the quorum. */
  decided?: Decision;
  gate: string;
  round: number;
  reviewer: string;
  decision: Decision;
  castAt: string;
  votesIn: number;
  votesNeeded: number;
}

export interface IdeaOutcome {
  ideaId: string;
  status: Extract<IdeaStatusName, 'launched' | 'killed' | 'withdrawn' | 'merged'>;
  at: string;
  reason: string;
  /** For `merged`: the survivor. */
  into?: string;
}

/** Why a pilot ended: its planned duration, a reading past a kill threshold, a hold on its idea, or its workflow failing or being stopped. */
/** `not-started`: the pilot's workflow could not be started at all. */
export type PilotEnd = 'duration' | 'kill-threshold' | 'held' | 'failed' | 'not-started';

export interface StagePilot {
  workflowId: string;
  run: number;
  startedAt: string;
  endsAt: string;
  /** Where it runs, as its plan said; absent for pilots without a place. */
  place?: string;
  endedAt?: string;
  reason?: PilotEnd;
  summary?: KpiSummary[];
}

/**
 * What the champion plans while working on the stage whose gate leads into a pilot: the
 * template's default plan, the limits a plan keeps to, and the plan handed in so far.
 */
export interface PilotPlanTemplate {
  /** The stage being worked on: marking it ready hands the plan in. */
  stage: { id: string; name: string };
  /** Its gate, which approves the plan with the rest of the package. */
  gate: { id: string; name: string };
  /** The stage whose pilot runs the plan. */
  pilotStage: { id: string; name: string };
  defaults: PilotPlan;
  /** Absent in snapshots of ideas submitted before plans had limits. */
  limits?: PilotLimits;
  handedIn?: PilotPlan;
}

/** What a pilot workflow is started with; `carried` brings its state across continue-as-new. */
export interface PilotInput {
  ideaId: string;
  process: { id: string; version: number };
  source: string;
  stage: { id: string; name: string };
  run: number;
  pilot: ResolvedPilot;
  startedAt: string;
  endsAt: string;
  champion: Person;
  /** The idea's admins, who may record readings too; absent for pilots started before readings were checked. */
  admins?: string[];
  /** What messages about the idea say of it. */
  idea: Notification['idea'];
  /** Continue-as-new once history passes this many events; a few thousand keeps it far from Temporal's limits. */
  historyLimit: number;
  /** The idea journey's first run id, which event and message ids name; absent for pilots of older journeys. */
  journey?: string;
  carried?: PilotCarry;
}

export interface PilotCarry {
  tracks: Record<string, KpiTrack>;
  eventSeq: number;
  notificationSeq: number;
  /** When each manual KPI was last read, to remind only about the overdue ones. */
  lastManualAt: Record<string, string>;
  nextCheckAt: string;
  alerted: string[];
  runs: number;
  /** Readings the last run took (and answered) but had not yet recorded and acted on: this run does. */
  taken?: TakenReading[];
  /** The updates answered lately (since `pilot-remembers-answers`), oldest first: the same update sent to this run is answered with its receipts. */
  answers?: AnsweredUpdate[];
}

/** An update a pilot answered: its id and the receipts it was given. */
export interface AnsweredUpdate {
  updateId: string;
  receipts: KpiReceipt[];
}

/** A reading as the pilot acts on it: typed in by a person, or pulled over HTTP by the pilot itself (no `via`). */
export type PilotReading = Omit<KpiReading, keyof Identified> & Partial<Identified> & { source: 'manual' | 'http' };

/** A reading taken by an update (counted, its receipt given), waiting to be recorded and acted on. */
export interface TakenReading {
  reading: PilotReading;
  receipt: KpiReceipt;
  /** The update that brought it, so the same update sent again to the next run is answered, not taken twice; absent before `pilot-bounded-backlog`. */
  updateId?: string;
}

export interface PilotResult {
  reason: PilotEnd;
  endedAt: string;
  summary: KpiSummary[];
  realisedBenefit?: number;
  /** Why the pilot's workflow failed, when it did. */
  failure?: string;
}

export interface PilotStatus {
  ideaId: string;
  stage: string;
  run: number;
  startedAt: string;
  endsAt: string;
  nextCheckAt: string;
  /** How many times the pilot continued as new: its history stays small however long it runs. */
  continuedAsNew: number;
  summary: KpiSummary[];
  ended?: PilotEnd;
  /** The pilot's named recorders, who may record readings besides the champion and the idea's admins; absent for pilots started before readings were checked. */
  recorders?: string[];
  /** Where the pilot runs, when its plan says. */
  place?: string;
  /** How often the pilot checks (ms): a manual reading is due once per period. Absent from pilots' answers before this was told. */
  checkEvery?: number;
}

export interface KpiReceipt {
  kpi: string;
  value: number;
  level: KpiLevel;
  met: boolean;
  at: string;
}

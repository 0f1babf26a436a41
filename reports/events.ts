import type { StoredEvent } from '../store';
import type { Decision } from '../config/process';
import type { KpiSummary } from '../workflows/kpi-rules';
import type { DecisionRecord, EventType, PilotEnd } from '../workflows/state';
import { period, type ReportRange } from './range';
import { entryFor } from './statistics';

/** Where reports read events from: the events store, or anything that holds the same rows. */
export interface EventSource {
  events(filter: { from?: string; to?: string }): Promise<StoredEvent[]> | StoredEvent[];
}

/** What the events reports read carry in their detail, as the journeys record them (workflows/idea.ts, pilot.ts). */
export interface EventDetails {
  submitted: { title: string; submitter: string; estimatedCost?: number; estimatedBenefit?: number };
  stage_entered: { name: string; rework: boolean };
  gate_opened: { name: string; reviewers: string[] };
  vote_cast: { decision: Decision; scores: Record<string, number> };
  decided: DecisionRecord;
  pilot_ended: { reason: PilotEnd; realisedBenefit?: number; summary: KpiSummary[] };
  /** A reading past its alert or kill threshold, or a KPI source that could not be read. */
  kpi_alert: { kpi: string; level: 'alert' | 'kill'; value: number; threshold: number } | { kpi: string; level: 'unavailable'; error: string };
}

export type EventOf<T extends keyof EventDetails> = Omit<StoredEvent, 'type' | 'detail'> & { type: T; detail: EventDetails[T] };

/** The events of one type, with their detail typed. */
export function ofType<T extends keyof EventDetails>(events: readonly StoredEvent[], type: T): EventOf<T>[] {
  return events.filter((event) => event.type === type) as unknown as EventOf<T>[];
}

/** The events that end a journey. */
export const ENDINGS = ['launched', 'killed', 'withdrawn', 'merged'] as const satisfies readonly EventType[];
export type Ending = (typeof ENDINGS)[number];

/** One idea's events, in journey order. */
export interface IdeaJourney {
  ideaId: string;
  process: string;
  source: string;
  events: StoredEvent[];
  submitted?: EventOf<'submitted'>;
  /** How the journey ended, when it had ended by the end of the range. */
  end?: StoredEvent & { type: Ending };
}

/** The event log as a report reads it: what was known at the end of the range, by idea. */
export interface EventLog {
  /** Every event before `to`, in time order. */
  events: StoredEvent[];
  /** The same events by idea. */
  ideas: Map<string, IdeaJourney>;
  /** Whether an event (or a time) falls in the range: `from <= at < to`. */
  inRange(event: { at: string } | string): boolean;
}

export function readLog(events: readonly StoredEvent[], range: ReportRange): EventLog {
  const { contains, known } = period(range);
  // Each time is parsed once, not once a comparison.
  const sorted = events
    .filter((event) => known(event.at))
    .map((event) => ({ event, time: Date.parse(event.at) }))
    .sort((a, b) => a.time - b.time || a.event.ideaId.localeCompare(b.event.ideaId) || a.event.seq - b.event.seq)
    .map(({ event }) => event);
  const ideas = new Map<string, IdeaJourney>();
  for (const event of sorted) {
    const idea = entryFor(ideas, event.ideaId, () => ({ ideaId: event.ideaId, process: event.process, source: event.source, events: [] }));
    idea.events.push(event);
    if (event.type === 'submitted') idea.submitted ??= event as unknown as EventOf<'submitted'>;
    if (isEnding(event)) idea.end ??= event;
  }
  return { events: sorted, ideas, inRange: (event) => contains(typeof event === 'string' ? event : event.at) };
}

export function isEnding(event: StoredEvent): event is StoredEvent & { type: Ending } {
  return (ENDINGS as readonly string[]).includes(event.type);
}

/** A stage or gate of a process, named as its events name it. */
export interface StepRef {
  process: string;
  /** The stage's id, or the gate's. */
  id: string;
  name: string;
  /** For a gate: the stage it closes. */
  stage?: string;
}

/**
 * The stages (from `stage_entered`) or gates (from `gate_opened`) of each process, in order of
 * first appearance in the log, grouped by process (processes too in order of first appearance).
 */
export function stepsInOrder(log: EventLog, kind: 'stages' | 'gates'): StepRef[] {
  const byProcess = new Map<string, Map<string, StepRef>>();
  for (const event of log.events) {
    const id = kind === 'stages' ? (event.type === 'stage_entered' ? event.stage : undefined) : event.type === 'gate_opened' ? event.gate : undefined;
    if (id === undefined) continue;
    const steps = entryFor(byProcess, event.process, () => new Map<string, StepRef>());
    const name = (event.detail as { name?: string }).name ?? id;
    entryFor(steps, id, () => (kind === 'stages' ? { process: event.process, id, name } : { process: event.process, id, name, stage: event.stage }));
  }
  return [...byProcess.values()].flatMap((steps) => [...steps.values()]);
}

/** A key for a process's stage, gate or KPI. */
export function stepKey(process: string, id: string): string {
  return `${process}/${id}`;
}

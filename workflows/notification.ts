import type { Person } from './inputs';
import type { RecognitionRole } from './recognition';
import type { DecisionRecord, HoldState } from './state';

/** Why a message is sent; one template each. */
export const NOTIFICATION_PURPOSES = [
  'idea-received',
  'stage-entered',
  'stage-overrun',
  'conditions-reminder',
  'review-request',
  'review-reminder',
  'escalation',
  'decision',
  'held',
  'withdrawn',
  'recognition',
  'kpi-reminder',
  'kpi-alert',
  'merged',
] as const;
export type NotificationPurpose = (typeof NOTIFICATION_PURPOSES)[number];

/** Everything a message needs, decided by the workflow; the activity only renders and delivers it. */
export interface Notification {
  purpose: NotificationPurpose;
  /** The workflow's count of notifications so far; with the idea and the recipient it names the message. */
  seq: number;
  /** The first run id of the journey, naming the message with the idea; absent for journeys before ids per run. */
  journey?: string;
  to: Person[];
  idea: {
    ideaId: string;
    title: string;
    description: string;
    source: string;
    submitter: Person;
    champion: Person;
    processName: string;
  };
  stage?: {
    id: string;
    name: string;
    deliverables: string[];
    dueAt: string;
    feedback: string[];
    /** When the stage's gate leads into a pilot: that stage's name; the champion plans the pilot when marking this stage ready. */
    plansPilot?: string;
  };
  gate?: {
    id: string;
    name: string;
    round: number;
    deadlineAt: string;
    criteria: { id: string; label: string; minimum?: number }[];
    awaiting: string[];
    /** Who may decide this round alone under delegated authority, with their budgets, and the idea's estimated cost; absent when nobody may. */
    authorities?: { email: string; budget: number }[];
    estimatedCost?: number;
  };
  decision?: DecisionRecord;
  hold?: HoldState;
  pilot?: {
    stage: string;
    stageName: string;
    run: number;
    endsAt: string;
    /** For a reminder: the KPIs people record by hand that have no reading since the last check. */
    due: { id: string; label: string; unit: string; target: number }[];
    /** `belowTarget`: the KPI has no alert line, so the threshold is its target. */
    alert?: { kpi: string; label: string; unit: string; value: number; threshold: number; level: 'alert' | 'kill'; belowTarget?: boolean };
    /** For the periodic request for readings: when the next check is, and whether the pilot has just started. */
    nextCheckAt?: string;
    started?: boolean;
  };
  reason?: string;
  actor?: string;
  /** For `merged`: the idea this one was merged into. */
  survivor?: { ideaId: string; title: string };
  /** For `recognition` (from the `recognition` patch on): what the one person thanked did for the idea. */
  thanks?: { roles: RecognitionRole[]; from?: { ideaId: string; title: string } };
  /** For a conditions reminder: the conditions of a conditional go still to be met. */
  conditions?: { gate: string; text: string }[];
}

/** The type of the non-retryable failure of `notify` when the mail server refused messages for good. */
export const SMTP_REJECTED = 'smtp-rejected';

/** The details of that failure: who did not get the message and what the server said. */
export interface SmtpRejectedDetails {
  rejected: { to: string; response: string }[];
}

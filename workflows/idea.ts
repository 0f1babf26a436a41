import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
  ActivityFailure,
  ChildWorkflowFailure,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { ResolvedGate, ResolvedStage } from '../config/process';
import type { PersonRef, RoundPeopleRequest } from '../config/people';
import type { Action, Categorise, Delegation, Hold, Identified, Merge, Override, Person, Ready, Reassignment, Vote } from './inputs';
import { identifiedBy } from './inputs';
import { SMTP_REJECTED, type Notification, type NotificationPurpose, type SmtpRejectedDetails } from './notification';
import { findSimilarIdeas, notify, peopleForRound, recordEvent, reviewerPseudonyms } from './activity-proxies';
import { categoryOfVotes } from './category';
import { addBusinessTime, iso, localDate } from './calendar';
import { packageFingerprint } from './gate-package';
import { decideGate, isQuorumMet, votesNeeded } from './gate-rules';
import { pilotRun } from './pilot';
import { addVote, askedIn, authorityIn, closedReason, closeRound, decisionFor, mayVote, openRound, receiptFor, sameVote, type RoundResult } from './round';
import { authorityDecision } from './authority';
import {
  castVoteUpdate,
  categoriseUpdate,
  claimMergeUpdate,
  creditSignal,
  delegateReviewUpdate,
  holdUpdate,
  ideaWorkflowId,
  mergeUpdate,
  markConditionsMetUpdate,
  markReadyUpdate,
  overrideDecisionUpdate,
  reassignReviewerUpdate,
  reject,
  resumeUpdate,
  reviewOpenedSignal,
  releaseMergeClaimSignal,
  endPilotSignal,
  ideaPartWorkflowId,
  awaitingKey,
  stageKey,
  statusKey,
  statusQuery,
  pilotPlanQuery,
  withdrawUpdate,
} from './messages';
import { pilotFromPlan, planProblems, planTemplate } from './pilot-plan';
import { thanksFor } from './recognition';
import type {
  DecisionRecord,
  EventType,
  IdeaJourneyInput,
  IdeaOutcome,
  IdeaStatus,
  IdeaStatusName,
  OpenRound,
  PilotInput,
  PilotResult,
  ReplacementReceipt,
  ResumePoint,
  VoteReceipt,
} from './state';
import { ENDED_STATUSES } from './state';

const PILOT_ENDINGS: Record<PilotResult['reason'], string> = {
  duration: 'as planned',
  'kill-threshold': 'early: a reading passed its kill threshold',
  held: 'early: the idea was put on hold while it ran',
  failed: 'early: its workflow failed or was stopped, so its readings are lost; the gate decides on what the champion knows',
  'not-started': 'before it began: its workflow could not be started, so there are no readings; the gate decides on what the champion knows',
};

/** How many of its latest events the journey's status shows; the events store has them all. */
const TIMELINE_KEPT = 200;
/** A run continues as new past this many history events unless the input says otherwise: far below Temporal's 51,200. */
const JOURNEY_HISTORY_LIMIT = 5_000;

/** A claim on this idea for a merge into it lapses after this long, should its SDK never send the merge nor release it. */
const MERGE_CLAIM_MS = 2 * 60 * 1000;

/** How long an idea parked outside a gate waits before it comes back by itself. */
const STAGE_HOLD_REVISIT_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Each change to the journey since it first shipped, by the name of its patch, in the order a run
 * on the old paths takes them (README, "Changing workflows").
 */
const CHANGES = {
  /** A decision closes its round in the step that takes it; votes and decisions do not wait on the store. */
  exactlyOnce: 'exactly-once-rounds',
  /** Reminders are scheduled from when the last one went out, so downtime never sends a burst. */
  timersFromNow: 'timers-from-now',
  /** A pilot whose workflow fails or is stopped sends the idea to its gate instead of failing the journey. */
  pilotFaults: 'pilot-faults',
  /** Event and message ids name the journey's first run, so an idea id used again after retention gets its own. */
  idsPerRun: 'ids-per-run',
  /** The timeline in the query is the latest entries only, and a long run continues as new. */
  boundedHistory: 'bounded-history',
  /** A hold asked for while a pilot runs ends the pilot and parks the idea at once. */
  holdInPilot: 'hold-in-pilot',
  /** Messages go out in the background, in order: a mail server that is down holds no journey back. */
  mailInBackground: 'mail-in-background',
  /** A stage whose work is in but whose conditions are open reminds of the conditions, not of an overdue stage. */
  conditionsReminder: 'conditions-reminder',
  /** A pilot's workflow id is `idea-<ideaId>:pilot:<stage>:<run>`, which no idea id can take; a pilot that cannot start is recorded, not retried in silence. */
  partIds: 'idea-part-ids',
  /** The champion hands in the pilot's plan with the stage before it; its gate approves it (a vote on another plan is refused), and the pilot runs it. */
  pilotPlans: 'pilot-plans',
  /** The open round's reviewers still awaited are in the `StageGateAwaiting` search attribute, as pseudonyms: a reviewer's queue is one query. */
  awaitedReviewers: 'awaited-reviewers',
  /** The submitted event says how the idea came in: `via` (`api`, `cli`, `sdk`) and the API key's name. */
  submissionChannel: 'submission-channel',
  /** An idea may come without a category: the round's votes (or an admin) set it, recorded as `categorised`. */
  optionalCategory: 'optional-category',
  /** Similar open ideas are looked for on submission (`similar_found`); a screener or admin merges a duplicate into its survivor (`merged`, `credited`). */
  mergeDuplicates: 'merge-duplicates',
  /** At launch the submitter, the champion and everyone credited are thanked by name, once each: a `recognised` event and a message per person. */
  recognition: 'recognition',
  /**
   * A round asks the people the directory has when it opens (absences, deactivations and the
   * idea's own people applied) and records them; rights to decide follow the admins it found;
   * a reviewer can hand the review over (`delegateReview`) or be replaced (`reassignReviewer`).
   */
  peopleAtRound: 'people-at-round',
  /** Someone whose delegated authority covers the idea's estimated cost at a gate is asked too, and their vote decides the round alone (`authority`). */
  delegatedAuthority: 'delegated-authority',
} as const;

/** The one patch a run started since it takes instead of a patch per change: every change, one marker and one `TemporalChangeVersion` upsert. */
const EVERY_CHANGE = 'every-change-at-once';

/**
 * One idea's journey through its process: each stage's work, then its gate, until the idea is
 * launched, killed or withdrawn. Everything it does is recorded as an event and told to the people concerned.
 */
export async function ideaJourney(input: IdeaJourneyInput): Promise<IdeaOutcome> {
  const { idea, process, admins, calendar, carried } = input;
  // Each change to the journey since it first shipped, taken once as a run starts: a run keeps the
  // path it started on, so journeys in flight replay as they ran (README, "Changing workflows").
  // A run started since `every-change-at-once` records that one patch and takes every change;
  // an older run's history lacks it, so it takes each change's own patch, in the order it did.
  const everyChange = patched(EVERY_CHANGE);
  const since = Object.fromEntries(Object.entries(CHANGES).map(([change, patch]) => [change, everyChange || patched(patch)])) as { [Change in keyof typeof CHANGES]: boolean };
  const journeyId = since.idsPerRun ? { journey: workflowInfo().firstExecutionRunId } : {};
  const firstStage = process.stages[0]!;
  const state: IdeaStatus = carried?.state ?? {
    ideaId: idea.ideaId,
    title: idea.title,
    description: idea.description,
    strategicGoals: idea.strategicGoals,
    estimatedCost: idea.estimatedCost,
    estimatedBenefit: idea.estimatedBenefit,
    source: idea.source,
    category: idea.category,
    horizon: idea.horizon,
    submitter: idea.submitter,
    champion: idea.champion,
    ...(idea.campaign ? { campaign: idea.campaign } : {}),
    ...(idea.route ? { route: idea.route } : {}),
    process: { id: process.id, version: process.version, name: process.name },
    status: 'in-stage',
    submittedAt: iso(),
    stage: stageState(firstStage, 0, false),
    conditions: [],
    decisions: [],
    undelivered: [],
    timeline: [],
  };
  // A run that can take merges keeps who was credited, even when it continued from a run that could not.
  if (since.mergeDuplicates) {
    state.credited ??= [];
    const screening = process.stages.find((stage) => stage.gate)?.gate;
    if (screening) state.screeners ??= { gate: screening.id, name: screening.name, reviewers: screening.reviewers.map((person) => person.email) };
  }
  /** Requests that handlers leave for the journey to act on. */
  const requests: { override?: Override; hold?: Hold; resume?: Action; withdraw?: Action; merge?: Merge & { survivorTitle: string } } = { ...carried?.requests };
  /** Merges into this idea that the SDK claimed and has not sent, released or seen credited yet: when each was claimed, by duplicate. */
  const mergeClaims = new Map<string, number>();
  const rounds = new Map(Object.entries(carried?.rounds ?? {}));
  const pilotRuns = new Map(Object.entries(carried?.pilotRuns ?? {}));
  /** Review pages opened, recorded by the journey's own loop so handlers stay synchronous (runs before exactly-once rounds). */
  const pendingOpens: { reviewer: string; first: boolean; sinceOpenedMs: number }[] = [];
  /** Events that handlers record without making their caller wait; the run ends only once they are in. */
  const recording = new Set<Promise<void>>();
  /** The messages on their way, one after another; the run ends only once they are out. */
  let mailing: Promise<void> = Promise.resolve();
  let notificationSeq = carried?.notificationSeq ?? 0;
  let eventSeq = carried?.eventSeq ?? 0;
  /** What every message about this idea says of it. */
  const ideaFacts: Notification['idea'] = {
    ideaId: idea.ideaId,
    title: idea.title,
    description: idea.description,
    source: idea.source,
    submitter: idea.submitter,
    champion: idea.champion,
    processName: process.name,
  };

  // ---- telling and recording --------------------------------------------------------------

  async function record(type: EventType, detail: Record<string, unknown> = {}, actor?: string): Promise<void> {
    const entry = {
      seq: since.boundedHistory ? ++eventSeq : state.timeline.length + 1,
      type,
      at: iso(),
      stage: state.stage.id,
      gate: state.round?.gate,
      round: state.round?.round,
      actor,
      detail,
    };
    state.timeline.push(entry);
    if (since.boundedHistory) {
      state.eventCount = eventSeq;
      if (state.timeline.length > TIMELINE_KEPT) state.timeline.splice(0, state.timeline.length - TIMELINE_KEPT);
    }
    await recordEvent({ ...entry, ideaId: idea.ideaId, process: process.id, processVersion: process.version, source: idea.source, ...journeyId });
  }

  async function tell(purpose: NotificationPurpose, to: Person[], extra: Partial<Notification> = {}): Promise<void> {
    const recipients = uniquePeople(to);
    if (recipients.length === 0) return;
    notificationSeq += 1;
    const notification: Notification = {
      purpose,
      seq: notificationSeq,
      ...journeyId,
      to: recipients,
      idea: ideaFacts,
      ...extra,
    };
    if (since.mailInBackground) {
      // Sent one after another, in order, while the journey goes on; what it says is fixed now.
      const fixed = JSON.parse(JSON.stringify(notification)) as Notification;
      mailing = mailing.then(() => deliverLater(fixed));
      return;
    }
    try {
      await notify(notification);
    } catch (err) {
      keepUndelivered(err, purpose);
    }
  }

  async function deliverLater(notification: Notification): Promise<void> {
    try {
      await notify(notification);
    } catch (err) {
      // A withdrawal cancels the messages still waiting to go; the journey goes on to its end.
      if (!isCancellation(err)) keepUndelivered(err, notification.purpose);
    }
  }

  /** A message the mail server refused for good must not stop the journey: it is kept as undelivered. Anything else is thrown on. */
  function keepUndelivered(err: unknown, purpose: NotificationPurpose): void {
    if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === SMTP_REJECTED)) throw err;
    const { rejected } = (err.cause.details?.[0] ?? { rejected: [] }) as SmtpRejectedDetails;
    for (const refusal of rejected) state.undelivered.push({ purpose, to: refusal.to, at: iso(), error: refusal.response });
  }

  function recordInBackground(type: EventType, detail: Record<string, unknown>, actor?: string): void {
    const done: Promise<void> = record(type, detail, actor).finally(() => recording.delete(done));
    recording.add(done);
  }

  function setStatus(status: IdeaStatusName): void {
    state.status = status;
    upsertSearchAttributes([
      { key: statusKey, value: status },
      { key: stageKey, value: state.stage.id },
    ]);
  }

  /** The pseudonyms of a round's reviewers, once the worker made them; and the awaited list last shown to Temporal's visibility. */
  let pseudonyms: { round: OpenRound; of: Record<string, string> } | undefined;
  let awaitingShown: string[] = [];

  /** Shows who the open round still waits on in `StageGateAwaiting`; nobody once it closes. Upserts only a change. */
  function showAwaiting(): void {
    if (!since.awaitedReviewers) return;
    const open = state.round;
    // Only this round's: a vote can come in before its reviewers' pseudonyms do.
    const known = open && open.phase !== 'closing' && pseudonyms?.round === open ? pseudonyms.of : {};
    const awaiting = open ? open.reviewers.filter((person) => !person.voted).flatMap((person) => known[person.email] ?? []) : [];
    if (awaiting.join() === awaitingShown.join()) return;
    awaitingShown = awaiting;
    upsertSearchAttributes([{ key: awaitingKey, value: awaiting.length > 0 ? awaiting : null }]);
  }

  /** Asks the worker for the pseudonyms of the round's reviewers, then shows who it waits on. */
  async function awaitReviewers(open: OpenRound): Promise<void> {
    // A run continued as new starts with the search attributes of the run before: show this run's anew.
    awaitingShown = ['?'];
    const made = await reviewerPseudonyms(open.reviewers.map((person) => person.email));
    if (state.round === open) pseudonyms = { round: open, of: made };
    showAwaiting();
  }

  /** The admins as the people directory had them when a round last looked; the submission's list on journeys before that. */
  const isAdmin = (email: string) => (since.peopleAtRound && state.admins ? state.admins : admins).includes(email);
  /** How many reviewers a round asked: those on the round itself once rounds resolve their people, else the gate's snapshot. */
  const askedCount = (round: OpenRound) => (since.peopleAtRound ? round.reviewers.length : currentGate().reviewers.length);
  /** Whom a round escalates to: the contacts it resolved, else the gate's snapshot. */
  const contactsOf = (round: OpenRound, gate: ResolvedGate) => (since.peopleAtRound && round.escalateTo ? round.escalateTo : gate.escalateTo);
  const openConditions = () => state.conditions.filter((c) => !c.met);

  // ---- handlers -----------------------------------------------------------------------------

  setHandler(statusQuery, () => state);
  setHandler(pilotPlanQuery, () => {
    const template = planTemplate(process, state.stage.index);
    return template && state.stage.ready?.pilot ? { ...template, handedIn: state.stage.ready.pilot } : template;
  });

  setHandler(reviewOpenedSignal, ({ reviewer, round }) => {
    const open = state.round;
    if (!open || open.round !== round || !(since.delegatedAuthority ? mayVote(open, reviewer) : open.reviewers.some((person) => person.email === reviewer))) return;
    if (since.exactlyOnce) {
      // Only the first opening per reviewer and round is news; the rest leave no trace in history.
      if (open.phase !== 'open' || open.opened?.includes(reviewer)) return;
      (open.opened ??= []).push(reviewer);
      recordInBackground('review_opened', { first: true, sinceOpenedMs: Date.now() - Date.parse(open.openedAt) }, reviewer);
      return;
    }
    const first =
      !state.timeline.some((entry) => entry.type === 'review_opened' && entry.round === round && entry.actor === reviewer) &&
      !pendingOpens.some((opened) => opened.reviewer === reviewer);
    pendingOpens.push({ reviewer, first, sinceOpenedMs: Date.now() - Date.parse(open.openedAt) });
  });

  setHandler(
    castVoteUpdate,
    async (vote: Vote): Promise<VoteReceipt> => {
      const round = state.round!;
      if (since.exactlyOnce) {
        const earlier = sameVote(round, vote);
        if (earlier) return receiptFor(idea.ideaId, round, earlier);
        const counted = addVote(round, vote, iso());
        const gate = currentGate();
        const holder = since.delegatedAuthority ? authorityIn(round, vote.reviewer) : undefined;
        if (holder) decide(round, { ...authorityDecision(gate, holder, counted, idea.estimatedCost!), ...identifiedBy(vote) });
        else if (isQuorumMet(gate.quorum, askedCount(round), round.votes)) decide(round, { ...decideGate(gate, round.votes), decidedBy: 'reviewers' });
        showAwaiting();
        recordInBackground('vote_cast', voteDetail(vote), vote.reviewer);
        return receiptFor(idea.ideaId, round, counted);
      }
      const reviewer = round.reviewers.find((person) => person.email === vote.reviewer)!;
      reviewer.voted = true;
      const castAt = iso();
      round.votes.push({ ...vote, reviewerName: reviewer.name, castAt });
      const receipt: VoteReceipt = {
        ideaId: idea.ideaId,
        gate: round.gate,
        round: round.round,
        reviewer: vote.reviewer,
        decision: vote.decision,
        castAt,
        votesIn: round.votes.length,
        votesNeeded: round.votesNeeded,
      };
      await record('vote_cast', voteDetail(vote), vote.reviewer);
      return receipt;
    },
    { validator: (vote: Vote) => validateVote(vote) },
  );

  function voteDetail(vote: Vote): Record<string, unknown> {
    return { decision: vote.decision, scores: vote.scores, comment: vote.comment, conditions: vote.conditions, ...identifiedBy(vote), fingerprint: vote.fingerprint, ...(vote.category ? { category: vote.category } : {}) };
  }

  const lastDecision = () => state.decisions[state.decisions.length - 1];

  /** Refuses anything aimed at a round that is not open or is not the one it names. */
  function requireOpenRound(target: { gate?: string; round?: number }): void {
    const closed = closedReason(state.round, lastDecision(), target, state.status);
    if (closed) reject('gate-closed', closed);
  }

  function validateVote(vote: Vote): void {
    const round = state.round;
    if (since.exactlyOnce) {
      // The same vote again (a double click, a retried request) is answered with the first receipt.
      if (round && sameVote(round, vote) && (vote.gate ?? round.gate) === round.gate && (vote.round ?? round.round) === round.round) return;
      requireOpenRound(vote);
    }
    if (!round || state.status !== 'in-review') {
      const last = state.decisions[state.decisions.length - 1];
      reject('gate-closed', last ? `No gate round is open: ${last.gateName} round ${last.round} was decided ${last.decision} by ${last.actor ?? last.decidedBy} at ${last.at}.` : `No gate round is open: the idea is ${state.status}.`);
    }
    if (vote.round !== undefined && vote.round !== round.round) {
      reject('gate-closed', `Round ${vote.round} of ${round.gateName} ${vote.round < round.round ? 'is closed' : 'has not opened'}; round ${round.round} is open now.`);
    }
    if (!(since.delegatedAuthority ? mayVote(round, vote.reviewer) : round.reviewers.some((person) => person.email === vote.reviewer))) {
      reject('not-a-reviewer', `${vote.reviewer} is not a reviewer of ${round.gateName} for this idea.`);
    }
    const earlier = round.votes.find((cast) => cast.reviewer === vote.reviewer);
    if (earlier) {
      reject('already-voted', `${vote.reviewer} already voted ${earlier.decision} in round ${round.round} of ${round.gateName} at ${earlier.castAt}.`);
    }
    // At a gate into a pilot a vote approves the plan it was shown (the champion's, or the template's default): one cast on another version of the package is refused.
    if (since.pilotPlans && vote.fingerprint && round.packageFingerprint && vote.fingerprint !== round.packageFingerprint && planTemplate(process, state.stage.index)) {
      reject('stale-package', `This vote was cast on another version of the package (fingerprint ${vote.fingerprint}); the champion has handed in ${round.packageFingerprint} since, and the pilot runs the plan of that one. Open the review page again and vote on what it shows now.`);
    }
    const gate = currentGate();
    const missing = gate.criteria.filter((criterion) => vote.scores[criterion.id] === undefined).map((criterion) => criterion.id);
    const unknown = Object.keys(vote.scores).filter((id) => !gate.criteria.some((criterion) => criterion.id === id));
    const outOfRange = Object.entries(vote.scores).filter(([, score]) => !Number.isInteger(score) || score < 1 || score > 5);
    if (missing.length || unknown.length || outOfRange.length) {
      const problems = [
        missing.length ? `missing scores for ${missing.join(', ')}` : '',
        unknown.length ? `${unknown.join(', ')} ${unknown.length > 1 ? 'are not criteria' : 'is not a criterion'} of ${gate.name}` : '',
        outOfRange.length ? `${outOfRange.map(([id, score]) => `${id}=${score}`).join(', ')} outside 1–5` : '',
      ].filter(Boolean);
      reject('invalid-scores', `Scores rejected: ${problems.join('; ')}.`);
    }
    if (vote.decision === 'conditional-go' && vote.conditions.length === 0) {
      reject('invalid-scores', 'A conditional go needs at least one condition.');
    }
    // A category in a vote is counted only for an idea that has none: refused rather than ignored.
    if (vote.category && state.category) reject('wrong-status', `"${idea.title}" is already categorised as ${state.category}: vote without a category (an admin can change it).`);
  }

  /** What a round asks of the people directory: the gate's selectors (the snapshot's people for ideas submitted before selectors), whose idea it is, and today. */
  function roundPeopleRequest(gate: ResolvedGate): RoundPeopleRequest {
    const selectors = gate.selectors ?? { reviewers: { people: gate.reviewers.map((person) => person.email), roles: [] }, escalateTo: { people: gate.escalateTo.map((person) => person.email), roles: [] } };
    return { ...selectors, gate: gate.id, estimatedCost: idea.estimatedCost, allowSelfReview: gate.allowSelfReview, submitter: idea.submitter.email, champion: idea.champion.email, on: localDate(Date.now(), calendar?.timeZone) };
  }

  /**
   * Refuses a hand-over or reassignment the open round cannot take: journeys from before rounds
   * resolved their people, no round open, a reviewer not (or no longer) in it or who has voted.
   */
  function validateReplacement(reviewer: string, target: { gate?: string; round?: number }, what: string): OpenRound {
    if (!since.peopleAtRound) reject('wrong-status', `"${idea.title}" started its journey before reviews could be handed over or reassigned; ${what} is not possible for it.`);
    requireActive();
    requireOpenRound(target);
    const round = state.round;
    if (!round || state.status !== 'in-review') reject('gate-closed', `No gate round of "${idea.title}" is open: the idea is ${state.status}.`);
    const person = round.reviewers.find((candidate) => candidate.email === reviewer);
    if (!person) {
      const gone = round.replaced?.find((replaced) => replaced.from === reviewer);
      reject('not-a-reviewer', gone ? `${reviewer} is no longer a reviewer of ${round.gateName} round ${round.round}: ${gone.why === 'delegated' ? `handed to ${gone.to}` : `reassigned${gone.to ? ` to ${gone.to}` : ''}`} at ${gone.at}. Nothing was changed.` : `${reviewer} is not a reviewer of ${round.gateName} round ${round.round}. Nothing was changed.`);
    }
    if (person.voted) reject('already-voted', `${person.name} has already voted in ${round.gateName} round ${round.round}, so the review cannot be handed on. Nothing was changed.`);
    return round;
  }

  /** Puts `to` in the place of `from` in the round (or takes `from` out when nobody is left to ask), and counts the quorum again over the people asked. */
  function replaceReviewer(open: OpenRound, from: string, to: PersonRef | undefined, why: 'delegated' | 'removed' | 'deactivated', by: string): void {
    const index = open.reviewers.findIndex((person) => person.email === from);
    open.reviewers.splice(index, 1, ...(to ? [{ email: to.email, name: to.name, voted: false }] : []));
    (open.replaced ??= []).push({ from, ...(to ? { to: to.email } : {}), why, by, at: iso() });
    open.votesNeeded = votesNeeded(open.quorum, open.reviewers.length);
    const gate = currentGate();
    if (open.reviewers.length === 0) open.nobodyLeft = `Nobody is left to review ${gate.name}: ${from} was ${why} and nobody else can be asked.`;
    else if (isQuorumMet(gate.quorum, open.reviewers.length, open.votes)) decide(open, { ...decideGate(gate, open.votes), decidedBy: 'reviewers' });
  }

  /** The new reviewer gets the round's review request, with their own link, and `StageGateAwaiting` shows them. */
  async function askInstead(open: OpenRound, to: PersonRef | undefined): Promise<void> {
    if (to && open.phase !== 'closing') await tell('review-request', [to], { gate: gateFacts(currentGate(), open) });
    if (since.awaitedReviewers && state.round === open) await awaitReviewers(open);
  }

  const replacementReceipt = (open: OpenRound, from: string, to: string | undefined, replaced: boolean): ReplacementReceipt => ({ ideaId: idea.ideaId, gate: open.gate, round: open.round, from, ...(to ? { to } : {}), replaced });

  setHandler(
    delegateReviewUpdate,
    async (delegation: Delegation): Promise<ReplacementReceipt> => {
      const open = state.round!;
      replaceReviewer(open, delegation.reviewer, delegation.to, 'delegated', delegation.by);
      recordInBackground('review_delegated', { from: delegation.reviewer, to: delegation.to.email, by: delegation.by, ...identifiedBy(delegation) }, delegation.by);
      await askInstead(open, delegation.to);
      return replacementReceipt(open, delegation.reviewer, delegation.to.email, true);
    },
    {
      validator: (delegation: Delegation) => {
        const round = validateReplacement(delegation.reviewer, delegation, 'handing a review over');
        const to = delegation.to.email;
        if (delegation.by !== delegation.reviewer && !isAdmin(delegation.by)) reject('not-allowed', `Only ${delegation.reviewer} (or an admin) can hand their review over; ${delegation.by} cannot. Nothing was changed.`);
        if (to === delegation.reviewer) reject('invalid-delegation', `${to} cannot hand the review to themselves. Nothing was changed.`);
        // No self-approval, whoever delegates: the idea's own people review it only where the gate allows it.
        if (!currentGate().allowSelfReview && (to === idea.submitter.email || to === idea.champion.email)) {
          reject('not-allowed', `${to} is the ${to === idea.submitter.email ? 'submitter' : 'champion'} of "${idea.title}" and cannot review it: ${round.gateName} does not allow self-review. Nothing was changed.`);
        }
        if (round.reviewers.some((person) => person.email === to)) reject('invalid-delegation', `${to} is already a reviewer of ${round.gateName} round ${round.round}; hand the review to someone else. Nothing was changed.`);
      },
    },
  );

  setHandler(
    reassignReviewerUpdate,
    async (reassignment: Reassignment): Promise<ReplacementReceipt> => {
      const open = state.round!;
      const gate = currentGate();
      const asked = [...open.reviewers.map((person) => person.email), ...(open.replaced ?? []).map((replaced) => replaced.from)];
      const people = await peopleForRound({ ...roundPeopleRequest(gate), asked, replacing: reassignment.reviewer });
      // Looked up meanwhile: the reviewer voted, was replaced by another sync, or is back in the directory.
      const still = state.round === open && open.phase !== 'closing' && open.reviewers.some((person) => person.email === reassignment.reviewer && !person.voted);
      if (!still || people.replacingActive) return replacementReceipt(open, reassignment.reviewer, undefined, false);
      Object.assign(open, { escalateTo: people.escalateTo, admins: people.admins });
      state.admins = people.admins;
      const to = people.replacement;
      replaceReviewer(open, reassignment.reviewer, to, reassignment.why, reassignment.by);
      recordInBackground('reviewer_reassigned', { from: reassignment.reviewer, ...(to ? { to: to.email } : {}), why: reassignment.why, ...(open.nobodyLeft ? { nobodyLeft: open.nobodyLeft } : {}) }, reassignment.by);
      await askInstead(open, to);
      return replacementReceipt(open, reassignment.reviewer, to?.email, true);
    },
    { validator: (reassignment: Reassignment) => void validateReplacement(reassignment.reviewer, {}, 'reassigning a reviewer') },
  );

  setHandler(
    mergeUpdate,
    (merge) => {
      requests.merge = merge;
    },
    {
      validator: (merge) => {
        requireActive();
        if (!since.mergeDuplicates) reject('wrong-status', `"${idea.title}" started its journey before ideas could be merged; withdraw it instead.`);
        if (!state.screeners?.reviewers.includes(merge.by) && !isAdmin(merge.by)) reject('not-allowed', `${merge.by} is neither a screener (a reviewer of ${state.screeners?.name ?? 'the first gate'}) nor an admin, so may not merge "${idea.title}".`);
        if (merge.into === idea.ideaId) reject('invalid-merge', `"${idea.title}" cannot be merged into itself.`);
        if (state.credited?.some((credit) => credit.from === merge.into)) reject('invalid-merge', `${merge.into} was merged into "${idea.title}": merging back would make a cycle.`);
        // Someone is merging an idea into this one right now (perhaps the survivor, the opposite way): that goes first.
        const claimed = claimedMerges();
        if (claimed.length) reject('invalid-merge', `${claimed.join(' and ')} ${claimed.length > 1 ? 'are' : 'is'} being merged into "${idea.title}" at this moment, so "${idea.title}" cannot be merged itself. Nothing was changed; try again in a moment.`);
      },
    },
  );

  setHandler(
    claimMergeUpdate,
    (claim) => {
      mergeClaims.set(claim.from, Date.now());
    },
    {
      validator: (claim) => {
        if (claim.from === idea.ideaId) reject('invalid-merge', `"${idea.title}" cannot be merged into itself.`);
        if (!since.mergeDuplicates) reject('invalid-merge', `"${idea.title}" started its journey before ideas could be merged, so it cannot credit anyone. Nothing was changed.`);
        if (requests.merge) reject('invalid-merge', `"${idea.title}" is itself being merged into ${requests.merge.into} at this moment, so nothing can be merged into it. Nothing was changed.`);
        if (requests.withdraw) reject('invalid-merge', `"${idea.title}" is being withdrawn: an idea can be merged only into one under way. Nothing was changed.`);
        if (ENDED_STATUSES.includes(state.status)) reject('invalid-merge', `"${idea.title}" is ${state.status}: an idea can be merged only into one under way. Nothing was changed.`);
        if (state.credited?.some((credit) => credit.from === claim.from)) reject('invalid-merge', `${claim.from} was merged into "${idea.title}" already. Nothing was changed.`);
      },
    },
  );

  setHandler(releaseMergeClaimSignal, (release) => {
    mergeClaims.delete(release.from);
  });

  /** The duplicates whose merge into this idea is under way; a claim older than MERGE_CLAIM_MS has lapsed. */
  function claimedMerges(): string[] {
    const now = Date.now();
    return [...mergeClaims].filter(([, at]) => now - at < MERGE_CLAIM_MS).map(([from]) => from);
  }

  setHandler(
    categoriseUpdate,
    async (categorise: Categorise) => {
      const was = state.category;
      state.category = categorise.category;
      await record('categorised', { category: categorise.category, ...(was ? { was } : {}), decidedBy: 'admin', ...identifiedBy(categorise) }, categorise.by);
    },
    {
      validator: (categorise: Categorise) => {
        requireActive();
        if (!since.optionalCategory) reject('wrong-status', `"${idea.title}" started its journey before categories could be set afterwards; it keeps ${state.category ?? 'none'}.`);
        if (!isAdmin(categorise.by)) reject('not-allowed', `Only an admin can set the category of "${idea.title}"; ${categorise.by} is not one.`);
        if (state.category === categorise.category) reject('wrong-status', `"${idea.title}" is already categorised as ${categorise.category}.`);
      },
    },
  );

  setHandler(creditSignal, (credit) => {
    if (!since.mergeDuplicates) return;
    mergeClaims.delete(credit.from);
    const credited = (state.credited ??= []);
    const fresh = uniquePeople(credit.people).filter((person) => person.email !== idea.submitter.email && !credited.some((earlier) => earlier.email === person.email));
    const at = iso();
    credited.push(...fresh.map((person) => ({ email: person.email, name: person.name, from: credit.from, title: credit.title, at })));
    recordInBackground('credited', { from: credit.from, people: fresh.map((person) => person.email), by: credit.by }, credit.by);
  });

  setHandler(
    markReadyUpdate,
    async (ready: Ready) => {
      const fingerprint = packageFingerprint(ready);
      const revised = state.status === 'in-review';
      state.stage.ready = { by: ready.by, at: iso(), notes: ready.notes, links: ready.links, fingerprint, ...(ready.pilot ? { pilot: ready.pilot } : {}) };
      if (revised) state.round!.packageFingerprint = fingerprint;
      await record('ready_for_review', { notes: ready.notes, links: ready.links, fingerprint, ...(ready.pilot ? { pilot: ready.pilot } : {}), ...(revised ? { revised } : {}), ...identifiedBy(ready) }, ready.by);
    },
    {
      validator: (ready: Ready) => {
        requireActive();
        if (ready.by !== idea.champion.email && !isAdmin(ready.by)) reject('not-allowed', `Only the champion (${idea.champion.email}) or an admin can mark this idea ready for review.`);
        // During a gate round the champion may hand in a revised package; votes cast on the earlier one are flagged.
        const revising = state.status === 'in-review' && state.stage.ready !== undefined;
        if (!revising && (state.status !== 'in-stage' || !state.stage.awaitingReady || state.stage.ready)) {
          reject('wrong-status', `${state.stage.name} is not waiting for its work to be marked ready (the idea is ${state.status}).`);
        }
        if (ready.pilot) validatePlan(ready);
      },
    },
  );

  setHandler(
    markConditionsMetUpdate,
    async (action: Action) => {
      const met = openConditions();
      for (const open of met) open.met = true;
      await record('conditions_met', { conditions: met.map((c) => c.text), note: action.reason, ...identifiedBy(action) }, action.by);
    },
    {
      validator: (action: Action) => {
        requireActive();
        if (action.by !== idea.champion.email && !isAdmin(action.by)) reject('not-allowed', `Only the champion (${idea.champion.email}) or an admin can mark conditions met.`);
        if (openConditions().length === 0) reject('wrong-status', 'This idea has no open conditions.');
      },
    },
  );

  setHandler(
    overrideDecisionUpdate,
    (override: Override) => {
      if (since.exactlyOnce) {
        decide(state.round!, { decision: override.decision, decidedBy: 'admin', actor: override.by, reasons: [override.reason], conditions: override.conditions, ...identifiedBy(override) });
        return;
      }
      requests.override = override;
    },
    {
      validator: (override: Override) => {
        // A decision meant for a round that is over hears who decided it, even when that ended the idea.
        if (since.exactlyOnce) requireOpenRound(override);
        requireActive();
        if (state.status !== 'in-review' || !state.round) reject('wrong-status', `Only an open gate round can be decided; the idea is ${state.status}.`);
        const contacts = contactsOf(state.round, currentGate()).map((person) => person.email);
        if (!isAdmin(override.by) && !contacts.includes(override.by)) reject('not-allowed', `${override.by} is neither an admin nor an escalation contact of ${state.round.gateName}.`);
        if (requests.override || requests.hold) reject('wrong-status', 'A decision for this round is already being applied.');
      },
    },
  );

  setHandler(
    holdUpdate,
    (hold: Hold) => {
      // A hold at a gate is the round's decision, taken now.
      if (since.exactlyOnce && state.round) decide(state.round, holdResult(hold));
      requests.hold = hold;
    },
    {
      validator: (hold: Hold) => {
        requireActive();
        if (!isAdmin(hold.by)) reject('not-allowed', `Only an admin can put an idea on hold; ${hold.by} is not one.`);
        if (since.exactlyOnce && state.round) requireOpenRound({});
        if (state.status === 'on-hold' || requests.hold) reject('wrong-status', 'The idea is already on hold.');
      },
    },
  );

  setHandler(
    resumeUpdate,
    (action: Action) => {
      requests.resume = action;
    },
    {
      validator: (action: Action) => {
        requireActive();
        if (!isAdmin(action.by)) reject('not-allowed', `Only an admin can resume an idea; ${action.by} is not one.`);
        if (state.status !== 'on-hold' || requests.resume) reject('wrong-status', `Only an idea on hold can be resumed; this one is ${state.status}.`);
      },
    },
  );

  setHandler(
    withdrawUpdate,
    (action: Action) => {
      requests.withdraw = action;
    },
    {
      validator: (action: Action) => {
        requireActive();
        if (action.by !== idea.submitter.email && !isAdmin(action.by)) reject('not-allowed', `Only the submitter (${idea.submitter.email}) or an admin can withdraw this idea.`);
      },
    },
  );

  /** A plan only where a pilot follows the stage's gate, within the template's limits as the idea's snapshot has them. */
  function validatePlan(ready: Ready): void {
    if (!since.pilotPlans) reject('invalid-plan', `This idea's journey started before pilot plans: mark ${state.stage.name} ready without one, and its pilot runs as its template says.`);
    const template = planTemplate(process, state.stage.index);
    if (!template) reject('invalid-plan', `No pilot follows ${state.stage.name}'s gate in ${process.name}, so there is nothing to plan: mark it ready without a plan.`);
    const problems = planProblems(ready.pilot!, template.limits);
    if (problems.length) reject('invalid-plan', `The pilot plan was refused: ${problems.map((problem) => `pilot.${problem.field}: ${problem.message}`).join('; ')}.`);
  }

  function requireActive(): void {
    if (requests.withdraw) reject('idea-ended', 'The idea is being withdrawn; nothing more can change.');
    if (requests.merge) reject('idea-ended', `The idea is being merged into ${requests.merge.into}; nothing more can change.`);
    if (ENDED_STATUSES.includes(state.status)) reject('idea-ended', `The idea is ${state.status}; nothing more can change.`);
  }

  function currentGate(): ResolvedGate {
    return process.stages[state.stage.index]!.gate!;
  }

  // ---- the journey --------------------------------------------------------------------------

  // Inline, not a helper: an extra await here would reorder the commands of journeys recorded before.
  if (!carried) {
    await record(
      'submitted',
      {
        title: idea.title,
        category: idea.category,
        horizon: idea.horizon,
        strategicGoals: idea.strategicGoals,
        estimatedCost: idea.estimatedCost,
        estimatedBenefit: idea.estimatedBenefit,
        submitter: idea.submitter.email,
        champion: idea.champion.email,
        ...(since.submissionChannel ? identifiedBy(input.submittedThrough) : {}),
        ...(since.mergeDuplicates ? { description: idea.description } : {}),
        ...(idea.campaign ? { campaign: idea.campaign } : {}),
        ...(idea.route ? { route: idea.route } : {}),
      },
      idea.submitter.email,
    );
    await tell('idea-received', [idea.submitter]);
    if (since.mergeDuplicates) await lookForSimilar();
  }

  // A withdrawal (or a merge) can come at any moment: the journey runs in a scope that it cancels.
  const journey = new CancellationScope();
  const walked = journey.run(walkStages);
  const withdrawal = condition(() => requests.withdraw !== undefined || requests.merge !== undefined).then(() => 'withdrawn' as const);
  const first = await Promise.race([walked, withdrawal]);
  let outcome: IdeaOutcome;
  if (first === 'withdrawn') {
    journey.cancel();
    await walked.catch((err) => {
      if (!isCancellation(err)) throw err;
    });
    outcome = requests.merge ? await mergeInto(requests.merge) : await withdraw(requests.withdraw!);
  } else {
    outcome = first;
  }
  if (since.exactlyOnce) await drain();
  else await condition(allHandlersFinished);
  return outcome;

  /** Waits until no handler runs and every background event and message is out, however many each adds. */
  async function drain(): Promise<void> {
    let sent: Promise<void>;
    do {
      sent = mailing;
      await condition(allHandlersFinished);
      await Promise.all(recording);
      await sent;
    } while (recording.size > 0 || !allHandlersFinished() || sent !== mailing);
  }

  /** The stages from the first, or from where the run before this one continued as new. */
  async function walkStages(): Promise<IdeaOutcome> {
    const resume = carried?.resumeAt;
    const from = resume ? state.stage.index : 0;
    const last = process.stages[process.stages.length - 1]!;
    if (resume?.at !== 'launch-conditions') {
      for (let index = from; index < process.stages.length; index++) {
        const stage = process.stages[index]!;
        const resumed = resume && index === from ? resume : undefined;
        if (!resumed) {
          await enterStage(stage, index, false);
          if (stage.pilot) await runPilot(stage);
        }
        if (resumed?.at !== 'gate-round') await finishStageWork(stage, resumed?.remindAt);
        if (stage.gate && (await passGate(stage, stage.gate, index, resumed?.at === 'gate-round' ? resumed : undefined)) === 'kill') {
          return end('killed', state.decisions[state.decisions.length - 1]!.reasons.join(' '));
        }
      }
    }
    // Conditions set at the last gate must be met before launch.
    await finishStageWork(last, resume?.at === 'launch-conditions' ? resume.remindAt : undefined, true);
    return launch();
  }

  /**
   * Continues as new when this run's history is long (or Temporal suggests it), carrying the
   * journey's state and where it waits; handlers and background events are drained first, so
   * nothing accepted is lost. Called only where the journey waits.
   */
  async function continueAsNewIfLong(resumeAt: ResumePoint): Promise<void> {
    const info = workflowInfo();
    if (info.historyLength < (input.historyLimit ?? JOURNEY_HISTORY_LIMIT) && !info.continueAsNewSuggested) return;
    await drain();
    const { hold, resume, withdraw } = requests;
    await continueAsNew<typeof ideaJourney>({
      ...input,
      carried: { state, requests: { hold, resume, withdraw }, rounds: Object.fromEntries(rounds), pilotRuns: Object.fromEntries(pilotRuns), notificationSeq, eventSeq, resumeAt },
    });
  }

  async function enterStage(stage: ResolvedStage, index: number, rework: boolean): Promise<void> {
    const feedback = rework ? reviewerFeedback() : [];
    // The first stage is shown from submission on: a "ready" accepted before the journey entered it stands.
    const early = !rework && state.stage.index === index ? state.stage.ready : undefined;
    // The plan the gate just approved goes with the idea into its pilot stage, and stays for its rework.
    const plan = since.pilotPlans && stage.pilot ? approvedPlan(rework) : undefined;
    state.stage = { ...stageState(stage, index, rework), ready: early, ...(plan ? { plan } : {}) };
    setStatus('in-stage');
    await record('stage_entered', { name: stage.name, rework, dueAt: state.stage.dueAt });
    if (state.stage.awaitingReady) {
      const planned = since.pilotPlans ? planTemplate(process, index) : undefined;
      await tell('stage-entered', [idea.champion], { stage: { ...stageFacts(stage, feedback), ...(planned ? { plansPilot: planned.pilotStage.name } : {}) } });
    }
  }

  /** The plan approved at the gate before this pilot stage: the one in the package just decided, or, for rework, the one the stage had. */
  function approvedPlan(rework: boolean): IdeaStatus['stage']['plan'] {
    if (rework) return state.stage.plan;
    const ready = state.stage.ready;
    const gate = process.stages[state.stage.index]?.gate;
    return ready?.pilot && gate ? { ...ready.pilot, fingerprint: ready.fingerprint, gate: gate.id } : undefined;
  }

  /**
   * Runs the stage's pilot as a child workflow (its own history, continued as new when long) and
   * hands its summary to the gate: the pilot's end makes the stage ready for review.
   */
  async function runPilot(stage: ResolvedStage): Promise<void> {
    const pilot = since.pilotPlans && state.stage.plan ? pilotFromPlan(stage.pilot!, state.stage.plan) : stage.pilot!;
    const run = (pilotRuns.get(stage.id) ?? 0) + 1;
    pilotRuns.set(stage.id, run);
    const startedAt = Date.now();
    const endsAt = addBusinessTime(startedAt, pilot.duration ?? stage.duration, calendar);
    const workflowId = since.partIds ? ideaPartWorkflowId(idea.ideaId, 'pilot', stage.id, run) : `${workflowInfo().workflowId}-pilot-${stage.id}-${run}`;
    const options = {
      workflowId,
      args: [
        {
          ideaId: idea.ideaId,
          process: { id: process.id, version: process.version },
          source: idea.source,
          stage: { id: stage.id, name: stage.name },
          run,
          pilot,
          startedAt: iso(startedAt),
          endsAt: iso(endsAt),
          champion: idea.champion,
          idea: ideaFacts,
          historyLimit: pilot.historyLimit,
          ...journeyId,
          // The pilot's admins are those the latest round found, where rounds look them up.
          ...(since.partIds ? { admins: since.peopleAtRound && state.admins ? state.admins : admins } : {}),
        },
      ] as [PilotInput],
    };
    let child: ChildWorkflowHandle<typeof pilotRun>;
    if (since.partIds) {
      try {
        child = await startChild(pilotRun, options);
      } catch (err) {
        // A pilot that cannot start (its id taken, its type unknown, ...) is told, and the gate decides without it.
        await pilotNotStarted(workflowId, run, startedAt, endsAt, err);
        return;
      }
    } else {
      child = await startChild(pilotRun, options);
    }
    // Shown only once the child runs, so a reading sent as soon as it shows has somewhere to go.
    state.stage.pilot = { workflowId, run, startedAt: iso(startedAt), endsAt: iso(endsAt), ...(pilot.place ? { place: pilot.place } : {}) };
    let result: PilotResult;
    if (since.holdInPilot) {
      const ended = pilotResult(child.result());
      const held = condition(() => requests.hold !== undefined).then(() => undefined);
      const first = await Promise.race([ended, held]);
      if (!first) await child.signal(endPilotSignal, { by: requests.hold!.by, reason: requests.hold!.reason });
      result = first ?? (await ended);
    } else {
      result = since.pilotFaults ? await pilotResult(child.result()) : await child.result();
    }
    if (since.partIds) return pilotEnded(result);
    // Inline on the path journeys in flight took: an extra await would reorder their commands.
    state.stage.pilot = { ...state.stage.pilot, endedAt: result.endedAt, reason: result.reason, summary: result.summary };
    await record('pilot_ended', { reason: result.reason, realisedBenefit: result.realisedBenefit, summary: result.summary, ...(result.failure ? { failure: result.failure } : {}) });
    readyFromPilot(result);
  }

  async function pilotNotStarted(workflowId: string, run: number, startedAt: number, endsAt: number, err: unknown): Promise<void> {
    const failure = `the pilot's workflow ${workflowId} did not start: ${err instanceof Error ? err.message : String(err)}`;
    log.error(`Idea ${idea.ideaId}: ${failure}`);
    state.stage.pilot = { workflowId, run, startedAt: iso(startedAt), endsAt: iso(endsAt) };
    await pilotEnded({ reason: 'not-started', endedAt: iso(), summary: [], failure });
  }

  /** Records how the pilot ended and, unless the champion already did, makes the stage ready with its summary. */
  async function pilotEnded(result: PilotResult): Promise<void> {
    state.stage.pilot = { ...state.stage.pilot!, endedAt: result.endedAt, reason: result.reason, summary: result.summary };
    await record('pilot_ended', { reason: result.reason, realisedBenefit: result.realisedBenefit, summary: result.summary, ...(result.failure ? { failure: result.failure } : {}) });
    readyFromPilot(result);
  }

  /** Unless the champion marked the stage ready already, the pilot's end does, with its summary as the notes. */
  function readyFromPilot(result: PilotResult): void {
    if (!state.stage.ready) {
      const notes = [
        `The pilot ended ${PILOT_ENDINGS[result.reason]}.`,
        ...(result.reason === 'not-started' ? [`Why: ${result.failure}`] : []),
        ...result.summary.map((kpi) => `${kpi.label}: ${kpi.latest ?? 'no reading'}${kpi.unit ? ` ${kpi.unit}` : ''} (target ${kpi.target}, ${kpi.met ? 'met' : 'not met'}${kpi.trend ? `, trend ${kpi.trend}` : ''}; ${kpi.readings} readings)`),
      ].join('\n');
      const pack = { notes, links: [] };
      state.stage.ready = { by: 'pilot', at: iso(), ...pack, fingerprint: packageFingerprint(pack) };
    }
  }

  /** The pilot's result; a pilot that failed or was stopped ends as `failed`, its readings lost with it, and the gate decides. */
  async function pilotResult(running: Promise<PilotResult>): Promise<PilotResult> {
    try {
      return await running;
    } catch (err) {
      // A pilot cancelled with its journey (a withdrawal) did not fail: the cancellation goes on up.
      if (!since.pilotFaults || !(err instanceof ChildWorkflowFailure) || isCancellation(err)) throw err;
      const why = err.cause?.message ?? err.message;
      return { reason: 'failed', endedAt: iso(), summary: [], failure: why };
    }
  }

  /** Waits for the champion's "ready for review" and for open conditions, reminding the champion when the stage overruns. */
  async function finishStageWork(stage: ResolvedStage, remindFrom?: number, beforeLaunch = false): Promise<void> {
    const done = () => (!state.stage.awaitingReady || state.stage.ready !== undefined) && openConditions().length === 0;
    const every = stage.reminderEvery ?? stage.duration;
    const workDone = () => !state.stage.awaitingReady || state.stage.ready !== undefined;
    let remindAt = remindFrom ?? Date.parse(state.stage.dueAt);
    // Waiting only on conditions (after a conditional go at the last gate, say), the first reminder is an interval away.
    if (since.conditionsReminder && remindFrom === undefined && workDone()) remindAt = Math.max(remindAt, addBusinessTime(Date.now(), every, calendar));
    // A hold asked for while the stage's work finished (or its pilot ran) parks the idea here, before the gate.
    if (since.holdInPilot && requests.hold && done()) {
      const hold = requests.hold;
      await parkOnHold('stage', hold.revisitAfter ?? STAGE_HOLD_REVISIT_MS, hold.by, hold.reason, identifiedBy(hold));
      setStatus('in-stage');
    }
    while (!done()) {
      // Guarded, not only inside: an await, even of nothing, would reorder the commands of journeys recorded before.
      if (since.boundedHistory) await continueAsNewIfLong({ at: beforeLaunch ? 'launch-conditions' : 'stage-work', remindAt });
      await condition(() => done() || requests.hold !== undefined, Math.max(1, remindAt - Date.now()));
      if (done()) break;
      if (requests.hold) {
        const hold = requests.hold;
        await parkOnHold('stage', hold.revisitAfter ?? STAGE_HOLD_REVISIT_MS, hold.by, hold.reason, identifiedBy(hold));
        setStatus('in-stage');
        remindAt = Math.max(remindAt, addBusinessTime(Date.now(), every, calendar));
      } else {
        const purpose = since.conditionsReminder && workDone() ? 'conditions-reminder' : 'stage-overrun';
        await tell(purpose, [idea.champion], { stage: stageFacts(stage, []), ...(purpose === 'conditions-reminder' ? { conditions: openConditions().map(({ gate, text }) => ({ gate, text })) } : {}) });
        await record('reminder_sent', { to: [idea.champion.email], purpose });
        remindAt = addBusinessTime(Date.now(), every, calendar);
      }
    }
  }

  /** Rounds of one gate until it lets the idea go on or kills it. */
  async function passGate(stage: ResolvedStage, gate: ResolvedGate, index: number, resumed?: Extract<ResumePoint, { at: 'gate-round' }>): Promise<'go' | 'kill'> {
    for (let first = true; ; first = false) {
      const decision = await runGateRound(gate, first ? resumed : undefined);
      switch (decision.decision) {
        case 'go':
          return 'go';
        case 'conditional-go':
          state.conditions.push(...decision.conditions.map((text) => ({ gate: gate.id, text, met: false })));
          return 'go';
        case 'kill':
          return 'kill';
        case 'hold':
          await parkOnHold('gate', requests.hold?.revisitAfter ?? gate.revisitAfter, decision.actor ?? decision.decidedBy, decision.reasons.join(' '), identifiedBy(decision));
          break;
        case 'recycle':
          await enterStage(stage, index, true);
          if (stage.pilot) await runPilot(stage);
          await finishStageWork(stage);
          break;
      }
    }
  }

  /** One gate round: ask the reviewers, remind those who have not voted, escalate at the deadline, decide. */
  async function runGateRound(gate: ResolvedGate, resumed?: Extract<ResumePoint, { at: 'gate-round' }>): Promise<DecisionRecord> {
    // Opened inline, not by a helper: an extra await would reorder the commands of journeys recorded before.
    let open: OpenRound;
    let deadline: number;
    let remindAt: number;
    if (resumed) {
      open = state.round!;
      ({ deadline, remindAt } = resumed);
    } else {
      const round = (rounds.get(gate.id) ?? 0) + 1;
      rounds.set(gate.id, round);
      const openedAt = Date.now();
      deadline = addBusinessTime(openedAt, gate.deadline, calendar);
      // Who is asked is looked up now, in the people directory as it is (only where rounds do: an await would reorder old journeys' commands).
      const people = since.peopleAtRound ? await peopleForRound(roundPeopleRequest(gate)) : undefined;
      open = openRound(people ? { ...gate, reviewers: people.reviewers, authorities: people.authorities } : gate, round, iso(openedAt), iso(deadline), state.stage.ready?.fingerprint, since.delegatedAuthority);
      if (!since.exactlyOnce) delete open.phase;
      if (people) {
        Object.assign(open, { standIns: people.standIns, escalateTo: people.escalateTo, admins: people.admins });
        state.admins = people.admins;
        if (people.reviewers.length === 0) open.nobodyLeft = `Nobody is left to review ${gate.name}: ${people.skipped.map((skipped) => `${skipped.email} (${skipped.why})`).join(', ') || 'the gate names nobody in the people directory'}.`;
      }
      state.round = open;
      pendingOpens.length = 0;
      setStatus('in-review');
      await record('gate_opened', {
        name: gate.name,
        reviewers: open.reviewers.map((person) => person.email),
        deadlineAt: open.deadlineAt,
        quorum: gate.quorum,
        votesNeeded: open.votesNeeded,
        ...(people ? { standIns: people.standIns, skipped: people.skipped, escalateTo: people.escalateTo.map((person) => person.email) } : {}),
        ...(open.authorities ? { authorities: open.authorities.map(({ email, budget, source }) => ({ email, budget, source })), estimatedCost: idea.estimatedCost } : {}),
      });
      // A hold asked for as the stage's work finished is this round's decision.
      if (since.exactlyOnce && requests.hold) decide(open, holdResult(requests.hold));
      if (open.phase !== 'closing') {
        if (since.exactlyOnce) open.requested = true;
        await tell('review-request', since.delegatedAuthority ? askedIn(open) : since.peopleAtRound ? open.reviewers : gate.reviewers, { gate: gateFacts(gate, open) });
      }
      remindAt = addBusinessTime(openedAt, gate.reminderEvery, calendar);
    }
    // Only on runs that show StageGateAwaiting: even an await that does nothing would reorder the commands of journeys recorded before.
    if (since.awaitedReviewers && open.phase !== 'closing') await awaitReviewers(open);
    const quorumMet = () => askedCount(open) > 0 && isQuorumMet(gate.quorum, askedCount(open), open.votes);
    /** Nobody is left to ask (all excluded, away or gone): the round escalates at once instead of waiting for its deadline. */
    const nobodyLeft = () => since.peopleAtRound && open.nobodyLeft !== undefined && !open.escalated;
    let decision: DecisionRecord | undefined;
    while (!decision) {
      if (since.boundedHistory) await continueAsNewIfLong({ at: 'gate-round', remindAt, deadline });
      const wakeAt = open.escalated ? remindAt : Math.min(remindAt, deadline);
      const timeout = Math.max(1, wakeAt - Date.now());
      if (since.exactlyOnce) await condition(() => open.phase === 'closing' || nobodyLeft(), timeout);
      else await condition(() => requests.override !== undefined || requests.hold !== undefined || quorumMet() || pendingOpens.length > 0, timeout);
      if (open.decision) {
        decision = open.decision;
      } else if (pendingOpens.length > 0) {
        const opened = pendingOpens.shift()!;
        await record('review_opened', { first: opened.first, sinceOpenedMs: opened.sinceOpenedMs }, opened.reviewer);
      } else if (requests.override) {
        const override = requests.override;
        requests.override = undefined;
        decision = decide(open, { decision: override.decision, decidedBy: 'admin', actor: override.by, reasons: [override.reason], conditions: override.conditions, ...identifiedBy(override) });
      } else if (requests.hold) {
        decision = decide(open, holdResult(requests.hold));
      } else if (quorumMet()) {
        const outcome = decideGate(gate, open.votes);
        decision = decide(open, { ...outcome, decidedBy: 'reviewers' });
      } else if (!open.escalated && (Date.now() >= deadline || nobodyLeft())) {
        const why = nobodyLeft() ? open.nobodyLeft : undefined;
        open.escalated = true;
        const awaiting = open.reviewers.filter((person) => !person.voted);
        const contacts = contactsOf(open, gate);
        await record('escalated', { to: contacts.map((person) => person.email), awaiting: awaiting.map((person) => person.email), onNoDecision: gate.onNoDecision, ...(why ? { why } : {}) });
        await tell('escalation', contacts, { gate: gateFacts(gate, open) });
        // A decision may have come in while the escalation was being told: it stands.
        if (open.decision) {
          decision = open.decision;
        } else if (gate.onNoDecision !== 'escalate') {
          decision = decide(open, {
            decision: gate.onNoDecision,
            decidedBy: 'deadline',
            reasons: [why ? `${why} ${gate.name} applies its rule for no decision, ${gate.onNoDecision}.` : `No decision by the deadline (${open.deadlineAt}): ${gate.name} applies its rule for no decision, ${gate.onNoDecision}.`],
            conditions: [],
          });
        }
        remindAt = Math.max(remindAt, addBusinessTime(Date.now(), gate.reminderEvery, calendar));
      } else if (since.peopleAtRound && open.reviewers.every((person) => person.voted)) {
        // Nobody left to remind: the round waits for its escalation contact or an admin.
        remindAt = addBusinessTime(Date.now(), gate.reminderEvery, calendar);
      } else {
        const awaiting = open.reviewers.filter((person) => !person.voted);
        await tell('review-reminder', awaiting, { gate: gateFacts(gate, open) });
        await record('reminder_sent', { to: awaiting.map((person) => person.email), purpose: 'review-reminder' });
        remindAt = addBusinessTime(since.timersFromNow ? Date.now() : remindAt, gate.reminderEvery, calendar);
      }
    }
    // An idea still without a category takes the one most of this round's votes named.
    const named = since.optionalCategory && state.category === undefined ? categoryOfVotes(open.votes) : undefined;
    if (named) {
      state.category = named.category;
      await record('categorised', { category: named.category, decidedBy: 'reviewers', count: named.votes });
    }
    await record('decided', { ...decision }, decision.actor);
    // Reviewers hear a decision they did not take part in; so do all of them when a vote closed the round before they were asked.
    const unasked = since.exactlyOnce && !open.requested;
    const concerned = decision.decidedBy === 'reviewers' && !unasked ? [idea.submitter, idea.champion] : [idea.submitter, idea.champion, ...(since.delegatedAuthority ? askedIn(open) : since.peopleAtRound ? open.reviewers : gate.reviewers)];
    await tell('decision', concerned, { decision, gate: gateFacts(gate, open) });
    state.round = undefined;
    showAwaiting();
    return decision;
  }

  /** Takes the round's decision: with exactly-once rounds it also closes the round, refusing all that comes after. */
  function decide(open: OpenRound, result: RoundResult): DecisionRecord {
    const decision = since.exactlyOnce ? closeRound(open, result, iso()) : decisionFor(open, result, iso());
    state.decisions.push(decision);
    showAwaiting();
    return decision;
  }

  function holdResult(hold: Hold): RoundResult {
    return { decision: 'hold', decidedBy: 'admin', actor: hold.by, reasons: [hold.reason], conditions: [], ...identifiedBy(hold) };
  }

  /** Parks the idea until an admin resumes it or its revisit date comes. */
  async function parkOnHold(returnTo: 'stage' | 'gate', revisitAfter: number, by: string, reason: string, identified: Partial<Identified> = {}): Promise<void> {
    requests.hold = undefined;
    const revisitAt = Date.now() + revisitAfter;
    state.hold = { by, reason, at: iso(), revisitAt: iso(revisitAt), returnTo };
    setStatus('on-hold');
    await record('held', { reason, revisitAt: state.hold.revisitAt, returnTo, ...identified }, by);
    await tell('held', [idea.submitter, idea.champion], { hold: state.hold, reason });
    const resumedByHand = await condition(() => requests.resume !== undefined, revisitAfter);
    const resume = requests.resume;
    requests.resume = undefined;
    state.hold = undefined;
    await record('resumed', { reason: resume?.reason || (resumedByHand ? '' : 'the revisit date came'), ...identifiedBy(resume) }, resume?.by);
  }

  async function launch(): Promise<IdeaOutcome> {
    const outcome = await end('launched', `${idea.title} is launched.`);
    if (!since.recognition) {
      await record('recognised', { people: uniquePeople([idea.submitter, idea.champion]).map((person) => person.email) });
      await tell('recognition', [idea.submitter, idea.champion]);
      return outcome;
    }
    for (const { person, roles, from } of thanksFor(idea.submitter, idea.champion, state.credited ?? [])) {
      await record('recognised', { person: person.email, personName: person.name, roles, source: idea.source, ...(from ? { from: from.ideaId, fromTitle: from.title } : {}) });
      await tell('recognition', [person], { thanks: { roles, ...(from ? { from } : {}) } });
    }
    return outcome;
  }

  async function withdraw(action: Action): Promise<IdeaOutcome> {
    const reviewers = state.round?.reviewers ?? [];
    const outcome = await end('withdrawn', action.reason || 'withdrawn', action.by, identifiedBy(action));
    await tell('withdrawn', [idea.submitter, idea.champion, ...reviewers], { reason: action.reason, actor: action.by });
    return outcome;
  }

  /**
   * Ends the journey as merged into its survivor: the survivor is told whom to credit (this idea's
   * submitter and everyone credited here), then the people concerned hear why.
   */
  async function mergeInto(merge: Merge & { survivorTitle: string }): Promise<IdeaOutcome> {
    const reviewers = state.round?.reviewers ?? [];
    const people = uniquePeople([idea.submitter, ...(state.credited ?? []).map(({ email, name }) => ({ email, name }))]);
    let credited = true;
    try {
      await getExternalWorkflowHandle(ideaWorkflowId(merge.into)).signal(creditSignal, { from: idea.ideaId, title: idea.title, people, by: merge.by });
    } catch (err) {
      // The survivor ended after the merge was accepted: the merge stands, its credit is noted as not given.
      credited = false;
      log.warn(`Idea ${idea.ideaId}: merged into ${merge.into}, which could not be told to credit ${people.length} people: ${err instanceof Error ? err.message : String(err)}`);
    }
    state.mergedInto = { ideaId: merge.into, title: merge.survivorTitle };
    const outcome = await end('merged', merge.reason || `merged into ${merge.survivorTitle}`, merge.by, { into: merge.into, credited, ...identifiedBy(merge) });
    await tell('merged', [idea.submitter, idea.champion, ...reviewers], { reason: merge.reason, actor: merge.by, survivor: state.mergedInto });
    return { ...outcome, into: merge.into };
  }

  /** Looks for open ideas like this one; a search that keeps failing leaves the idea without, and the journey goes on. */
  async function lookForSimilar(): Promise<void> {
    let similar;
    try {
      similar = await findSimilarIdeas({ ideaId: idea.ideaId, title: idea.title, description: idea.description });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn(`Idea ${idea.ideaId}: similar ideas could not be looked for: ${err.message}`);
      return;
    }
    state.similar = similar;
    if (similar.length > 0) await record('similar_found', { similar });
  }

  async function end(status: IdeaOutcome['status'], reason: string, actor?: string, identified: Record<string, unknown> = {}): Promise<IdeaOutcome> {
    state.endedAt = iso();
    setStatus(status);
    await record(status, { reason, ...identified }, actor);
    state.round = undefined;
    showAwaiting();
    return { ideaId: idea.ideaId, status, at: state.endedAt, reason };
  }

  function reviewerFeedback(): string[] {
    const last = state.decisions[state.decisions.length - 1];
    if (!last) return [];
    return [...last.reasons, ...last.comments.filter((c) => c.comment).map((c) => `${c.reviewer} (${c.decision}): ${c.comment}`)];
  }

  function gateFacts(gate: ResolvedGate, open: OpenRound): Notification['gate'] {
    return {
      id: gate.id,
      name: gate.name,
      round: open.round,
      deadlineAt: open.deadlineAt,
      criteria: gate.criteria.map((criterion) => ({ id: criterion.id, label: criterion.label, minimum: criterion.minimum })),
      awaiting: open.reviewers.filter((person) => !person.voted).map((person) => person.name),
      ...(open.authorities ? { authorities: open.authorities.map(({ email, budget }) => ({ email, budget })), estimatedCost: idea.estimatedCost } : {}),
    };
  }

  function stageFacts(stage: ResolvedStage, feedback: string[]): NonNullable<Notification['stage']> {
    return { id: stage.id, name: stage.name, deliverables: stage.deliverables, dueAt: state.stage.dueAt, feedback };
  }

  function stageState(stage: ResolvedStage, index: number, rework: boolean): IdeaStatus['stage'] {
    const now = Date.now();
    return {
      id: stage.id,
      name: stage.name,
      index,
      of: process.stages.length,
      enteredAt: iso(now),
      dueAt: iso(addBusinessTime(now, stage.duration, calendar)),
      deliverables: stage.deliverables,
      awaitingReady: rework || stage.deliverables.length > 0,
    };
  }
}

function uniquePeople(people: Person[]): Person[] {
  const seen = new Set<string>();
  return people.filter((person) => !seen.has(person.email) && seen.add(person.email));
}

import {
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { KpiReadings, Person } from './inputs';
import { identifiedBy } from './inputs';
import type { NotificationPurpose, Notification } from './notification';
import type { Kpi } from '../config/process';
import { notify, pullKpi, recordEvent } from './activity-proxies';
import { iso } from './calendar';
import { addReading, alertThreshold, answersToCarry, assessReading, meetsTarget, summarise, type KpiTrack } from './kpi-rules';
import { endPilotSignal, pilotAnswerQuery, pilotStatusQuery, recordKpiReadingsUpdate, recordKpiUpdate, reject } from './messages';
import type { EventType, KpiReceipt, PilotCarry, PilotEnd, PilotInput, PilotReading, PilotResult, TakenReading } from './state';

/**
 * Each change to the pilot since it first shipped, by the name of its patch, in the order a run on
 * the old paths takes them (README, "Changing workflows").
 */
const PILOT_CHANGES = {
  /** A check after downtime is followed by the next one a period later, not by one per missed period. */
  checksFromNow: 'pilot-checks-from-now',
  /** Readings are taken only from the champion, the pilot's recorders and the idea's admins, as the idea's snapshot names them. */
  checksRecorders: 'kpi-recorders',
  /**
   * The champion is asked for the manual readings at the start and at every check, whether or not
   * they came in; a KPI without an `alertAt` alerts on any reading short of its target; alerts go
   * to the champion and the idea's admins.
   */
  weekly: 'pilot-weekly-readings',
  /**
   * A burst of readings does not keep the pilot from continuing as new: once its history is long
   * it stops between two readings and carries those taken but not yet recorded to the next run.
   */
  carriesReadings: 'pilot-carries-readings',
} as const;

/** The one patch a pilot run started since it takes instead of a patch per change. */
const EVERY_PILOT_CHANGE = 'pilot-every-change-at-once';

/**
 * Changes since `pilot-every-change-at-once`, each a patch of its own, taken after it.
 * `pilot-bounded-backlog`: readings come in faster than the pilot records them (a flood, or an
 * import of a year's readings through the SDK), so past `MAX_WAITING_READINGS` taken and not yet
 * recorded it turns readings away (`pilot-busy`) until it catches up; what a run carries to the
 * next is at most that many, where before the backlog was carried whole from run to run and grew
 * towards Temporal's 2 MB limit on a payload. And each reading carried keeps the id of the update
 * that brought it: the server can abort an update answered in the task that continued as new and
 * the client sends it again to the next run (temporalio/temporal#6375), which answers it with the
 * receipts it carried instead of taking the readings twice.
 */
const BOUNDED_BACKLOG = 'pilot-bounded-backlog';

/**
 * `pilot-remembers-answers`: the server knows an update's id only in the run that took it, so the
 * same update sent to the next run was taken again once the readings it brought had been recorded:
 * a KPI form sent again after the pilot continued as new, or the client's retry of a call that
 * straddled the continue-as-new (it names no run, so it reaches the newest). The pilot keeps the
 * receipts of every update it answered within `ANSWERS_KEPT_MS`, the newest up to `MAX_RECEIPTS_KEPT`
 * receipts in all, carries them to its next run (`carried.answers`), and answers the same update id with them.
 */
const REMEMBERS_ANSWERS = 'pilot-remembers-answers';

/** How long a pilot answers an update sent again with its first receipts: a retry, a double tap, a form sent again from a page left open. */
export const ANSWERS_KEPT_MS = 24 * 60 * 60 * 1000;

/**
 * The most receipts of answered updates a pilot carries to its next run (about 150 bytes each, with
 * the update's id): counted in receipts, not updates, so forms of many KPIs stay as small, and a
 * flood stays near 100 KB of Temporal's 512 KB payload warning.
 */
export const MAX_RECEIPTS_KEPT = 500;

/** How many readings a pilot holds taken but not yet recorded before it turns more away. */
export const MAX_WAITING_READINGS = 50;

/**
 * A pilot: the idea runs for real for a while. KPI readings come in by hand (an update) or are
 * pulled over HTTP at every check; each is judged against its target, a breach alerts the
 * champion, and a reading past the kill threshold ends the pilot early. It continues as new
 * before its history grows large, carrying its state, so a year-long pilot stays small.
 */
export async function pilotRun(input: PilotInput): Promise<PilotResult> {
  // A run started since `pilot-every-change-at-once` records that one patch and takes every
  // change; an older run's history lacks it, so it takes each change's own patch, in the order it did.
  const everyChange = patched(EVERY_PILOT_CHANGE);
  const { checksFromNow, checksRecorders, weekly, carriesReadings } = Object.fromEntries(
    Object.entries(PILOT_CHANGES).map(([change, patch]) => [change, everyChange || patched(patch)]),
  ) as { [Change in keyof typeof PILOT_CHANGES]: boolean };
  const boundsBacklog = patched(BOUNDED_BACKLOG);
  const remembersAnswers = patched(REMEMBERS_ANSWERS);
  const { pilot } = input;
  const kpis = new Map(pilot.kpis.map((kpi) => [kpi.id, kpi]));
  const carry: PilotCarry = input.carried ?? {
    tracks: Object.fromEntries(pilot.kpis.map((kpi): [string, KpiTrack] => [kpi.id, { kpi: kpi.id, readings: 0, total: 0, recent: [] }])),
    eventSeq: 0,
    notificationSeq: 0,
    lastManualAt: {},
    nextCheckAt: iso(Date.parse(input.startedAt) + pilot.checkEvery),
    alerted: [],
    runs: 0,
  };
  const endsAt = Date.parse(input.endsAt);
  const stream = `pilot-${input.stage.id}-${input.run}`;
  /** Readings accepted by the update handler (or carried from the run before), recorded and acted on by the loop below. */
  const arrived: TakenReading[] = [...(input.carried?.taken ?? [])];
  /**
   * The receipts of the updates answered before, by update id: the same update again is answered
   * with them. On the `pilot-bounded-backlog` path only those whose readings the run before carried
   * here unrecorded; since `pilot-remembers-answers` every update answered lately, in this run or
   * the ones before, oldest first.
   */
  const answers = new Map<string, KpiReceipt[]>(remembersAnswers ? (input.carried?.answers ?? []).map(({ updateId, receipts }) => [updateId, receipts]) : []);
  // A run before `pilot-remembers-answers` carried only its unrecorded readings' update ids.
  const carriedAnswers = new Set(answers.keys());
  if (boundsBacklog) for (const { updateId, receipt } of arrived) if (updateId && !carriedAnswers.has(updateId)) answers.set(updateId, [...(answers.get(updateId) ?? []), receipt]);
  /** The receipts the update being handled was already given, in this run or one before, if it was. */
  const answeredBefore = (): KpiReceipt[] | undefined => (boundsBacklog || remembersAnswers ? answers.get(currentUpdateInfo()?.id ?? '') : undefined);
  /** Keeps the receipts of the update being handled, to answer it with them if it comes again. */
  function answer<Receipts extends KpiReceipt | KpiReceipt[]>(receipts: Receipts): Receipts {
    const id = currentUpdateInfo()?.id;
    if (remembersAnswers && id) answers.set(id, Array.isArray(receipts) ? receipts : [receipts]);
    return receipts;
  }
  /** The id of the update being handled, kept with its readings once the backlog is bounded. */
  const updateIdOf = (): { updateId?: string } => {
    const id = boundsBacklog ? currentUpdateInfo()?.id : undefined;
    return id ? { updateId: id } : {};
  };
  let killedBy: string | undefined;
  /** Set when the idea was put on hold: the pilot ends at once. */
  let heldBy: string | undefined;

  async function record(type: EventType, detail: Record<string, unknown>, actor?: string): Promise<void> {
    carry.eventSeq += 1;
    await recordEvent({
      stream,
      journey: input.journey,
      ideaId: input.ideaId,
      seq: carry.eventSeq,
      type,
      at: iso(),
      process: input.process.id,
      processVersion: input.process.version,
      source: input.source,
      stage: input.stage.id,
      actor,
      detail,
    });
  }

  async function tell(purpose: NotificationPurpose, facts: Partial<NonNullable<Notification['pilot']>>, to: Person[] = [input.champion]): Promise<void> {
    carry.notificationSeq += 1;
    await notify({
      purpose,
      // Numbered apart from the idea's own messages, so their ids never meet.
      seq: 1_000_000 * input.run + carry.notificationSeq,
      journey: input.journey,
      to,
      idea: input.idea,
      stage: { id: input.stage.id, name: input.stage.name, deliverables: [], dueAt: input.endsAt, feedback: [] },
      pilot: { stage: input.stage.id, stageName: input.stage.name, run: input.run, endsAt: input.endsAt, due: [], ...facts },
    });
  }

  setHandler(pilotStatusQuery, () => ({
    ideaId: input.ideaId,
    stage: input.stage.id,
    run: input.run,
    startedAt: input.startedAt,
    endsAt: input.endsAt,
    nextCheckAt: carry.nextCheckAt,
    continuedAsNew: carry.runs,
    summary: summarise(pilot.kpis, carry.tracks),
    ended: ending(),
    ...(checksRecorders ? { recorders: (pilot.recorders ?? []).map((person) => person.email) } : {}),
    ...(pilot.place ? { place: pilot.place } : {}),
    checkEvery: pilot.checkEvery,
  }));

  /** Where a reading stands; on the weekly path a KPI without an alert line alerts below its target. */
  function judge(kpi: Kpi, value: number): Pick<KpiReceipt, 'level' | 'met'> {
    return { level: weekly ? assessReading(kpi, value, { alertBelowTarget: true }) : assessReading(kpi, value), met: meetsTarget(kpi, value) };
  }

  /** Who hears of an alert: the champion, and on the weekly path the idea's admins (the owner, in a small firm). */
  function alerted(): Person[] {
    if (!weekly) return [input.champion];
    return [input.champion, ...(input.admins ?? []).filter((email) => email !== input.champion.email).map((email) => ({ email, name: email }))];
  }

  /** Who may record readings: the champion, the pilot's recorders, the idea's admins. */
  function mayRecord(): string[] {
    return [...new Set([input.champion.email, ...(pilot.recorders ?? []).map((person) => person.email), ...(input.admins ?? [])])];
  }

  setHandler(pilotAnswerQuery, (updateId) => answers.get(updateId));

  setHandler(endPilotSignal, ({ by }) => {
    heldBy ??= by;
  });

  /** This run's history is long enough to continue as new (its own limit, or Temporal's suggestion). */
  function long(): boolean {
    return workflowInfo().historyLength > input.historyLimit || workflowInfo().continueAsNewSuggested;
  }

  function ending(): PilotEnd | undefined {
    if (killedBy) return 'kill-threshold';
    return heldBy ? 'held' : undefined;
  }

  setHandler(
    recordKpiUpdate,
    (reading) => {
      const before = answeredBefore();
      if (before) return before[0]!;
      const kpi = kpis.get(reading.kpi)!;
      const at = iso();
      carry.tracks[kpi.id] = addReading(carry.tracks[kpi.id]!, reading.value, at);
      if (reading.source === 'manual') carry.lastManualAt[kpi.id] = at;
      const receipt: KpiReceipt = { kpi: kpi.id, value: reading.value, ...judge(kpi, reading.value), at };
      arrived.push({ reading, receipt, ...updateIdOf() });
      return answer(receipt);
    },
    {
      validator: (reading) => {
        if (answeredBefore()) return;
        validate(reading.kpi, reading.by);
        roomFor(1);
      },
    },
  );

  /** Turns readings away while the pilot holds its most of them taken and not yet recorded: nothing is taken, the sender tries again. */
  function roomFor(count: number): void {
    if (!boundsBacklog || arrived.length + count <= Math.max(MAX_WAITING_READINGS, kpis.size)) return;
    reject('pilot-busy', `The pilot of ${input.stage.name} is still recording the ${arrived.length} readings it took: nothing was taken, send again in a moment.`);
  }

  function validate(kpi: string, by: string): void {
    if (killedBy || heldBy || Date.now() >= endsAt) reject('pilot-ended', `The pilot of ${input.stage.name} has ended; readings are closed.`);
    if (!kpis.has(kpi)) reject('unknown-kpi', `"${kpi}" is not a KPI of this pilot; its KPIs are ${[...kpis.keys()].join(', ')}.`);
    if (checksRecorders && !mayRecord().includes(by)) {
      reject('not-allowed', `${by} may not record readings for this pilot: readings are taken from the champion (${input.champion.email}), the pilot's recorders or an admin.`);
    }
  }

  // A form's readings: every one is checked before any is taken, so a bad one records none.
  setHandler(
    recordKpiReadingsUpdate,
    ({ readings, ...by }) =>
      answeredBefore() ??
      answer(
        readings.map(({ kpi: id, value }) => {
          const kpi = kpis.get(id)!;
          const at = iso();
          carry.tracks[kpi.id] = addReading(carry.tracks[kpi.id]!, value, at);
          carry.lastManualAt[kpi.id] = at;
          const receipt: KpiReceipt = { kpi: kpi.id, value, ...judge(kpi, value), at };
          arrived.push({ reading: { ...by, kpi: kpi.id, value, source: 'manual' }, receipt, ...updateIdOf() });
          return receipt;
        }),
      ),
    {
      validator: ({ readings, by }: KpiReadings) => {
        if (answeredBefore()) return;
        if (readings.length === 0) reject('unknown-kpi', 'No readings were sent.');
        if (new Set(readings.map((reading) => reading.kpi)).size !== readings.length) reject('unknown-kpi', 'Each KPI may be read once per form.');
        for (const reading of readings) validate(reading.kpi, by);
        roomFor(readings.length);
      },
    },
  );

  async function act(reading: PilotReading, receipt: KpiReceipt): Promise<void> {
    const kpi = kpis.get(reading.kpi)!;
    await record('kpi_recorded', { kpi: kpi.id, value: reading.value, unit: kpi.unit, target: kpi.target, direction: kpi.direction, met: receipt.met, level: receipt.level, source: reading.source, note: reading.note, ...identifiedBy(reading) }, reading.by);
    if (receipt.level !== 'alert' && receipt.level !== 'kill') return;
    const threshold = alertThreshold(kpi, receipt.level);
    await record('kpi_alert', { kpi: kpi.id, value: reading.value, threshold, level: receipt.level });
    const belowTarget = weekly && receipt.level === 'alert' && kpi.alertAt === undefined;
    await tell('kpi-alert', { alert: { kpi: kpi.id, label: kpi.label, unit: kpi.unit, value: reading.value, threshold, level: receipt.level, ...(belowTarget ? { belowTarget } : {}) } }, alerted());
    if (receipt.level === 'kill') killedBy ??= kpi.id;
  }

  /** Pulls every HTTP KPI and asks the champion for manual readings not given since the last check. */
  async function check(previousCheck: number): Promise<void> {
    for (const kpi of pilot.kpis) {
      if (kpi.source.type !== 'http') continue;
      try {
        const value = await pullKpi({ url: kpi.source.url, jsonPath: kpi.source.jsonPath });
        const at = iso();
        carry.tracks[kpi.id] = addReading(carry.tracks[kpi.id]!, value, at);
        await act({ kpi: kpi.id, value, by: kpi.source.url, note: '', source: 'http' }, { kpi: kpi.id, value, ...judge(kpi, value), at });
      } catch (err) {
        await record('kpi_alert', { kpi: kpi.id, level: 'unavailable', error: err instanceof Error ? err.message : String(err) });
      }
      if (killedBy) return;
    }
    const due = pilot.kpis.filter((kpi) => kpi.source.type === 'manual' && (weekly || !(Date.parse(carry.lastManualAt[kpi.id] ?? '') >= previousCheck)));
    if (due.length > 0) {
      await tell('kpi-reminder', { due: due.map((kpi: Kpi) => ({ id: kpi.id, label: kpi.label, unit: kpi.unit, target: kpi.target })), ...(weekly ? { nextCheckAt: carry.nextCheckAt } : {}) });
      await record('reminder_sent', { to: [input.champion.email], purpose: 'kpi-reminder', kpis: due.map((kpi) => kpi.id) });
    }
  }

  const manual = pilot.kpis.filter((kpi) => kpi.source.type === 'manual');
  if (weekly && !input.carried && manual.length > 0) {
    // The champion's first link to the KPI page comes as the pilot starts, not a period later.
    await tell('kpi-reminder', { due: manual.map((kpi) => ({ id: kpi.id, label: kpi.label, unit: kpi.unit, target: kpi.target })), nextCheckAt: carry.nextCheckAt, started: true });
    await record('reminder_sent', { to: [input.champion.email], purpose: 'kpi-reminder', kpis: manual.map((kpi) => kpi.id), started: true });
  }
  while (!killedBy && !heldBy && Date.now() < endsAt) {
    const nextCheck = Date.parse(carry.nextCheckAt);
    await condition(() => arrived.length > 0 || heldBy !== undefined, Math.max(1, Math.min(nextCheck, endsAt) - Date.now()));
    while (arrived.length > 0 && !killedBy) {
      const { reading, receipt } = arrived.shift()!;
      await act(reading, receipt);
      if (carriesReadings && long()) break;
    }
    if (killedBy || heldBy || Date.now() >= endsAt) break;
    if (Date.now() >= nextCheck) {
      carry.nextCheckAt = iso((checksFromNow ? Math.max(nextCheck, Date.now()) : nextCheck) + pilot.checkEvery);
      await check(nextCheck - pilot.checkEvery);
    }
    if (long()) {
      await condition(allHandlersFinished);
      if (carriesReadings) {
        // Taken after the handlers finished and before the run ends: nothing accepted meanwhile is left behind.
        carry.runs += 1;
        await continueAsNew<typeof pilotRun>({ ...input, carried: { ...carry, taken: arrived, ...(remembersAnswers ? { answers: answersToCarry(answers, Date.now() - ANSWERS_KEPT_MS, MAX_RECEIPTS_KEPT) } : {}) } });
      } else if (arrived.length === 0) {
        carry.runs += 1;
        await continueAsNew<typeof pilotRun>({ ...input, carried: carry });
      }
    }
  }
  // Readings that came in at the very end still count.
  while (arrived.length > 0) {
    const { reading, receipt } = arrived.shift()!;
    await act(reading, receipt);
  }
  await condition(allHandlersFinished);
  const summary = summarise(pilot.kpis, carry.tracks);
  const benefit = pilot.kpis.filter((kpi) => kpi.countsAsBenefit).map((kpi) => carry.tracks[kpi.id]!.total);
  return {
    reason: ending() ?? 'duration',
    endedAt: iso(),
    summary,
    realisedBenefit: benefit.length > 0 ? benefit.reduce((sum, value) => sum + value, 0) : undefined,
  };
}

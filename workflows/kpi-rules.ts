import type { Kpi } from '../config/process';

/** How a pilot's KPI readings are judged: pure functions, shared by the pilot workflow and its tests. */

export type KpiLevel = 'on-target' | 'below-target' | 'alert' | 'kill';

export interface KpiTrack {
  kpi: string;
  readings: number;
  latest?: number;
  latestAt?: string;
  total: number;
  /** The last readings, oldest first, for the trend; bounded so a year-long pilot stays small. */
  recent: number[];
  /** When each of `recent` was read, in the same order; absent in pilots started before readings kept their times. */
  recentAt?: string[];
}

/** One reading as pages and the CLI show it: when it was taken (unknown for pilots older than reading times) and its value. */
export interface KpiPoint {
  at?: string;
  value: number;
}

export interface KpiSummary {
  kpi: string;
  label: string;
  unit: string;
  direction: Kpi['direction'];
  target: number;
  readings: number;
  latest?: number;
  total: number;
  trend?: 'up' | 'down' | 'flat';
  met: boolean;
  /** The alert and kill lines, when the KPI has them. */
  alertAt?: number;
  killAt?: number;
  /** Read by a person (the KPI page, the CLI, the SDK) rather than pulled over HTTP. */
  manual?: boolean;
  /** The latest readings, oldest first (at most RECENT_READINGS): the readings so far of a short pilot. */
  recent?: KpiPoint[];
}

export const RECENT_READINGS = 12;

const better = (kpi: Pick<Kpi, 'direction'>, value: number, than: number) => (kpi.direction === 'higher' ? value >= than : value <= than);
const worseOrEqual = (kpi: Pick<Kpi, 'direction'>, value: number, than: number) => (kpi.direction === 'higher' ? value <= than : value >= than);

export function meetsTarget(kpi: Pick<Kpi, 'direction' | 'target'>, value: number): boolean {
  return better(kpi, value, kpi.target);
}

/**
 * Where one reading stands: on target, short of it, past the alert threshold, or past the kill
 * threshold. With `alertBelowTarget`, a KPI without an `alertAt` alerts on any reading short of its target.
 */
export function assessReading(kpi: Pick<Kpi, 'direction' | 'target' | 'alertAt' | 'killAt'>, value: number, options: { alertBelowTarget?: boolean } = {}): KpiLevel {
  if (kpi.killAt !== undefined && worseOrEqual(kpi, value, kpi.killAt)) return 'kill';
  if (kpi.alertAt !== undefined && worseOrEqual(kpi, value, kpi.alertAt)) return 'alert';
  if (meetsTarget(kpi, value)) return 'on-target';
  return options.alertBelowTarget && kpi.alertAt === undefined ? 'alert' : 'below-target';
}

/** The threshold an alert of this level was raised against: the kill line, the alert line, or the target itself. */
export function alertThreshold(kpi: Pick<Kpi, 'target' | 'alertAt' | 'killAt'>, level: 'alert' | 'kill'): number {
  return (level === 'kill' ? kpi.killAt : kpi.alertAt ?? kpi.target)!;
}

export function addReading(track: KpiTrack, value: number, at: string): KpiTrack {
  return {
    kpi: track.kpi,
    readings: track.readings + 1,
    latest: value,
    latestAt: at,
    total: track.total + value,
    recent: [...track.recent, value].slice(-RECENT_READINGS),
    // Times line up with the values from the first reading that has one; older readings show without a time.
    recentAt: [...(track.recentAt ?? []), at].slice(-RECENT_READINGS),
  };
}

/** The recent readings of a track with their times, oldest first; readings older than reading times have none. */
export function pointsOf(track: KpiTrack): KpiPoint[] {
  const times = track.recentAt ?? [];
  const offset = track.recent.length - times.length;
  return track.recent.map((value, index) => (index >= offset ? { at: times[index - offset], value } : { value }));
}

/** Up, down or flat: the mean of the newer half of the recent readings against the older half, within 2 %. */
export function trendOf(recent: number[]): KpiSummary['trend'] {
  if (recent.length < 2) return undefined;
  const half = Math.floor(recent.length / 2);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const older = mean(recent.slice(0, half));
  const newer = mean(recent.slice(recent.length - half));
  const tolerance = Math.abs(older) * 0.02;
  if (newer > older + tolerance) return 'up';
  if (newer < older - tolerance) return 'down';
  return 'flat';
}

export function summarise(kpis: Kpi[], tracks: Record<string, KpiTrack>): KpiSummary[] {
  return kpis.map((kpi) => {
    const track = tracks[kpi.id] ?? { kpi: kpi.id, readings: 0, total: 0, recent: [] };
    return {
      kpi: kpi.id,
      label: kpi.label,
      unit: kpi.unit,
      direction: kpi.direction,
      target: kpi.target,
      readings: track.readings,
      latest: track.latest,
      total: track.total,
      trend: trendOf(track.recent),
      met: track.latest !== undefined && meetsTarget(kpi, track.latest),
      ...(kpi.alertAt !== undefined ? { alertAt: kpi.alertAt } : {}),
      ...(kpi.killAt !== undefined ? { killAt: kpi.killAt } : {}),
      manual: kpi.source.type === 'manual',
      recent: pointsOf(track),
    };
  });
}

/** How a firm writes numbers: its decimal separator and the one it groups thousands with, from its locale. */
export interface NumberSeparators {
  locale: string;
  decimal: string;
  group: string;
}

/** Spaces a locale may group digits with (fr-FR's narrow no-break space, a no-break space, a plain one): typed, they are all the same. */
const SPACES = ' \u00a0\u202f';

/** The separators of a BCP 47 locale (`en-GB`, `de-DE`, `fr-FR`), as Intl writes numbers in it. */
export function numberSeparators(locale: string): NumberSeparators {
  const parts = new Intl.NumberFormat(locale).formatToParts(12345.5);
  const decimal = parts.find((part) => part.type === 'decimal')?.value ?? '.';
  const group = parts.find((part) => part.type === 'group')?.value ?? ',';
  return { locale, decimal, group: SPACES.includes(group) ? ' ' : group };
}

export const DEFAULT_LOCALE = 'en-GB';
const EN_GB: NumberSeparators = { locale: DEFAULT_LOCALE, decimal: '.', group: ',' };

/** Enough digits for any reading; more is a paste gone wrong. */
const KPI_NUMBER_MAX_LENGTH = 30;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What a typed KPI value says: a number, or why it is refused, in words that say how to write it. */
export type KpiNumberReading = { value: number } | { problem: string };

/**
 * The one grammar of a KPI value typed by a person, in every channel (CLI, SDK, the KPI page),
 * read by the firm's locale (its decimal separator, and the one it groups thousands with):
 *
 * - a plain decimal with an optional sign and at most one decimal separator, the locale's
 *   (en-GB `620`, `-3`, `4.5`; de-DE and fr-FR `4,5`);
 * - digit groups only in the locale's own grouping (1–3 digits, then groups of exactly 3) and
 *   only where they cannot be read as a decimal: with a decimal part (en-GB `1,250.5`, de-DE
 *   `1.250,5`) or with more than one group (`1,250,000`);
 * - refused, never guessed: one group of three digits and nothing else (en-GB `1,250`, de-DE
 *   `1.250`: a thousand and more, or a fraction in the other convention), the other
 *   convention's separator (en-GB `4,5`, de-DE `4.5`), hex, octal, binary, exponents, Infinity, NaN.
 */
export function readKpiNumber(text: string, separators: NumberSeparators = EN_GB): KpiNumberReading {
  const trimmed = text.trim();
  const shown = `"${trimmed.length > KPI_NUMBER_MAX_LENGTH ? `${trimmed.slice(0, KPI_NUMBER_MAX_LENGTH)}…` : trimmed}"`;
  const { decimal, group, locale } = separators;
  const example = `620, -3 or 4${decimal}5`;
  const notANumber = { problem: `${shown} is not a number: write a plain decimal like ${example} (no hex or exponents)` };
  if (trimmed.length > KPI_NUMBER_MAX_LENGTH) return notANumber;
  // Any space the locale groups with, typed as any kind of space.
  const typed = group === ' ' ? trimmed.replace(/[\u00a0\u202f]/g, ' ') : trimmed;
  const [d, g] = [escape(decimal), escape(group)];
  const plain = new RegExp(`^[+-]?(?:\\d+(?:${d}\\d*)?|${d}\\d+)$`);
  const read = (digits: string) => Number(digits.replace(decimal, '.'));
  if (plain.test(typed)) return { value: read(typed) };
  /** Digits with one "." or "," three from the end: a whole number where it groups thousands, a fraction where it is the decimal separator. */
  const ambiguous = (sign: string, digits: string, separator: string): KpiNumberReading => {
    const whole = `${sign}${digits.replace(separator, '')}`;
    const fraction = `${sign}${String(Number(digits.replace(separator, '.'))).replace('.', decimal)}`;
    return { problem: `${shown} could mean ${whole} or ${fraction}: write ${whole} (without "${separator}") for the whole number, or ${fraction} for the fraction (in ${locale} the decimal separator is "${decimal}")` };
  };
  const grouped = new RegExp(`^([+-]?)(\\d{1,3}(?:${g}\\d{3})+)(${d}\\d+)?$`).exec(typed);
  if (grouped) {
    const groups = grouped[2]!.split(group).length - 1;
    const ungrouped = `${grouped[1]}${grouped[2]!.split(group).join('')}${grouped[3] ?? ''}`;
    // A space or an apostrophe separates nothing but thousands anywhere; a "." or "," alone is a decimal separator elsewhere.
    if (grouped[3] !== undefined || groups > 1 || !'.,'.includes(group)) return { value: read(ungrouped) };
    return ambiguous(grouped[1]!, grouped[2]!, group);
  }
  // The other convention's decimal separator: say which one this firm writes; a group of three after it could be either.
  const foreign = decimal === '.' ? ',' : '.';
  const other = new RegExp(`^([+-]?)(\\d*${escape(foreign)}\\d+)$`).exec(typed);
  if (other) {
    if (/^\d{1,3}[.,]\d{3}$/.test(other[2]!)) return ambiguous(other[1]!, other[2]!, foreign);
    return { problem: `${shown} is not a number in ${locale}: the decimal separator is "${decimal}", so write ${typed.replace(foreign, decimal)}${group === foreign ? ` ("${group}" only groups thousands, as in 1${group}250${decimal}5)` : ''}` };
  }
  return notANumber;
}

/** Why a typed KPI value is refused, or undefined when it reads as a number. */
export function kpiNumberProblem(text: string, separators: NumberSeparators = EN_GB): string | undefined {
  const reading = readKpiNumber(text, separators);
  return 'problem' in reading ? reading.problem : undefined;
}

/** The value of a typed KPI reading, or undefined when it does not follow the grammar. */
export function parseKpiNumber(text: string, separators: NumberSeparators = EN_GB): number | undefined {
  const reading = readKpiNumber(text, separators);
  return 'value' in reading ? reading.value : undefined;
}

/** A reading against its KPI's lines, in words for pages and the CLI: "on target", "12 short of target", "past the kill line (20)". */
export function againstTarget(kpi: Pick<KpiSummary, 'direction' | 'target' | 'alertAt' | 'killAt'>, value: number): string {
  const level = assessReading(kpi, value);
  if (level === 'kill') return `past the kill line (${kpi.killAt})`;
  if (level === 'on-target') return 'on target';
  const short = `${+Math.abs(kpi.target - value).toPrecision(12)} ${kpi.direction === 'higher' ? 'short of' : 'over'} target`;
  return level === 'alert' ? `${short}, past the alert line (${kpi.alertAt})` : short;
}

/**
 * What a pilot carries to its next run of the updates it answered (`pilot-remembers-answers`): from
 * the newest back, those answered since `since` (ms since the epoch, by their first receipt's time),
 * up to `maxReceipts` receipts in all; oldest first, as they were answered. `answers` is oldest first.
 */
export function answersToCarry<Receipt extends { at: string }>(answers: Iterable<[string, Receipt[]]>, since: number, maxReceipts: number): { updateId: string; receipts: Receipt[] }[] {
  const kept: { updateId: string; receipts: Receipt[] }[] = [];
  let count = 0;
  for (const [updateId, receipts] of [...answers].reverse()) {
    if (!(Date.parse(receipts[0]?.at ?? '') >= since) || count + receipts.length > maxReceipts) break;
    count += receipts.length;
    kept.unshift({ updateId, receipts });
  }
  return kept;
}

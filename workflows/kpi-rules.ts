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
}

export const RECENT_READINGS = 12;

const better = (kpi: Pick<Kpi, 'direction'>, value: number, than: number) => (kpi.direction === 'higher' ? value >= than : value <= than);
const worseOrEqual = (kpi: Pick<Kpi, 'direction'>, value: number, than: number) => (kpi.direction === 'higher' ? value <= than : value >= than);

export function meetsTarget(kpi: Pick<Kpi, 'direction' | 'target'>, value: number): boolean {
  return better(kpi, value, kpi.target);
}

/** Where one reading stands: on target, short of it, past the alert threshold, or past the kill threshold. */
export function assessReading(kpi: Pick<Kpi, 'direction' | 'target' | 'alertAt' | 'killAt'>, value: number): KpiLevel {
  if (kpi.killAt !== undefined && worseOrEqual(kpi, value, kpi.killAt)) return 'kill';
  if (kpi.alertAt !== undefined && worseOrEqual(kpi, value, kpi.alertAt)) return 'alert';
  return meetsTarget(kpi, value) ? 'on-target' : 'below-target';
}

export function addReading(track: KpiTrack, value: number, at: string): KpiTrack {
  return {
    kpi: track.kpi,
    readings: track.readings + 1,
    latest: value,
    latestAt: at,
    total: track.total + value,
    recent: [...track.recent, value].slice(-RECENT_READINGS),
  };
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
    };
  });
}

/**
 * The one grammar of a KPI value typed by a person, in every channel (CLI, SDK, the KPI page): a
 * plain decimal with an optional sign and at most one decimal separator, `.` or `,` (620, -3,
 * 4.5, 4,5). No hex, octal, binary, exponents, digit groups, Infinity or NaN: `0x10` is refused,
 * never read as 16.
 */
const KPI_NUMBER = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$/;
/** Enough digits for any reading; more is a paste gone wrong. */
const KPI_NUMBER_MAX_LENGTH = 30;

export function kpiNumberProblem(text: string): string {
  return `"${text.length > KPI_NUMBER_MAX_LENGTH ? `${text.slice(0, KPI_NUMBER_MAX_LENGTH)}…` : text}" is not a number: write a plain decimal like 620, -3 or 4.5 (no hex, exponents or digit groups)`;
}

/** The value of a typed KPI reading, or undefined when it does not follow the grammar. */
export function parseKpiNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed.length > KPI_NUMBER_MAX_LENGTH || !KPI_NUMBER.test(trimmed)) return undefined;
  return Number(trimmed.replace(',', '.'));
}

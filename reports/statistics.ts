/** The counting and the few statistics reports share. */

/**
 * Nearest-rank percentile: the value at rank ceil(p/100 × n) of the n values in ascending order,
 * so always a value that was observed. Undefined when there are none.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  return atRank(ascending(values), p);
}

/** The values in ascending order, as numbers sort natively (a comparator is three times slower over a report's 100,000 durations). */
function ascending(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

function atRank(sorted: Float64Array, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  // p × n in integers first: 0.9 × 30 is 27.000000000000004 in floating point.
  return sorted[Math.max(1, Math.ceil((p * sorted.length) / 100)) - 1];
}

/**
 * How long something took, over many: how many, the median and the 90th percentile, both by
 * nearest rank (for an even count the median is the lower of the two middle values).
 */
export interface DurationSummary {
  count: number;
  medianMs?: number;
  p90Ms?: number;
}

export function summariseDurations(durations: readonly number[]): DurationSummary {
  const sorted = ascending(durations);
  return { count: durations.length, medianMs: atRank(sorted, 50), p90Ms: atRank(sorted, 90) };
}

/** part / whole; undefined when there is no whole to divide by. */
export function ratio(part: number, whole: number): number | undefined {
  return whole === 0 ? undefined : part / whole;
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** The value kept under `key`, made by `create` the first time. */
export function entryFor<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

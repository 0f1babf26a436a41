import { z } from 'zod';

/**
 * The period a report covers. An event counts when `from <= at < to`; a missing end is open.
 * A date means midnight UTC, so `from: 2026-11-01, to: 2026-12-01` is November.
 *
 * Every report sees the log as it stood at `to`: nothing that happened at or after `to` counts,
 * so a report of a past period never changes. Events before `from` are still read, for the
 * history of the ideas a report counts (the submission of an idea launched in the range).
 */
export interface ReportRange {
  from?: string;
  to?: string;
}

const instant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], {
    error: (issue) => `expected a date like 2026-11-01 (or an ISO time), got ${JSON.stringify(issue.input)}`,
  })
  .transform((text) => new Date(text).toISOString());

/** A range as callers give it (CLI flags, SDK, HTTP query), turned into ISO times in UTC. */
export const reportRangeSchema = z
  .object({ from: instant.optional(), to: instant.optional() })
  .strict()
  .refine((range) => !range.from || !range.to || range.from < range.to, { path: ['to'], message: 'must be after from' });

/** The range as a test on event times. */
export interface Period {
  /** `from <= at < to`. */
  contains(at: string): boolean;
  /** `at < to`: known when the range ended. */
  known(at: string): boolean;
}

export function period(range: ReportRange): Period {
  const from = range.from ? Date.parse(range.from) : -Infinity;
  const to = range.to ? Date.parse(range.to) : Infinity;
  return {
    contains: (at) => from <= Date.parse(at) && Date.parse(at) < to,
    known: (at) => Date.parse(at) < to,
  };
}
